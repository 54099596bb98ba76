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

The backward is that formula written with ops, with the mean and invstd
*recomputed* from the input Tensor rather than taken from forward's arrays,
so their dependence on every x of the batch is in the graph and the
gradient can be differentiated again (a gradient penalty does). Using the
cached arrays there gives a right first and a wrong second derivative
(DeZero's batch norm does; ``tests/nn/test_normalization.py`` shows
gradgradcheck rejecting it). The fast layer (:mod:`minigan.fast.normalization`)
runs the first derivative on arrays, split by channels over two threads.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor


class BatchNormFn(Function):
    """y = (x - mean) * invstd * w + b per channel (see the module docstring).

    Inputs: x, then ``w`` (C,) if ``affine_weight``, then ``b`` (C,) if
    ``affine_bias``. ``stats`` is None to use the batch's statistics (kept
    afterwards as ``batch_mean`` and ``batch_var``, (C,) arrays, for the
    running averages), or a (mean, var) pair of (C,) arrays held constant.
    Forward keeps ``mean`` and ``invstd`` ((1, C, 1, ...) arrays).
    """

    def __init__(self, eps, stats=None, affine_weight=True, affine_bias=True):
        self.eps = eps
        self.stats = stats
        self.affine_weight, self.affine_bias = affine_weight, affine_bias

    def _shape(self, x):
        return (1, x.shape[1]) + (1,) * (x.ndim - 2), (0,) + tuple(range(2, x.ndim))

    def forward(self, x, *affine):
        stat_shape, axes = self._shape(x)
        if self.stats is None:
            mean = x.mean(axis=axes, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
            self.batch_mean, self.batch_var = mean.reshape(-1), var.reshape(-1)
        else:
            mean, var = (s.reshape(stat_shape).astype(x.dtype, copy=False) for s in self.stats)
        self.mean, self.invstd = mean, 1.0 / self.xp.sqrt(var + x.dtype.type(self.eps))
        y = (x - mean) * self.invstd
        if self.affine_weight:
            y *= affine[0].reshape(stat_shape)
        if self.affine_bias:
            y += affine[-1].reshape(stat_shape)
        return y

    def backward(self, g):
        from .elementwise import sqrt
        from .reduce import mean, sum
        from .shape import reshape

        x = self.inputs[0]
        w = self.inputs[1] if self.affine_weight else None
        needs = self.needs_input_grad
        need_x, need_w = needs[0], self.affine_weight and needs[1]
        need_b = self.affine_bias and needs[-1]
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
        return ((gx,) + ((gw if need_w else None,) if self.affine_weight else ())
                + ((gb if need_b else None,) if self.affine_bias else ()))
