"""PyTorch's legacy names, so old PyTorch scripts run with only their imports changed.

Nothing here is needed to learn minigan; it exists because the well-known
public GAN scripts were written against PyTorch 0.3 - 1.x and still use:

* ``Variable(t, requires_grad=...)`` (``minigan.autograd.Variable``): since
  PyTorch 0.4 a Variable *is* a Tensor. ``Variable(t)`` returns ``t``'s data,
  detached, as a new leaf tensor, requiring grad only if asked (as PyTorch's).
  It warns once with a ``DeprecationWarning``.
* the typed tensor classes ``FloatTensor``, ``DoubleTensor``, ``LongTensor``,
  ``IntTensor``, ``ByteTensor``, ``BoolTensor`` (and ``minigan.cuda.FloatTensor``
  ...): ``FloatTensor(2, 3)`` is a new ``(2, 3)`` tensor (zero-filled: PyTorch
  leaves it uninitialised, minigan never hands out uninitialised memory),
  ``FloatTensor(data)`` a float32 *copy* of a list or array, ``FloatTensor()``
  an empty ``(0,)`` tensor. They are accepted by ``t.type(FloatTensor)`` and
  by ``isinstance``. The ``minigan.cuda`` ones build on the GPU, and raise the
  GPU-missing error when *called* without one; merely naming them
  (``Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor``) is fine.
* ``Tensor.type(...)`` with a tensor class, a name (``'torch.LongTensor'``) or a
  dtype, and the ``Tensor.is_cuda`` flag;
* :class:`device` (``minigan.device("cuda:0")``) with ``.type`` and ``.index``;
* the dtype aliases ``minigan.float`` (float32), ``double``, ``half``, ``long``;
* ``minigan.autograd.grad``'s ``only_inputs`` argument (deprecated and ignored
  in PyTorch, which warns when it is False).

:func:`install` puts the methods on ``Tensor`` and the names on
``minigan.cuda`` and ``minigan.autograd``; ``minigan/__init__.py`` calls it.
"""
from __future__ import annotations

import builtins
import functools
import numbers
import warnings

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor

float = np.float32  # noqa: A001 - PyTorch's names: torch.float is float32
double = np.float64
half = np.float16
long = np.int64


# ------------------------------------------------------------------ device
_DEVICE_TYPES = ("cpu", "cuda")


class device(str):  # noqa: N801 - PyTorch's name
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``,
    ``device("cuda:0")`` or ``device("cuda", 0)``; ``.type`` is ``"cpu"`` or
    ``"cuda"``, ``.index`` the GPU number or None.

    It is a ``str`` (``"cuda:0"``), so every minigan function that takes a
    device name takes it: ``t.to(dev)``, ``module.to(dev)``, ``minigan.zeros(3,
    device=dev)``. One difference from PyTorch follows: ``device("cpu") ==
    "cpu"`` is True here, False in PyTorch. minigan runs on one GPU, the
    current CuPy device: an index is kept and printed, but ``"cuda:1"`` means
    the same GPU as ``"cuda"``.
    """

    def __new__(cls, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device) and index is None:
            return type
        if isinstance(type, numbers.Integral) and not isinstance(type, bool) and index is None:
            type, index = "cuda", type  # torch.device(0) is cuda:0
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu' or 'cuda:0', "
                            f"got {type!r} ({builtins.type(type).__name__})")
        kind, sep, number = type.strip().partition(":")
        if sep:
            if index is not None:
                raise RuntimeError(f"device(): type {type!r} already holds an index; "
                                   f"don't pass index={index!r} as well")
            if not number.isdigit():
                raise RuntimeError(f"device(): invalid device string {type!r}: expected "
                                   "'cpu', 'cuda' or 'cuda:N' with N a non-negative integer")
            index = int(number)
        if kind not in _DEVICE_TYPES:
            raise RuntimeError(f"device(): unknown device type {kind!r} in {type!r}: minigan runs "
                               "on 'cpu' (NumPy) and 'cuda' (CuPy), optionally 'cuda:N'")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TypeError(f"device(): index must be an int, got {index!r}")
            if index < 0:
                raise RuntimeError(f"device(): device index must not be negative, got {index}")
            index = int(index)
        self = super().__new__(cls, kind if index is None else f"{kind}:{index}")
        self._type, self._index = kind, index
        return self

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self):
        return self._index

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self):
        return str.__str__(self)

    def __getnewargs__(self):
        return self._type, self._index

    __hash__ = str.__hash__


# ------------------------------------------------------------------ Variable
_variable_warned = False


def Variable(data, requires_grad=False, volatile=None):  # noqa: N802 - PyTorch's name
    """``data`` detached from any graph, as a new leaf that requires grad only
    if ``requires_grad`` (PyTorch 0.3's Variable; since 0.4 tensors do the job:
    write ``t.requires_grad_()`` or ``t.detach()``). Shares ``data``'s memory."""
    global _variable_warned
    if not _variable_warned:
        _variable_warned = True
        warnings.warn("Variable is deprecated (as in PyTorch since 0.4): tensors carry "
                      "requires_grad themselves; Variable(t) returns t.detach(), with "
                      "requires_grad_() if asked", DeprecationWarning, stacklevel=2)
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    if volatile is not None:
        warnings.warn("volatile was removed (PyTorch 0.4) and has no effect; "
                      "use `with minigan.no_grad():`", UserWarning, stacklevel=2)
    out = data.detach()
    if requires_grad:
        out.requires_grad_(True)
    return out


# ------------------------------------------------------------------ typed tensor classes
class _TensorType(type):
    """The class of ``FloatTensor``, ``LongTensor``, ...: calling one makes a
    ``minigan.Tensor`` of its dtype and device; ``isinstance(t, FloatTensor)``
    checks both."""

    def __call__(cls, *args, device=None):
        if device is not None and backend.normalize_device(device) != cls.device_type:
            raise RuntimeError(f"{cls.__qualname__}(): legacy constructor expects device type "
                               f"{cls.device_type!r} but device={device!r} was passed")
        if cls.is_cuda:
            try:
                backend.require_cuda()
            except RuntimeError as exc:
                raise RuntimeError(f"{cls.__qualname__}(...) builds a GPU tensor: {exc}") from None
        array = _legacy_array(cls, args)
        return Tensor.from_array(backend.to_device(array, cls.device_type))

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device == cls.device_type

    def __repr__(cls):
        return f"<class '{cls.__qualname__}'>"


def _legacy_array(cls, args) -> np.ndarray:
    name = cls.__qualname__
    if not args:
        return np.zeros((0,), cls.dtype)
    if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
        if any(a < 0 for a in args):
            raise RuntimeError(f"{name}(): trying to create a tensor with negative dimension: "
                               f"{list(args)}")
        return np.zeros(tuple(int(a) for a in args), cls.dtype)
    if len(args) > 1:
        raise TypeError(f"{name}(): expected sizes (ints, as in {name}(2, 3)) or one sequence "
                        f"of data, got {', '.join(type(a).__name__ for a in args)}")
    (data,) = args
    if isinstance(data, Tensor):
        return backend.to_device(data.array, "cpu").astype(cls.dtype, copy=True)
    if isinstance(data, (str, bytes)) or not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"{name}(): data must be a sequence (list, tuple, NumPy array) or "
                        f"sizes, got {type(data).__name__}")
    array = np.array(data, copy=True)
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"{name}(): data must hold numbers, got dtype {array.dtype}")
    return array.astype(cls.dtype, copy=False)


def _make_types(prefix, device_type):
    types = {}
    for type_name, dtype in [("FloatTensor", np.float32), ("DoubleTensor", np.float64),
                             ("HalfTensor", np.float16), ("LongTensor", np.int64),
                             ("IntTensor", np.int32), ("ShortTensor", np.int16),
                             ("CharTensor", np.int8), ("ByteTensor", np.uint8),
                             ("BoolTensor", np.bool_)]:
        types[type_name] = _TensorType(type_name, (), {
            "__qualname__": prefix + type_name, "__module__": "minigan.compat.legacy",
            "__doc__": f"{prefix}{type_name}(*sizes) or {prefix}{type_name}(data): a "
                       f"{np.dtype(dtype).name} tensor on {device_type!r} (see "
                       "minigan.compat.legacy)",
            "dtype": np.dtype(dtype), "device_type": device_type,
            "is_cuda": device_type == "cuda"})
    return types


_CPU_TYPES = _make_types("minigan.", "cpu")
_CUDA_TYPES = _make_types("minigan.cuda.", "cuda")
FloatTensor, DoubleTensor, HalfTensor = (_CPU_TYPES[n] for n in
                                         ("FloatTensor", "DoubleTensor", "HalfTensor"))
LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (
    _CPU_TYPES[n] for n in ("LongTensor", "IntTensor", "ShortTensor", "CharTensor",
                            "ByteTensor", "BoolTensor"))


# ------------------------------------------------------------------ Tensor methods
def _type(self, dtype=None, non_blocking=False, **kwargs):
    """Without an argument, the type's name: ``'minigan.FloatTensor'``
    (``'minigan.cuda.FloatTensor'`` on the GPU; PyTorch says ``torch.``). With
    one, this tensor as that type: a tensor class (``minigan.LongTensor``,
    ``minigan.cuda.FloatTensor``: dtype *and* device), its name (``'torch.
    LongTensor'`` or ``'minigan.cuda.FloatTensor'``) or a dtype (device kept).
    Returns ``self`` when nothing changes; differentiable for float dtypes."""
    if dtype is None:
        prefix = "minigan.cuda." if self.device != "cpu" else "minigan."
        for name, cls in _CPU_TYPES.items():
            if cls.dtype == self.dtype:
                return prefix + name
        return f"{prefix}{self.dtype}Tensor"
    if isinstance(dtype, str):
        table = _CUDA_TYPES if ".cuda." in dtype else _CPU_TYPES
        short = dtype.rsplit(".", 1)[-1]
        if short not in table or dtype.split(".")[0] not in ("torch", "minigan", short):
            raise ValueError(f"invalid type: {dtype!r} (unknown tensor type); expected a name such as "
                             f"'torch.FloatTensor' or 'minigan.cuda.LongTensor' ({', '.join(table)})")
        dtype = table[short]
    if isinstance(dtype, _TensorType):
        return self.to(device=dtype.device_type, dtype=dtype.dtype)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"invalid type: {dtype!r}; expected a tensor class (minigan.LongTensor), "
                         "its name ('torch.LongTensor') or a dtype (minigan.float64)") from None
    return self.to(dtype=dtype)


def _is_cuda(self) -> bool:
    """True for a tensor on the GPU (PyTorch's ``Tensor.is_cuda``)."""
    return self.device != "cpu"


# ------------------------------------------------------------------ autograd.grad's only_inputs
def _with_only_inputs(engine_grad):
    """``grad`` with PyTorch's full signature (positional order included):
    ``only_inputs`` is deprecated and ignored, with PyTorch's FutureWarning
    when False; ``materialize_grads=True`` returns zeros for unused inputs."""

    @functools.wraps(engine_grad)
    def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
             only_inputs=True, allow_unused=None, is_grads_batched=False,
             materialize_grads=False):
        if not only_inputs:
            warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                          "True). To accumulate gradient for other parts of the graph, please "
                          "use minigan.autograd.backward.", FutureWarning, stacklevel=2)
        if is_grads_batched:
            raise NotImplementedError("grad(is_grads_batched=True) is not supported by minigan: "
                                      "call grad once per row of grad_outputs")
        if materialize_grads and allow_unused is False:
            raise ValueError("Expected allow_unused to be True or not passed when "
                             "materialize_grads=True")
        allow = bool(allow_unused) or bool(materialize_grads)
        result = engine_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused=allow)
        if materialize_grads:
            xs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            result = tuple(g if g is not None else _zeros_like(x) for g, x in zip(result, xs))
        return result

    grad._minigan_only_inputs = True
    return grad


def _zeros_like(x):
    from ..factories import zeros_like  # noqa: PLC0415

    return zeros_like(x)


def install():
    """Put the legacy names where PyTorch scripts look for them: ``Tensor.type``
    and ``Tensor.is_cuda``; ``minigan.cuda.FloatTensor`` ...;
    ``minigan.autograd.Variable`` and ``grad(only_inputs=...)``. Idempotent."""
    from .. import autograd, cuda  # noqa: PLC0415

    Tensor.type = _type
    Tensor.is_cuda = property(_is_cuda)
    for name, cls in _CUDA_TYPES.items():
        setattr(cuda, name, cls)
    autograd.Variable = Variable
    if not getattr(autograd.grad, "_minigan_only_inputs", False):
        autograd.grad = autograd.engine.grad = _with_only_inputs(autograd.grad)
    return autograd.grad


__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
           "IntTensor", "LongTensor", "ShortTensor", "Variable", "device", "double", "float",
           "half", "inference_mode", "install", "long"]


def inference_mode(mode=True):
    """PyTorch's ``inference_mode``: here ``no_grad`` (no separate inference tensors);
    ``inference_mode(False)`` changes nothing. Also a decorator, with or without the call."""
    from ..autograd.grad_mode import _GradMode, no_grad

    if callable(mode) and not isinstance(mode, bool):  # bare @inference_mode
        return no_grad()(mode)
    return no_grad() if mode else _GradMode()
