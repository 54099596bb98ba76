"""Run a student's code in another process; keep the checks in this one.

An exercise's tests never import the student's module. They name it::

    sq = student("square")                 # tests/test_square.py, next to square.py

and hand a *probe* to it: a top-level function of the test file whose first
argument is the student's module and which returns plain data (numbers,
strings, NumPy arrays, lists, tuples and dicts of them)::

    def _values(mod, x):                   # runs in the student's process
        return mod.square(np.asarray(x))

    @pytest.mark.task("square", points=2)
    def test_square():
        np.testing.assert_allclose(sq.run(_values, [1.0, 3.0]), [1.0, 9.0])

``run`` sends the probe's source and its arguments to a worker process that
imports the student's module, calls the probe, and sends the result back as
JSON with arrays in NumPy's ``.npy`` format (``allow_pickle=False``: nothing the
student's process sends can run code here). The assertion, the expected
values and the score stay in the test process, which never imports student
code: a submission cannot patch ``np.testing``, ``pytest.approx``, ``==``
or the test runner, it can only return numbers, and they are checked.

One worker per module, started on first use and reused; each call has a
time limit (``MINIGAN_HOMEWORK_TIMEOUT`` seconds, default 60; under the
grader, the calls of one test share that limit). A call that
runs out of time kills the worker (its whole process group or sandbox) and
fails with the student's file and line where it was stuck; every later call
to that module fails at once, so an infinite loop costs one timeout per
task, not one per test. An exception in student code fails the test with
the student's file, line and function.

Under ``minigan homework grade`` the worker runs in the grader's private
copy of the submission, inside ``bwrap`` when the grader asks for a sandbox
(see :mod:`minigan.homework.grade`); run by plain ``pytest`` (a student
checking their work) it runs the module next to the tests' folder.
"""
from __future__ import annotations

import base64
import io
import inspect
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

__all__ = ["student", "Student", "StudentError", "StudentTimeout", "encode", "decode"]

#: environment variables set by the grader for the test process
ENV_DIR = "MINIGAN_HOMEWORK_STUDENT"        # folder holding the student's modules
ENV_LABEL = "MINIGAN_HOMEWORK_LABEL"        # the submission's own path, for messages
ENV_TIMEOUT = "MINIGAN_HOMEWORK_TIMEOUT"    # seconds per call
ENV_SANDBOX = "MINIGAN_HOMEWORK_SANDBOX"    # JSON list: the bwrap command prefix, or absent
_MAX_MESSAGE = 256 * 2 ** 20


class StudentError(AssertionError):
    """The student's code raised, or its process died, during a probe."""

    def __init__(self, message, file=None, line=None):
        super().__init__(message)
        self.file, self.line = file, line


class StudentTimeout(StudentError):
    """The student's code did not return within the time limit."""


# ------------------------------------------------------------------ codec
def encode(obj, _depth=0):
    """Plain data -> JSON-able tree; arrays as base64 ``.npy`` without pickles."""
    if _depth > 32:
        raise TypeError("probe result nests deeper than 32 levels")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return {"__t": type(obj).__name__, "v": [encode(o, _depth + 1) for o in obj]}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("probe results: dict keys must be strings")
        return {"__t": "dict", "v": {k: encode(v, _depth + 1) for k, v in obj.items()}}
    if hasattr(obj, "numpy") and hasattr(obj, "detach") and not isinstance(obj, np.ndarray):
        obj = obj.detach().cpu().numpy()  # a minigan Tensor: its values
    if isinstance(obj, (np.ndarray, np.generic)):
        buf = io.BytesIO()
        np.save(buf, np.asarray(obj), allow_pickle=False)
        kind = "nd" if isinstance(obj, np.ndarray) else "np"
        return {"__t": kind, "v": base64.b64encode(buf.getvalue()).decode("ascii")}
    raise TypeError(f"probe results must be plain data (numbers, strings, arrays, lists, "
                    f"tuples, dicts), got {type(obj).__module__}.{type(obj).__name__}")


def decode(tree, _depth=0):
    """The inverse of :func:`encode`; refuses anything else."""
    if _depth > 33:
        raise ValueError("message nests too deep")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):  # JSON arrays only appear inside tagged values
        raise ValueError("untagged list in message")
    if not isinstance(tree, dict) or set(tree) != {"__t", "v"}:
        raise ValueError("malformed message")
    kind, v = tree["__t"], tree["v"]
    if kind in ("list", "tuple") and isinstance(v, list):
        out = [decode(o, _depth + 1) for o in v]
        return out if kind == "list" else tuple(out)
    if kind == "dict" and isinstance(v, dict):
        return {str(k): decode(x, _depth + 1) for k, x in v.items()}
    if kind in ("nd", "np") and isinstance(v, str):
        arr = np.load(io.BytesIO(base64.b64decode(v)), allow_pickle=False)
        return arr if kind == "nd" else arr[()]
    raise ValueError(f"unknown value kind {kind!r} in message")


def _send(fd, obj):
    data = json.dumps(obj).encode()
    os.write(fd, struct.pack("<Q", len(data)))
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _recv(fd, deadline=None):
    """One framed message, or None at end of file; TimeoutError past ``deadline``."""
    def read(n):
        chunks, left = [], n
        while left:
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                    raise TimeoutError
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    head = read(8)
    if head is None:
        return None
    (size,) = struct.unpack("<Q", head)
    if size > _MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes is over the limit")
    body = read(size)
    if body is None:
        return None
    return json.loads(body)


# ------------------------------------------------------------------ test side
#: when the running test's time is up (time.monotonic()), set by the grader's
#: pytest plugin around each test; None outside the grader
_test_deadline = None


def _timeout():
    return float(os.environ.get(ENV_TIMEOUT, "60"))


def _budget(timeout):
    """The time a call may take: its own limit, and what is left of the test's."""
    if _test_deadline is None:
        return timeout
    return max(0.0, min(timeout, _test_deadline - time.monotonic()))


class Student:
    """A handle on one student module, run in a worker process (see the module doc)."""

    def __init__(self, module: str, folder: Path, label: str):
        self.module, self.folder, self.label = module, Path(folder), label
        self._proc = None
        self._dead = None      # the message of the timeout that ended this module
        self._err = None

    # the worker -------------------------------------------------------
    def _start(self):
        sandbox = json.loads(os.environ[ENV_SANDBOX]) if os.environ.get(ENV_SANDBOX) else []
        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        if self._err is not None:
            self._err.close()
        self._err = tempfile.TemporaryFile()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINIGAN_HOMEWORK_")}
        root = str(Path(__file__).resolve().parents[2])  # this minigan, even uninstalled
        env["PYTHONPATH"] = root
        env.pop("PYTEST_ADDOPTS", None)
        cmd = sandbox + [sys.executable, "-m", "minigan.homework._worker", str(self.folder),
                         self.module, str(req_r), str(res_w)]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._err,
                                      stderr=self._err, pass_fds=(req_r, res_w), env=env,
                                      cwd=str(self.folder), start_new_session=True)
        os.close(req_r)
        os.close(res_w)
        self._req, self._res = req_w, res_r

    def _stop(self):
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait()
        for fd in (self._req, self._res):
            try:
                os.close(fd)
            except OSError:
                pass
        self._proc = None

    def _stderr(self):
        if self._err is None:
            return ""
        self._err.seek(0)
        return self._err.read()[-20000:].decode(errors="replace")

    def _where(self, frames):
        """(label, file, line, text) of the innermost frame in the student's files."""
        for path, line, func in frames:
            p = Path(path)
            if p.parent == self.folder or str(p).startswith(str(self.folder) + os.sep):
                rel = p.relative_to(self.folder).as_posix()
                shown = f"{self.label}/{rel}" if self.label else rel
                return shown, line, func
        return None

    def _dump_frames(self, text):
        """Frames from a faulthandler dump, innermost first."""
        import re
        return [(m[1], int(m[2]), m[3]) for m in
                re.finditer(r'File "([^"]+)", line (\d+) in (\S+)', text)]

    # the API ----------------------------------------------------------
    def run(self, probe, *args, timeout: float | None = None):
        """``probe(module, *args)`` in the student's process; its result (plain data)."""
        if self._dead is not None:
            raise StudentTimeout(f"not run: {self._dead}")
        timeout = _budget(_timeout() if timeout is None else float(timeout))
        source = textwrap.dedent(inspect.getsource(probe))
        request = {"name": probe.__name__, "source": source, "args": encode(list(args)),
                   "timeout": timeout}
        if self._proc is None or self._proc.poll() is not None:
            self._stop()
            self._start()
        try:
            _send(self._req, request)
            reply = _recv(self._res, deadline=time.monotonic() + timeout)
        except TimeoutError:
            time.sleep(0.3)  # the worker's own faulthandler dump is due just before
            self._stop()
            where = self._where(self._dump_frames(self._stderr()))
            at = f" at {where[0]}, line {where[1]}, in {where[2]}" if where else ""
            self._dead = f"{self.module} timed out after {round(timeout, 1):g} s{at}"
            raise StudentTimeout(f"{self._dead}", *(where[:2] if where else ())) from None
        except (BrokenPipeError, OSError, ValueError) as exc:
            reply = {"crash": f"{type(exc).__name__}: {exc}"}
        if reply is None or "crash" in reply:
            code = self._proc.poll() if self._proc is not None else None
            if code is None and self._proc is not None:
                try:
                    code = self._proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    code = None
            tail = self._stderr().strip().splitlines()[-5:]
            self._stop()
            output = "\n" + "\n".join(tail) if tail else ""
            raise StudentError(f"the process running {self.module} died (exit code {code}) "
                               f"during {probe.__name__}{output}")
        if not isinstance(reply, dict):
            raise StudentError(f"{self.module}: malformed reply from the student's process")
        if "error" in reply:
            frames = [(str(f[0]), int(f[1]), str(f[2])) for f in reply.get("frames", [])
                      if isinstance(f, list) and len(f) == 3]
            where = self._where(frames)
            at = f"{where[0]}, line {where[1]}, in {where[2]}: " if where else ""
            raise StudentError(f"{at}{str(reply['error'])[:2000]}",
                               *(where[:2] if where else ()))
        try:
            return decode(reply.get("result"))
        except (ValueError, TypeError, KeyError) as exc:
            raise StudentError(f"{self.module}: the student's process sent back data that is "
                               f"not plain ({exc})") from None

    def close(self):
        self._stop()
        if self._err is not None:
            self._err.close()
            self._err = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


_HANDLES: dict = {}


def student(module: str, instance: str = "") -> Student:
    """The handle on the student's module ``module`` (a file ``<module>.py``,
    or a package folder: ``student("minigan")`` in the library track).

    Under the grader it is the submission's copy; otherwise the file in the
    folder above the calling test file's folder (``tests/..``). Handles with
    different ``instance`` names get workers of their own, so a timeout in one
    (which ends its worker for the rest of the session) spares the others."""
    folder = os.environ.get(ENV_DIR)
    label = os.environ.get(ENV_LABEL, "")
    if not folder:
        caller = Path(inspect.stack()[1].filename).resolve()
        folder = str(caller.parent.parent)
        label = folder
    key = (module, folder, instance)
    if key not in _HANDLES:
        _HANDLES[key] = Student(module, Path(folder).resolve(), label)
    return _HANDLES[key]


def close_all():
    """Stop every worker (the test session's end)."""
    for handle in _HANDLES.values():
        handle.close()
    _HANDLES.clear()
