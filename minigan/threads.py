"""minigan's own threads, for the array passes BLAS does not run.

OpenBLAS splits a GEMM over its threads, but NumPy runs every other pass
(im2col's gathering copy, col2im's strided adds, transposes) on one core.
With 2 threads a DCGAN step's GEMMs halve and those passes do not, so they
grow from a fifth to a third of the step. NumPy releases the GIL inside
copies and ufunc loops, so plain Python threads can run them on
independent slices (channels) at once; each element is computed exactly as
on one thread, so results are bitwise the same.

The count follows PyTorch's ``torch.set_num_threads`` / ``get_num_threads``:
``MINIGAN_NUM_THREADS`` if set, else ``OMP_NUM_THREADS`` /
``OPENBLAS_NUM_THREADS`` (whatever BLAS was told), else the cores this
process may use. It never changes BLAS's own thread count.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["get_num_threads", "set_num_threads", "parallel_slices"]

#: below this many bytes a pass is not split: a thread hand-off costs ~20 us
MIN_BYTES = 1 << 20


def _default_threads() -> int:
    for var in ("MINIGAN_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_threads = _default_threads()
_pool: ThreadPoolExecutor | None = None


def _forget_pool():
    # a forked child inherits the pool object but not its threads
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def get_num_threads() -> int:
    """Threads minigan splits non-BLAS array passes over."""
    return _threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for non-BLAS array passes (1: none)."""
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    if n != _threads and _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
    _threads = n


def parallel_slices(fn, length: int, nbytes: int) -> None:
    """Call ``fn(start, stop)`` over slices covering ``range(length)``, on
    :func:`get_num_threads` threads when the pass (``nbytes``) is large
    enough to repay the hand-off; ``fn`` must touch disjoint data per slice.
    NumPy arrays only: CuPy work is queued on the GPU, not run here."""
    parts = min(_threads, length)
    if parts <= 1 or nbytes < MIN_BYTES:
        fn(0, length)
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="minigan")
    bounds = [length * k // parts for k in range(parts + 1)]
    # the caller's thread takes the first slice instead of waiting idle
    futures = [_pool.submit(fn, a, b) for a, b in zip(bounds[1:-1], bounds[2:])]
    fn(bounds[0], bounds[1])
    for f in futures:
        f.result()
