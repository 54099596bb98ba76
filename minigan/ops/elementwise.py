"""Elementwise math: exp, log, sqrt, abs, maximum, minimum, clip, where, casts
(PyTorch's extras, sign, log1p, erf, sin, rounding, ..., are in
:mod:`minigan.compat.elementwise`).

Non-smooth ops (abs, maximum, minimum, clip) use a constant 0/1 mask in their
backward, so their second derivative is zero away from the kinks; gradient
checks keep inputs away from the kinks.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._operands import as_tensor, binary_operands, constant, float_operand
from .arithmetic import _unbroadcast


def _mask(cond, dtype):
    return constant(cond.astype(dtype))


class ExpFn(Function):
    """y = e^x;  dx = g * y."""

    def forward(self, x):
        return self.xp.exp(x)

    def backward(self, g):
        return g * self.output(0)


class LogFn(Function):
    """y = ln x;  dx = g / x."""

    def forward(self, x):
        return self.xp.log(x)

    def backward(self, g):
        (x,) = self.inputs
        return g / x


class SqrtFn(Function):
    """y = sqrt(x);  dx = g / (2 y)."""

    def forward(self, x):
        return self.xp.sqrt(x)

    def backward(self, g):
        return g * 0.5 / self.output(0)


class AbsFn(Function):
    """``y = |x|``;  ``dx = g * sign(x)``  (0 at x = 0, as in PyTorch)."""

    def forward(self, x):
        return self.xp.abs(x)

    def backward(self, g):
        (x,) = self.inputs
        return times_derivative(g, x, self.xp.sign(x._data))


class TimesDerivativeFn(Function):
    """y = g * m, m = s(x) a piecewise-constant derivative (ReLU's mask,
    LeakyReLU's slopes, abs's sign) computed from x: one node of g *and* x,
    like PyTorch's threshold_backward. dg = u * m; dx = 0 almost everywhere,
    so nothing is computed for x, yet x stays in the gradient's graph: the
    engine gives x (and what made it) zeros (``zero_grad_inputs``), not "x was
    not used", as PyTorch does."""
    zero_grad_inputs = (1,)

    def __init__(self, m):
        self.m = m

    def forward(self, g, x):
        return g * self.m

    def backward(self, u):
        return (u * constant(self.m) if self.needs_input_grad[0] else None), None


def times_derivative(g, x, m):
    """g * m for a backward, as one :class:`TimesDerivativeFn` node of g and x."""
    return TimesDerivativeFn(m)(g, x)


class MaximumFn(Function):
    """y = max(a, b) elementwise; the gradient goes to the larger input, split in half on ties."""

    def forward(self, a, b):
        return self.xp.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        ma = (a._data > b._data) + 0.5 * (a._data == b._data)
        ma = _mask(ma, g.dtype)
        return _unbroadcast(g * ma, a), _unbroadcast(g * (1.0 - ma), b)


class MinimumFn(Function):
    """y = min(a, b) elementwise; the gradient goes to the smaller input, split in half on ties."""

    def forward(self, a, b):
        return self.xp.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        ma = (a._data < b._data) + 0.5 * (a._data == b._data)
        ma = _mask(ma, g.dtype)
        return _unbroadcast(g * ma, a), _unbroadcast(g * (1.0 - ma), b)


class ClipFn(Function):
    """y = min(max(x, lo), hi);  dx = g where lo <= x <= hi, else 0."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return self.xp.clip(x, self.lo, self.hi)

    def backward(self, g):
        (x,) = self.inputs
        inside = self.xp.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x._data >= self.lo
        if self.hi is not None:
            inside &= x._data <= self.hi
        return g * _mask(inside, g.dtype)


class WhereFn(Function):
    """y = cond ? a : b (cond is a constant boolean array);  da = g*cond, db = g*(1-cond)."""

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return self.xp.where(self.cond, a, b)

    def backward(self, g):
        a, b = self._inputs
        m = _mask(self.xp.broadcast_to(self.cond, g.shape), g.dtype)
        return _unbroadcast(g * m, a), _unbroadcast(g * (1.0 - m), b)


class CastFn(Function):
    """y = x as another float dtype (explicit, never implicit);  dx = g cast back."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g):
        (x,) = self._inputs
        return cast(g, x.dtype)


class ToDeviceFn(Function):
    """y = x copied to another device;  dx = g copied back."""

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        return backend.to_device(x, self.device)

    def backward(self, g):
        (x,) = self._inputs
        return to_device(g, x.device)


class CloneFn(Function):
    """y = a copy of x;  dx = g."""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


def exp(x):
    return ExpFn()(float_operand("exp", x))


def log(x):
    return LogFn()(float_operand("log", x))


def sqrt(x):
    return SqrtFn()(float_operand("sqrt", x))


def abs(x):  # noqa: A001 - same name as torch.abs
    return AbsFn()(as_tensor(x))


def maximum(a, b):
    return MaximumFn()(*binary_operands("maximum", a, b))


def minimum(a, b):
    return MinimumFn()(*binary_operands("minimum", a, b))


def clip(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """Clamp ``x`` to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min or max")
    return ClipFn(min, max)(as_tensor(x))


clamp = clip


def where(condition, a, b):
    """Elementwise ``condition ? a : b``; ``condition`` is a boolean array or Tensor
    (a tensor on a's device; host data is copied there)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a, b = binary_operands("where", a, b)
    else:
        a, b = as_tensor(a), as_tensor(b)
    if isinstance(condition, Tensor):
        backend.check_same_device("where", "the condition", condition._data, a._data)
        condition = condition._data
    xp = backend.get_array_module(a._data)
    if isinstance(condition, bool):  # where(False, t, v): copy_ and fill_ record this
        return WhereFn(backend.scalar_array(xp, condition, bool))(a, b)
    return WhereFn(xp.asarray(backend.on_device_of(condition, a._data), dtype=bool))(a, b)


def cast(x, dtype):
    x = as_tensor(x)
    if np.dtype(dtype) == x.dtype:
        return x
    if np.dtype(dtype).kind not in "fc":
        # as in PyTorch, only floating-point tensors carry gradients: an
        # integer or bool copy is data, cut from the graph
        return Tensor._wrap(x._data.astype(dtype))
    return CastFn(dtype)(x)


def to_device(x, device):
    x = as_tensor(x)
    device = backend.normalize_device(device)
    if device == x.device:
        return x
    return ToDeviceFn(device)(x)


def clone(x):
    return CloneFn()(as_tensor(x))

