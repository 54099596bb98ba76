"""A second thread for the big NumPy passes that BLAS does not run.

NumPy's matrix products use every core BLAS is allowed, but its other
passes (copies, strided adds, elementwise updates) run on one. Those passes
release the GIL, so one of them split in two halves can run on two threads
at once. Three kinds of pass are split this way, each along an axis the pass
does not sum over, so the numbers are bitwise those of one thread:

* the convolutions' gathers (im2col), scatters (col2im) and padding copies,
  split by channel (:mod:`minigan.fast.conv`);
* the optimizers' elementwise updates, split by halves of each flattened
  parameter (:mod:`minigan.fast.optim`).

Measured on a 2-core machine, right after a matrix product: col2im's scatter
for a DCGAN layer took 1.7 ms instead of 3.3, im2col's gather 0.77 instead
of 1.03, and Adam's step on the MLP GAN's generator 2.0 ms instead of 3.3.
The second core is free at that point only when OpenBLAS's idle spinning
is short (:data:`minigan.fast.blas.SPIN_TIMEOUT`).

Two threads run only when BLAS may use two or more
(:func:`minigan.set_num_threads`, so ``minigan train --threads 1`` keeps a
step on one core), on NumPy arrays (CuPy runs on the GPU), and for work of
at least ``MIN_ELEMENTS``: below that, handing half of it to the other
thread costs more than it saves.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import blas

__all__ = ["in_halves", "MIN_ELEMENTS", "pays"]

#: the least work (elements read or written) worth a second thread
MIN_ELEMENTS = 1 << 16

_pool = None  # (pid, executor): one worker thread, made on first use


def pays(elements: int, xp=np) -> bool:
    """Whether a pass over ``elements`` would be split in two by :func:`in_halves`
    (the callers that must prepare their halves ask first)."""
    return (elements >= MIN_ELEMENTS and xp is np and blas.get_num_threads() >= 2
            and not threading.current_thread().name.startswith("minigan-pass"))


def in_halves(fn, n: int, elements: int, xp=np) -> None:
    """``fn(0, n)``, or ``fn(0, n // 2)`` here and ``fn(n // 2, n)`` on a
    second thread at once when that pays (see the module docstring).

    ``fn(lo, hi)`` must do the part of a pass that lies in ``[lo, hi)``
    along an axis it does not reduce over; ``elements`` is the size of the
    whole pass."""
    global _pool
    if n < 2 or not pays(elements, xp):
        fn(0, n)
        return
    if _pool is None or _pool[0] != os.getpid():  # a forked child has no worker thread
        _pool = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="minigan-pass"))
    mid = n // 2
    other = _pool[1].submit(fn, mid, n)
    try:
        fn(0, mid)
    finally:
        other.result()
