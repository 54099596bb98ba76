"""The student's side of :mod:`minigan.homework.harness` (one process per module).

    python -m minigan.homework._worker FOLDER MODULE REQUEST_FD REPLY_FD

Imports ``FOLDER/MODULE.py``, then answers requests: each carries a probe's
source and arguments; the reply is the probe's result (plain data) or the
error with its frames. Nothing here is trusted by the test process: it only
checks the numbers this sends.
"""
import faulthandler
import os
import sys
import traceback


def _frames(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    return [[f.filename, f.lineno, f.name] for f in reversed(frames)]


def _error(exc):
    return {"error": f"{type(exc).__name__}: {exc}"[:4000], "frames": _frames(exc)}


def _forget_other_copy(top, folder):
    """A package of the student's that this process already imported from
    elsewhere (``minigan`` itself, which runs this worker) is dropped from
    ``sys.modules``, so that importing it loads the student's copy."""
    loaded = sys.modules.get(top)
    where = os.path.dirname(os.path.dirname(os.path.abspath(getattr(loaded, "__file__", "") or "")))
    if loaded is not None and os.path.realpath(where) != os.path.realpath(folder):
        for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
            del sys.modules[name]


def main(argv):
    folder, module, req_fd, res_fd = argv[0], argv[1], int(argv[2]), int(argv[3])
    from minigan.homework.harness import _recv, _send, decode, encode

    sys.path.insert(0, folder)
    sys.argv = [module]
    _forget_other_copy(module.split(".")[0], folder)
    try:
        mod = __import__(module)
        import_error = None
    except BaseException as exc:  # a SyntaxError, SystemExit, ... at import: each call reports it
        import_error = exc
        if isinstance(exc, SyntaxError) and exc.filename:
            import_error.frames = [[exc.filename, exc.lineno or 0, "<module>"]]
    probes = {}
    while True:
        request = _recv(req_fd)
        if request is None:
            return 0
        if import_error is not None:
            reply = _error(import_error)
            reply["frames"] = getattr(import_error, "frames", reply["frames"])
            reply["error"] = f"importing {module}.py failed: {reply['error']}"
            _send(res_fd, reply)
            continue
        try:
            key = request["source"]
            if key not in probes:
                namespace = {"__name__": "probe"}
                exec(compile(request["source"], f"<probe {request['name']}>", "exec"), namespace)
                probes[key] = namespace[request["name"]]
            args = decode(request["args"])
            faulthandler.dump_traceback_later(max(0.5, float(request["timeout"]) - 0.5),
                                              file=sys.stderr)
            try:
                result = probes[key](mod, *args)
            finally:
                faulthandler.cancel_dump_traceback_later()
            reply = {"result": encode(result)}
        except BaseException as exc:  # the student's error, reported with its frames
            reply = _error(exc)
        _send(res_fd, reply)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
