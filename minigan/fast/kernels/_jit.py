"""The one decorator of the kernel modules (imports numba: load lazily)."""
from __future__ import annotations

import types

import numba


def kernel(fn):
    """Compile ``fn`` twice, both cached on disk: a serial build (``prange``
    runs as ``range``) for small work and a parallel one; returns the pair
    for :func:`minigan.fast.kernels.pick`. No fastmath: each float operation
    rounds as NumPy's does (no reassociation, no fused multiply-add).
    ``error_model="numpy"``: a division by zero gives inf or NaN as in NumPy,
    and the loop has no per-element zero test, which would keep the
    compiler from vectorising it (Adam's update ran 5x slower with it)."""
    # numba's disk cache is keyed on the file that defines ``fn``: after a
    # change of these options, delete kernels/__pycache__ (or touch the files)
    options = dict(cache=True, nogil=True, error_model="numpy")
    # numba's disk cache names its entries by the function's qualified name
    # and signature, not by the compile options: the parallel build gets a
    # copy of fn under its own name, or it would load the serial build
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    twin.__qualname__ = f"{fn.__qualname__}_parallel"
    twin.__doc__, twin.__module__ = fn.__doc__, fn.__module__
    return numba.njit(**options)(fn), numba.njit(parallel=True, **options)(twin)
