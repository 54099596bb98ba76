"""Turning the arguments of an op into Tensors with PyTorch's dtype rules.

* A Python scalar takes the dtype of the tensor it meets (``x * 2.0`` stays
  float32); an int tensor meeting a Python float becomes float32.
* float32 with float64 is refused: minigan never upcasts silently.
* An integer or boolean tensor meeting a float tensor is cast to its dtype.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor

DEFAULT_FLOAT = np.float32


def is_float(dtype) -> bool:
    return np.issubdtype(dtype, np.floating)


def constant(array) -> Tensor:
    """A Tensor that is not part of any graph (masks, saved statistics)."""
    return Tensor._wrap(array)


def _scalar_like(value, t: Tensor) -> Tensor:
    xp = backend.get_array_module(t._data)
    if is_float(t.dtype):
        dtype = t.dtype
    elif isinstance(value, (bool, np.bool_)):
        dtype = t.dtype
    elif isinstance(value, numbers.Integral):
        dtype = t.dtype if t.dtype != np.bool_ else np.int64
    else:
        dtype = DEFAULT_FLOAT
    return Tensor._wrap(backend.scalar_array(xp, value, dtype))  # no host copy on a GPU


def _cast_const(t: Tensor, dtype) -> Tensor:
    return t if t.dtype == dtype else Tensor._wrap(t._data.astype(dtype))


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; Python scalars take ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (numbers.Number, np.generic)):
        return _scalar_like(value, like)
    if hasattr(value, "dtype") and hasattr(value, "shape"):  # numpy or cupy array
        return Tensor._wrap(value)
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        arr = arr.astype(DEFAULT_FLOAT)
    return Tensor._wrap(arr)


def float_operand(op_name: str, x) -> Tensor:
    """``x`` as a floating-point Tensor, for ops whose result is never an
    integer (exp, log, sqrt, sigmoid, tanh, softplus): an integer or boolean
    tensor becomes float32, as in PyTorch (NumPy would give float64, or an
    integer sigmoid); complex is refused."""
    x = as_tensor(x)
    if is_float(x.dtype):
        return x
    if x.dtype.kind == "c":
        raise TypeError(f"{op_name}: complex tensors are not supported, got dtype {x.dtype}")
    return _cast_const(x, DEFAULT_FLOAT)


def binary_operands(op_name: str, a, b) -> tuple[Tensor, Tensor]:
    """Both arguments as Tensors of one dtype, or a clear error."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor(a)
    if isinstance(a, Tensor):
        b = as_tensor(b, like=a)
    else:
        a = as_tensor(a, like=b)
    if a.dtype == b.dtype:
        return a, b
    fa, fb = is_float(a.dtype), is_float(b.dtype)
    if fa and fb:
        raise TypeError(
            f"{op_name}: dtype mismatch, got {a.dtype} and {b.dtype}; minigan never upcasts "
            f"silently. Convert one explicitly, e.g. x.to({str(b.dtype)!r}) or x.float()"
        )
    if fa:
        return a, _cast_const(b, a.dtype)
    if fb:
        return _cast_const(a, b.dtype), b
    dtype = np.result_type(a.dtype, b.dtype)
    return _cast_const(a, dtype), _cast_const(b, dtype)
