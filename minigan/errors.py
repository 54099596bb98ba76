"""minigan's own exception type.

``ShapeError``: a tensor's shape does not fit the op (operands that cannot
be multiplied or broadcast, a reshape to the wrong size, a layer given the
wrong number of channels). It is a ValueError, minigan's convention for bad
arguments, and also a RuntimeError, what PyTorch raises for the same
mistakes, so code written for either catches it.

``DimensionError``: an axis (``dim``) outside a tensor's dimensions; an
IndexError, as in PyTorch (and NumPy's AxisError), and a ValueError.
"""
from __future__ import annotations

__all__ = ["ShapeError", "DimensionError"]


class ShapeError(ValueError, RuntimeError):
    """A tensor's shape does not fit the op; the message names both."""


class DimensionError(IndexError, ValueError):
    """An axis outside the tensor's dimensions; the message names both."""
