"""Fast activations: array-only backwards, LeakyReLU without a mask, and
softmax's passes split over two threads.

* ReLU / LeakyReLU / abs backward (no graph recorded): g * s(x) as one array
  product, where the reference builds a node of g and x that keeps x in the
  gradient's graph.
* LeakyReLU forward: for 0 <= slope <= 1, leaky_relu(x) = max(x, slope x),
  two passes and no boolean mask.
* Softmax: forward and backward on blocks of rows, two blocks on two threads
  (:func:`minigan.fast.parallel.in_halves`) split along the axis of largest
  stride other than the normalised one, so each thread reduces over whole
  rows and the numbers are bitwise one thread's. The backward is
  y * (g - sum(g * y)) in three passes and one buffer.
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops import activation as ops
from ..ops.elementwise import AbsFn
from . import parallel, register


def _times_slope_backward(fn, g):
    (x,) = fn.inputs
    return Tensor._wrap(g._data * ops.slope_mask(x._data, getattr(fn, "slope", 0.0)))


def _abs_backward(fn, g):
    (x,) = fn.inputs
    return Tensor._wrap(g._data * fn.xp.sign(x._data))


def _leaky_relu_forward(fn, x):
    slope = x.dtype.type(fn.slope)
    y = x * slope
    if 0 <= fn.slope <= 1:  # then leaky_relu(x) = max(x, slope x): no mask needed
        return fn.xp.maximum(x, y, out=y)
    return fn.xp.where(x > 0, x, y)


def _softmax_forward(fn, x):
    xp, axis = fn.xp, fn.axis
    if not x.size:
        return xp.empty_like(x)
    e = xp.empty_like(x)

    def rows(index):  # the pass for a block of rows: each is normalised alone
        xs, es = x[index], e[index]
        m = xp.max(xs, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype)
        xp.subtract(xs, m, out=es)
        xp.exp(es, out=es)
        es /= es.sum(axis=axis, keepdims=True)

    _by_rows(xp, rows, x, axis)
    return e


def _softmax_backward(fn, g):
    xp, axis = fn.xp, fn.axis
    ga, ya = g._data, fn.output(0)._data
    t = xp.empty_like(ya)

    def rows(index):
        ts = t[index]
        xp.multiply(ga[index], ya[index], out=ts)
        s = ts.sum(axis=axis, keepdims=True)
        xp.subtract(ga[index], s, out=ts)
        ts *= ya[index]

    _by_rows(xp, rows, ya, axis)
    return Tensor._wrap(t)


def _by_rows(xp, fn, x, axis):
    """``fn(index)`` over all of ``x``, or over two halves on two threads
    (:func:`minigan.fast.parallel.in_halves`) split along the axis of largest
    stride other than ``axis``, which each call reduces over whole."""
    others = [a for a in range(x.ndim) if a != axis % x.ndim and x.shape[a] > 1]
    if not others:
        fn(Ellipsis)
        return
    split = max(others, key=lambda a: abs(x.strides[a]))
    head = (slice(None),) * split
    parallel.in_halves(lambda lo, hi: fn(head + (slice(lo, hi),)), x.shape[split], x.size, xp)


register(ops.ReLUFn, backward=_times_slope_backward)
register(ops.LeakyReLUFn, forward=_leaky_relu_forward, backward=_times_slope_backward)
register(AbsFn, backward=_abs_backward)
register(ops.SoftmaxFn, forward=_softmax_forward, backward=_softmax_backward)
