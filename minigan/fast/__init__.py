"""The fast layer: every speed path of minigan, beside the reference path.

The reference ops in :mod:`minigan.ops` are the lesson and the oracle: one
``forward`` on arrays and one ``backward`` written with ops. This package
may replace, for an op class,

* its ``forward`` (it must leave the node in a state the reference
  ``backward`` can use: that backward still runs under ``create_graph``);
* its ``backward``, but only when no graph is recorded: every second
  derivative comes from the reference backward.

It is on by default. ``minigan.fast.set_enabled(False)`` (or the context
manager ``minigan.fast.disabled()``) turns it off at run time, and the
environment variable ``MINIGAN_FAST_LAYER=0`` turns it off for a whole
process. With it off, every op runs its reference code; the whole test suite
passes either way, and every ``OpSpec`` is checked both ways.

Where numba is installed (``pip install minigan[fast]``), the memory-bound
passes of the overrides (im2col and col2im, batch norm, activation masks,
the optimizer updates) run as compiled kernels on all BLAS threads
(:mod:`minigan.fast.kernels`, loaded on first use); ``MINIGAN_NUMBA=0`` or
``minigan.fast.kernels.set_enabled(False)`` keeps the NumPy paths.

Process tuning (allocator, BLAS threads) is never done at import: call
:func:`tune_process` (the CLI and :class:`minigan.gan.trainer.Trainer` do).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Callable

__all__ = ["Override", "disabled", "enabled", "install_overrides", "register", "override",
           "set_enabled", "tune_process"]

#: the modules that register overrides, one per kind of op (as in minigan/ops)
OVERRIDE_MODULES = ("activation", "conv", "indexing", "linalg", "normalization")

_enabled = os.environ.get("MINIGAN_FAST_LAYER", "1") != "0"


@dataclass(frozen=True)
class Override:
    """A fast ``forward(fn, *arrays)`` and/or a fast ``backward(fn, *grad_tensors)``
    for one op class; ``fn`` is the op node (the Function instance)."""
    forward: Callable | None = None
    backward: Callable | None = None


_overrides: dict = {}


def enabled() -> bool:
    """Whether the fast layer is on."""
    return _enabled


def set_enabled(flag: bool) -> None:
    """Turn the fast layer on (True) or off (False) for this process."""
    global _enabled
    if not isinstance(flag, bool):
        raise TypeError(f"set_enabled: expected True or False, got {flag!r}")
    _enabled = flag


@contextlib.contextmanager
def disabled():
    """``with minigan.fast.disabled(): ...`` runs the reference path only."""
    before = _enabled
    set_enabled(False)
    try:
        yield
    finally:
        set_enabled(before)


def register(op_class, *, forward=None, backward=None) -> None:
    """Give ``op_class`` a fast forward and/or backward (see the module docstring)."""
    if forward is None and backward is None:
        raise ValueError(f"register({op_class.__name__}): give a forward, a backward or both")
    _overrides[op_class] = Override(forward, backward)


def override(op_class):
    """The :class:`Override` for ``op_class``, or None (none, or the layer is off)."""
    return _overrides.get(op_class) if _enabled else None


def install_overrides() -> None:
    """Import the modules of ``OVERRIDE_MODULES``, which register their
    overrides (``import minigan`` does this; it changes nothing in the process)."""
    import importlib

    for name in OVERRIDE_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def tune_process() -> dict:
    """Process-wide tuning for a training run; returns what was applied.

    Made explicitly by the CLI and the Trainer, never at import.
    """
    from . import process

    return process.tune()
