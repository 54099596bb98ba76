"""``detect_anomaly()``: stop at the first op whose forward or backward makes NaN or Inf.

While enabled, every op node records the stack where it was created, and the
error names the op and points at that line of the user's code (PyTorch's
``torch.autograd.detect_anomaly``). It costs a finiteness check per op, so it
is for debugging. It plugs in after each forward (:func:`on_forward`) and
around each node's backward (:func:`checked` wraps the engine's call).
"""
import contextlib
import os
import threading
import traceback

from .. import backend

_state = threading.local()
# whether any thread ever entered detect_anomaly(): until then every op skips
# the thread-local lookup (it runs twice per op, forward and backward)
_ever_enabled = False
# the package's own folder: a path test, not a name test, since the user's code
# often lives under a folder called minigan too (a git checkout of it, a CI runner)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_enabled() -> bool:
    return _ever_enabled and getattr(_state, "enabled", False)


class detect_anomaly(contextlib.ContextDecorator):
    """Context manager (and decorator) that raises on the first NaN/Inf."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        global _ever_enabled
        self._prev, _state.enabled = is_enabled(), self.check_nan
        _ever_enabled = _ever_enabled or self.check_nan
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev

    def _recreate_cm(self):  # as a decorator, a fresh one per call
        return detect_anomaly(self.check_nan)


def on_forward(fn, outputs):
    """After an op's forward: remember where the node was made, and stop on NaN/Inf."""
    fn.creation_trace = traceback.extract_stack()[:-2]
    if not getattr(_state, "in_backward", False):  # inside a backward, checked() names the op
        _check(fn, outputs, " produced {kind} in its output {i} (shape {shape}) during forward, at")


def checked(call_backward):
    """The engine's ``call_backward(fn, ...)``, run as a backward, then its gradients checked."""
    def call(fn, *args):
        prev, _state.in_backward = getattr(_state, "in_backward", False), True
        try:
            grads = call_backward(fn, *args)
        finally:
            _state.in_backward = prev
        _check(fn, grads, ".backward returned {kind} in the gradient of input {i} (shape {shape}). "
                          "The op was created at")
        return grads
    return call


def _check(fn, tensors, message):
    """Raise on the first of ``tensors`` (None skipped) holding a NaN or an Inf,
    naming the innermost frame of ``fn.creation_trace`` outside minigan."""
    for i, t in enumerate(tensors):
        xp = backend.get_array_module(t._data) if t is not None else None
        if t is None or not xp.issubdtype(t.dtype, xp.floating):
            continue
        kind = "NaN" if bool(xp.isnan(t._data).any()) else "Inf" if bool(xp.isinf(t._data).any()) else None
        if kind:
            user = [f for f in fn.creation_trace or [] if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
            where = (f'File "{user[-1].filename}", line {user[-1].lineno}, in {user[-1].name}\n'
                     f'    {user[-1].line}') if user else "(no user frame found)"
            raise FloatingPointError(f"detect_anomaly: {type(fn).__name__}"
                                     f"{message.format(kind=kind, i=i, shape=t.shape)}\n{where}")
