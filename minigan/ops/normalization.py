"""Batch normalisation as one node (the functional form is
:func:`minigan.nn.functional.batch_norm`, which checks its arguments and
updates the running statistics).

For x of shape (N, C, *), per channel c over the m = N * prod(*) values,

    xhat = (x - mean) * invstd,   invstd = 1 / sqrt(var + eps)    (var biased)
    y    = xhat * w + b

and, with the batch's own statistics (they depend on every x of the batch),

    db = sum g,   dw = sum g * xhat,
    dx = w * invstd * (g - db / m - xhat * dw / m)

(Ioffe & Szegedy 2015, section 3). With fixed (running) statistics the last
line is just dx = w * invstd * g.

Two backwards, one formula:

* no graph being recorded (a plain training step): the formula above on
  arrays, in a few full-size passes instead of the dozen nodes of a
  composite;
* ``create_graph=True`` (a gradient penalty differentiates this gradient):
  the same formula written with ops, with the mean and invstd *recomputed*
  from the input Tensor rather than taken from forward's arrays, so their
  dependence on every x of the batch is in the graph. Using the cached
  arrays there gives a right first and a wrong second derivative (DeZero's
  batch norm does; ``tests/nn/test_normalization.py`` shows gradgradcheck
  rejecting it).
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor
from ..fast import parallel


class BatchNorm(Function):
    """y = (x - mean) * invstd * w + b per channel (see the module docstring).

    Inputs: x, then ``w`` (C,) if ``affine_weight``, then ``b`` (C,) if
    ``affine_bias``. ``stats`` is None to use the batch's statistics (kept
    afterwards as ``batch_mean`` and ``batch_var``, (C,) arrays, for the
    running averages), or a (mean, var) pair of (C,) arrays held constant.
    """

    def __init__(self, eps, stats=None, affine_weight=True, affine_bias=True):
        self.eps = eps
        self.stats = stats
        self.affine_weight, self.affine_bias = affine_weight, affine_bias

    def _shape(self, x):
        return (1, x.shape[1]) + (1,) * (x.ndim - 2), (0,) + tuple(range(2, x.ndim))

    def forward(self, x, *affine):
        xp = self.xp
        stat_shape, axes = self._shape(x)
        eps = x.dtype.type(self.eps)
        y = xp.empty_like(x)  # x's memory order
        self.mean = xp.empty(stat_shape, dtype=x.dtype)
        self.invstd = xp.empty(stat_shape, dtype=x.dtype)
        var = xp.empty(stat_shape, dtype=x.dtype)
        w = affine[0].reshape(stat_shape) if self.affine_weight else None
        b = affine[-1].reshape(stat_shape) if self.affine_bias else None

        def channels(lo, hi):  # the pass for channels [lo, hi): they are independent
            c = slice(lo, hi)
            xs, ys, mean = x[:, c], y[:, c], self.mean[:, c]
            if self.stats is None:
                mean[...] = xs.mean(axis=axes, keepdims=True)
                xp.subtract(xs, mean, out=ys)
                var[:, c] = (ys * ys).mean(axis=axes, keepdims=True)
            else:
                mean[...] = self.stats[0].reshape(stat_shape)[:, c]
                var[:, c] = self.stats[1].reshape(stat_shape)[:, c]
                xp.subtract(xs, mean, out=ys)
            self.invstd[:, c] = 1.0 / xp.sqrt(var[:, c] + eps)
            ys *= self.invstd[:, c] if w is None else self.invstd[:, c] * w[:, c]
            if b is not None:
                ys += b[:, c]

        parallel.in_halves(channels, x.shape[1], x.size, xp)
        if self.stats is None:
            self.batch_mean, self.batch_var = self.mean.reshape(-1), var.reshape(-1)
        return y

    def backward(self, g):
        x = self.inputs[0]
        w = self.inputs[1] if self.affine_weight else None
        needs = self.needs_input_grad
        need_x, need_w = needs[0], self.affine_weight and needs[1]
        need_b = self.affine_bias and needs[-1]
        if is_grad_enabled():
            gx, gw, gb = self._backward_graph(x, w, g, need_x, need_w, need_b)
        else:
            gx, gw, gb = self._backward_arrays(x._data, None if w is None else w._data, g._data,
                                               need_x, need_w, need_b)
        return (gx,) + ((gw,) if self.affine_weight else ()) + ((gb,) if self.affine_bias else ())

    def _backward_arrays(self, x, w, g, need_x, need_w, need_b):
        xp = self.xp
        stat_shape, axes = self._shape(x)
        m = x.size // x.shape[1]
        gw_c = xp.empty(x.shape[1], dtype=x.dtype)
        gb_c = xp.empty(x.shape[1], dtype=x.dtype)
        t = xp.empty_like(g) if need_x else None

        def channels(lo, hi):  # the pass for channels [lo, hi): they are independent
            c = slice(lo, hi)
            xhat = x[:, c] - self.mean[:, c]
            xhat *= self.invstd[:, c]
            gs = g[:, c]
            gw_c[c] = (gs * xhat).sum(axis=axes)
            gb_c[c] = gs.sum(axis=axes)
            if need_x:
                ts = t[:, c]
                scale = self.invstd[:, c] if w is None else self.invstd[:, c] * \
                    w.reshape(stat_shape)[:, c]
                if self.stats is None:
                    # dx = scale * (g - db / m - xhat * dw / m)
                    xp.multiply(xhat, (gw_c[c] / m).reshape(1, -1, *stat_shape[2:]), out=ts)
                    xp.subtract(gs, ts, out=ts)
                    ts -= (gb_c[c] / m).reshape(1, -1, *stat_shape[2:])
                    ts *= scale
                else:
                    xp.multiply(gs, scale, out=ts)

        parallel.in_halves(channels, x.shape[1], x.size, xp)
        return (Tensor._wrap(t) if need_x else None, Tensor._wrap(gw_c) if need_w else None,
                Tensor._wrap(gb_c) if need_b else None)

    def _backward_graph(self, x, w, g, need_x, need_w, need_b):
        from .elementwise import sqrt
        from .reduce import mean, sum
        from .shape import reshape

        stat_shape, axes = self._shape(x)
        if self.stats is None:
            mu = mean(x, axis=axes, keepdims=True)
            xc = x - mu
            invstd = 1.0 / sqrt(mean(xc * xc, axis=axes, keepdims=True) + self.eps)
        else:
            xc = x - Tensor._wrap(self.mean)
            invstd = Tensor._wrap(self.invstd)
        xhat = xc * invstd
        gx = gw = gb = None
        if need_w or (need_x and self.stats is None):
            gw = sum(g * xhat, axis=axes)
        if need_b or (need_x and self.stats is None):
            gb = sum(g, axis=axes)
        if need_x:
            scale = invstd if w is None else invstd * reshape(w, stat_shape)
            if self.stats is None:
                m = x.numel() // x.shape[1]
                g = g - reshape(gb, stat_shape) / m - xhat * (reshape(gw, stat_shape) / m)
            gx = g * scale
        return gx, gw if need_w else None, gb if need_b else None
