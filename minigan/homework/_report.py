"""pytest plugin of the grader's test process: outcomes go to the grader as
they happen, over a pipe the grader owns, each line signed with a per-run
secret (HMAC-SHA256) that the grader sends over a second pipe, read once and
closed at start-up, so it never sits in a file, an argument or the
environment. Student code never runs in this process (see
:mod:`minigan.homework.harness`); it runs in workers that inherit none of
these descriptors.

Lines: ``<hex hmac> <json>`` with json one of
``{"kind": "collected", "tests": [[id, task, points], ...]}``,
``{"kind": "result", "test", "task", "points", "outcome", "message", "file", "line"}``,
``{"kind": "collect_error", "where", "message"}``.
"""
import hashlib
import hmac
import json
import os
import time

import pytest

_state = {}


def _emit(obj):
    fd, secret = _state.get("fd"), _state.get("secret")
    if fd is None:
        return
    payload = json.dumps(obj)
    sig = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    data = f"{sig} {payload}\n".encode()
    while data:
        data = data[os.write(fd, data):]


def _task_points(item):
    marker = item.get_closest_marker("task")
    if marker is None:
        stem = item.path.stem
        return (stem[len("test_"):] if stem.startswith("test_") else stem), 1.0
    if len(marker.args) != 1:
        raise pytest.UsageError(f'{item.nodeid}: expected @pytest.mark.task("<name>", '
                                f"points=<p>), got args {marker.args}")
    return str(marker.args[0]), float(marker.kwargs.get("points", 1.0))


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name, points=1): the homework task this test "
                                       "grades, and the points it is worth")
    if os.environ.get("MINIGAN_HOMEWORK_REPORT_FD") and "fd" not in _state:
        secret_fd = int(os.environ.pop("MINIGAN_HOMEWORK_SECRET_FD"))
        with os.fdopen(secret_fd, "rb") as f:
            _state["secret"] = f.read().strip()
        _state["fd"] = int(os.environ.pop("MINIGAN_HOMEWORK_REPORT_FD"))
        os.set_inheritable(_state["fd"], False)
        from .grade import harden_process
        harden_process()  # the secret and the pipe stay out of the workers' reach


def pytest_collection_modifyitems(config, items):
    _emit({"kind": "collected",
           "tests": [[item.nodeid, *_task_points(item)] for item in items]})


def pytest_collectreport(report):
    if report.failed:
        _emit({"kind": "collect_error", "where": report.nodeid,
               "message": str(report.longrepr)[-3000:]})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Each test's calls into student code share one time limit."""
    from . import harness
    harness._test_deadline = time.monotonic() + harness._timeout()
    try:
        yield
    finally:
        harness._test_deadline = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    exc = call.excinfo.value if call.excinfo is not None else None
    if report.failed or report.skipped:
        rec = _state.setdefault(("r", item.nodeid), {"outcome": "passed"})
        if rec["outcome"] == "passed":
            kind = "failed" if report.failed else "skipped"
            first = ""
            if exc is not None:
                first = f"{type(exc).__name__}: {exc}".strip()
            rec.update(outcome=kind, message=(first + "\n" + str(report.longrepr)[-3000:]).strip(),
                       file=getattr(exc, "file", None), line=getattr(exc, "line", None))
    if report.when == "teardown":
        task, points = _task_points(item)
        rec = _state.pop(("r", item.nodeid), {"outcome": "passed"})
        _emit({"kind": "result", "test": item.nodeid, "task": task, "points": points,
               "outcome": rec["outcome"], "message": rec.get("message", ""),
               "file": rec.get("file"), "line": rec.get("line")})


def pytest_sessionfinish(session):
    from .harness import close_all
    close_all()
