"""How many threads BLAS (NumPy's matrix products) uses, set at run time.

PyTorch's names: ``minigan.set_num_threads(n)`` and
``minigan.get_num_threads()``. OPENBLAS_NUM_THREADS and OMP_NUM_THREADS work
only when set before NumPy loads; these call OpenBLAS's own
``openblas_set_num_threads`` (as threadpoolctl does) in the copy NumPy
loaded, so they work at any time.

Why a GAN trainer cares: OpenBLAS's threads spin while they wait for work.
On a 2-core machine where another job holds the second core, two BLAS threads
fight it for every product; one test step went from 7.6 s to 207 s that way.
``minigan train --threads 1`` avoids that.

Only OpenBLAS (NumPy's wheels) is handled; with another BLAS (MKL,
Accelerate) :func:`set_num_threads` raises and names the environment
variable to use instead.

How long the idle threads spin is OpenBLAS's ``OPENBLAS_THREAD_TIMEOUT``,
read once, when NumPy loads OpenBLAS, so minigan cannot set it for the
process it runs in (``import minigan`` changes nothing in the process). On
a 2-core machine, ``OPENBLAS_THREAD_TIMEOUT=18`` (``SPIN_TIMEOUT``: 2^18
cycles, about 0.1 ms, against OpenBLAS's 2^28, about 0.1 s) in the
environment before Python starts frees the second core soon after the last
product, for the fast layer's second thread (:mod:`minigan.fast.parallel`)
or another job; ``benchmarks/speed.py`` sets it that way.
"""
from __future__ import annotations

import ctypes
import glob
import os

__all__ = ["get_num_threads", "set_num_threads"]

#: log2 of the cycles an idle OpenBLAS thread spins before it sleeps (4-30)
SPIN_TIMEOUT = 18

# symbol names across builds: NumPy 2 wheels (scipy-openblas, 64-bit ints),
# NumPy 1.2x wheels, and a system OpenBLAS
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "")

_api = None  # (get, set) once found


def _candidate_libraries():
    """Paths of loaded (or NumPy-bundled) OpenBLAS libraries."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:  # not Linux
        pass
    import numpy

    root = os.path.dirname(numpy.__file__)
    for pattern in ("../numpy.libs/*openblas*", ".dylibs/*openblas*", "../numpy/.dylibs/*openblas*"):
        paths += [p for p in glob.glob(os.path.join(root, pattern)) if p not in paths]
    return paths


def _find_api():
    global _api
    if _api is None:
        import numpy  # noqa: F401  (loads NumPy's BLAS, if not loaded yet)

        for path in _candidate_libraries():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in _PREFIXES:
                for suffix in _SUFFIXES:
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if get is not None and set_ is not None:
                        get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                        _api = (get, set_)
                        return _api
        _api = ()
    return _api


def get_num_threads() -> int:
    """Threads NumPy's BLAS uses for a matrix product (1 if it is not
    OpenBLAS and cannot be asked)."""
    api = _find_api()
    return int(api[0]()) if api else 1


def set_num_threads(n: int) -> None:
    """Use ``n`` BLAS threads from now on (OpenBLAS caps it at its build's
    maximum, usually the number of cores)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    api = _find_api()
    if not api:
        raise RuntimeError("set_num_threads: NumPy's BLAS is not OpenBLAS (or was not found), so "
                           "its threads cannot be set at run time; set OMP_NUM_THREADS / "
                           "MKL_NUM_THREADS before starting Python instead")
    api[1](n)
