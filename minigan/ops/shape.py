"""Ops that move numbers around without changing them.

reshape, permute/transpose, getitem, concatenate, pad, broadcast_to, sum_to
(PyTorch's split, chunk, repeat and t, compositions of those, are in
:mod:`minigan.compat.shape`). reshape, permute, expand and basic getitem
give views (:mod:`minigan.ops.inplace`).
Each backward is the inverse movement: reshape back, inverse permutation,
scatter-add into zeros, slice, and the adjoint pair broadcast_to <-> sum_to.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ._operands import as_tensor
from .inplace import make_view


def _sum_to_array(a, shape):
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1
    )
    if axes:
        a = a.sum(axis=axes, keepdims=True)
    return a.reshape(shape)


class ReshapeFn(Function):
    """y = x viewed with a new shape;  dx = g reshaped back."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, g):
        (x,) = self._inputs
        return reshape(g, x.shape)


class PermuteFn(Function):
    """y = x with axes reordered;  dx = g with the inverse order."""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g):
        return permute(g, *np.argsort(self.axes).tolist())


class BroadcastToFn(Function):
    """y = x broadcast to ``shape``;  dx = sum_to(g, x.shape). A read-only view for
    ``expand``; a copy for ``broadcast_to``, whose result (a gradient) may be written to."""

    def __init__(self, shape, view=False):
        self.shape, self.view = shape, view

    def forward(self, x):
        y = self.xp.broadcast_to(x, self.shape)
        return y if self.view else self.xp.ascontiguousarray(y)

    def backward(self, g):
        (x,) = self._inputs
        return sum_to(g, x.shape)


class SumToFn(Function):
    """y = x summed over broadcast axes down to ``shape``;  dx = broadcast_to(g, x.shape)."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return _sum_to_array(x, self.shape)

    def backward(self, g):
        (x,) = self._inputs
        return broadcast_to(g, x.shape)


def _normalize_index(index, x):
    """The index's tensors as arrays, on ``x``'s device."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = backend.index_on_device(tuple(i._data if isinstance(i, Tensor) else i for i in parts), x._data)
    return parts if isinstance(index, tuple) else parts[0]


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "dtype") or isinstance(p, (list, bool)) for p in parts)


class GetItemFn(Function):
    """y = x[index] (slices, ints, integer or boolean arrays);  dx = scatter-add of g.
    Basic indexing (ints, slices, None, ...) gives a view of x, advanced a copy (PyTorch's rule)."""

    def __init__(self, index, copy=False):
        self.index, self.copy = index, copy

    def forward(self, x):
        y = x[self.index]
        return y.copy() if self.copy else self.xp.asarray(y)  # asarray: x[array] may be a scalar

    def backward(self, g):
        (x,) = self._inputs
        return GetItemGradFn(self.index, x.shape)(g)


class GetItemGradFn(Function):
    """y = zeros(shape) with g added at ``index`` (repeated indices add up);
    its backward is getitem again, so the pair is twice differentiable."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, g):
        out = self.xp.zeros(self.shape, dtype=g.dtype)
        if _is_advanced(self.index):
            self.xp.add.at(out, self.index, g)
        else:
            out[self.index] = g
        return out

    def backward(self, gg):
        return getitem(gg, self.index)


class ConcatenateFn(Function):
    """y = [x1, x2, ...] joined along ``axis``;  dx_i = the matching slice of g."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return self.xp.concatenate(xs, axis=self.axis)

    def backward(self, g):
        grads, start = [], 0
        for x in self._inputs:
            size = x.shape[self.axis]
            index = [slice(None)] * g.ndim
            index[self.axis] = slice(start, start + size)
            grads.append(getitem(g, tuple(index)))
            start += size
        return tuple(grads)


class PadFn(Function):
    """y = x surrounded by a constant;  dx = the interior slice of g.
    ``pad_width`` is NumPy's: one (before, after) pair per axis."""

    def __init__(self, pad_width, value=0.0):
        self.pad_width, self.value = pad_width, value

    def forward(self, x):
        return self.xp.pad(x, self.pad_width, mode="constant", constant_values=self.value)

    def backward(self, g):
        index = tuple(slice(b, g.shape[i] - a) for i, (b, a) in enumerate(self.pad_width))
        return getitem(g, index)


# --------------------------------------------------------------------- functions
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _resolve_shape(old, new):
    # math.prod, not np.prod: this runs on every reshape, and np.prod costs
    # ~8 us a call in NumPy's Python-level dispatch
    try:
        new = tuple(operator.index(s) for s in new)
    except TypeError:
        raise TypeError(f"reshape: the new shape must be ints, got {tuple(new)}") from None
    size = math.prod(old)
    known = math.prod(s for s in new if s != -1)
    n_free = new.count(-1)
    if n_free == 1 and known > 0 and size % known == 0:
        new = tuple(size // known if s == -1 else s for s in new)
    if n_free > 1 or any(s < 0 for s in new) or math.prod(new) != size:
        raise ShapeError(f"cannot reshape a tensor of shape {tuple(old)} ({size} elements) "
                         f"into shape {tuple(new)}")
    return new


def reshape(x, *shape):
    """x with a new shape: a view of x when NumPy can give one, else a copy (PyTorch's rule)."""
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    target = _resolve_shape(x.shape, shape)
    if target == x.shape:
        return x
    y = ReshapeFn(target)(x)
    base = x._data if x._data.base is None else x._data.base
    return make_view(y, x, ReshapeFn, target) if y._data.base is base else y


view = reshape


def permute(x, *axes):
    x = as_tensor(x)
    axes = _shape_arg(axes)
    if sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} axes of {x.shape}")
    axes = tuple(a % x.ndim for a in axes)
    if axes == tuple(range(x.ndim)):
        return x
    return make_view(PermuteFn(axes)(x), x, PermuteFn, axes)


def transpose(x, dim0=None, dim1=None):
    """``transpose(x, d0, d1)`` swaps two axes (PyTorch); ``transpose(x)`` reverses
    all axes and ``transpose(x, (axes...))`` permutes them (NumPy)."""
    x = as_tensor(x)
    if dim0 is None:
        return permute(x, *reversed(range(x.ndim)))
    if isinstance(dim0, (tuple, list)):
        return permute(x, *dim0)
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, *axes)


def swapaxes(x, a, b):
    return transpose(x, a, b)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes ``start_dim..end_dim`` into one (PyTorch's ``torch.flatten``)."""
    x = as_tensor(x)
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    merged = int(np.prod(x.shape[s:e + 1]))
    return reshape(x, x.shape[:s] + (merged,) + x.shape[e + 1:])


def squeeze(x, dim=None):
    x = as_tensor(x)
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dims = {d % x.ndim for d in ((dim,) if isinstance(dim, int) else dim)}
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1)))


def unsqueeze(x, dim):
    x = as_tensor(x)
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def broadcast_to(x, *shape):
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    _check_broadcast(x, shape)
    return BroadcastToFn(shape)(x)


def _check_broadcast(x, shape):
    lead = len(shape) - x.ndim
    # NumPy's rule, written out: np.broadcast_shapes costs ~7 us a call, and
    # every sum's and mean's backward comes through here
    if lead < 0 or any(s != 1 and s != t for s, t in zip(x.shape, shape[lead:])):
        raise ShapeError(f"cannot broadcast a tensor of shape {x.shape} to shape {shape}")


def expand(x, *shape):
    """PyTorch's ``expand``: ``-1`` keeps a dimension."""
    x = as_tensor(x)
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    if shape == x.shape:
        return x
    _check_broadcast(x, shape)
    return make_view(BroadcastToFn(shape, True)(x), x, BroadcastToFn, shape, True)


def sum_to(x, *shape):
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return SumToFn(shape)(x)


def getitem(x, index, copy=False):
    """x[index]: a view for basic indexing (unless ``copy``), a copy for advanced indexing."""
    x = as_tensor(x)
    index = _normalize_index(index, x)
    if copy or _is_advanced(index):  # NumPy copies for an advanced index itself
        return GetItemFn(index, copy=not _is_advanced(index))(x)
    parts = index if isinstance(index, tuple) else (index,)
    if not builtins.any(p is Ellipsis for p in parts):
        index = parts + (Ellipsis,)  # x[0] of a vector: a 0-d view, not a NumPy scalar
    return make_view(GetItemFn(index)(x), x, GetItemFn, index)


def concatenate(tensors, axis=0, dim=None):
    axis = dim if dim is not None else axis
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(f"concatenate: tensors have different dtypes {sorted(map(str, dtypes))}")
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != len(ref) or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref))
                                     if k != axis % len(ref)):
            raise ShapeError(f"concatenate along axis {axis}: tensor {i} has shape {t.shape}, "
                             f"incompatible with tensor 0's shape {ref}")
    return ConcatenateFn(axis % len(ref))(*tensors)


cat = concatenate


def stack(tensors, axis=0, dim=None):
    axis = dim if dim is not None else axis
    tensors = [as_tensor(t) for t in tensors]
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack needs tensors of one shape, got {sorted(shapes)}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis % (tensors[0].ndim + 1))


def pad(x, pad_width, value=0.0):
    """NumPy-style constant padding: ``pad_width`` is an int, or one
    (before, after) pair per axis. (``nn.functional.pad`` takes PyTorch's order.)"""
    x = as_tensor(x)
    if isinstance(pad_width, int):
        pad_width = [(pad_width, pad_width)] * x.ndim
    pad_width = tuple((int(b), int(a)) for b, a in pad_width)
    if len(pad_width) != x.ndim:
        raise ValueError(f"pad: got {len(pad_width)} (before, after) pairs for {x.ndim} axes")
    return PadFn(pad_width, value)(x)


def _dim_index(dim, ndim, who):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{who}: dimension out of range (expected to be in range of "
                         f"[{-ndim}, {ndim - 1}], but got {dim})")
    return int(dim) % ndim
