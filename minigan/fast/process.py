"""Process tuning for training runs (see :func:`minigan.fast.tune_process`)."""
from __future__ import annotations


def tune() -> dict:
    """Keep freed step-sized blocks for reuse (glibc's ``mallopt``)."""
    from . import memory

    return {"malloc": memory.tune_malloc()}
