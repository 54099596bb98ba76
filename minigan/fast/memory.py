"""Allocator tuning: keep freed memory for the next training step.

A training step allocates and frees the same large temporaries (im2col
columns, activations, gradients) every iteration. With glibc's defaults,
blocks above a size threshold are mmap'ed and unmapped each time, and the
heap is trimmed back to the OS as soon as 128 KiB sit free at its top, so
the next step touches fresh pages again and pays a page fault per 4 KiB:
about 13% of a DCGAN step on a laptop CPU. PyTorch avoids this with its own
caching allocator; NumPy has none for large arrays.

``tune_malloc()`` (called by :func:`minigan.fast.tune_process`, which the
CLI and the Trainer call; never at import) raises those thresholds on Linux
with glibc, so that up to 256 MiB of freed memory is kept for reuse. Set
``MINIGAN_MALLOC_TUNING=0`` to keep the C library's defaults (for example
in a long-lived process that must hand memory back between steps).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

#: (parameter, value): serve blocks below 32 MiB (glibc's maximum) from the
#: heap, keep up to 256 MiB free at its top, grow it in 64 MiB steps
SETTINGS = ((_M_MMAP_THRESHOLD, 32 * 2**20), (_M_TRIM_THRESHOLD, 256 * 2**20),
            (_M_TOP_PAD, 64 * 2**20))

_applied = False


def tune_malloc() -> bool:
    """Apply ``SETTINGS`` with glibc's ``mallopt``; True when they took effect.

    Does nothing (False) off Linux, without glibc, or when the environment
    variable ``MINIGAN_MALLOC_TUNING`` is ``0``.
    """
    global _applied
    if os.environ.get("MINIGAN_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if _applied:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    _applied = all(mallopt(param, value) == 1 for param, value in SETTINGS)
    return _applied


def malloc_tuned() -> bool:
    """Whether ``tune_malloc`` has taken effect in this process."""
    return _applied
