"""Compiled kernels (numba) for the fast layer's memory-bound passes.

The fast layer's NumPy paths leave two costs that NumPy cannot remove: a
pass that is one formula (Adam's update, batch norm's normalisation, an
activation's mask times its gradient) runs as several full-size array
passes with a temporary each, and every such pass runs on one core (at best
on two halves, :mod:`minigan.fast.parallel`) while the GEMMs around it use
them all. The kernels here run each of those formulas as one or two loops
over the data, compiled by numba and split over all the threads BLAS may
use (``numba.prange``):

* :mod:`.conv`: im2col's gather (the zero padding tested inside the loop, no
  padded copy), col2im's scatter-add (output-centred, so threads never write
  the same pixel), and the (N, C, H, W) -> (C, H, W, N) layout copy;
* :mod:`.normalization`: batch norm's statistics and normalisation (two
  passes) and its first derivative (two passes);
* :mod:`.activation`: ReLU and LeakyReLU forwards, and the ReLU, LeakyReLU,
  tanh and sigmoid backwards with the mask or derivative fused in (one pass
  instead of mask, cast and product);
* :mod:`.optim`: the SGD, Adam/AdamW and RMSprop updates, one pass each, in
  the reference's float32 arithmetic and order (bitwise its numbers).

They are used only where numba is installed (``pip install minigan[fast]``),
the arrays are NumPy's, and the switch is on: ``MINIGAN_NUMBA=0`` in the
environment, or :func:`set_enabled` / :func:`disabled` at run time, turns
them off, and the fast layer's NumPy paths run instead. Both are checked
against the reference ops (``tests/fast/test_kernels.py``).

Loading is lazy: ``import minigan`` never imports numba (numba's import
costs ~0.3 s and its thread pool would start with the first kernel). The
first call of a kernel compiles it for the dtypes and layouts it meets
(:func:`compile_all` compiles all of them: about 40 s of CPU time, once);
``cache=True`` keeps the machine code on disk (numba's cache, next to these
files or in ``NUMBA_CACHE_DIR``), so later processes load all of it in about
1.5 s of CPU time.

Threads: before each parallel kernel, numba's thread count is set to
:func:`minigan.get_num_threads` (BLAS's), so ``minigan train --threads 1``
keeps a whole step on one core. The thread pool is numba's ``workqueue``
layer unless ``NUMBA_THREADING_LAYER`` names another: its idle workers
sleep, where the OpenMP layer's spin on the cores between kernels, in the
way of the BLAS threads of the next product (``minigan train dcgan --data
digits`` on a loaded 2-core machine: 9.5 s a step with OpenMP's pool, 3.5
with workqueue, 4.4 with the NumPy paths). workqueue takes one parallel
launch at a time, so parallel builds launch from the main thread only;
other threads run the serial builds. Work below :data:`PARALLEL_MIN` elements,
and all work at one thread, runs a serial build of the same kernel: waking
the thread pool costs more than such a pass.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import threading

import numpy as np

__all__ = ["available", "compile_all", "disabled", "enabled", "load", "pick", "set_enabled",
           "supports"]

#: the kernel modules, by kind of op
KINDS = ("activation", "conv", "normalization", "optim")

#: work (elements) from which a kernel runs on several threads
PARALLEL_MIN = 1 << 16

_enabled = os.environ.get("MINIGAN_NUMBA", "1") != "0"
_available = None   # whether numba can be imported (looked up, not imported, once)
_modules: dict = {}          # kind -> the imported kernel module
_layer_chosen = False        # whether numba's threading layer was chosen (once)
_local = threading.local()   # .threads: the count last given to numba (it is per thread)


def available() -> bool:
    """Whether numba is installed (found without importing it)."""
    global _available
    if _available is None:
        _available = importlib.util.find_spec("numba") is not None
    return _available


def enabled() -> bool:
    """Whether the kernels run: the switch is on and numba is installed."""
    return _enabled and available()


def set_enabled(flag: bool) -> None:
    """Use the compiled kernels (True, if numba is installed) or the NumPy
    paths of the fast layer (False) from now on, in this process."""
    global _enabled
    if not isinstance(flag, bool):
        raise TypeError(f"kernels.set_enabled: expected True or False, got {flag!r}")
    _enabled = flag


@contextlib.contextmanager
def disabled():
    """``with minigan.fast.kernels.disabled(): ...`` runs the NumPy fast paths."""
    before = _enabled
    set_enabled(False)
    try:
        yield
    finally:
        set_enabled(before)


def load(kind: str, xp=np):
    """The kernel module ``kind`` (one of :data:`KINDS`), imported on first
    use, or None when the kernels are off, numba is missing or ``xp`` is
    not NumPy (CuPy arrays stay on the fast layer's array paths)."""
    if xp is not np or not _enabled or not available():
        return None
    module = _modules.get(kind)
    if module is None:
        module = _modules[kind] = importlib.import_module(f"{__name__}.{kind}")
    return module


#: the dtypes the kernels are compiled for
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def supports(*arrays) -> bool:
    """Whether every array is float32, or every one float64 (float16 and
    integer arrays stay on the NumPy paths)."""
    return arrays[0].dtype in DTYPES and all(a.dtype == arrays[0].dtype for a in arrays)


def pick(kernel_pair, size: int):
    """The serial or the parallel build of a kernel (see :func:`._jit.kernel`)
    for ``size`` elements of work, numba's threads set to BLAS's first.
    Parallel builds launch from the main thread only (see the module
    docstring: the workqueue layer takes one launch at a time)."""
    if size < PARALLEL_MIN or threading.current_thread() is not threading.main_thread() \
            or _sync_threads() < 2:
        return kernel_pair[0]
    return kernel_pair[1]


def _sync_threads() -> int:
    """numba's thread count set to BLAS's (at most numba's pool); returned."""
    global _layer_chosen
    import numba

    from .. import blas

    n = max(1, min(blas.get_num_threads(), numba.config.NUMBA_NUM_THREADS))
    if n > 1 and not _layer_chosen:
        _layer_chosen = True
        if "NUMBA_THREADING_LAYER" not in os.environ:
            # before numba's first parallel launch (later it is ignored)
            numba.config.THREADING_LAYER = "workqueue"
    if n != getattr(_local, "threads", None):
        numba.set_num_threads(n)
        _local.threads = n
    return n


def compile_all() -> float:
    """Import every kernel module and compile every kernel for float32 and
    float64 on small arrays (or load them from numba's disk cache);
    returns the seconds it took."""
    import time

    t0 = time.perf_counter()
    from . import _warmup

    _warmup.run()
    return time.perf_counter() - t0
