"""Fully connected layers and the shape layers around them:
``Identity``, ``Linear``, ``Flatten``, ``Unflatten``."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..errors import DimensionError, DtypeError, OutOfRangeError, ShapeError
from ..factories import zeros
from . import functional as F
from . import init
from .module import Module, Parameter


def _empty_parameter(shape, dtype, device):
    """A zero Parameter of ``shape`` (float32 unless ``dtype`` says otherwise)."""
    dtype = np.dtype(dtype if dtype is not None else np.float32)
    if dtype.kind != "f":
        raise DtypeError(f"parameters must be floating point, got dtype={dtype}")
    return Parameter(zeros(*shape, dtype=dtype, device=device))


class Identity(Module):
    """Returns its input unchanged; accepts (and ignores) any arguments, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b.

    input (*, in_features) -> (*, out_features); weight (out_features,
    in_features), bias (out_features,). Default initialisation is PyTorch's:
    W ~ kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)) and
    b ~ U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f"Linear: {name} must be a non-negative int, got {v!r}")
            if v < 0:  # PyTorch: RuntimeError (a negative dimension)
                raise OutOfRangeError(f"Linear: {name} must be a non-negative int, got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = _empty_parameter((out_features, in_features), dtype, device)
        if bias:
            self.bias = _empty_parameter((out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if getattr(input, "ndim", 1) == 0 or input.shape[-1] != self.in_features:
            raise ShapeError(f"Linear: expected input with last dimension {self.in_features} "
                             f"(in_features), got input shape {tuple(getattr(input, 'shape', ()))}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def _dim(dim, ndim, name, who):
    """``dim`` as an index into ``ndim`` axes (negative counts from the end), or
    PyTorch's IndexError: a 0-d tensor takes dims -1 and 0, as a 1-d one."""
    n = max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be an int, got {type(dim).__name__} {dim!r}")
    if not -n <= dim < n:
        raise DimensionError(f"{who}: {name}={dim} is out of range for a {ndim}-D input "
                             f"(expected a dim in [{-n}, {n - 1}])")
    return int(dim) % n


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        _dim(start_dim, 1 << 30, "start_dim", "Flatten")  # an int (the range depends on the input)
        _dim(end_dim, 1 << 30, "end_dim", "Flatten")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        n, start, end = max(input.ndim, 1), self.start_dim, self.end_dim
        if not (-n <= start < n and -n <= end < n and start % n <= end % n):
            start = _dim(start, input.ndim, "start_dim", "Flatten")
            end = _dim(end, input.ndim, "end_dim", "Flatten")
            raise ShapeError(f"Flatten: start_dim={self.start_dim} comes after end_dim="
                             f"{self.end_dim} for a {input.ndim}-D input; expected "
                             "start_dim <= end_dim")
        return ops.flatten(input, start, end)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: Unflatten(1, (C, H, W))
    maps (N, C*H*W) -> (N, C, H, W) (a generator's first step after Linear)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, "
                            f"got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        dim = _dim(self.dim, input.ndim, "dim", "Unflatten")
        size = input.shape[dim]
        new = list(self.unflattened_size)
        if new.count(-1) == 1:
            known = int(np.prod([s for s in new if s != -1]))
            new[new.index(-1)] = size // known if known else 0
        if int(np.prod(new)) != size:
            raise ShapeError(f"Unflatten: cannot split dimension {self.dim} of size {size} "
                             f"(input shape {tuple(input.shape)}) into {self.unflattened_size}")
        return ops.reshape(input, input.shape[:dim] + tuple(new) + input.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
