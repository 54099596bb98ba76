"""``cupy.random``: generators with CuPy's methods, drawing with NumPy.

CuPy's ``Generator`` has fewer methods than NumPy's (no ``normal``,
``permutation``, ``choice``), and its ``RandomState`` takes ``dtype=``
where NumPy's does not: the stand-in offers exactly CuPy's, so code that
draws here draws on a GPU. The numbers are NumPy's (a GPU draws others)."""
from __future__ import annotations

import numpy as np

from . import API, _check_call, _missing, _record, _to_np, _wrap, ndarray

_GEN_API = API["classes"]["cupy.random.Generator"]["attributes"]
_RS_API = API["classes"]["cupy.random.RandomState"]["attributes"]


def _sized(qualname, params, draw, args, kwargs, host_args=False):
    _check_call(qualname, params, args, kwargs)
    dtype = kwargs.pop("dtype", None)
    out = kwargs.pop("out", None)
    args = [_to_np(a, qualname, host_ok=host_args) for a in args]
    kwargs = {k: _to_np(v, qualname, host_ok=host_args) for k, v in kwargs.items()}
    result = draw(*args, **kwargs)
    result = np.asarray(result)
    if dtype is not None:
        result = result.astype(dtype, copy=False)
    if out is not None:
        out._a[...] = result
        return out
    return _wrap(result)


class XORWOW:
    """CuPy's default bit generator. Like CuPy's, it keeps the whole stream
    position in ``_state``, an int8 array on the device (one cuRAND state of
    48 bytes per thread, ``size`` threads) that every draw rewrites in place,
    so copying ``_state`` out and back resumes the stream. The numbers are
    NumPy's PCG64, whose 128-bit state lives in the first bytes."""

    _STATE_BYTES = 48  # sizeof(curandStateXORWOW)

    def __init__(self, seed=None, *, size=-1):
        threads = size if size > 0 else 2 ** 14
        self._state = _wrap(np.zeros(threads * self._STATE_BYTES, dtype=np.int8))
        self._store(np.random.PCG64(seed))

    def _store(self, bitgen):
        st = bitgen.state
        words = [st["state"]["state"], st["state"]["inc"]]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        raw += bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little")
        self._state._a[:len(raw)] = np.frombuffer(raw, dtype=np.int8)

    def _load(self):
        raw = self._state._a[:37].tobytes()
        bitgen = np.random.PCG64()
        bitgen.state = {"bit_generator": "PCG64",
                        "state": {"state": int.from_bytes(raw[:16], "little"),
                                  "inc": int.from_bytes(raw[16:32], "little")},
                        "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        return bitgen

    def _draw(self, fn):
        """Run ``fn(numpy_generator)`` from the stored position and store the new one."""
        bitgen = self._load()
        result = fn(np.random.Generator(bitgen))
        self._store(bitgen)
        return result

    def random_raw(self, size=None, output=True):
        return _wrap(np.asarray(self._draw(lambda g: g.bit_generator.random_raw(size))))


BitGenerator = XORWOW


class Generator:
    """``cupy.random.Generator``: only the methods CuPy's has, and CuPy's
    public ``bit_generator`` attribute (set in ``__init__``, so the class
    introspection behind the API list does not see it)."""

    def __init__(self, bit_generator):
        self.bit_generator = bit_generator

    def _drawer(self, name):
        return lambda *a, **k: self.bit_generator._draw(lambda g: getattr(g, name)(*a, **k))

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        _check_call("cupy.random.Generator.standard_normal", _GEN_API["standard_normal"]["params"],
                    (), {})
        return _sized("standard_normal", None, self._drawer("standard_normal"), (),
                      {"size": size, "dtype": dtype, "out": out})

    def random(self, size=None, dtype=np.float64, out=None):
        return _sized("random", None, self._drawer("random"), (),
                      {"size": size, "dtype": dtype, "out": out})

    def __getattr__(self, name):
        entry = _GEN_API.get(name)
        if entry is None or entry["kind"] != "method":
            raise _missing(f"cupy.random.Generator.{name}")
        return lambda *a, **k: _sized(f"cupy.random.Generator.{name}", entry["params"],
                                      self._drawer(name), a, k)


def default_rng(seed=None):
    if isinstance(seed, ndarray):
        raise TypeError("cupy.random.default_rng takes an int seed")
    return Generator(XORWOW(seed))


class RandomState:
    """``cupy.random.RandomState``: NumPy's legacy generator with CuPy's ``dtype=``."""

    def __init__(self, seed=None, method=None):
        self._np = np.random.RandomState(seed)

    def seed(self, seed=None):
        self._np.seed(seed)

    def randn(self, *size, dtype=float):
        return _wrap(self._np.standard_normal(size).astype(dtype, copy=False))

    def rand(self, *size, dtype=float):
        return _wrap(self._np.random_sample(size).astype(dtype, copy=False))

    def permutation(self, a):
        if isinstance(a, int):
            return _wrap(self._np.permutation(a))
        return _wrap(self._np.permutation(_to_np(a, "permutation")))

    def shuffle(self, a):
        self._np.shuffle(_to_np(a, "shuffle"))

    def __getattr__(self, name):
        entry = _RS_API.get(name)
        if entry is None or entry["kind"] != "method":
            raise _missing(f"cupy.random.RandomState.{name}")
        draw = getattr(self._np, "random_sample" if name == "random_sample" else name)
        return lambda *a, **k: _sized(f"cupy.random.RandomState.{name}", entry["params"], draw, a, k)


_global = [None]


def get_random_state():
    if _global[0] is None:
        _global[0] = RandomState()
    return _global[0]


def seed(seed=None):
    get_random_state().seed(seed)


def reset_states():
    _global[0] = None


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name not in API["modules"]["cupy.random"]:
        raise _missing(f"cupy.random.{name}")
    if name in ("random", "random_sample", "ranf", "sample"):
        name = "random_sample"
    return getattr(get_random_state(), name)


_ = _record  # draws create device arrays: no host copy to record
