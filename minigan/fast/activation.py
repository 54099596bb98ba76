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
* With numba (:mod:`minigan.fast.kernels.activation`): ReLU and LeakyReLU
  forwards, and the ReLU, LeakyReLU, tanh and sigmoid backwards with the
  mask or the derivative fused in, as one pass on all BLAS threads, for
  arrays laid out alike in memory (any one order of axes, no gaps), else the
  passes above. tanh and sigmoid keep NumPy's forwards: NumPy's are
  vectorised, a compiled loop calls libm's scalar tanh (45x slower).
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops import activation as ops
from ..ops.elementwise import AbsFn
from . import kernels, parallel, register


def _flat(*arrays):
    """Flat views of same-shaped float arrays that share one memory layout
    without gaps (C order, or any permutation of it: a batch-innermost conv
    output), for an elementwise kernel; None if they do not."""
    a = arrays[0]
    if not a.size or not kernels.supports(*arrays):
        return None
    if all(b.flags.c_contiguous for b in arrays):
        return [b.reshape(-1) for b in arrays]
    order = sorted(range(a.ndim), key=lambda ax: -abs(a.strides[ax]))
    t = a.transpose(order)
    if not t.flags.c_contiguous:
        return None
    if any(b.strides != a.strides or b.dtype != a.dtype for b in arrays[1:]):
        return None
    return [b.transpose(order).reshape(-1) for b in arrays]


def _unary_kernel(fn, x, name, *scalars):
    """y = kernel ``name``(x) into an array laid out like x, or None."""
    k = kernels.load("activation", fn.xp)
    if k is None:
        return None
    y = fn.xp.empty_like(x)
    flat = _flat(x, y)
    if flat is None:
        return None
    kernels.pick(getattr(k, name), x.size)(*flat, *(x.dtype.type(c) for c in scalars))
    return y


def _binary_kernel(fn, g, a, name, *scalars):
    """out = kernel ``name``(g, a) (a backward), laid out like a, or None."""
    k = kernels.load("activation", fn.xp)
    if k is None or g.dtype != a.dtype:
        return None
    out = fn.xp.empty_like(a)
    flat = _flat(a, g, out)
    if flat is None:
        return None
    kernels.pick(getattr(k, name), a.size)(flat[1], flat[0], flat[2],
                                           *(a.dtype.type(c) for c in scalars))
    return Tensor._wrap(out)


def _times_slope_backward(fn, g):
    (x,) = fn.inputs
    slope = getattr(fn, "slope", 0.0)
    fused = _binary_kernel(fn, g._data, x._data, "times_slope", slope)
    if fused is not None:
        return fused
    return Tensor._wrap(g._data * ops.slope_mask(x._data, slope))


def _relu_forward(fn, x):
    y = _unary_kernel(fn, x, "relu")
    return fn.xp.maximum(x, 0) if y is None else y


def _tanh_backward(fn, g):
    y = fn.output(0)._data
    fused = _binary_kernel(fn, g._data, y, "tanh_backward", 1.0)
    return fused if fused is not None else ops.TanhFn.backward(fn, g)


def _sigmoid_backward(fn, g):
    y = fn.output(0)._data
    fused = _binary_kernel(fn, g._data, y, "sigmoid_backward", 1.0)
    return fused if fused is not None else ops.SigmoidFn.backward(fn, g)


def _abs_backward(fn, g):
    (x,) = fn.inputs
    return Tensor._wrap(g._data * fn.xp.sign(x._data))


def _leaky_relu_forward(fn, x):
    y = _unary_kernel(fn, x, "leaky_relu", fn.slope)
    if y is not None:
        return y
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


register(ops.ReLUFn, forward=_relu_forward, backward=_times_slope_backward)
register(ops.LeakyReLUFn, forward=_leaky_relu_forward, backward=_times_slope_backward)
register(ops.TanhFn, backward=_tanh_backward)
register(ops.SigmoidFn, backward=_sigmoid_backward)
register(AbsFn, backward=_abs_backward)
register(ops.SoftmaxFn, forward=_softmax_forward, backward=_softmax_backward)
