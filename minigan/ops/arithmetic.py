"""+ - * / ** and negation, with NumPy broadcasting.

Broadcasting forward means summing backward: an input of shape (3, 1) used
against (3, 4) receives ``sum_to(grad, (3, 1))``.
"""
from __future__ import annotations

import numbers

from ..autograd.function import Function
from ._operands import as_tensor, binary_operands
from .shape import sum_to


def _unbroadcast(g, x):
    return g if g.shape == x.shape else sum_to(g, x.shape)


class AddFn(Function):
    """y = a + b;  da = g, db = g."""

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        a, b = self._inputs
        return _unbroadcast(g, a), _unbroadcast(g, b)


class SubFn(Function):
    """y = a - b;  da = g, db = -g."""

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        a, b = self._inputs
        return _unbroadcast(g, a), _unbroadcast(-g, b)


class MulFn(Function):
    """y = a * b;  da = g * b, db = g * a."""
    saved_for = ((1,), (0,))  # a is read for db only, b for da only

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        return (_unbroadcast(g * b, a) if need_a else None,
                _unbroadcast(g * a, b) if need_b else None)


class DivFn(Function):
    """y = a / b;  da = g / b, db = -g * a / b^2."""
    saved_for = ((1,), (0, 1))

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs
        ga = g / b
        return (_unbroadcast(ga, a) if self.needs_input_grad[0] else None,
                _unbroadcast(-ga * a / b, b) if self.needs_input_grad[1] else None)


class NegFn(Function):
    """y = -x;  dx = -g."""

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class PowConstFn(Function):
    """y = x^c for a constant c;  dx = g * c * x^(c-1)."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** x.dtype.type(self.c)  # a NumPy scalar: x's dtype kept, no device copy

    def backward(self, g):
        (x,) = self.inputs
        if self.c == 0:
            return g * 0.0
        return g * self.c * pow(x, self.c - 1)


class PowFn(Function):
    """y = a^b (both tensors);  da = g * b * a^(b-1), db = g * y * log(a)  (a > 0)."""

    def forward(self, a, b):
        return a ** b

    def backward(self, g):
        from .elementwise import log

        a, b = self.inputs
        ga = g * b * pow(a, b - 1.0)
        gb = g * self.output(0) * log(a)
        return _unbroadcast(ga, a), _unbroadcast(gb, b)


def _alpha_times(a, b, alpha, who):
    """``alpha * b`` for add / sub's ``alpha`` (PyTorch's ``torch.add``)."""
    if alpha == 1:
        return b
    from ..compat.tensor_methods import _scaled

    return _scaled(as_tensor(a), b, alpha, who)


def add(a, b, *, alpha=1):
    """a + alpha * b."""
    return AddFn()(*binary_operands("add", a, _alpha_times(a, b, alpha, "add")))


def sub(a, b, *, alpha=1):
    """a - alpha * b."""
    return SubFn()(*binary_operands("sub", a, _alpha_times(a, b, alpha, "sub")))


def mul(a, b):
    return MulFn()(*binary_operands("mul", a, b))


def div(a, b, *, rounding_mode=None):
    """a / b; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient (PyTorch's)."""
    if rounding_mode is not None:
        from ..compat.elementwise import div_rounded

        return div_rounded(a, b, rounding_mode)
    a, b = binary_operands("div", a, b)
    if a.dtype.kind in "iub":  # true division of integers gives the default float
        a, b = a.to(dtype="float32"), b.to(dtype="float32")
    return DivFn()(a, b)


def neg(x):
    return NegFn()(as_tensor(x))


def pow(a, b):  # noqa: A001 - same name as torch.pow
    """``a ** b``. A Python-number exponent is a constant (no log(a) needed)."""
    from ..autograd.tensor import Tensor

    if isinstance(b, numbers.Number) and isinstance(a, Tensor):
        return PowConstFn(b)(a)
    return PowFn()(*binary_operands("pow", a, b))


def square(x):
    return mul(x, x)
