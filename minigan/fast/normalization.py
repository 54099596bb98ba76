"""Fast batch norm: forward and first derivative on arrays, channels split
over two threads.

Channels are independent, so each pass (statistics, normalisation, the
gradient sums and dx) runs for a range of channels, and
:func:`minigan.fast.parallel.in_halves` gives each of two threads half of
them: the numbers are bitwise one thread's. The backward (no graph
recorded) is the formula of :mod:`minigan.ops.normalization` in a few
full-size passes instead of the dozen nodes of the reference backward,
reusing forward's mean and invstd (correct for a first derivative; the
reference backward, which every second derivative uses, recomputes them).

With numba, both run as compiled passes over one channel per thread, on
all BLAS threads (:mod:`minigan.fast.kernels.normalization`), whenever x
and g can be viewed as (C, A, B) without a copy.
"""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..ops.normalization import BatchNormFn
from . import kernels, parallel, register


def _channel_view(a, order):
    """a (N, C, *) as a (C, A, B) view, A and B the batch and the flattened
    other axes in ``order`` ("ns" or "sn"), or None if that needs a copy."""
    n, c = a.shape[:2]
    v = a.reshape(n, c, -1)
    if v.size and not np.shares_memory(v, a):  # reshape had to copy
        return None
    return v.transpose(1, 0, 2) if order == "ns" else v.transpose(1, 2, 0)


def _kernel_views(fn, x, *others):
    """(C, A, B) views of x and ``others`` (same shape), in the order of x's
    strides, for :mod:`minigan.fast.kernels.normalization`; or None."""
    k = kernels.load("normalization", fn.xp)
    if k is None or x.ndim < 2 or not x.size or not kernels.supports(x, *others):
        return None
    n, c = x.shape[:2]
    v = x.reshape(n, c, -1)
    order = "ns" if abs(v.strides[0]) >= abs(v.strides[2]) else "sn"
    views = [_channel_view(a, order) for a in (x,) + others]
    return None if any(v is None for v in views) else (k, views)


def _kernel_forward(fn, x, affine):
    y = fn.xp.empty_like(x)
    found = _kernel_views(fn, x, y)
    if found is None:
        return None
    k, (xv, yv) = found
    xp, c = fn.xp, x.shape[1]
    stat_shape = fn._shape(x)[0]
    w = affine[0] if fn.affine_weight else xp.empty(1, dtype=x.dtype)
    b = affine[-1] if fn.affine_bias else xp.empty(1, dtype=x.dtype)
    if fn.stats is None:
        mean, var = xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
    else:
        mean, var = (xp.array(s, dtype=x.dtype).reshape(-1) for s in fn.stats)
    invstd = xp.empty(c, dtype=x.dtype)
    kernels.pick(k.forward, x.size)(xv, yv, w.reshape(-1).astype(x.dtype, copy=False),
                                    b.reshape(-1).astype(x.dtype, copy=False),
                                    fn.affine_weight, fn.affine_bias, fn.stats is not None,
                                    mean, var, invstd, x.dtype.type(fn.eps))
    fn.mean, fn.invstd = mean.reshape(stat_shape), invstd.reshape(stat_shape)
    if fn.stats is None:
        fn.batch_mean, fn.batch_var = mean, var
    return y


def _kernel_backward(fn, x, w, g, need_x):
    t = fn.xp.empty_like(g)
    found = _kernel_views(fn, x, g, t)
    if found is None:
        return None
    k, (xv, gv, tv) = found
    xp, c = fn.xp, x.shape[1]
    gw, gb = xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
    w = w.reshape(-1) if w is not None else xp.empty(1, dtype=x.dtype)
    kernels.pick(k.backward, x.size)(xv, gv, tv, w.astype(x.dtype, copy=False), fn.affine_weight,
                                     need_x, fn.stats is not None, fn.mean.reshape(-1),
                                     fn.invstd.reshape(-1), gw, gb)
    return t, gw, gb


def _forward(fn, x, *affine):
    y = _kernel_forward(fn, x, affine)
    if y is not None:
        return y
    xp = fn.xp
    stat_shape, axes = fn._shape(x)
    eps = x.dtype.type(fn.eps)
    y = xp.empty_like(x)  # x's memory order
    fn.mean = xp.empty(stat_shape, dtype=x.dtype)
    fn.invstd = xp.empty(stat_shape, dtype=x.dtype)
    var = xp.empty(stat_shape, dtype=x.dtype)
    w = affine[0].reshape(stat_shape) if fn.affine_weight else None
    b = affine[-1].reshape(stat_shape) if fn.affine_bias else None

    def channels(lo, hi):  # the pass for channels [lo, hi): they are independent
        c = slice(lo, hi)
        xs, ys, mean = x[:, c], y[:, c], fn.mean[:, c]
        if fn.stats is None:
            mean[...] = xs.mean(axis=axes, keepdims=True)
            xp.subtract(xs, mean, out=ys)
            var[:, c] = (ys * ys).mean(axis=axes, keepdims=True)
        else:
            mean[...] = fn.stats[0].reshape(stat_shape)[:, c]
            var[:, c] = fn.stats[1].reshape(stat_shape)[:, c]
            xp.subtract(xs, mean, out=ys)
        fn.invstd[:, c] = 1.0 / xp.sqrt(var[:, c] + eps)
        ys *= fn.invstd[:, c] if w is None else fn.invstd[:, c] * w[:, c]
        if b is not None:
            ys += b[:, c]

    parallel.in_halves(channels, x.shape[1], x.size, xp)
    if fn.stats is None:
        fn.batch_mean, fn.batch_var = fn.mean.reshape(-1), var.reshape(-1)
    return y


def _backward(fn, g):
    x = fn.inputs[0]._data
    w = fn.inputs[1]._data if fn.affine_weight else None
    g = g._data
    needs = fn.needs_input_grad
    need_x, need_w = needs[0], fn.affine_weight and needs[1]
    need_b = fn.affine_bias and needs[-1]
    fused = _kernel_backward(fn, x, w if fn.affine_weight else None, g, need_x)
    if fused is not None:
        t, gw_c, gb_c = fused
    else:
        t, gw_c, gb_c = _numpy_backward(fn, x, w, g, need_x)
    gx = Tensor._wrap(t) if need_x else None
    gw = Tensor._wrap(gw_c) if need_w else None
    gb = Tensor._wrap(gb_c) if need_b else None
    return (gx,) + ((gw,) if fn.affine_weight else ()) + ((gb,) if fn.affine_bias else ())


def _numpy_backward(fn, x, w, g, need_x):
    xp = fn.xp
    stat_shape, axes = fn._shape(x)
    m = x.size // x.shape[1]
    gw_c = xp.empty(x.shape[1], dtype=x.dtype)
    gb_c = xp.empty(x.shape[1], dtype=x.dtype)
    t = xp.empty_like(g) if need_x else None

    def channels(lo, hi):  # the pass for channels [lo, hi): they are independent
        c = slice(lo, hi)
        xhat = x[:, c] - fn.mean[:, c]
        xhat *= fn.invstd[:, c]
        gs = g[:, c]
        gw_c[c] = (gs * xhat).sum(axis=axes)
        gb_c[c] = gs.sum(axis=axes)
        if need_x:
            ts = t[:, c]
            scale = fn.invstd[:, c] if w is None else fn.invstd[:, c] * w.reshape(stat_shape)[:, c]
            if fn.stats is None:
                # dx = scale * (g - db / m - xhat * dw / m)
                xp.multiply(xhat, (gw_c[c] / m).reshape(1, -1, *stat_shape[2:]), out=ts)
                xp.subtract(gs, ts, out=ts)
                ts -= (gb_c[c] / m).reshape(1, -1, *stat_shape[2:])
                ts *= scale
            else:
                xp.multiply(gs, scale, out=ts)

    parallel.in_halves(channels, x.shape[1], x.size, xp)
    return t, gw_c, gb_c


register(BatchNormFn, forward=_forward, backward=_backward)
