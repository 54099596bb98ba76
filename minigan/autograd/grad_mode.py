"""Whether ops record the graph: ``no_grad`` and ``enable_grad``.

Both work as context managers and as decorators, as in PyTorch. The backward
pass itself runs under ``no_grad`` unless ``create_graph=True``: that single
switch is what makes gradients of gradients possible (DeZero's idea).
"""
from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def set_grad_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    _mode: bool

    def __enter__(self):
        self._prev = is_grad_enabled()
        set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside record nothing: results have ``requires_grad=False``."""

    _mode = False


class enable_grad(_GradMode):
    """Re-enable recording inside a ``no_grad`` region."""

    _mode = True
