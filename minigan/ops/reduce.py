"""Reductions: sum, mean, var, std, max, min, logsumexp.

Axis arguments accept NumPy's names (``axis``, ``keepdims``) and PyTorch's
(``dim``, ``keepdim``). Only ``Sum`` and ``Max`` are primitive ops; the rest
are compositions, so their gradients (and second gradients) come for free.
"""
from __future__ import annotations

import builtins
from collections import namedtuple

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._operands import as_tensor, constant
from .shape import broadcast_to, getitem, reshape

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(a % builtins.max(ndim, 1) for a in axes)) if ndim else ()


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _pick(axis, dim, keepdims, keepdim):
    return (dim if dim is not None else axis), bool(keepdim if keepdim is not None else keepdims)


class Sum(Function):
    """y = sum of x over ``axes``;  dx = g broadcast back to x's shape."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return self.xp.sum(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        (x,) = self._inputs
        return broadcast_to(reshape(g, _kept_shape(x.shape, self.axes)), x.shape)


class Max(Function):
    """y = max of x over ``axes`` (``sign=-1`` gives min);  dx = g shared equally
    among the positions that attain the maximum."""

    def __init__(self, axes, keepdims, sign=1):
        self.axes, self.keepdims, self.sign = axes, keepdims, sign

    def forward(self, x):
        f = self.xp.max if self.sign > 0 else self.xp.min
        return f(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        (x,) = self.inputs
        xp = self.xp
        y = self.output(0)._data.reshape(_kept_shape(x.shape, self.axes))
        hit = (x._data == y).astype(g.dtype)
        hit /= hit.sum(axis=self.axes, keepdims=True)
        return broadcast_to(reshape(g, _kept_shape(x.shape, self.axes)), x.shape) * constant(xp.asarray(hit))


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    return Sum(_axes(axis, x.ndim), keepdims)(x)


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    axes = _axes(axis, x.ndim)
    n = 1
    for a in axes:
        n *= x.shape[a]
    return sum(x, axes, keepdims) / float(n)


def var(x, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None, unbiased=None):
    """Variance with Bessel's ``correction`` (1 = unbiased, PyTorch's default;
    0 = biased, NumPy's default)."""
    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    axes = _axes(axis, x.ndim)
    n = 1
    for a in axes:
        n *= x.shape[a]
    d = x - mean(x, axes, keepdims=True)
    return sum(d * d, axes, keepdims) / float(builtins.max(n - correction, 0))


def std(x, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None, unbiased=None):
    from .elementwise import sqrt

    return sqrt(var(x, axis, keepdims, correction, dim=dim, keepdim=keepdim, unbiased=unbiased))


def amax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    return Max(_axes(axis, x.ndim), keepdims, 1)(x)


def amin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    return Max(_axes(axis, x.ndim), keepdims, -1)(x)


def _max_or_min(x, axis, keepdims, dim, keepdim, sign):
    x = as_tensor(x)
    if isinstance(dim, Tensor):  # torch.max(input, other): elementwise
        from .elementwise import maximum, minimum

        return (maximum if sign > 0 else minimum)(x, dim)
    if dim is not None and not isinstance(dim, (tuple, list)):
        # PyTorch: x.max(dim) returns (values, indices)
        keep = bool(keepdim if keepdim is not None else keepdims)
        xp = backend.get_array_module(x._data)
        arg = xp.argmax if sign > 0 else xp.argmin
        if x.ndim == 0:
            return MaxResult(Max((), keep, sign)(x), constant(xp.asarray(arg(x._data))))
        (d,) = _axes(dim, x.ndim)
        idx = arg(x._data, axis=d, keepdims=True)
        # the values are a gather at the indices, so a tie's whole gradient
        # goes to the returned index, as in PyTorch (amax shares it instead)
        index = tuple(idx if a == d else xp.arange(n).reshape([-1 if b == a else 1
                                                              for b in range(x.ndim)])
                      for a, n in enumerate(x.shape))
        values = getitem(x, index)
        if not keep:
            values = reshape(values, x.shape[:d] + x.shape[d + 1:])
            idx = idx.reshape(x.shape[:d] + x.shape[d + 1:])
        return MaxResult(values, constant(idx))
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    return Max(_axes(axis, x.ndim), keepdims, sign)(x)


def max(x, dim=None, keepdim=None, *, axis=None, keepdims=False):  # noqa: A001
    """Largest element, PyTorch's ``torch.max``: ``max(x)`` is the largest
    value; ``max(x, dim)`` (an int, positional or ``dim=``) returns
    ``(values, indices)``, and the gradient of the values flows to those
    indices only (ties included); ``max(x, other)`` with a Tensor is the
    elementwise maximum. NumPy's ``axis=`` (an int or a tuple, as does a
    tuple ``dim``) gives the values only, with the gradient shared among ties."""
    return _max_or_min(x, axis, keepdims, dim, keepdim, 1)


def min(x, dim=None, keepdim=None, *, axis=None, keepdims=False):  # noqa: A001
    """Smallest element, PyTorch's ``torch.min`` (see :func:`max`): an int
    ``dim`` returns ``(values, indices)``, a Tensor gives the elementwise minimum."""
    return _max_or_min(x, axis, keepdims, dim, keepdim, -1)


def logsumexp(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m = max(x)
    held constant, so it never overflows (m cancels in the gradient)."""
    from .elementwise import exp, log

    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    axes = _axes(axis, x.ndim)
    xp = backend.get_array_module(x._data)
    m = xp.max(x._data, axis=axes, keepdims=True) if x._data.size else xp.zeros(_kept_shape(x.shape, axes), x.dtype)
    m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype)
    out = log(sum(exp(x - constant(m)), axes, keepdims=True)) + constant(m)
    return out if keepdims else reshape(out, tuple(s for i, s in enumerate(x.shape) if i not in axes))
