"""PyTorch's extra elementwise ops, off the reading path: sign, log1p, expm1,
erf, rsqrt, clamp_min / clamp_max, lerp, div with a rounding mode, sin / cos,
the rounding family, frac, reciprocal, nan_to_num and the comparisons.

Each primitive is a Function with one backward written with ops; piecewise
constant ones (sign, rounding) have a zero derivative, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..ops._operands import _cast_const, as_tensor, binary_operands, constant, float_operand, is_float
from ..ops.arithmetic import _unbroadcast
from ..ops.elementwise import ClipFn, cast, exp, where

class SignFn(Function):
    """y = sign(x) in {-1, 0, 1};  dx = 0 (piecewise constant, as in PyTorch)."""

    def forward(self, x):
        return self.xp.sign(x)

    def backward(self, g):
        return g * 0.0


class Log1pFn(Function):
    """y = ln(1 + x), accurate for tiny x where log(1 + x) rounds 1 + x;  dx = g / (1 + x)."""

    def forward(self, x):
        return self.xp.log1p(x)

    def backward(self, g):
        (x,) = self.inputs
        return g / (x + 1.0)


class Expm1Fn(Function):
    """y = e^x - 1, accurate for tiny x;  dx = g * (y + 1)."""

    def forward(self, x):
        return self.xp.expm1(x)

    def backward(self, g):
        return g * (self.output(0) + 1.0)


def _erf_array(x):
    return backend.scipy_special(backend.get_array_module(x)).erf(x)


class ErfFn(Function):
    """y = erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt;  dx = g * 2/sqrt(pi) * e^(-x^2)."""

    def forward(self, x):
        return _erf_array(x).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.inputs
        return g * (2.0 / np.sqrt(np.pi)) * exp(-(x * x))


class RoundedDivFn(Function):
    """y = a / b rounded toward zero ('trunc') or down ('floor'), PyTorch's
    ``div(..., rounding_mode=)``; piecewise constant, so da = db = 0 as in PyTorch."""

    def __init__(self, mode):
        self.mode = mode

    def forward(self, a, b):
        xp = self.xp
        if a.dtype.kind in "iu":
            q = xp.floor_divide(a, b)
            if self.mode == "trunc":  # floor is one below trunc where the exact quotient is negative
                q = q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
            return q.astype(a.dtype, copy=False)
        if self.mode == "floor":
            return xp.floor_divide(a, b)
        return xp.trunc(a / b)

    def backward(self, g):
        a, b = self._inputs
        zero = g * 0.0
        return _unbroadcast(zero, a), _unbroadcast(zero, b)


def sign(x):
    """-1, 0 or 1 elementwise (the dtype of ``x``, as in PyTorch); its gradient is 0."""
    return SignFn()(as_tensor(x))


def log1p(x):
    """ln(1 + x), exact for tiny x (integer tensors give float32)."""
    return Log1pFn()(float_operand("log1p", x))


def expm1(x):
    """e^x - 1, exact for tiny x (integer tensors give float32)."""
    return Expm1Fn()(float_operand("expm1", x))


def erf(x):
    """The error function 2/sqrt(pi) int_0^x e^(-t^2) dt (integer tensors give float32)."""
    return ErfFn()(float_operand("erf", x))


def rsqrt(x):
    """1 / sqrt(x) (inf at 0, as in PyTorch; integer tensors give float32)."""
    from ..ops.arithmetic import pow as pow_

    with np.errstate(divide="ignore"):  # 1/sqrt(0) = inf is the answer, not a mistake
        return pow_(float_operand("rsqrt", x), -0.5)


def _one_sided_clamp(x, bound, upper, who):
    x = as_tensor(x)
    if isinstance(bound, Tensor):
        # PyTorch's rule for tensor bounds: x's gradient where x is inside
        # (ties included), the bound's where x is outside
        a, b = binary_operands(who, x, bound)
        inside = (a._data <= b._data) if upper else (a._data >= b._data)
        return where(inside, a, b)
    if bound is None:
        raise TypeError(f"{who}: expected a number or a Tensor as the bound, got None")
    if not is_float(x.dtype) and isinstance(bound, float):
        x = _cast_const(x, np.float32)  # PyTorch: an integer tensor clamped to a float is float32
    return ClipFn(None, bound)(x) if upper else ClipFn(bound, None)(x)


def clamp_min(x, min):  # noqa: A002 - PyTorch's argument name
    """max(x, min) elementwise; ``min`` is a number or a Tensor (broadcast)."""
    return _one_sided_clamp(x, min, False, "clamp_min")


def clamp_max(x, max):  # noqa: A002 - PyTorch's argument name
    """min(x, max) elementwise; ``max`` is a number or a Tensor (broadcast)."""
    return _one_sided_clamp(x, max, True, "clamp_max")


def lerp(input, end, weight):  # noqa: A002 - PyTorch's argument names
    """input + weight * (end - input): gradients 1 - weight, weight and
    end - input. ``weight`` is a number or a Tensor; ``input`` and ``end``
    must share a dtype (PyTorch refuses float32 with float64 there too)."""
    input, end = as_tensor(input), as_tensor(end)
    if not is_float(input.dtype):
        raise RuntimeError(f"lerp: expected a floating-point input, got dtype {input.dtype}")
    if end.dtype != input.dtype:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    if isinstance(weight, Tensor) and weight.dtype != input.dtype:
        if weight.ndim:
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `weight` but got dtype "
                               f"{weight.dtype}")
        weight = cast(weight, input.dtype)  # a 0-d weight follows input, as in PyTorch
    return input + weight * (end - input)


def div_rounded(a, b, rounding_mode):
    """a / b rounded as PyTorch's ``div(a, b, rounding_mode=)``: None is
    true division, 'trunc' rounds toward zero and 'floor' down (integers stay
    integers; dividing an integer by 0 is an error, as in PyTorch)."""
    from ..ops.arithmetic import div

    if rounding_mode is None:
        return div(a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found {rounding_mode!r}")
    a, b = binary_operands("div", a, b)
    if a.dtype.kind in "iub":
        if a.dtype.kind == "b":
            a, b = _cast_const(a, np.int64), _cast_const(b, np.int64)
        if (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError: integer division by zero in div(..., "
                               f"rounding_mode={rounding_mode!r})")
        return RoundedDivFn(rounding_mode)(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is +-inf or nan, as in PyTorch
        return RoundedDivFn(rounding_mode)(a, b)


# ------------------------------------------------------------ PyTorch's trigonometry, rounding and tests
class SinFn(Function):
    """y = sin x;  dx = g cos x."""

    def forward(self, x):
        return self.xp.sin(x)

    def backward(self, g):
        (x,) = self.inputs
        return g * cos(x)


class CosFn(Function):
    """y = cos x;  dx = -g sin x."""

    def forward(self, x):
        return self.xp.cos(x)

    def backward(self, g):
        (x,) = self.inputs
        return -(g * sin(x))


def sin(input):  # noqa: A002 - torch's argument name
    x = input
    return SinFn()(float_operand("sin", x))


def cos(input):  # noqa: A002 - torch's argument name
    x = input
    return CosFn()(float_operand("cos", x))


class RoundingFn(Function):
    """y = floor/ceil/round/trunc of x;  dx = 0 (piecewise constant, as in PyTorch)."""

    def __init__(self, name, decimals=0):
        self.name, self.decimals = name, decimals

    def forward(self, x):
        if self.name == "round":
            return self.xp.round(x, self.decimals)
        return getattr(self.xp, self.name)(x)

    def backward(self, g):
        return g * 0.0


def _rounding(name, x, decimals=0):
    x = as_tensor(x)
    if not is_float(x.dtype):
        # integers are already whole: PyTorch returns a copy with the same dtype
        return Tensor._wrap(x._data.copy())
    return RoundingFn(name, decimals)(x)


def floor(input):  # noqa: A002 - torch's argument name
    x = input
    return _rounding("floor", x)


def ceil(input):  # noqa: A002 - torch's argument name
    x = input
    return _rounding("ceil", x)


def round(input, *, decimals=0):  # noqa: A001, A002 - same name as torch.round
    """Round half to even, as PyTorch; ``decimals`` digits after the point."""
    x = input
    return _rounding("round", x, int(decimals))


def trunc(input):  # noqa: A002 - torch's argument name
    x = input
    return _rounding("trunc", x)


def frac(input):  # noqa: A002 - torch's argument name
    """x - trunc(x); gradient 1."""
    x = as_tensor(input)
    if not is_float(x.dtype):
        raise NotImplementedError(f"frac: not implemented for integer dtype {x.dtype} (use a float tensor)")
    return x - trunc(x)


def reciprocal(input):  # noqa: A002 - torch's argument name
    """1 / x (integer inputs become float32)."""
    x = input
    from ..ops.arithmetic import div

    x = float_operand("reciprocal", x)
    return div(as_tensor(1.0, like=x), x)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002 - torch's argument name
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``
    (default: the dtype's largest and smallest finite values); the gradient
    is zero at replaced entries, as in PyTorch."""
    x = as_tensor(input)
    if not is_float(x.dtype):
        return Tensor._wrap(x._data.copy())
    xp = backend.get_array_module(x._data)
    filled = xp.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf)
    return where(xp.isfinite(x._data), x, constant(filled))


def isnan(input):  # noqa: A002 - torch's argument name
    x = as_tensor(input)
    xp = backend.get_array_module(x._data)
    return Tensor._wrap(xp.asarray(xp.isnan(x._data)))  # a 0-d array, never a NumPy scalar


def isfinite(input):  # noqa: A002 - torch's argument name
    x = as_tensor(input)
    xp = backend.get_array_module(x._data)
    return Tensor._wrap(xp.asarray(xp.isfinite(x._data)))


def _cmp(name):
    def compare(input, other):  # noqa: A002 - torch's argument name
        x = as_tensor(input)
        other = other._data if isinstance(other, Tensor) else other
        xp = backend.get_array_module(x._data)
        return Tensor._wrap(xp.asarray(getattr(xp, name)(x._data, other)))

    return compare


eq, ne = _cmp("equal"), _cmp("not_equal")
gt, lt, ge, le = _cmp("greater"), _cmp("less"), _cmp("greater_equal"), _cmp("less_equal")
