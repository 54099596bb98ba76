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
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops.normalization import BatchNormFn
from . import parallel, register


def _forward(fn, x, *affine):
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
    gx = Tensor._wrap(t) if need_x else None
    gw = Tensor._wrap(gw_c) if need_w else None
    gb = Tensor._wrap(gb_c) if need_b else None
    return (gx,) + ((gw,) if fn.affine_weight else ()) + ((gb,) if fn.affine_bias else ())


register(BatchNormFn, forward=_forward, backward=_backward)
