"""A strict CuPy stand-in: minigan's GPU path, run and checked without a GPU.

It is NumPy underneath, but it keeps CuPy's rules, so code that passes here
fails on a GPU only for reasons a GPU alone can show (speed, memory, kernels):

* its arrays (:class:`ndarray`) are not ``numpy.ndarray``; ``np.asarray(x)``
  raises ``TypeError`` as CuPy does, and a CuPy function given a NumPy array
  refuses it;
* it offers only the module functions, ``ndarray`` methods and attributes and
  keyword arguments that CuPy 14 has: the list ``cupy_api.json`` is written
  from the real wheel by ``tools/cupy_api.py``;
* it counts every device-to-host read (``.get()``, ``asnumpy``, ``.item()``,
  ``float()``, ``int()``, ``bool()``, ``tolist()``) and host-to-device copy
  (``asarray``/``array`` of host data, Python numbers made into arrays,
  host indices and values), with the file and line that caused it
  (:func:`count_transfers`).

minigan uses it in place of ``cupy`` when the environment variable
``MINIGAN_CUPY=minigan.testing.cupy_standin`` is set, or through
:func:`minigan.backend.use_cupy` (the test suite's ``cuda`` tests do this
when no GPU is present). The numbers are NumPy's, so results match the CPU
path exactly; the random streams are NumPy's too (CuPy draws other numbers).
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

API = json.loads((Path(__file__).with_name("cupy_api.json")).read_text())
__version__ = API["cupy_version"]
_HERE = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(np.__file__)
_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
             "a NumPy array explicitly.")


# ------------------------------------------------------------------ transfers
@dataclass
class Transfer:
    direction: str  # "d2h" (device to host) or "h2d"
    what: str       # the call: ".get()", "float()", "asarray(host array)", ...
    shape: tuple
    where: str      # "file.py:123" of the first frame outside the stand-in and NumPy


@dataclass
class TransferLog:
    transfers: list = field(default_factory=list)

    @property
    def d2h(self):
        return [t for t in self.transfers if t.direction == "d2h"]

    @property
    def h2d(self):
        return [t for t in self.transfers if t.direction == "h2d"]

    def summary(self, direction=None) -> str:
        rows = [t for t in self.transfers if direction in (None, t.direction)]
        return "\n".join(f"  {t.direction} {t.what} {t.shape} at {t.where}" for t in rows)


_logs: list[TransferLog] = []


def _caller() -> str:
    frame = sys._getframe(2)
    while frame is not None and (frame.f_code.co_filename.startswith((_HERE, _NUMPY_DIR))
                                 or frame.f_code.co_filename.startswith("<frozen")):
        frame = frame.f_back
    if frame is None:
        return "?"
    return f"{os.path.relpath(frame.f_code.co_filename)}:{frame.f_lineno}"


def _record(direction, what, shape=()):
    if _logs:
        t = Transfer(direction, what, tuple(shape), _caller())
        for log in _logs:
            log.transfers.append(t)


@contextlib.contextmanager
def count_transfers():
    """``with count_transfers() as log:`` ... then ``log.d2h``, ``log.h2d``:
    every transfer made inside the block, each with the line that made it."""
    log = TransferLog()
    _logs.append(log)
    try:
        yield log
    finally:
        _logs.remove(log)


# ------------------------------------------------------------------ checking calls against CuPy's API
def _check_call(qualname: str, params, args, kwargs):
    """Raise TypeError as Python would if CuPy's signature refuses these arguments."""
    if params is None:
        return
    names, positional, var_pos, var_kw, kw_only = set(), 0, False, False, False
    pos_only = "/" in params
    for p in params:
        if p == "/":
            pos_only = False
        elif p == "*":
            kw_only = True
        elif p.startswith("**"):
            var_kw = True
        elif p.startswith("*"):
            var_pos, kw_only = True, True
        else:
            name = p.rstrip("=")
            if not pos_only:
                names.add(name)
            if not kw_only:
                positional += 1
    if len(args) > positional and not var_pos:
        raise TypeError(f"cupy: {qualname}() takes at most {positional} positional arguments "
                        f"({len(args)} given) in CuPy {__version__}")
    for k in kwargs:
        if k not in names and not var_kw:
            raise TypeError(f"cupy: {qualname}() got an unexpected keyword argument {k!r} "
                            f"(CuPy {__version__} accepts {sorted(names)})")


def _missing(qualname: str):
    return AttributeError(f"the CuPy stand-in offers only what CuPy {__version__} has: "
                          f"{qualname} is not in it")


# ------------------------------------------------------------------ unwrapping and wrapping
def _to_np(x, qualname, host_ok=False):
    """Our arrays -> their NumPy data; a host array is refused unless ``host_ok``."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        if not host_ok:
            raise TypeError(f"Unsupported type {type(x)} (cupy: {qualname} takes device arrays; "
                            "copy host data with cupy.asarray first)")
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_to_np(v, qualname, host_ok) for v in x)
    return x


def _wrap(x):
    if isinstance(x, np.ndarray):
        return ndarray._of(x)
    if isinstance(x, np.generic):  # CuPy's reductions give 0-d arrays, never scalars
        return ndarray._of(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


def _host_data(x) -> bool:
    """True when ``x`` holds host numbers that must be copied to become an array."""
    if isinstance(x, ndarray):
        return False
    if isinstance(x, (list, tuple)):
        return any(_host_data(v) for v in x) or not x
    return True


def _numpy_function(qualname, np_fn, params, host_ok=False):
    def fn(*args, **kwargs):
        _check_call(qualname, params, args, kwargs)
        args = [_to_np(a, qualname, host_ok) for a in args]
        kwargs = {k: _to_np(v, qualname, host_ok) for k, v in kwargs.items()}
        return _wrap(np_fn(*args, **kwargs))
    fn.__name__ = fn.__qualname__ = qualname.rsplit(".", 1)[-1]
    return fn


# ------------------------------------------------------------------ the array
_NDARRAY_API = API["classes"]["cupy.ndarray"]["attributes"]
_BINARY = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
           "lshift", "rshift", "lt", "le", "eq", "ne", "gt", "ge"}


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: NumPy data that refuses to be read implicitly."""

    __array_priority__ = 100.0
    __hash__ = None
    __slots__ = ("_a", "__weakref__")

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = np.zeros(shape, dtype=dtype, order=order)

    @classmethod
    def _of(cls, a: np.ndarray) -> "ndarray":
        out = cls.__new__(cls)
        out._a = a
        return out

    # -- what reads the device: each is counted
    def get(self, stream=None, order="C", out=None, blocking=True):
        _record("d2h", ".get()", self._a.shape)
        a = np.array(self._a, order=order)
        if out is not None:
            out[...] = a
            return out
        return a

    def item(self):
        _record("d2h", ".item()", self._a.shape)
        return self._a.item()

    def tolist(self):
        _record("d2h", ".tolist()", self._a.shape)
        return self._a.tolist()

    def _scalar(self, kind, convert):
        if self._a.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python scalars ({kind}())")
        _record("d2h", f"{kind}()", self._a.shape)
        return convert(self._a.reshape(()).item())

    __float__ = lambda self: self._scalar("float", float)  # noqa: E731
    __int__ = lambda self: self._scalar("int", int)  # noqa: E731
    __bool__ = lambda self: self._scalar("bool", bool)  # noqa: E731
    __complex__ = lambda self: self._scalar("complex", complex)  # noqa: E731

    def __index__(self):
        raise TypeError("cupy.ndarray cannot be used as a Python index (CuPy has no __index__)")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"set() takes a numpy.ndarray, got {type(arr).__name__}")
        _record("h2d", ".set()", arr.shape)
        self._a[...] = arr

    # -- NumPy meeting our arrays: CuPy's rules
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(isinstance(x, np.ndarray) for x in inputs):
            raise TypeError(f"Unsupported type {np.ndarray} (numpy.{ufunc.__name__} given a NumPy "
                            "array and a cupy array)")
        mod = sys.modules[__name__]
        cp_ufunc = getattr(mod, ufunc.__name__, None)
        if cp_ufunc is None or method != "__call__":
            return NotImplemented
        return cp_ufunc(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        name = func.__name__
        if name not in API["modules"]["cupy"]:
            raise TypeError(f"numpy.{name} given a cupy array: CuPy {__version__} has no cupy.{name}")
        return getattr(sys.modules[__name__], name)(*args, **kwargs)

    # -- shape, dtype, ...: plain attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray._of(self._a.T))
    mT = property(lambda self: ndarray._of(np.swapaxes(self._a, -1, -2)))
    real = property(lambda self: ndarray._of(self._a.real))
    imag = property(lambda self: ndarray._of(self._a.imag))
    base = property(lambda self: None if self._a.base is None else ndarray._of(self._a.base))
    device = property(lambda self: cuda.Device(0))

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (ndarray._of(np.asarray(v)) if not isinstance(v, np.ndarray) else ndarray._of(v)
                for v in self._a)

    def __repr__(self):  # printing reads the device, as in CuPy
        _record("d2h", "repr()", self._a.shape)
        return repr(self._a)

    def __str__(self):
        _record("d2h", "str()", self._a.shape)
        return str(self._a)

    def __copy__(self):
        return ndarray._of(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray._of(self._a.copy())

    def __reduce__(self):  # pickling reads the device
        _record("d2h", "pickle", self._a.shape)
        return (_from_pickle, (self._a.copy(),))

    # -- indexing: host indices are copied to the device
    def _index(self, index):
        items = index if isinstance(index, tuple) else (index,)
        for i in items:
            if isinstance(i, np.ndarray) or isinstance(i, list):
                _record("h2d", "host index", np.shape(i))
        return _to_np(index, "indexing", host_ok=True) if not isinstance(index, tuple) else \
            tuple(_to_np(i, "indexing", host_ok=True) for i in index)

    def __getitem__(self, index):
        return _wrap(self._a[self._index(index)])

    def __setitem__(self, index, value):
        if isinstance(value, (np.ndarray, list)):
            _record("h2d", "host value assigned", np.shape(value))
        self._a[self._index(index)] = _to_np(value, "__setitem__", host_ok=True)

    def __getattr__(self, name):
        entry = _NDARRAY_API.get(name)
        if entry is None or entry["kind"] != "method":
            raise _missing(f"cupy.ndarray.{name}")
        np_method = getattr(self._a, name)
        return _numpy_function(f"cupy.ndarray.{name}", np_method, entry["params"])


def _from_pickle(a):
    return ndarray._of(a)


def _binary(name):
    np_name = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
               "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "matmul": "matmul",
               "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
               "lshift": "left_shift", "rshift": "right_shift", "lt": "less", "le": "less_equal",
               "eq": "equal", "ne": "not_equal", "gt": "greater", "ge": "greater_equal"}[name]
    ufunc = getattr(np, np_name)

    def _other(other):
        if isinstance(other, ndarray):
            return other._a
        if isinstance(other, np.ndarray):
            raise TypeError(f"Unsupported type {np.ndarray}: cupy.ndarray {name} a NumPy array")
        if isinstance(other, (list, tuple)):
            _record("h2d", f"host {type(other).__name__} operand", np.shape(other))
            return np.asarray(other)
        if getattr(other, "__array_priority__", 0) > ndarray.__array_priority__:
            return NotImplemented
        return other  # a Python or NumPy scalar: a kernel argument, not a copy

    def op(self, other):
        o = _other(other)
        return NotImplemented if o is NotImplemented else _wrap(ufunc(self._a, o))

    def rop(self, other):
        o = _other(other)
        return NotImplemented if o is NotImplemented else _wrap(ufunc(o, self._a))

    def iop(self, other):
        o = _other(other)
        if o is NotImplemented:
            return NotImplemented
        ufunc(self._a, o, out=self._a)
        return self

    return op, rop, iop


for _name in _BINARY:
    _op, _rop, _iop = _binary(_name)
    setattr(ndarray, f"__{_name}__", _op)
    if f"__r{_name}__" in _NDARRAY_API:
        setattr(ndarray, f"__r{_name}__", _rop)
    if f"__i{_name}__" in _NDARRAY_API:
        setattr(ndarray, f"__i{_name}__", _iop)
for _name, _fn in (("neg", np.negative), ("pos", np.positive), ("abs", np.absolute), ("invert", np.invert)):
    setattr(ndarray, f"__{_name}__", lambda self, _f=_fn: _wrap(_f(self._a)))


# ------------------------------------------------------------------ ufuncs
class ufunc:  # noqa: N801 - CuPy's name
    """A CuPy ufunc: NumPy's, taking device arrays and Python scalars only."""

    def __init__(self, name, np_ufunc, params):
        self.name, self._np, self._params = name, np_ufunc, params
        self.nin, self.nout, self.nargs = np_ufunc.nin, np_ufunc.nout, np_ufunc.nargs
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        _check_call(f"cupy.{self.name}", self._params, args[self.nin:], kwargs)
        args = [_to_np(a, f"cupy.{self.name}") for a in args]
        kwargs = {k: _to_np(v, f"cupy.{self.name}") for k, v in kwargs.items()}
        return _wrap(self._np(*args, **kwargs))

    def __getattr__(self, name):
        entry = API["classes"]["cupy.ufunc"]["attributes"].get(name)
        if entry is None or entry["kind"] != "method":
            raise _missing(f"cupy.ufunc.{name}")
        method = getattr(self._np, name)
        return _numpy_function(f"cupy.{self.name}.{name}", method, entry["params"])

    def __repr__(self):
        return f"<ufunc 'cupy_{self.name}'>"


# ------------------------------------------------------------------ array creation: where host data moves
def asarray(a, dtype=None, order=None, *, copy=None, blocking=False):
    if isinstance(a, ndarray):
        out = a._a if dtype is None or np.dtype(dtype) == a.dtype else a._a.astype(dtype)
        return a if out is a._a else ndarray._of(out)
    _record("h2d", f"asarray({type(a).__name__})", np.shape(a))
    return ndarray._of(np.array(a, dtype=dtype, order="C" if order in (None, "K", "A") else order))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if isinstance(obj, ndarray):
        return ndarray._of(np.array(obj._a, dtype=dtype, copy=True, order=order, ndmin=ndmin))
    if isinstance(obj, (list, tuple)) and any(isinstance(v, ndarray) for v in obj):
        return ndarray._of(np.array(_to_np(obj, "array"), dtype=dtype, order=order, ndmin=ndmin))
    _record("h2d", f"array({type(obj).__name__})", np.shape(obj))
    return ndarray._of(np.array(obj, dtype=dtype, order=order, ndmin=ndmin))


asanyarray = asarray


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if isinstance(a, ndarray):
        return a.get(stream=stream, order=order, out=out, blocking=blocking)
    return np.asarray(a, order=order)


def get_array_module(*args):
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else np


def isscalar(element):
    return np.isscalar(element)


def get_default_memory_pool():
    return _MEMORY_POOL


def get_default_pinned_memory_pool():
    return _PINNED_POOL


_DEFINED = {"asarray": asarray, "array": array, "asanyarray": asanyarray, "asnumpy": asnumpy,
            "get_array_module": get_array_module, "isscalar": isscalar, "ndarray": ndarray,
            "ufunc": ufunc, "get_default_memory_pool": get_default_memory_pool,
            "get_default_pinned_memory_pool": get_default_pinned_memory_pool}


def _module_attr(module_name: str, np_module, name: str, defined: dict):
    """The stand-in for ``module_name.name``: ours if written here, else NumPy's checked twin."""
    entry = API["modules"][module_name].get(name)
    if entry is None:
        raise _missing(f"{module_name}.{name}")
    if name in defined:
        return defined[name]
    target = getattr(np_module, name, None)
    if target is None:
        raise AttributeError(f"{module_name}.{name} exists in CuPy {__version__} but the stand-in "
                             "does not implement it (add it to minigan/testing/cupy_standin)")
    kind = entry["kind"]
    if kind == "module":
        raise AttributeError(f"{module_name}.{name}: a CuPy module the stand-in does not have")
    if kind == "ufunc" and isinstance(target, np.ufunc):
        return ufunc(name, target, entry.get("params"))
    if kind in ("function", "ufunc"):
        return _numpy_function(f"{module_name}.{name}", target, entry.get("params"))
    return target  # dtypes, constants, exception classes: NumPy's own


_cache: dict = {}


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name not in _cache:
        _cache[name] = _module_attr("cupy", np, name, _DEFINED)
    return _cache[name]


def _submodule(module_name, np_module, defined):
    mod = types.ModuleType(module_name)
    cache: dict = {}

    def getattr_(name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in cache:
            cache[name] = _module_attr(module_name, np_module, name, defined)
        return cache[name]
    mod.__getattr__ = getattr_
    return mod


linalg = _submodule("cupy.linalg", np.linalg, {})
fft = _submodule("cupy.fft", np.fft, {})
lib = types.ModuleType("cupy.lib")
lib.stride_tricks = _submodule("cupy.lib.stride_tricks", np.lib.stride_tricks, {})

# imported by name: ``from . import random`` would ask this module's __getattr__ first
cuda = importlib.import_module(__name__ + ".cuda")  # noqa: E402 - they use ndarray and the log
random = importlib.import_module(__name__ + ".random")  # noqa: E402

_MEMORY_POOL, _PINNED_POOL = cuda.MemoryPool(), cuda.PinnedMemoryPool()


def _special():
    import scipy.special  # noqa: PLC0415 - only erf & co. need SciPy

    return scipy.special


class _Cupyx(types.ModuleType):
    """``cupyx.scipy.special``, as far as CuPy has it (erf, ...)."""

    def __init__(self):
        super().__init__("cupyx")
        self.scipy = types.ModuleType("cupyx.scipy")
        self.scipy.special = _submodule("cupyx.scipy.special", _LazySpecial(), {})


class _LazySpecial:
    def __getattr__(self, name):
        return getattr(_special(), name)


cupyx = _Cupyx()
