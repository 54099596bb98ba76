"""Tensor methods a student need not read: PyTorch's method spellings.

:func:`install` puts them on :class:`minigan.Tensor` (``minigan/__init__.py``
calls it once the ops are loaded):

* the functional ops as methods: ``t.exp()`` is ``minigan.exp(t)``,
  ``t.sum(1)`` is ``minigan.sum(t, 1)``, ...;
* PyTorch's conveniences and legacy names (``size``, ``T``, ``.data``,
  ``new_zeros``, ``type_as``, ``long``, ``flip``, ``where``, comparisons,
  ``argmax``, in-place fills, ``register_hook``, ...).

None of them adds autograd machinery: each is a call to an op, a cast
through ``Tensor.to``, or an in-place op through :mod:`minigan.ops.inplace`.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.grad_mode import is_grad_enabled
from ..errors import DtypeError, ShapeError
from ..autograd.tensor import Tensor

#: the functional ops of ``minigan.ops`` that are also Tensor methods
OP_METHODS = [
    "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "softplus", "neg",
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
    "frac", "reciprocal", "sin", "cos", "sort", "topk", "tril", "triu", "diag"]


def install():
    """Put the op methods and the methods of this module on ``Tensor``."""
    from .. import ops

    for name in OP_METHODS:
        setattr(Tensor, name, getattr(ops, name))
    _install_inplace()
    for name, method in METHODS.items():
        setattr(Tensor, name, method)


def _is_float(dtype) -> bool:
    return np.issubdtype(dtype, np.floating)


# ------------------------------------------------------------ metadata
@classmethod
def from_array(cls, array) -> Tensor:
    """A tensor sharing a NumPy/CuPy ``array``'s memory: the public ``_wrap``."""
    if not isinstance(array, backend.get_array_module(array).ndarray):
        raise TypeError(f"from_array: expected a NumPy or CuPy array, got {type(array).__name__}")
    return cls._wrap(array)


def _get_data(self) -> Tensor:
    """A tensor sharing this one's array, detached from the graph (PyTorch's ``.data``)."""
    return Tensor._wrap(self._data)


def _set_data(self, value):
    """Swap the array under this tensor (PyTorch's ``t.data = other``): a Tensor
    of any shape, floating point if this one requires grad (PyTorch's rules)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}; "
                        "wrap an array with minigan.Tensor.from_array(array)")
    if self.requires_grad and value.dtype.kind != "f":
        raise DtypeError(f"data set to a tensor that requires gradients must be floating point, "
                         f"got dtype {value.dtype}")
    self._data = value._data


def _T(self) -> Tensor:
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


# ------------------------------------------------------------ conversion and printing
def numpy(self) -> np.ndarray:
    if self.device != "cpu":
        raise TypeError("can't convert a cuda tensor to numpy: call .cpu() first")
    if self.requires_grad:
        raise RuntimeError("can't call numpy() on a tensor that requires grad: use .detach().numpy()")
    return self._data


def item(self):
    if self._data.size != 1:
        raise ShapeError(f"item() needs a tensor with one element, got shape {self.shape}")
    return self._data.item()


def to(self, device=None, dtype=None) -> Tensor:
    """Move to a device (``"cpu"``/``"cuda"``) and/or cast to a dtype.
    Differentiable: gradients flow back to the original tensor."""
    from .. import ops

    if device is not None and not isinstance(device, str) and dtype is None:
        device, dtype = None, device  # .to(minigan.float64)
    if isinstance(device, str) and device.lower() in ("float32", "float64", "float16"):
        device, dtype = None, device
    out = self
    if dtype is not None and np.dtype(dtype) != self.dtype:
        out = ops.cast(out, np.dtype(dtype))
    if device is not None:
        dev = backend.normalize_device(device)
        if dev != self.device:
            out = ops.to_device(out, dev)
    return out


def __array__(self, dtype=None, copy=None):
    arr = backend.to_device(self._data, "cpu")
    return arr if dtype is None else arr.astype(dtype)


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


def tolist(self):
    return backend.to_device(self._data, "cpu").tolist()


def clone(self) -> Tensor:
    from .. import ops

    return ops.clone(self)


def __bool__(self):
    if self._data.size != 1:
        raise RuntimeError(f"the truth value of a tensor with shape {self.shape} is ambiguous")
    return bool(self._data)


def __float__(self):
    return float(self.item())


def __int__(self):
    return int(self.item())


def cpu(self) -> Tensor:
    return self.to("cpu")


def cuda(self) -> Tensor:
    return self.to("cuda")


def _float(self) -> Tensor:
    return self.to(dtype=np.float32)


def double(self) -> Tensor:
    return self.to(dtype=np.float64)


def long(self):
    return self.to(dtype=np.int64)


def _int(self):
    return self.to(dtype=np.int32)


def _bool(self):
    return self.to(dtype=np.bool_)


def half(self):
    return self.to(dtype=np.float16)


def type_as(self, other):
    """This tensor with ``other``'s dtype and device (differentiable for float dtypes)."""
    return self.to(device=other.device, dtype=other.dtype)


# ------------------------------------------------------------ ops with torch's signatures
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


def add(self, other, *, alpha=1):
    """self + alpha * other (PyTorch's ``Tensor.add``)."""
    from .. import ops

    return ops.add(self, _scaled(self, other, alpha, "add"))


def sub(self, other, *, alpha=1):
    """self - alpha * other (PyTorch's ``Tensor.sub``)."""
    from .. import ops

    return ops.sub(self, _scaled(self, other, alpha, "sub"))


def div(self, other, *, rounding_mode=None):
    """self / other; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient
    (PyTorch's ``Tensor.div``)."""
    from .elementwise import div_rounded

    return div_rounded(self, other, rounding_mode)


def expand_as(self, other):
    from .. import ops

    return ops.expand(self, other.shape)


def view_as(self, other):
    from .. import ops

    return ops.view(self, other.shape)


def reshape_as(self, other):
    from .. import ops

    return ops.reshape(self, other.shape)


def _dims(dims):
    return dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims


def flip(self, *dims):
    """Reverse the order of entries along ``dims`` (a tuple, or several ints)."""
    from .. import ops

    return ops.flip(self, _dims(dims))


def tile(self, *dims):
    """PyTorch's ``Tensor.tile``: ``dims`` as a tuple or as several ints."""
    from .. import ops

    return ops.tile(self, _dims(dims))


def where(self, condition, other):
    """``self`` where ``condition`` is True, ``other`` elsewhere (PyTorch's ``Tensor.where``)."""
    from .. import ops

    return ops.where(condition, self, other)


# ------------------------------------------------------------ new tensors like this one
def _new_size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """zeros with this tensor's dtype and device unless given (PyTorch's ``new_zeros``)."""
    from .. import factories

    return factories.zeros(*_new_size(size), dtype=dtype or self.dtype,
                           device=device or self.device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """ones with this tensor's dtype and device unless given (PyTorch's ``new_ones``)."""
    from .. import factories

    return factories.ones(*_new_size(size), dtype=dtype or self.dtype,
                          device=device or self.device, requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere, with this tensor's dtype and device unless given."""
    from .. import factories

    return factories.full(tuple(size) if isinstance(size, (tuple, list)) else size, fill_value,
                          dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype and device unless given
    (a Python float list on an integer tensor becomes integers, as in PyTorch)."""
    from .. import factories

    return factories.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                            requires_grad=requires_grad)


# ------------------------------------------------------------ no gradients: comparisons, argmax
def _cmp(name):
    def compare(self, other):
        xp = backend.get_array_module(self._data)
        return Tensor._wrap(xp.asarray(getattr(xp, name)(self._data, self._other(other))))

    compare.__name__ = name
    return compare


def argmax(self, axis=None, dim=None, keepdims=False, keepdim=None):
    axis = dim if dim is not None else axis
    keepdims = keepdim if keepdim is not None else keepdims
    xp = backend.get_array_module(self._data)
    return Tensor._wrap(xp.asarray(xp.argmax(self._data, axis=axis, keepdims=keepdims)))


def argmin(self, axis=None, dim=None, keepdims=False, keepdim=None):
    axis = dim if dim is not None else axis
    keepdims = keepdim if keepdim is not None else keepdims
    xp = backend.get_array_module(self._data)
    return Tensor._wrap(xp.asarray(xp.argmin(self._data, axis=axis, keepdims=keepdims)))


# ------------------------------------------------------------ in place (minigan/ops/inplace.py)
def _other(self, other):
    return other._data if isinstance(other, Tensor) else other


def _operand(self, other):
    """``other`` for an in-place op on self: a float tensor in self's float dtype, as
    PyTorch casts into the output (minigan refuses float32 with float64 elsewhere)."""
    from .. import ops

    if isinstance(other, Tensor) and _is_float(self.dtype) and _is_float(other.dtype) \
            and other.dtype != self.dtype:
        return ops.cast(other, self.dtype)
    return other


def _inplace_method(name, op):
    def method(self, *args, **kwargs):
        from ..ops.inplace import update

        return update(self, lambda t, *a: op(t, *a, **kwargs), *[_operand(self, a) for a in args])

    method.__name__ = name
    return method


def copy_(self, src, non_blocking=False):
    from ..ops.inplace import overwrite

    return overwrite(self, src)


def zero_(self):
    return fill_(self, 0)


def fill_(self, value):
    from ..ops.inplace import overwrite

    return overwrite(self, value)


def clamp_(self, min=None, max=None):  # noqa: A002 - torch's argument names
    from .. import ops
    from ..ops.inplace import update

    return update(self, lambda t: ops.clamp(t, min, max))


def normal_(self, mean=0.0, std=1.0):
    from ..random import normal_array

    return fill_(self, Tensor._wrap(normal_array(self.shape, self.dtype, self.device) * std + mean))


def uniform_(self, a=0.0, b=1.0):
    from ..random import uniform_array

    return fill_(self, Tensor._wrap(uniform_array(self.shape, self.dtype, self.device) * (b - a) + a))


def __setitem__(self, index, value):
    """``x[index] = value``, in place: a view's ``copy_`` for basic indexing, PyTorch's
    ``index_put_`` for advanced (repeated indices: the last write wins, nothing adds up)."""
    from .. import ops
    from ..ops.inplace import SetRegionFn, update, value_for
    from ..ops.shape import GetItemFn, _is_advanced, _normalize_index

    if isinstance(value, Tensor):
        backend.check_same_device("__setitem__", "the value", value._data, self._data)
    index = _normalize_index(index, self)
    if not _is_advanced(index):
        copy_(ops.getitem(self, index), value)
    else:
        update(self, lambda t, v: SetRegionFn(((GetItemFn, (index,)),))(t, v), value_for(self, value))


def _bitwise(name):
    def op(self, other):
        xp = backend.get_array_module(self._data)
        if _is_float(self.dtype) or isinstance(other, Tensor) and _is_float(other.dtype):
            raise TypeError(f"{name}: only integer and bool tensors, got {self.dtype}")
        return Tensor._wrap(xp.asarray(getattr(xp, name)(self._data, self._other(other))))

    return op


def _floordiv(a, b):
    from .elementwise import div_rounded

    return div_rounded(a, b, "floor")


def _mod(a, b):
    """PyTorch's ``remainder`` (the sign of the divisor, as Python's %): a - floor(a / b) * b."""
    return a - _floordiv(a, b) * b


def detach_(self):
    """Cut this tensor from the graph in place: it becomes a leaf that needs no gradient."""
    self.grad_fn = None
    self._output_index = 0
    self._requires_grad = False
    return self


# ------------------------------------------------------------ requires_grad and grad, checked
def _get_requires_grad(self):
    if self._base is not None and self._vc[0] != self._view_version:
        self._sync_view()  # its base joined a graph in place since: so does the view
    return self._requires_grad


def _set_requires_grad(self, value):
    if self.grad_fn is not None:
        raise RuntimeError("you can only change requires_grad flags of leaf variables." + (
            "" if value else " If you want to use a computed variable in a subgraph that doesn't "
            "require differentiation use var_no_grad = var.detach()."))
    self.requires_grad_(value)


def _set_grad(self, grad):
    """``t.grad = g``: None, or a tensor of t's shape, dtype and device (PyTorch's checks)."""
    if grad is not None:
        if not isinstance(grad, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(grad).__name__}")
        for what, have, want in (("size", grad.shape, self.shape), ("dtype", grad.dtype, self.dtype),
                                 ("device", grad.device, self.device)):
            if have != want:
                raise RuntimeError(f"attempting to assign a gradient of {what} {have} to a tensor of "
                                   f"{what} {want}; the gradient must have the tensor's {what}")
    self._grad = grad


# ------------------------------------------------------------ hooks
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


def register_hook(self, hook):
    """Call ``hook(grad)`` each time backward (or ``minigan.grad``) computes this
    tensor's gradient; a returned tensor replaces that gradient (for the
    ``.grad`` of a leaf and for everything upstream of a non-leaf). The engine
    runs them through ``minigan.autograd.gradients.run_hooks``."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = self.__dict__.setdefault("_backward_hooks", {})
    handle = RemovableHandle(hooks)
    hooks[handle.id] = (hook, self.grad_fn)  # the node whose output gradient it sees
    return handle


METHODS = {
    "from_array": from_array,
    "data": property(_get_data, _set_data), "T": property(_T),
    "size": size, "numel": numel, "dim": dim, "__len__": __len__,
    "tolist": tolist, "clone": clone, "__bool__": __bool__, "__float__": __float__, "__int__": __int__,
    "cpu": cpu, "cuda": cuda, "float": _float, "double": double, "long": long, "int": _int,
    "bool": _bool, "half": half, "type_as": type_as,
    "add": add, "sub": sub, "div": div, "expand_as": expand_as, "view_as": view_as,
    "reshape_as": reshape_as, "flip": flip, "tile": tile, "where": where,
    "new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_zeros, "new_full": new_full,
    "new_tensor": new_tensor,
    "__eq__": _cmp("equal"), "__ne__": _cmp("not_equal"), "__lt__": _cmp("less"),
    "__le__": _cmp("less_equal"), "__gt__": _cmp("greater"), "__ge__": _cmp("greater_equal"),
    "argmax": argmax, "argmin": argmin,
    "numpy": numpy, "item": item, "to": to, "__array__": __array__, "__repr__": __repr__,
    "_other": _other, "copy_": copy_, "zero_": zero_, "fill_": fill_, "clamp_": clamp_,
    "normal_": normal_, "uniform_": uniform_, "__setitem__": __setitem__, "detach_": detach_,
    "register_hook": register_hook,
    "requires_grad": property(_get_requires_grad, _set_requires_grad),
    "grad": property(lambda self: self._grad, _set_grad),
    "__floordiv__": _floordiv, "__rfloordiv__": lambda a, b: _floordiv(b, a),
    "__mod__": _mod, "__rmod__": lambda a, b: _mod(b, a),
    "__and__": _bitwise("bitwise_and"), "__or__": _bitwise("bitwise_or"),
    "__xor__": _bitwise("bitwise_xor"),
}


def _install_inplace():
    """``add_``, ``mul_``, ..., and every augmented assignment (``x += 1`` changes x, as in
    PyTorch; ``@=`` rebinds, as there): the out-of-place op written into the tensor."""
    from .. import ops
    from ..ops.inplace import sync_view

    def add(t, other, alpha=1):
        return ops.add(t, _scaled(t, other, alpha, "add_"))

    def sub(t, other, alpha=1):
        return ops.sub(t, _scaled(t, other, alpha, "sub_"))

    binary = {"add": (add, "iadd"), "sub": (sub, "isub"), "mul": (ops.mul, "imul"),
              "div": (ops.div, "itruediv"), "pow": (ops.pow, "ipow"),
              "floor_divide": (_floordiv, "ifloordiv"), "remainder": (_mod, "imod"),
              "bitwise_and": (METHODS["__and__"], "iand"), "bitwise_or": (METHODS["__or__"], "ior"),
              "bitwise_xor": (METHODS["__xor__"], "ixor")}
    for name, (op, dunder) in binary.items():
        METHODS[name + "_"] = METHODS[f"__{dunder}__"] = _inplace_method(name + "_", op)
    for name in ("exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh", "relu", "sin", "cos",
                 "floor", "ceil", "round", "trunc", "sign", "reciprocal", "square", "clamp_min",
                 "clamp_max", "lerp", "masked_fill", "leaky_relu", "log1p", "expm1", "rsqrt"):
        METHODS[name + "_"] = _inplace_method(name + "_", getattr(ops, name))
    METHODS["_sync_view"] = sync_view

