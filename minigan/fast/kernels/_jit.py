"""The one decorator of the kernel modules (imports numba: load lazily)."""
from __future__ import annotations

import numba


def kernel(fn):
    """Compile ``fn`` twice, both cached on disk: a serial build (``prange``
    runs as ``range``) for small work and a parallel one; returns the pair
    for :func:`minigan.fast.kernels.pick`. No fastmath: each float operation
    rounds as NumPy's does (no reassociation, no fused multiply-add)."""
    return (numba.njit(cache=True, nogil=True)(fn),
            numba.njit(cache=True, nogil=True, parallel=True)(fn))
