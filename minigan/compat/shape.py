"""PyTorch's splitting and tiling: split, chunk, repeat and t, compositions of
the reference shape ops (:mod:`minigan.ops.shape`). split and chunk give views."""
from __future__ import annotations

import builtins

import numpy as np

from ..ops._operands import as_tensor
from ..ops.shape import _dim_index, _shape_arg, broadcast_to, getitem, reshape, transpose


def _slices(x, dim, sizes, op="Split"):
    """Views of x along ``dim``, marked as pieces of one multi-output op (not to be
    changed in place while a graph is recorded, as in PyTorch)."""
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(getitem(x, index))
        pieces[-1]._multi_view = (op, len(pieces) - 1)
        start += size
    return tuple(pieces)


def split(x, split_size_or_sections, dim=0):
    """PyTorch's ``torch.split``: pieces of ``split_size_or_sections``
    entries along ``dim`` (the last one shorter if it does not divide), or
    pieces of the listed sizes, which must add up to the dimension. Each piece
    is a slice, so its gradient lands in its own part of ``x``."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = _dim_index(dim, x.ndim, "split")
    n = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(
            split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0:
            if n != 0:
                raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {n}")
            return (x,)
        count = builtins.max(1, -(-n // size))
        return _slices(x, dim, [builtins.min(size, n - i * size) for i in range(count)])
    sizes = list(split_size_or_sections)
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in sizes):
        raise RuntimeError(f"split: the sizes must be non-negative ints, got {sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {dim}), but got split_sizes={sizes}")
    return _slices(x, dim, [int(s) for s in sizes])


def chunk(x, chunks, dim=0):
    """PyTorch's ``torch.chunk``: split into pieces of ceil(n / chunks)
    entries along ``dim``, which may give fewer than ``chunks`` pieces
    (10 entries in 6 chunks are 5 pieces of 2)."""
    x = as_tensor(x)
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunk: chunks must be an int, got {chunks!r}")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    dim = _dim_index(dim, x.ndim, "chunk")
    n = x.shape[dim]
    if n == 0:  # PyTorch: `chunks` empty pieces
        return _slices(x, dim, [0] * int(chunks))
    return split(x, -(-n // int(chunks)), dim)


def repeat(x, *sizes):
    """PyTorch's ``Tensor.repeat`` (NumPy's ``tile``): ``x`` tiled ``sizes[i]``
    times along dimension i; extra leading sizes add dimensions. Written as
    reshape -> broadcast -> reshape, so the gradient sums over the copies."""
    x = as_tensor(x)
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor (got {len(sizes)} repeats for shape {x.shape})")
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in sizes):
        raise RuntimeError(f"repeat: the repeats must be non-negative ints, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    x = reshape(x, shape)
    interleaved = tuple(d for s in shape for d in (1, s))
    tiled = tuple(d for r, s in zip(sizes, shape) for d in (int(r), s))
    return reshape(broadcast_to(reshape(x, interleaved), tiled),
                   tuple(int(r) * s for r, s in zip(sizes, shape)))


def t(x):
    """PyTorch's ``torch.t``: the transpose of a matrix; 0-d and 1-d tensors come back as they are."""
    x = as_tensor(x)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else x
