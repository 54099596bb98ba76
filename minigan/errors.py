"""minigan's own exception type.

``ShapeError``: a tensor's shape does not fit the op (operands that cannot
be multiplied or broadcast, a reshape to the wrong size, a layer given the
wrong number of channels). It is a ValueError, minigan's convention for bad
arguments, and also a RuntimeError, what PyTorch raises for the same
mistakes, so code written for either catches it.

``DimensionError``: an axis (``dim``) outside a tensor's dimensions; an
IndexError, as in PyTorch (and NumPy's AxisError), and a ValueError.

``DtypeError``: a dtype the op or layer cannot take (an integer input to
softmax); a TypeError and a NotImplementedError (a RuntimeError), as PyTorch.

``OutOfRangeError``: an argument's value outside its range (a negative layer
size, ``label_smoothing`` above 1); a ValueError and a RuntimeError.
"""
from __future__ import annotations

__all__ = ["ShapeError", "DimensionError"]


class ShapeError(ValueError, RuntimeError):
    """A tensor's shape does not fit the op; the message names both."""


class DimensionError(IndexError, ValueError):
    """An axis outside the tensor's dimensions; the message names both."""


class DtypeError(TypeError, NotImplementedError):
    """A tensor's dtype does not fit the op or the layer (an integer input to
    softmax, ``requires_grad`` on an integer tensor). A TypeError, minigan's
    convention, and a NotImplementedError (so a RuntimeError), what PyTorch
    raises where it has no kernel for the dtype; the message names the
    argument, the dtype given and the dtypes accepted."""



class OutOfRangeError(ValueError, RuntimeError):
    """An argument's value outside the range it accepts (a negative layer size,
    ``label_smoothing`` above 1, a probability outside [0, 1]). A ValueError,
    minigan's convention for bad arguments, and a RuntimeError, what PyTorch's
    C++ checks raise for the same values; the message names the argument,
    the value given and the range accepted."""


__all__ += ["DtypeError", "OutOfRangeError"]
