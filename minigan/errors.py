"""minigan's own exception type.

``ShapeError``: a tensor's shape does not fit the op (operands that cannot
be multiplied or broadcast, a reshape to the wrong size, a layer given the
wrong number of channels). It is a ValueError, minigan's convention for bad
arguments, and also a RuntimeError, what PyTorch raises for the same
mistakes, so code written for either catches it.
"""
from __future__ import annotations

__all__ = ["ShapeError"]


class ShapeError(ValueError, RuntimeError):
    """A tensor's shape does not fit the op; the message names both."""
