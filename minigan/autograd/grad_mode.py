"""Whether ops record the graph: ``no_grad`` and ``enable_grad``.

Both work as context managers and as decorators, as in PyTorch. The backward
pass itself runs under ``no_grad`` unless ``create_graph=True``: that single
switch is what makes gradients of gradients possible (DeZero's idea).
"""
import contextlib
import copy
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def set_grad_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode(contextlib.ContextDecorator):
    _mode: bool | None = None  # None: leave the mode as it is

    def __enter__(self):
        self._prev = is_grad_enabled()
        if self._mode is not None:
            set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        set_grad_enabled(self._prev)

    def _recreate_cm(self):  # as a decorator, a copy per call: each keeps its own _prev
        return copy.copy(self)


class no_grad(_GradMode):
    """Ops inside record nothing: results have ``requires_grad=False``."""
    _mode = False


class enable_grad(_GradMode):
    """Re-enable recording inside a ``no_grad`` region."""
    _mode = True

