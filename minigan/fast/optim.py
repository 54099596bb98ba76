"""The optimizers' fast updates: in place, in one pass, on two threads.

:mod:`minigan.optim` writes each update as its docstring's math, one array
expression per line; every expression allocates a fresh array. Here the
same update runs with the same arithmetic in the same order (so the numbers
are bitwise the reference's, which ``tests/optim/test_fast_optim.py``
checks), but

* every intermediate is written with ``out=`` into one of two scratch
  arrays kept per optimizer and reused across parameters and steps: a fresh
  temporary per parameter per step costs page faults that, on small models,
  rival the arithmetic itself;
* the state arrays (moments, buffers) and the parameter are updated in
  place;
* a gradient that arrives transposed (a Linear weight's is ``(x^T g)^T``)
  is made contiguous once, which beats a dozen strided passes;
* Adam's whole update runs as two halves of the flattened arrays on two
  threads at once (:func:`elementwise_update`), when
  :func:`minigan.fast.parallel.in_halves` finds that it pays: Adam's step on
  the MLP GAN's generator took 2.0 ms instead of 3.3 on a 2-core machine.

With numba installed, each update is instead one compiled pass over the
parameter on all BLAS threads (:mod:`minigan.fast.kernels.optim`; the same
numbers, bitwise), whenever the parameter, its gradient and its state are
C-contiguous arrays of one float dtype; otherwise the passes below run.

Each ``*_update(opt, p, grad, state, hyper)`` takes the optimizer (for
its scratch arrays), the parameter, its gradient array (in its dtype, never
written into: the engine may share it), the parameter's state dict (already
initialised and its step counted) and the dict of the group's
hyper-parameters that the reference ``_update`` takes as keywords (a dict,
not keywords: unpacking them per parameter costs more than the update of a
small one).
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from . import kernels, parallel

__all__ = ["adam_update", "elementwise_update", "rmsprop_update", "sgd_update"]


def _work(opt, like, slot: int = 0):
    """A scratch array shaped like ``like`` (contents undefined), kept on
    ``opt`` and reused across parameters and steps: one buffer per slot,
    module and dtype, as large as the largest parameter, and a view of it
    per shape (looked up first: on a small model the look-up is the cost)."""
    views = opt.__dict__.setdefault("_work_views", {})
    view = views.get((slot, type(like), like.shape, like.dtype))
    if view is not None:
        return view
    pool = opt.__dict__.setdefault("_work_arrays", {})
    xp = backend.get_array_module(like)
    key = (slot, xp.__name__, like.dtype)
    buf = pool.get(key)
    if buf is None or buf.size < like.size:
        buf = pool[key] = xp.empty(like.size, dtype=like.dtype)
        views.clear()  # views of the old buffer would keep it alive
    view = views[(slot, type(like), like.shape, like.dtype)] = buf[:like.size].reshape(like.shape)
    return view


def _bump_version(p) -> None:
    """``p._version += 1`` (an in-place change), on the shared counter directly:
    the property's getter and setter cost more than a small parameter's update."""
    p._vc[0] += 1


def _flat_for_kernel(theta, *arrays):
    """``theta`` and ``arrays`` as flat views for a one-pass kernel (a
    compiled loop over one index), or None when one of them is not a
    C-contiguous array of theta's float dtype and shape."""
    if theta.dtype not in (np.float32, np.float64):
        return None
    flat = []
    for a in (theta,) + arrays:
        if a.dtype != theta.dtype or a.shape != theta.shape or not a.flags.c_contiguous:
            return None
        flat.append(a.reshape(-1))
    return flat


def _lerp_weights(weight: float):
    """(small, w) for a lerp of weight ``weight`` done as torch does it
    (:func:`_lerp_`): small = |weight| < 0.5, w the factor of that formula."""
    small = abs(weight) < 0.5
    return small, (weight if small else 1.0 - weight)


def elementwise_update(fn, arrays, xp=np) -> None:
    """Run ``fn(*arrays)``, an elementwise in-place update of same-shaped
    arrays (``None`` entries are passed through), as two calls on the two
    halves of the flattened arrays, on two threads at once, when
    :func:`minigan.fast.parallel.in_halves` finds it pays and every array is
    C-contiguous (so flattening is free). The numbers are exactly one
    call's."""
    present = [a for a in arrays if a is not None]
    size = present[0].size
    if not parallel.pays(size, xp) or not all(a.flags.c_contiguous for a in present):
        fn(*arrays)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]

    def part(lo, hi):
        fn(*[None if a is None else a[lo:hi] for a in flat])

    parallel.in_halves(part, size, size, xp)


def _lerp_(start, end, weight: float, work=None):
    """``start += weight * (end - start)`` in place, rounded as ``torch.lerp_``
    rounds it (it switches formula at ``weight = 0.5`` for accuracy).
    ``work``, an array shaped like ``start``, spares a temporary."""
    xp = backend.get_array_module(start)
    diff = xp.subtract(end, start, out=work)
    if abs(weight) < 0.5:
        diff *= weight
        start += diff
    else:
        # end - (end - start) * (1 - weight)
        diff *= 1.0 - weight
        xp.subtract(end, diff, out=start)
    return start


def sgd_update(opt, p, grad, state, hyper: dict) -> None:
    """:meth:`minigan.optim.SGD._update`, with the momentum buffer and the
    parameter updated in place."""
    lr, momentum, dampening = hyper["lr"], hyper["momentum"], hyper["dampening"]
    weight_decay, nesterov, maximize = hyper["weight_decay"], hyper["nesterov"], hyper["maximize"]
    theta = p._data
    d = grad
    if theta.flags.c_contiguous and not d.flags.c_contiguous:  # a transposed gradient
        d = backend.get_array_module(d).ascontiguousarray(d)
    k = kernels.load("optim", backend.get_array_module(theta))
    buf = state.get("momentum_buffer") if momentum != 0 else None
    if k is not None and (momentum == 0 or buf is not None):
        flat = _flat_for_kernel(theta, d, theta if momentum == 0 else buf)
        if flat is not None:
            f = theta.dtype.type
            kernels.pick(k.sgd, theta.size)(
                flat[0], flat[1], flat[2], maximize, f(weight_decay), f(momentum),
                f(1.0 - dampening), dampening != 0, nesterov, f(lr))
            _bump_version(p)
            return
    d = -d if maximize else d
    if weight_decay != 0:
        d = d + weight_decay * theta
    if momentum != 0:
        if buf is None:
            buf = state["momentum_buffer"] = d.copy()
        else:
            buf *= momentum
            buf += d if dampening == 0 else (1.0 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    theta -= lr * d
    _bump_version(p)


def adam_update(opt, p, grad, state, hyper: dict) -> None:
    """:meth:`minigan.optim.Adam._update` as one in-place pass through
    two scratch arrays, split over two threads (:func:`elementwise_update`)."""
    lr, beta1, beta2, eps = hyper["lr"], hyper["beta1"], hyper["beta2"], hyper["eps"]
    weight_decay, amsgrad, maximize = hyper["weight_decay"], hyper["amsgrad"], hyper["maximize"]
    theta = p._data
    xp = backend.get_array_module(theta)
    t = state["step"]
    g = grad
    if theta.flags.c_contiguous and not g.flags.c_contiguous:  # a transposed gradient
        g = xp.ascontiguousarray(g)
    amax = state.get("max_exp_avg_sq") if amsgrad else None
    k = kernels.load("optim", xp)
    flat = None if k is None else _flat_for_kernel(
        theta, g, state["exp_avg"], state["exp_avg_sq"], theta if amax is None else amax)
    if flat is not None:
        f = theta.dtype.type
        small, w1 = _lerp_weights(1.0 - beta1)
        decay = 0 if weight_decay == 0 else 2 if hyper["decoupled"] else 1
        kernels.pick(k.adam, theta.size)(
            *flat, amax is not None, maximize, decay, f(weight_decay),
            f(1.0 - lr * weight_decay), small, f(w1), f(beta2), f(1.0 - beta2),
            f(math.sqrt(1.0 - beta2 ** t)), f(eps), f(-(lr / (1.0 - beta1 ** t))))
        _bump_version(p)
        return
    g = -g if maximize else g
    if weight_decay != 0:
        if hyper["decoupled"]:
            theta *= 1.0 - lr * weight_decay
        else:
            g = g + weight_decay * theta
    m, v = state["exp_avg"], state["exp_avg_sq"]
    work, denom = _work(opt, theta, 0), _work(opt, theta, 1)
    step_size = lr / (1.0 - beta1 ** t)
    bias2_sqrt = math.sqrt(1.0 - beta2 ** t)

    def update(theta, g, m, v, work, denom, amax):
        _lerp_(m, g, 1.0 - beta1, work)
        v *= beta2
        xp.multiply(g, 1.0 - beta2, out=work)
        work *= g
        v += work
        if amax is not None:
            xp.maximum(amax, v, out=amax)
            v = amax
        xp.sqrt(v, out=denom)
        denom /= bias2_sqrt
        denom += eps
        xp.multiply(m, -step_size, out=work)
        work /= denom
        theta += work

    elementwise_update(update, (theta, g, m, v, work, denom, amax), xp)
    _bump_version(p)


def rmsprop_update(opt, p, grad, state, hyper: dict) -> None:
    """:meth:`minigan.optim.RMSprop._update` in place, through two scratch
    arrays."""
    lr, alpha, eps, weight_decay = hyper["lr"], hyper["alpha"], hyper["eps"], hyper["weight_decay"]
    momentum, centered, maximize = hyper["momentum"], hyper["centered"], hyper["maximize"]
    theta = p._data
    xp = backend.get_array_module(theta)
    g = grad
    if theta.flags.c_contiguous and not g.flags.c_contiguous:  # a transposed gradient
        g = xp.ascontiguousarray(g)
    k = kernels.load("optim", xp)
    flat = None if k is None else _flat_for_kernel(
        theta, g, state["square_avg"], state["grad_avg"] if centered else theta,
        state["momentum_buffer"] if momentum > 0 else theta)
    if flat is not None:
        f = theta.dtype.type
        small, w1 = _lerp_weights(1.0 - alpha)
        kernels.pick(k.rmsprop, theta.size)(
            *flat, maximize, f(weight_decay), f(alpha), f(1.0 - alpha), centered, small,
            f(w1), f(eps), f(momentum), f(lr), f(-lr))
        _bump_version(p)
        return
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * theta

    v, work, s = state["square_avg"], _work(opt, theta, 0), _work(opt, theta, 1)
    v *= alpha
    xp.multiply(g, 1.0 - alpha, out=work)
    work *= g
    v += work
    if centered:
        gbar = _lerp_(state["grad_avg"], g, 1.0 - alpha, work)
        xp.multiply(gbar, gbar, out=work)
        xp.subtract(v, work, out=s)
        xp.sqrt(s, out=s)
    else:
        xp.sqrt(v, out=s)
    s += eps

    if momentum > 0:
        buf = state["momentum_buffer"]
        buf *= momentum
        xp.divide(g, s, out=work)
        buf += work
        xp.multiply(buf, lr, out=work)
        theta -= work
    else:
        xp.multiply(g, -lr, out=work)
        work /= s
        theta += work
    _bump_version(p)
