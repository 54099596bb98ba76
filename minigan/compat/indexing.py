"""PyTorch's indexing, ordering, scan and boolean-reduction ops, with torch
2.13's semantics (its elementwise additions are in ``compat/elementwise.py``,
its products mm / bmm / outer / einsum in ``compat/linalg.py``).

Most are compositions of getitem / concatenate / where, so their gradients
(and gradients of gradients) come from those primitives: flip, roll, narrow,
select, unbind, gather, index_select, repeat_interleave, masked_fill,
tril/triu, sort/topk values. New primitives here: cumsum and prod.
"""
from __future__ import annotations

import builtins
import collections
import math

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..ops._operands import as_tensor, constant, is_float
from ..ops.elementwise import where
from ..ops.shape import GetItemGradFn, _dim_index, _shape_arg, concatenate, getitem, permute, reshape

SortResult = collections.namedtuple("sort", ["values", "indices"])
TopkResult = collections.namedtuple("topk", ["values", "indices"])


def _int_dim(dim, ndim, who):
    # PyTorch treats a 0-d tensor as having one (size-1) dimension for dim checks
    return _dim_index(dim, builtins.max(ndim, 1), who)


def _dims(dims, ndim, who):
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    out = tuple(_int_dim(d, ndim, who) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{who}: dims has duplicates, got {tuple(dims)}")
    return out


def _index_array(index, who, x):
    """``index`` as an integer array on ``x``'s device. A tensor must already be
    there (as in PyTorch); a list or host array is copied there."""
    if isinstance(index, Tensor):
        arr = index._data
        if index.device != x.device:
            raise RuntimeError(f"{who}: index is on '{index.device}' but the input is on "
                               f"'{x.device}'; move it with .to('{x.device}')")
    else:
        arr = index if backend.is_array(index) else np.asarray(index)
        arr = backend.to_device(arr, x.device)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{who}: index must be an integer tensor, got dtype {arr.dtype}")
    return arr


def _out_of_range(idx, n) -> bool:
    """Any index outside [0, n): one read from the device, whatever the size."""
    return bool(idx.size) and bool(((idx < 0) | (idx >= n)).any())


# ------------------------------------------------------------ memory layout and casts
def contiguous(input):  # noqa: A002 - torch's argument name
    """``input`` itself when its array is C-contiguous, else a contiguous copy (differentiable)."""
    from ..ops.elementwise import clone

    x = as_tensor(input)
    return x if x._data.flags.c_contiguous else clone(x)


# ------------------------------------------------------------ rearranging
def flip(input, dims):  # noqa: A002 - torch's argument name
    """Reverse the order of entries along each of ``dims``."""
    x = as_tensor(input)
    dims = _dims(dims, x.ndim, "flip")
    index = tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(x.ndim))
    return getitem(x, index, copy=True)  # a copy, as PyTorch's flip


def roll(input, shifts, dims=None):  # noqa: A002 - torch's argument name
    """Shift entries cyclically by ``shifts`` along ``dims``; without ``dims``
    the flattened tensor is rolled and reshaped back, as in PyTorch."""
    x = as_tensor(input)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            if len(shifts) != 1:
                raise RuntimeError(f"roll: shifts {shifts} need dims of the same length")
            shifts = shifts[0]
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align, got shifts={shifts}, dims={dims}")
    for s, d in zip(shifts, dims):
        d = _int_dim(d, x.ndim, "roll")
        n = x.shape[d]
        if n == 0 or int(s) % n == 0:
            continue
        s = int(s) % n
        lead = (slice(None),) * d
        x = concatenate([getitem(x, lead + (slice(n - s, None),)), getitem(x, lead + (slice(0, n - s),))], d)
    return x


def narrow(input, dim, start, length):  # noqa: A002 - torch's argument name
    """Entries ``start .. start+length-1`` along ``dim`` (``start`` may be negative)."""
    x = as_tensor(input)
    dim = _dim_index(dim, x.ndim, "narrow")
    n = x.shape[dim]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start ({start}) out of range for dimension {dim} of size {n}")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})")
    return getitem(x, (slice(None),) * dim + (slice(start, start + int(length)),))


def select(input, dim, index):  # noqa: A002 - torch's argument name
    """The slice at ``index`` along ``dim``, with that dimension removed."""
    x = as_tensor(input)
    dim = _dim_index(dim, x.ndim, "select")
    n = x.shape[dim]
    if not -n <= int(index) < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {x.shape} "
                         f"at dimension {dim}")
    return getitem(x, (slice(None),) * dim + (int(index) % n,))


def unbind(input, dim=0):  # noqa: A002 - torch's argument name
    """All slices along ``dim``, as a tuple."""
    x = as_tensor(input)
    dim = _dim_index(dim, x.ndim, "unbind")
    pieces = tuple(select(x, dim, i) for i in range(x.shape[dim]))
    for i, piece in enumerate(pieces):  # pieces of one multi-output op (see compat.shape._slices)
        piece._multi_view = ("Unbind", i)
    return pieces


def movedim(input, source, destination):  # noqa: A002 - torch's argument name
    """Move dimensions ``source`` to positions ``destination``; the others keep their order."""
    x = as_tensor(input)
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    src, dst = _dims(src, x.ndim, "movedim"), _dims(dst, x.ndim, "movedim")
    if x.ndim == 0:
        return x
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, *order)


def unflatten(input, dim, sizes):  # noqa: A002 - torch's argument name
    """Split dimension ``dim`` into ``sizes`` (one entry may be -1)."""
    x = as_tensor(input)
    dim = _dim_index(dim, x.ndim, "unflatten")
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = x.shape[dim]
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != n:
        raise ShapeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                         f"of dim {dim} ({n}) in the input tensor")
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


def tile(input, dims):  # noqa: A002 - torch's argument name
    """``x`` repeated ``dims[i]`` times along dimension i; a short ``dims`` is
    padded with leading ones (unlike ``repeat``, which refuses it)."""
    x = input
    from .shape import repeat

    x = as_tensor(x)
    dims = _shape_arg(tuple(dims) if isinstance(dims, (tuple, list)) else (dims,))
    dims = (1,) * (x.ndim - len(dims)) + tuple(dims)
    return repeat(x, *dims)


# ------------------------------------------------------------ gathering
def index_select(input, dim, index):  # noqa: A002 - torch's argument name
    """Entries at the 1-D integer ``index`` along ``dim`` (repeats allowed; gradients add up)."""
    x = as_tensor(input)
    idx = _index_array(index, "index_select", x)
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got {idx.ndim} dims")
    dim = _int_dim(dim, x.ndim, "index_select")
    n = x.shape[dim] if x.ndim else 1
    if _out_of_range(idx, n):
        # NumPy would wrap a negative index; PyTorch refuses it
        raise IndexError(f"index_select: index out of range: indices must lie in [0, {n - 1}] for "
                         f"dimension {dim} of size {n}, got min {int(idx.min())}, max {int(idx.max())}")
    if x.ndim == 0:
        return getitem(reshape(x, 1), idx.reshape(-1))
    return getitem(x, (slice(None),) * dim + (idx.reshape(-1),))


def gather(input, dim, index):  # noqa: A002 - torch's argument name
    """out[i][j][k] = x[index[i][j][k]][j][k] (for dim=0): ``index`` has ``x``'s
    number of dimensions and the output its shape. The gradient scatter-adds."""
    x = as_tensor(input)
    idx = _index_array(index, "gather", x)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"gather: Index tensor must have the same number of dimensions as input "
                           f"tensor, got {idx.ndim} and {x.ndim}")
    dim = _int_dim(dim, x.ndim, "gather")
    for d in range(x.ndim):
        if d != dim and idx.shape[d] > x.shape[d]:
            raise RuntimeError(f"gather: Size does not match at dimension {d}: expected index "
                               f"{idx.shape} to be no larger than self {x.shape} apart from dimension {dim}")
    n = x.shape[dim]
    if _out_of_range(idx, n):
        lo, hi = int(idx.min()), int(idx.max())
        raise RuntimeError(f"gather: index {lo if lo < 0 else hi} is out of bounds for dimension "
                           f"{dim} with size {n}")
    return _gather(x, dim, idx)


def _gather(x, dim, idx):
    """``gather`` of an index array known to be in range (sort's, topk's): no check, no read."""
    xp = backend.get_array_module(x._data)
    grids = [xp.arange(n).reshape((-1,) + (1,) * (idx.ndim - 1 - d)) for d, n in enumerate(idx.shape)]
    return getitem(x, tuple(idx if d == dim else grids[d] for d in range(x.ndim)))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002 - torch's argument name
    """Each entry repeated ``repeats`` times (an int, or one count per entry)
    along ``dim``; without ``dim`` the flattened tensor is used. With one
    integer tensor only, index i repeated input[i] times (int64)."""
    x = as_tensor(input)
    if repeats is None:  # repeat_interleave(repeats): each index i repeated repeats[i] times
        from ..factories import arange

        return repeat_interleave(arange(x.shape[0] if x.ndim else 1, device=x.device), x, 0)
    if dim is None:
        x, dim = reshape(x, -1), 0
    dim = _dim_index(dim, x.ndim, "repeat_interleave")
    n = x.shape[dim]
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    reps = np.asarray(backend.to_device(np.asarray(reps) if not hasattr(reps, "shape") else reps, "cpu"))
    if reps.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: repeats must be ints, got dtype {reps.dtype}")
    if reps.ndim > 1 or (reps.ndim == 1 and reps.size not in (1, n)):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim "
                           f"({n}), got {reps.shape}")
    if (reps < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    index = np.repeat(np.arange(n), reps.reshape(-1) if reps.ndim else int(reps))
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} != {index.size}")
    return index_select(x, dim, backend.to_device(index, x.device))


def masked_fill(input, mask, value):  # noqa: A002 - torch's argument name
    """``value`` where ``mask`` is True, ``x`` elsewhere; the gradient of ``x``
    is zero at the filled places (a tensor ``value`` must be 0-d and also gets one)."""
    x = as_tensor(input)
    if isinstance(mask, Tensor):
        backend.check_same_device("masked_fill", "the mask", mask._data, x._data)
    m = mask._data if isinstance(mask, Tensor) else mask
    if getattr(m, "dtype", None) != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{getattr(m, 'dtype', type(m).__name__)}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s)")
        if value.dtype != x.dtype:
            from ..ops.elementwise import cast

            value = cast(value, x.dtype)
    else:
        # as in PyTorch the value takes the tensor's dtype: 1.5 fills an int tensor with 1
        value = constant(backend.get_array_module(x._data).full((), value, dtype=x.dtype))
    out = where(m, value, x)
    if out.shape != x.shape:
        raise ShapeError(f"masked_fill: mask of shape {m.shape} does not broadcast to the "
                         f"tensor's shape {x.shape}")
    return out


def tensor_where(input, condition, other):  # noqa: A002 - torch's argument name
    """``Tensor.where(condition, y)``: ``x`` where ``condition``, else ``y``."""
    x = input
    return where(condition, x, other)


def _tri(x, diagonal, lower, who):
    x = as_tensor(x)
    if x.ndim < 2:
        raise RuntimeError(f"{who}: input tensor must have at least 2 dimensions")
    xp = backend.get_array_module(x._data)
    n, m = x.shape[-2:]
    keep = xp.tri(n, m, int(diagonal), dtype=bool)
    if not lower:
        keep = ~xp.tri(n, m, int(diagonal) - 1, dtype=bool)
    return where(keep, x, as_tensor(0, like=x))


def tril(input, diagonal=0):  # noqa: A002 - torch's argument name
    """Entries on and below the ``diagonal``-th diagonal; the rest zero."""
    x = input
    return _tri(x, diagonal, True, "tril")


def triu(input, diagonal=0):  # noqa: A002 - torch's argument name
    """Entries on and above the ``diagonal``-th diagonal; the rest zero."""
    x = input
    return _tri(x, diagonal, False, "triu")


def diag(input, diagonal=0):  # noqa: A002 - torch's argument name
    """1-D input: a square matrix with ``x`` on the ``diagonal``-th diagonal.
    2-D input: that diagonal as a 1-D tensor."""
    x = as_tensor(input)
    k = int(diagonal)
    xp = backend.get_array_module(x._data)
    if x.ndim == 1:
        n = x.shape[0] + builtins.abs(k)
        rows = xp.arange(x.shape[0]) + builtins.max(-k, 0)
        cols = xp.arange(x.shape[0]) + builtins.max(k, 0)
        # a scatter into zeros; its backward reads the diagonal back (getitem)
        return GetItemGradFn((rows, cols), (n, n))(x)
    if x.ndim == 2:
        n, m = x.shape
        length = builtins.max(0, builtins.min(n + builtins.min(k, 0), m - builtins.max(k, 0)))
        start_r, start_c = builtins.max(-k, 0), builtins.max(k, 0)
        rows = xp.arange(length) + start_r
        cols = xp.arange(length) + start_c
        return getitem(x, (rows, cols))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


# ------------------------------------------------------------ scans and products
class CumsumFn(Function):
    """y_i = sum_{j<=i} x_j along ``axis``;  dx = reverse cumulative sum of g."""

    def __init__(self, axis, dtype):
        self.axis, self.dtype = axis, dtype

    def forward(self, x):
        return self.xp.cumsum(x, axis=self.axis, dtype=self.dtype)

    def backward(self, g):
        (x,) = self._inputs
        gx = flip(cumsum(flip(g, self.axis), self.axis), self.axis)
        return gx if gx.dtype == x.dtype else _cast_grad(gx, x.dtype)


def _cast_grad(g, dtype):
    from ..ops.elementwise import cast

    return cast(g, dtype)


def cumsum(input, dim, *, dtype=None):  # noqa: A002 - torch's argument name
    """Running sums along ``dim``. Integer and bool inputs give int64, as in PyTorch."""
    x = as_tensor(input)
    dim = _int_dim(dim, x.ndim, "cumsum")
    if dtype is None and not is_float(x.dtype):
        dtype = np.int64
    dtype = None if dtype is None else np.dtype(dtype)
    if x.ndim == 0:
        from ..ops.elementwise import cast, clone

        return clone(x) if dtype is None or dtype == x.dtype else cast(x, dtype)
    if dtype is not None and not is_float(dtype):
        return Tensor._wrap(backend.get_array_module(x._data).cumsum(x._data, axis=dim, dtype=dtype))
    return CumsumFn(dim, dtype)(x)


class ProdFn(Function):
    """y = prod x over ``axes``;  dx_i = g * prod_{j != i} x_j.

    Where x_i != 0 that is g * y / x_i, written with differentiable ops. At a
    zero the product of the others is computed directly (exact with several
    zeros too), as a product over a matrix holding x_j off its diagonal and 1
    on it (n times the memory of ``x`` along the reduced axis), so that
    gradients of gradients stay exact at zeros as well."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return self.xp.prod(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, prod_of_others=None):
        (x,) = self.inputs
        y = self.output(0)
        axis = self.axis
        if not self.keepdims and axis is not None:
            g, y = _unsqueeze(g, axis), _unsqueeze(y, axis)
        nonzero = x._data != 0
        safe_x = where(nonzero, x, as_tensor(1, like=x))
        gx = g * y / safe_x
        if nonzero.all():
            return gx
        return where(nonzero, gx, g * (prod_of_others or _prod_of_others_graph)(x, axis))


def _unsqueeze(t, axis):
    from ..ops.shape import unsqueeze

    return unsqueeze(t, axis)


def _prod_of_others_graph(x, axis):
    """prod_{j != i} x_j along ``axis`` with minigan ops: the product over the
    last axis of M[..., i, j] = (j == i ? 1 : x_j)."""
    from ..ops.shape import broadcast_to, unsqueeze

    if axis is None:
        return reshape(_prod_of_others_graph(reshape(x, -1), 0), x.shape)
    xm = movedim(x, axis, -1)
    n = xm.shape[-1]
    xp = backend.get_array_module(x._data)
    rows = broadcast_to(unsqueeze(xm, -2), xm.shape[:-1] + (n, n))
    m = where(xp.eye(n, dtype=bool), as_tensor(1, like=x), rows)
    return movedim(ProdFn(xm.ndim, False)(m), -1, axis)


def prod(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's argument name
    """Product of all entries, or along ``dim``. Integer and bool inputs give int64."""
    x = input
    from ..ops.elementwise import cast

    x = as_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    elif not is_float(x.dtype):
        x = cast(x, np.int64)
    if dim is not None:
        dim = _int_dim(dim, x.ndim, "prod")
        if x.ndim == 0:
            dim = None
    if not is_float(x.dtype):
        xp = backend.get_array_module(x._data)
        return Tensor._wrap(xp.asarray(xp.prod(x._data, axis=dim, keepdims=bool(keepdim and dim is not None))))
    return ProdFn(dim, bool(keepdim and dim is not None))(x)


# ------------------------------------------------------------ boolean reductions, argmax
def _bool_reduce(name, x, dim, keepdim):
    x = as_tensor(x)
    xp = backend.get_array_module(x._data)
    if dim is not None:
        dim = _dims(dim, x.ndim, name) if x.ndim else None
    return Tensor._wrap(xp.asarray(getattr(xp, name)(x._data, axis=dim, keepdims=bool(keepdim))))


def any(input, dim=None, keepdim=False):  # noqa: A001, A002 - same name as torch.any
    """Whether any entry (along ``dim``) is nonzero: a bool tensor."""
    x = input
    return _bool_reduce("any", x, dim, keepdim)


def all(input, dim=None, keepdim=False):  # noqa: A001, A002 - same name as torch.all
    """Whether every entry (along ``dim``) is nonzero: a bool tensor."""
    x = input
    return _bool_reduce("all", x, dim, keepdim)


def argmax(input, dim=None, keepdim=False):  # noqa: A002 - torch's argument name
    """Index of the largest entry (of the flattened tensor without ``dim``): int64."""
    x = as_tensor(input)
    xp = backend.get_array_module(x._data)
    keep = bool(keepdim) if dim is not None else False
    return Tensor._wrap(xp.asarray(xp.argmax(x._data, axis=dim, keepdims=keep)).astype(np.int64))


def argmin(input, dim=None, keepdim=False):  # noqa: A002 - torch's argument name
    """Index of the smallest entry (of the flattened tensor without ``dim``): int64."""
    x = as_tensor(input)
    xp = backend.get_array_module(x._data)
    keep = bool(keepdim) if dim is not None else False
    return Tensor._wrap(xp.asarray(xp.argmin(x._data, axis=dim, keepdims=keep)).astype(np.int64))


# ------------------------------------------------------------ ordering
def sort(input, dim=-1, descending=False, *, stable=False):  # noqa: A002 - torch's argument name
    """(values, indices) sorted along ``dim``; values are differentiable
    (a gather), indices int64. Ties keep their order (always stable here)."""
    x = as_tensor(input)
    xp = backend.get_array_module(x._data)
    if x.ndim == 0:
        return SortResult(_gather(reshape(x, 1), 0, xp.zeros(1, dtype=np.int64)).reshape(()),
                          Tensor._wrap(xp.zeros((), dtype=np.int64)))
    dim = _dim_index(dim, x.ndim, "sort")
    a = x._data
    kind = {"kind": "stable"} if xp is np else {}  # CuPy's sort is always stable, takes no kind
    if descending:
        # stable descending order: sort the reversed array, then map indices back
        n = a.shape[dim]
        rev = xp.flip(a, dim)
        # ties stay in their original order; NaN (largest, as in PyTorch) comes first
        idx = xp.flip(n - 1 - xp.argsort(rev, axis=dim, **kind), dim)
    else:
        idx = xp.argsort(a, axis=dim, **kind)
    idx = idx.astype(np.int64)
    return SortResult(_gather(x, dim, idx), Tensor._wrap(idx))


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's argument name
    """The ``k`` largest (or smallest) entries along ``dim`` and their int64
    indices; values are differentiable (a gather)."""
    x = as_tensor(input)
    if x.ndim == 0:
        dim = 0
        x1 = reshape(x, 1)
    else:
        x1 = x
    dim = _dim_index(dim, x1.ndim, "topk")
    n = x1.shape[dim]
    if not 0 <= int(k) <= n:
        raise RuntimeError(f"topk: selected index k ({k}) out of range for dimension of size {n}")
    _, idx = sort(x1, dim, descending=largest)
    idx = getitem(idx, (slice(None),) * dim + (slice(0, int(k)),))
    values = _gather(x1, dim, idx._data)
    if x.ndim == 0:
        return TopkResult(reshape(values, ()), reshape(idx, ()))
    return TopkResult(values, idx)


# ------------------------------------------------------------ comparisons of whole tensors, grids
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """``|input - other| <= atol + rtol * |other|`` everywhere (broadcasting)."""
    a, b = as_tensor(input), as_tensor(other)
    xp = backend.get_array_module(a._data)
    if a.dtype != b.dtype:
        raise RuntimeError(f"allclose: Float did not match Double: got dtypes {a.dtype} and {b.dtype}")
    return bool(xp.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other) -> bool:  # noqa: A002
    """True when both have the same shape and the same entries."""
    a, b = as_tensor(input), as_tensor(other)
    if a.shape != b.shape:
        return False
    return bool((a._data == b._data).all())


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: ``indexing='ij'`` (the default, as
    PyTorch's, which warns when it is not given) or ``'xy'`` (first two
    dimensions swapped). Differentiable (each grid is a broadcast)."""
    from ..ops.shape import broadcast_to

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    xs = [as_tensor(t) for t in tensors]
    for t in xs:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
    xs = [reshape(t, -1) for t in xs]
    swap = indexing == "xy" and len(xs) >= 2
    if swap:
        xs[0], xs[1] = xs[1], xs[0]
    shape = tuple(t.shape[0] for t in xs)
    grids = [broadcast_to(reshape(t, tuple(-1 if k == i else 1 for k in range(len(xs)))), shape)
             for i, t in enumerate(xs)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)
