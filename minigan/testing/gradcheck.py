"""Checking analytic gradients against central differences.

For f: R^n -> R^m the central difference

    df/dx_k ~= (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)

has error O(eps^2) from truncation and O(u / eps) from rounding (u is the
unit roundoff). In float32 (u ~ 6e-8) no eps makes both small, which is why
the checks insist on float64 (u ~ 1e-16, eps = 1e-6: error ~ 1e-10).

Two modes (Chainer's and PyTorch's ideas):

* ``"full"``: the whole Jacobian, one column per input element (two forward
  passes each) and one row per output element (one backward each). Failures
  name the input, the element, the output element and both values.
* ``"random"``: for each input separately, a random direction u and a random
  output weighting v; compares v^T J u (numeric, two forward passes) with
  <grad(v . f), u> (analytic, one backward). Its cost does not grow with tensor
  size, so it suits conv-sized inputs.

``gradgradcheck`` is ``gradcheck`` applied to the function that returns the
first-order gradients (computed with ``create_graph=True``): if those are
right, the second derivatives are too.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.engine import grad
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with finite differences."""


def _as_tuple(x):
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _check_inputs(inputs, name):
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError(f"{name}: no input requires grad; call .requires_grad_() on the inputs to check")
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != np.float64:
            raise TypeError(
                f"{name}: input {i} has dtype {x.dtype}; gradient checks need float64 inputs "
                "(float32 rounding error swamps finite differences). Use x.double() or "
                "minigan.tensor(..., dtype=minigan.float64)."
            )


def _outputs(fn, inputs):
    with enable_grad():
        out = fn(*inputs)
    out = _as_tuple(out)
    for j, o in enumerate(out):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: output {j} of fn is a {type(o).__name__}, expected a Tensor")
    return out


def _flat_values(fn, inputs):
    xp = backend.get_array_module(inputs[0].array)
    outs = _outputs(fn, inputs)
    return xp.concatenate([o.array.astype(np.float64).ravel() for o in outs]) if outs else xp.zeros(0)


def _vjp(outs, diff_inputs, vs, retain=True):
    """<v, f> differentiated w.r.t. each input; zeros where unused."""
    live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if not live:
        return [backend.get_array_module(x.array).zeros(x.shape) for x in diff_inputs]
    grads = grad([o for o, _ in live], diff_inputs, [v for _, v in live],
                 retain_graph=retain, allow_unused=True)
    result = []
    for x, g in zip(diff_inputs, grads):
        if g is None:
            result.append(backend.get_array_module(x.array).zeros(x.shape))
            continue
        if g.shape != x.shape:
            raise GradcheckError(f"gradient has shape {g.shape} but its input has shape {x.shape}")
        if g.dtype != x.dtype:
            raise GradcheckError(f"gradient has dtype {g.dtype} but its input has dtype {x.dtype}")
        result.append(g.array)
    return result


# The numeric derivatives perturb an input in place and put its exact value
# back. They write through ``x.data`` (x's array under a version counter of its
# own), so graphs already recorded from x, which are only run once x is
# restored, stay usable: x's own version does not move.

def _numeric_column(fn, inputs, x, idx, eps):
    view = x.data
    orig = view.array[idx].copy()
    view[idx] = orig + eps
    plus = _flat_values(fn, inputs)
    view[idx] = orig - eps
    minus = _flat_values(fn, inputs)
    view[idx] = orig
    return (plus - minus) / (2 * eps)


def _numeric_directional(fn, inputs, x, u, v_flat, eps):
    view = x.data
    orig = view.array.copy()
    view.copy_(orig + eps * u)
    plus = _flat_values(fn, inputs)
    view.copy_(orig - eps * u)
    minus = _flat_values(fn, inputs)
    view.copy_(orig)
    return float(((plus - minus) / (2 * eps) * v_flat).sum())


def _close(a, n, atol, rtol):
    return abs(a - n) <= atol + rtol * abs(n)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, mode="auto", n_directions=3,
              check_zero_grad=True, check_backward_twice=True, raise_exception=True, seed=0):
    """Compare ``fn``'s analytic gradients with central differences.

    ``fn`` maps the Tensors ``inputs`` to a Tensor or a tuple of Tensors.
    Inputs with ``requires_grad`` are checked (they must be float64); others
    are held constant. ``mode`` is ``"full"``, ``"random"`` or ``"auto"``
    (full Jacobian when inputs and outputs have at most 256 elements each).
    Returns True, or raises :class:`GradcheckError` naming the input, the
    element and both values (returns False instead if ``raise_exception`` is
    False). Also checks that a zero upstream gradient gives zero gradients and
    that a second backward through a retained graph gives the same result.
    """
    inputs = _as_tuple(inputs)
    try:
        _check_inputs(inputs, "gradcheck")
        _gradcheck(fn, inputs, eps, atol, rtol, mode, n_directions, check_zero_grad,
                   check_backward_twice, seed)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _gradcheck(fn, inputs, eps, atol, rtol, mode, n_directions, check_zero_grad,
               check_backward_twice, seed):
    diff = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    diff_inputs = [x for _, x in diff]
    xp = backend.get_array_module(diff_inputs[0].array)
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    out_sizes = [o.array.size for o in outs]
    offsets = np.cumsum([0] + out_sizes)
    n_in = sum(x.array.size for x in diff_inputs)
    if mode == "auto":
        mode = "full" if n_in <= 256 and sum(out_sizes) <= 256 else "random"
    if mode not in ("full", "random"):
        raise ValueError(f"gradcheck mode must be 'full', 'random' or 'auto', got {mode!r}")

    def out_name(k):
        j = int(np.searchsorted(offsets, k, side="right") - 1)
        elem = np.unravel_index(k - offsets[j], outs[j].shape) if outs[j].ndim else ()
        return f"output {j}, element {tuple(int(e) for e in elem)}"

    if mode == "full":
        # analytic Jacobian, one row per output element
        total = int(offsets[-1])
        analytic = [np.zeros((total, x.array.size)) for x in diff_inputs]
        for k in range(total):
            vs = []
            for j, o in enumerate(outs):
                v = xp.zeros(o.array.size, dtype=o.dtype)
                if offsets[j] <= k < offsets[j + 1]:
                    v[k - offsets[j]] = 1
                vs.append(Tensor.from_array(v.reshape(o.shape)))
            for a, g in zip(analytic, _vjp(outs, diff_inputs, vs)):
                a[k] = backend.to_device(g, "cpu").ravel()
        for (i, x), a in zip(diff, analytic):
            for flat in range(x.array.size):
                idx = np.unravel_index(flat, x.shape) if x.ndim else ()
                num = backend.to_device(_numeric_column(fn, inputs, x, idx, eps), "cpu")
                for k in range(total):
                    if not _close(a[k, flat], num[k], atol, rtol):
                        raise GradcheckError(
                            f"Jacobian mismatch for input {i}, element "
                            f"{tuple(int(e) for e in idx)}, {out_name(k)}:\n"
                            f"    analytic: {float(a[k, flat])!r}\n    numeric:  {float(num[k])!r}\n"
                            f"(atol={atol}, rtol={rtol}, eps={eps})"
                        )
    else:
        for _ in range(n_directions):
            vs = [Tensor.from_array(xp.asarray(rng.standard_normal(o.shape), dtype=o.dtype)) for o in outs]
            v_flat = xp.concatenate([v.array.astype(np.float64).ravel() for v in vs])
            g_all = _vjp(outs, diff_inputs, vs)
            for (i, x), g in zip(diff, g_all):
                u = xp.asarray(rng.standard_normal(x.shape))
                ana = float((g * u).sum())
                num = _numeric_directional(fn, inputs, x, u, v_flat, eps)
                if not _close(ana, num, atol, rtol):
                    raise GradcheckError(
                        f"directional derivative mismatch for input {i} (shape {x.shape}) along a "
                        f"random direction:\n    analytic: {ana!r}\n    numeric:  {num!r}\n"
                        f"(atol={atol}, rtol={rtol}, eps={eps}); use mode='full' on a smaller "
                        "input to find the element"
                    )

    if check_zero_grad:
        zeros = [Tensor.from_array(xp.zeros(o.shape, dtype=o.dtype)) for o in outs]
        for (i, x), g in zip(diff, _vjp(outs, diff_inputs, zeros)):
            if bool(xp.any(g != 0)):
                raise GradcheckError(f"a zero upstream gradient gave a non-zero gradient for input {i}")
    if check_backward_twice:
        vs = [Tensor.from_array(xp.asarray(rng.standard_normal(o.shape), dtype=o.dtype)) for o in outs]
        first = _vjp(outs, diff_inputs, vs)
        second = _vjp(outs, diff_inputs, vs)
        for (i, x), a, b in zip(diff, first, second):
            if not bool(xp.allclose(a, b, rtol=1e-12, atol=1e-12)):
                raise GradcheckError(f"backward gave different gradients for input {i} when run twice")


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, mode="auto",
                  n_directions=3, raise_exception=True, seed=0):
    """Check second derivatives: :func:`gradcheck` of the map
    ``(inputs, v) -> grad(<v, fn(inputs)>, inputs, create_graph=True)``.

    ``grad_outputs`` (the v) are random float64 tensors unless given; they
    are checked as inputs too, since the first-order gradient is linear in v.
    """
    inputs = _as_tuple(inputs)
    _check_inputs(inputs, "gradgradcheck")
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed + 1)
    xp = backend.get_array_module(inputs[0].array)
    if grad_outputs is None:
        grad_outputs = tuple(
            Tensor(xp.asarray(rng.standard_normal(o.shape), dtype=np.float64), requires_grad=True)
            for o in outs
        )
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradgradcheck: {len(outs)} outputs but {len(grad_outputs)} grad_outputs")
    n = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_order(*args):
        xs, vs = args[:n], args[n:]
        out = _outputs(fn, xs)
        live = [(o, v) for o, v in zip(out, vs) if o.requires_grad]
        targets = [xs[i] for i in diff_idx]
        grads = grad([o for o, _ in live], targets, [v for _, v in live], create_graph=True,
                     allow_unused=True) if live else [None] * len(targets)
        return tuple(g if g is not None else Tensor.from_array(xp.zeros(t.shape, dtype=t.dtype))
                     for g, t in zip(grads, targets))

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, mode=mode,
                     n_directions=n_directions, check_zero_grad=False, check_backward_twice=False,
                     raise_exception=raise_exception, seed=seed)
