"""Tensor: an ndarray (NumPy or CuPy) plus what autograd needs to know about it.

A Tensor made by an op while recording remembers the op that made it
(``grad_fn``) and which of that op's outputs it is. Leaves (tensors you made,
such as parameters) have ``grad_fn is None``; ``backward`` accumulates into
their ``.grad``.

dtypes follow PyTorch: Python floats become float32, a NumPy array keeps its
float dtype, a Python scalar never changes a tensor's dtype, and mixing float32
with float64 tensors is an error rather than a silent upcast.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..errors import ShapeError
from .grad_mode import no_grad


def _is_float(dtype) -> bool:
    return np.issubdtype(dtype, np.floating)


class Tensor:
    __array_priority__ = 1000  # make ndarray + Tensor call Tensor.__radd__
    __hash__ = object.__hash__
    _backward_hooks: dict | None = None  # register_hook() gives a tensor its own

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data._data
        xp = backend.get_array_module(data)
        if not isinstance(data, xp.ndarray):
            data = np.asarray(data)
        self._data = data
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._output_index = 0
        self._version = 0
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array) -> "Tensor":
        """Fast constructor for op results (no conversion, no checks)."""
        t = cls.__new__(cls)
        t._data = array
        t.grad = None
        t.grad_fn = None
        t._output_index = 0
        t._version = 0
        t._retains_grad = False
        t.requires_grad = False
        return t

    @classmethod
    def from_array(cls, array) -> "Tensor":
        """A tensor over ``array`` (a NumPy or CuPy array), sharing its memory:
        the public way for code outside ``autograd/`` and ``ops/`` to wrap an
        array it computed (``minigan.tensor`` copies)."""
        xp = backend.get_array_module(array)
        if not isinstance(array, xp.ndarray):
            raise TypeError(f"from_array: expected a NumPy or CuPy array, got {type(array).__name__}")
        return cls._wrap(array)

    @property
    def array(self):
        """The backing array (NumPy or CuPy), shared, not copied: read it
        freely; to change a tensor, use its in-place methods (``copy_``,
        ``add_``, ...), which keep autograd's version counter right."""
        return self._data

    # ------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def data(self) -> "Tensor":
        """A tensor sharing this one's array, detached from the graph (PyTorch's ``.data``)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else value

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self._data.size)

    def dim(self) -> int:
        return self.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        if self.device != "cpu":
            raise TypeError("can't convert a cuda tensor to numpy: call .cpu() first")
        if self.requires_grad:
            raise RuntimeError("can't call numpy() on a tensor that requires grad: use .detach().numpy()")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_device(self._data, "cpu")
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise ShapeError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return backend.to_device(self._data, "cpu").tolist()

    def detach(self) -> "Tensor":
        """The same array, cut from the graph."""
        return Tensor._wrap(self._data)

    def clone(self) -> "Tensor":
        from .. import ops

        return ops.clone(self)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and not _is_float(self.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype}; "
                "create it with dtype=minigan.float32 (or float64)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        self._retains_grad = True

    def to(self, device=None, dtype=None) -> "Tensor":
        """Move to a device (``"cpu"``/``"cuda"``) and/or cast to a dtype.
        Differentiable: gradients flow back to the original tensor."""
        if device is not None and not isinstance(device, str) and dtype is None:
            device, dtype = None, device  # .to(minigan.float64)
        if isinstance(device, str) and device.lower() in ("float32", "float64", "float16"):
            device, dtype = None, device
        from .. import ops

        out = self
        if dtype is not None and np.dtype(dtype) != self.dtype:
            out = ops.cast(out, np.dtype(dtype))
        if device is not None:
            dev = backend.normalize_device(device)
            if dev != self.device:
                out = ops.to_device(out, dev)
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def float(self) -> "Tensor":
        return self.to(dtype=np.float32)

    def double(self) -> "Tensor":
        return self.to(dtype=np.float64)

    # ------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is the upstream gradient (required unless ``self`` has one
        element). ``create_graph=True`` records the backward pass so the
        gradients can be differentiated again."""
        from .engine import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph)

    # ------------------------------------------------------------ in-place ops
    def _inplace(self, array) -> "Tensor":
        from .grad_mode import is_grad_enabled

        if is_grad_enabled() and self.requires_grad and self.is_leaf:
            raise RuntimeError(
                "a leaf tensor that requires grad is being used in an in-place operation; "
                "wrap the update in `with minigan.no_grad():`"
            )
        xp = backend.get_array_module(self._data)
        if isinstance(array, Tensor):
            array = array._data
        if backend.get_array_module(array) is not xp and not np.isscalar(array):
            raise RuntimeError(f"in-place op: tensor on '{self.device}', value on another device")
        self._data[...] = array
        self._version += 1
        return self

    def _other(self, other):
        return other._data if isinstance(other, Tensor) else other

    def copy_(self, src):
        return self._inplace(self._other(src))

    def zero_(self):
        return self._inplace(0)

    def fill_(self, value):
        return self._inplace(value)

    def add_(self, other, alpha=1.0):
        return self._inplace(self._data + alpha * self._other(other))

    def sub_(self, other, alpha=1.0):
        return self._inplace(self._data - alpha * self._other(other))

    def mul_(self, other):
        return self._inplace(self._data * self._other(other))

    def div_(self, other):
        return self._inplace(self._data / self._other(other))

    def clamp_(self, min=None, max=None):
        xp = backend.get_array_module(self._data)
        return self._inplace(xp.clip(self._data, min, max))

    def normal_(self, mean=0.0, std=1.0):
        from ..random import normal_array

        return self._inplace(normal_array(self.shape, self.dtype, self.device) * std + mean)

    def uniform_(self, a=0.0, b=1.0):
        from ..random import uniform_array

        return self._inplace(uniform_array(self.shape, self.dtype, self.device) * (b - a) + a)

    def __setitem__(self, index, value):
        from .grad_mode import is_grad_enabled

        if is_grad_enabled() and self.requires_grad:
            raise RuntimeError(
                "item assignment on a tensor that requires grad is not differentiable in minigan; "
                "build a new tensor (for example with minigan.where) or use `with minigan.no_grad():`"
            )
        if isinstance(index, Tensor):
            index = index._data
        self._data[index] = self._other(value)
        self._version += 1

    # ------------------------------------------------------------ printing
    def __repr__(self):
        body = np.array2string(np.asarray(self), separator=", ", precision=4, threshold=50, prefix="tensor(")
        extra = []
        if self.dtype != np.float32:
            extra.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extra.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{type(self.grad_fn).__name__}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        tail = (", " + ", ".join(extra)) if extra else ""
        return f"tensor({body}{tail})"

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with shape {self.shape} is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    # comparisons give boolean tensors, never gradients
    def _cmp(self, other, name):
        xp = backend.get_array_module(self._data)
        return Tensor._wrap(getattr(xp, name)(self._data, self._other(other)))

    def __eq__(self, other):  # noqa: D105
        return self._cmp(other, "equal")

    def __ne__(self, other):
        return self._cmp(other, "not_equal")

    def __lt__(self, other):
        return self._cmp(other, "less")

    def __le__(self, other):
        return self._cmp(other, "less_equal")

    def __gt__(self, other):
        return self._cmp(other, "greater")

    def __ge__(self, other):
        return self._cmp(other, "greater_equal")

    def argmax(self, axis=None, dim=None, keepdims=False, keepdim=None):
        axis = dim if dim is not None else axis
        keepdims = keepdim if keepdim is not None else keepdims
        xp = backend.get_array_module(self._data)
        return Tensor._wrap(xp.argmax(self._data, axis=axis, keepdims=keepdims))

    def argmin(self, axis=None, dim=None, keepdims=False, keepdim=None):
        axis = dim if dim is not None else axis
        keepdims = keepdim if keepdim is not None else keepdims
        xp = backend.get_array_module(self._data)
        return Tensor._wrap(xp.argmin(self._data, axis=axis, keepdims=keepdims))


def _install_methods():
    """Operators and methods delegate to the functional ops in ``minigan.ops``."""
    from .. import ops

    def binary(name, reflected=False):
        fn = getattr(ops, name)
        if reflected:
            return lambda self, other: fn(other, self)
        return lambda self, other: fn(self, other)

    for dunder, name in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div"),
                         ("pow", "pow"), ("matmul", "matmul")]:
        setattr(Tensor, f"__{dunder}__", binary(name))
        setattr(Tensor, f"__r{dunder}__", binary(name, reflected=True))
    Tensor.__neg__ = lambda self: ops.neg(self)
    Tensor.__abs__ = lambda self: ops.abs(self)
    Tensor.__getitem__ = lambda self, index: ops.getitem(self, index)

    for name in ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "softplus", "neg",
                 "sum", "mean", "var", "std", "max", "min", "amax", "amin", "logsumexp",
                 "softmax", "log_softmax", "reshape", "view", "transpose", "permute", "flatten",
                 "squeeze", "unsqueeze", "broadcast_to", "expand", "clip", "clamp", "matmul",
                 "maximum", "minimum", "sum_to", "square", "leaky_relu", "swapaxes", "pow",
                 "mul", "norm", "sign", "log1p", "expm1", "erf", "rsqrt", "lerp", "clamp_min",
                 "clamp_max", "chunk", "split", "repeat", "t",
                 "contiguous", "eq", "ne", "gt", "lt", "ge", "le", "any", "all", "isnan",
                 "isfinite", "nan_to_num", "cumsum", "prod", "roll", "gather", "index_select",
                 "masked_fill", "mm", "bmm", "outer", "repeat_interleave", "unbind",
                 "narrow", "select", "movedim", "unflatten", "floor", "ceil", "round", "trunc",
                 "frac", "reciprocal", "sin", "cos", "sort", "topk", "tril", "triu", "diag"]:
        setattr(Tensor, name, getattr(ops, name))
    for name, method in _TORCH_METHODS.items():
        setattr(Tensor, name, method)


def _scaled(self, other, alpha, who):
    """``alpha * other`` for add/sub's ``alpha`` (PyTorch refuses a float
    alpha when both operands are integers)."""
    if alpha == 1:
        return other
    from .. import ops

    ints = not _is_float(self.dtype) and not (isinstance(other, Tensor) and _is_float(other.dtype)
                                              or isinstance(other, float))
    if ints and isinstance(alpha, float):
        raise RuntimeError(f"{who}: for integral input tensors, argument alpha must not be a "
                           f"floating point number, got alpha={alpha}")
    return ops.mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def _add(self, other, *, alpha=1):
    """self + alpha * other (PyTorch's ``Tensor.add``)."""
    from .. import ops

    return ops.add(self, _scaled(self, other, alpha, "add"))


def _sub(self, other, *, alpha=1):
    """self - alpha * other (PyTorch's ``Tensor.sub``)."""
    from .. import ops

    return ops.sub(self, _scaled(self, other, alpha, "sub"))


def _div(self, other, *, rounding_mode=None):
    """self / other; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient
    (PyTorch's ``Tensor.div``)."""
    from ..ops.elementwise import div_rounded

    return div_rounded(self, other, rounding_mode)


def _expand_as(self, other):
    from .. import ops

    return ops.expand(self, other.shape)


def _view_as(self, other):
    from .. import ops

    return ops.view(self, other.shape)


def _reshape_as(self, other):
    from .. import ops

    return ops.reshape(self, other.shape)


def _type_as(self, other):
    """This tensor with ``other``'s dtype and device (differentiable for float dtypes)."""
    return self.to(device=other.device, dtype=other.dtype)


def _new_size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """zeros with this tensor's dtype and device unless given (PyTorch's ``new_zeros``)."""
    from .. import factories

    return factories.zeros(*_new_size(size), dtype=dtype or self.dtype,
                           device=device or self.device, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """ones with this tensor's dtype and device unless given (PyTorch's ``new_ones``)."""
    from .. import factories

    return factories.ones(*_new_size(size), dtype=dtype or self.dtype,
                          device=device or self.device, requires_grad=requires_grad)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere, with this tensor's dtype and device unless given."""
    from .. import factories

    return factories.full(tuple(size) if isinstance(size, (tuple, list)) else size, fill_value,
                          dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype and device unless given
    (a Python float list on an integer tensor becomes integers, as in PyTorch)."""
    from .. import factories

    return factories.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                            requires_grad=requires_grad)


def _flip(self, *dims):
    """Reverse the order of entries along ``dims`` (a tuple, or several ints)."""
    from .. import ops

    return ops.flip(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)


def _tile(self, *dims):
    """PyTorch's ``Tensor.tile``: ``dims`` as a tuple or as several ints."""
    from .. import ops

    return ops.tile(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)


def _where(self, condition, other):
    """``self`` where ``condition`` is True, ``other`` elsewhere (PyTorch's ``Tensor.where``)."""
    from .. import ops

    return ops.where(condition, self, other)


def _long(self):
    return self.to(dtype=np.int64)


def _int(self):
    return self.to(dtype=np.int32)


def _bool(self):
    return self.to(dtype=np.bool_)


def _half(self):
    return self.to(dtype=np.float16)


_TYPE_NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
               np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor",
               np.dtype(np.int32): "IntTensor", np.dtype(np.int16): "ShortTensor",
               np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
               np.dtype(np.bool_): "BoolTensor"}


def _type(self, dtype=None, non_blocking=False):
    """Without ``dtype``: the type's name, ``'minigan.FloatTensor'`` (PyTorch:
    ``'torch.FloatTensor'``; ``minigan.cuda.`` on the GPU). With one: cast to it
    (a dtype, or a name such as ``'minigan.LongTensor'`` / ``'torch.LongTensor'``)."""
    if dtype is None:
        prefix = "minigan.cuda." if self.device != "cpu" else "minigan."
        return prefix + _TYPE_NAMES.get(self.dtype, f"{self.dtype}Tensor")
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        names = {v: k for k, v in _TYPE_NAMES.items()}
        short = dtype.rsplit(".", 1)[-1]
        if short not in names:
            raise ValueError(f"type(): unknown tensor type {dtype!r}; expected one of "
                             f"{sorted(names)}")
        out = self.to(dtype=names[short])
        return out.to("cuda") if ".cuda." in dtype else out
    return self.to(dtype=np.dtype(dtype))


def _detach_(self):
    """Cut this tensor from the graph in place: it becomes a leaf that needs no gradient."""
    self.grad_fn = None
    self._output_index = 0
    self.requires_grad = False
    return self


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _register_hook(self, hook):
    """Call ``hook(grad)`` each time backward (or ``minigan.grad``) computes this
    tensor's gradient; a returned tensor replaces that gradient (for the
    ``.grad`` of a leaf and for everything upstream of a non-leaf)."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = self.__dict__.setdefault("_backward_hooks", {})
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


_TORCH_METHODS = {
    "register_hook": _register_hook,
    "flip": _flip, "tile": _tile, "where": _where, "long": _long, "int": _int, "bool": _bool, "half": _half,
    "type": _type, "detach_": _detach_,
    "add": _add, "sub": _sub, "div": _div, "expand_as": _expand_as, "view_as": _view_as,
    "reshape_as": _reshape_as, "type_as": _type_as, "new_zeros": _new_zeros,
    "new_ones": _new_ones, "new_empty": _new_zeros, "new_full": _new_full,
    "new_tensor": _new_tensor,
}
