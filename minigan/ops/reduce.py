"""Reductions: sum, mean, var, std, max, min, logsumexp, and vector norms.

Axis arguments accept NumPy's names (``axis``, ``keepdims``) and PyTorch's
(``dim``, ``keepdim``). Only ``SumFn``, ``MaxFn`` and ``VectorNormFn`` (whose
subgradient at 0 needs masks) are primitive ops; the rest are compositions,
so their gradients (and second gradients) come for free.
"""
from __future__ import annotations

import builtins
import math
import numbers
from collections import namedtuple

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import DimensionError
from ._operands import as_tensor, constant, is_float
from .shape import broadcast_to, getitem, reshape

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise DimensionError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(a % builtins.max(ndim, 1) for a in axes)) if ndim else ()


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _pick(axis, dim, keepdims, keepdim):
    return (dim if dim is not None else axis), bool(keepdim if keepdim is not None else keepdims)


class SumFn(Function):
    """y = sum of x over ``axes``;  dx = g broadcast back to x's shape."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return self.xp.sum(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        (x,) = self._inputs
        return broadcast_to(reshape(g, _kept_shape(x.shape, self.axes)), x.shape)


class MaxFn(Function):
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
    return SumFn(_axes(axis, x.ndim), keepdims)(x)


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
    return MaxFn(_axes(axis, x.ndim), keepdims, 1)(x)


def amin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    x = as_tensor(x)
    axis, keepdims = _pick(axis, dim, keepdims, keepdim)
    return MaxFn(_axes(axis, x.ndim), keepdims, -1)(x)


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
            return MaxResult(MaxFn((), keep, sign)(x), constant(xp.asarray(arg(x._data))))
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
    return MaxFn(_axes(axis, x.ndim), keepdims, sign)(x)


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


# --------------------------------------------------------------------- norms
class VectorNormFn(Function):
    """``y = (sum |x|^p)^(1/p)`` over ``axes`` for a finite p other than 1
    (p = 0 counts the nonzero entries; its gradient is 0).

    ``dx = g * sign(x) |x|^(p-1) / y^(p-1)``, PyTorch's subgradient: 0 where
    y = 0 (so the 2-norm's ``x / ||x||`` is 0 at x = 0, not 0/0) and, for p < 1,
    0 where x = 0. The backward is written with ops, so it is differentiable
    again (WGAN-GP differentiates through ``||grad D||``); the masks replace the
    zeros *before* the powers, so the second derivative meets no 0 * inf."""

    def __init__(self, p, axes, keepdims):
        self.p, self.axes, self.keepdims = p, axes, keepdims

    def forward(self, x):
        xp, p = self.xp, self.p
        if p == 0:
            return xp.sum(x != 0, axis=self.axes, keepdims=self.keepdims).astype(x.dtype)
        if p == 2:
            return xp.sqrt(xp.sum(x * x, axis=self.axes, keepdims=self.keepdims))
        a = xp.abs(x)
        with np.errstate(divide="ignore"):  # |0|^p for p < 0 is inf, and the norm 0: PyTorch's value
            s = xp.sum(a ** x.dtype.type(p), axis=self.axes, keepdims=self.keepdims)
            return s ** x.dtype.type(1.0 / p)

    def backward(self, g):
        from .arithmetic import pow as pow_
        from .elementwise import abs as abs_
        from .elementwise import where

        (x,) = self.inputs
        kept = _kept_shape(x.shape, self.axes)
        g = broadcast_to(reshape(g, kept), x.shape)
        if self.p == 0:
            return g * 0.0
        p = self.p
        y = reshape(self.output(0), kept)
        y_zero = y._data == 0
        y_safe = where(y_zero, 1.0, y)  # never `if y_zero.any()`: on a GPU that is a wait
        if p == 2:
            scale = g / broadcast_to(y_safe, x.shape)
            direction = x
        else:
            scale = g * broadcast_to(pow_(y_safe, 1.0 - p), x.shape)
            x_zero = x._data == 0
            ax = where(x_zero, 1.0, abs_(x))
            direction = constant(self.xp.sign(x._data)) * pow_(ax, p - 1.0)
        scale = where(self.xp.broadcast_to(y_zero, x.shape), 0.0, scale)
        return direction * scale


def _norm_dims(dim, ndim, who):
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:  # PyTorch: dim=() or [] reduces over every dimension
        return tuple(range(ndim))
    lo, hi = -builtins.max(ndim, 1), builtins.max(ndim, 1) - 1
    out = []
    for d in dims:
        if not lo <= d <= hi:
            raise IndexError(f"{who}: dimension out of range (expected to be in range of "
                             f"[{lo}, {hi}], but got {d})")
        d %= builtins.max(ndim, 1)
        if d in out:
            raise RuntimeError(f"{who}: dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out)) if ndim else ()


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's names
    """PyTorch's ``torch.linalg.vector_norm``: ``||x||_ord`` over ``dim`` (an
    int, a tuple, or None / () for every dimension).

    ord = 2 is sqrt(sum x^2); 1 is ``sum |x|``; inf / -inf are max / min ``|x|``
    (the gradient shared among ties, as in PyTorch); 0 counts the nonzero
    entries (gradient 0); any other p is ``(sum |x|^p)^(1/p)``. ``dtype`` casts
    ``x`` first and may only widen it (float32 -> float64), as in PyTorch.
    The gradient at x = 0 is 0 (see :class:`VectorNormFn`)."""
    from .elementwise import abs as abs_
    from .elementwise import cast

    x = as_tensor(x)
    if isinstance(ord, (str, bool)) or not isinstance(ord, numbers.Real):
        raise TypeError(f"vector_norm: ord must be a number, got {ord!r}")
    if not is_float(x.dtype):
        raise RuntimeError(f"vector_norm: expected a floating-point input, got dtype {x.dtype}; "
                           "convert it first, e.g. x.float()")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if not is_float(dtype) or dtype.itemsize < x.dtype.itemsize:
            raise RuntimeError(f"vector_norm: the input's dtype {x.dtype} cannot be converted "
                               f"without narrowing to the requested dtype {dtype}")
        x = cast(x, dtype)
    axes = _norm_dims(dim, x.ndim, "vector_norm")
    keepdim = bool(keepdim)
    ord = float(ord)
    if math.isinf(ord):
        if any(x.shape[a] == 0 for a in axes):
            raise RuntimeError("vector_norm: cannot compute the inf norm over an empty dimension "
                               f"(input shape {x.shape}), which has no identity")
        return MaxFn(axes, keepdim, 1 if ord > 0 else -1)(abs_(x))
    if ord == 1:
        return sum(abs_(x), axes, keepdim)
    return VectorNormFn(ord, axes, keepdim)(x)


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """PyTorch's ``torch.norm`` / ``Tensor.norm``: the vector norm of order
    ``p`` over ``dim`` (see :func:`vector_norm`). ``'fro'`` (the default) and
    None are the 2-norm over at most two dimensions (every one when ``dim``
    is None); matrix norms ('nuc', or 'fro' over more than two dims) are
    not implemented."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') needs an SVD, which "
                                      "minigan does not have; use a vector norm (p=2, 1, inf, ...)")
        if p == "fro":
            raise RuntimeError(f"norm: p='fro' takes at most 2 dims, got dim={dim}")
        raise RuntimeError(f"norm: order {p!r} is not supported; expected a number, 'fro' or 'nuc'")
    return vector_norm(x, 2.0 if p is None else p, dim, keepdim, dtype=dtype)
