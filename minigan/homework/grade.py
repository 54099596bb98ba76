"""The autograder: grade a submission's exercise modules with the
instructor's tests, per task, in a way the submission cannot steer.

    grade("submissions/alice", assignment="minigan/homework/exercises")

What is taken from where:

* the **assignment** (the instructor's folder: solutions, ``conftest.py``,
  ``tests/`` with the hidden tests) names the exercise modules: its top-level
  ``*.py`` files other than ``conftest.py``. From the submission only those
  files are read (regular files, by the same names); its ``conftest.py``,
  ``pytest.ini`` / ``tox.ini`` / ``setup.cfg`` / ``pyproject.toml``, plugins,
  tests and every other file are ignored.
* a **library assignment** (a folder written by ``minigan homework build
  --library``, holding ``library.json``) names instead the library files
  that hold tasks: the student's code is the assignment's ``minigan/``
  package with those files, and only those, taken from the submission.
* the tests are a private copy of the assignment's (``tests=`` swaps in
  another folder), in a fresh temporary folder; the grader only reads the
  instructor's folders, and checks that they did not change while grading.

How outcomes travel: the tests run in a child ``pytest`` process that never
imports student code; each student module runs in its own worker process
(:mod:`minigan.homework.harness`), which only returns plain data that the
tests then check. The test process reports each outcome to the grader at
once over a pipe, every line signed with a secret of this run
(:mod:`minigan.homework._report`); there is no result file to rewrite and an
unsigned line is dropped. With ``sandbox="bwrap"`` (the default ``"auto"``
picks it when ``bwrap`` works) each worker also runs in bubblewrap: read-only
file system, the instructor's folders and the grader's temporary folder
hidden, no network, its own process tree, killed with its parent.
Threat model and limits: ``lessons/INSTRUCTORS.md``.

Time: each test's calls into student code have ``timeout`` seconds in all
(default 60); a module that runs out of time is killed and the rest of its
task fails at once. The whole run has ``total_timeout`` (default 10 x ``timeout``); tests
that have not reported by then fail with "not run".

Points: ``@pytest.mark.task("<name>", points=<p>)`` on each test (default 1
point); a task is worth the sum of its tests' points.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["grade", "format_table", "bwrap_available", "harden_process"]

_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", ".ipynb_checkpoints")


def _fingerprint(folder: Path):
    """sha256 over every file's path and bytes (caches left out)."""
    h = hashlib.sha256()
    if folder is None or not folder.is_dir():
        return None
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if p.suffix == ".pyc" or any(part in ("__pycache__", ".pytest_cache")
                                     for part in rel.parts):
            continue
        h.update(rel.as_posix().encode() + b"\0")
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def harden_process():
    """Make this process non-dumpable (Linux ``prctl(PR_SET_DUMPABLE, 0)``):
    other processes of the same user, student workers included, can then no
    longer read its memory (the run's secret) or open its pipes through
    ``/proc/<pid>/fd``. Only a process with CAP_SYS_PTRACE (root) still can.
    Undone by ``exec``; a no-op where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) == 0  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        return False


def bwrap_available() -> bool:
    """Whether ``bwrap`` exists and can start a sandbox here (user namespaces allowed)."""
    exe = shutil.which("bwrap")
    if not exe:
        return False
    try:
        return subprocess.run([exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                               "--unshare-all", "--die-with-parent", "true"],
                              capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _bwrap_prefix(work: Path, hide):
    """The bwrap command that wraps each worker: everything read-only, the
    grader's folder replaced by an empty tmpfs holding only the student's
    modules (read-only) and a scratch folder, the instructor's folders hidden."""
    student, scratch = work / "student", work / "scratch"
    cmd = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           "--unshare-all", "--die-with-parent"]
    for folder in hide:
        if folder is not None and folder.is_dir() and work not in folder.parents:
            cmd += ["--tmpfs", str(folder)]
    cmd += ["--tmpfs", str(work), "--ro-bind", str(student), str(student),
            "--dir", str(scratch), "--setenv", "TMPDIR", str(scratch),
            "--setenv", "HOME", str(scratch), "--chdir", str(student)]
    return cmd


def _env(extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINIGAN_HOMEWORK_", "PYTEST_"))}
    root = str(Path(__file__).resolve().parents[2])  # this minigan, even uninstalled
    env["PYTHONPATH"] = root
    env.update(extra)
    return env


def _read_results(fd, secret: bytes, deadline: float):
    """Signed lines from ``fd`` until end of file or ``deadline``:
    (messages, rejected line count, timed_out)."""
    messages, rejected, buf = [], 0, b""
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0:
            return messages, rejected, True
        if not select.select([fd], [], [], min(wait, 1.0))[0]:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return messages, rejected, False
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            sig, _, payload = line.partition(b" ")
            good = hmac.new(secret, payload, hashlib.sha256).hexdigest().encode()
            if not hmac.compare_digest(sig, good):
                rejected += 1
                continue
            messages.append(json.loads(payload))


def grade(submission_dir, assignment=None, tests=None, timeout: float = 60.0,
          total_timeout: float | None = None, sandbox: str = "auto",
          verbose: bool = True) -> dict:
    """Grade the exercise modules of ``submission_dir`` with the assignment's
    tests (see the module doc).

    ``assignment``: the instructor's folder (default: the parent of ``tests``
    if given, else the submission itself, for a student checking their own
    work). ``tests``: the tests folder (default ``assignment/tests``).
    ``sandbox``: ``"auto"``, ``"bwrap"`` or ``"none"``. Prints the score table
    if ``verbose`` and returns

        {"tasks": {name: {"passed", "total", "points", "max_points", "failures"}},
         "passed", "total", "score", "max_score", "all_passed", "sandbox",
         "submission", "modules", "missing", "rejected_lines", "tampered"}

    where ``failures`` lists {"test", "message", "file", "line"}; ``file`` is
    the student's file in the submission (its real path) when the failure
    happened in student code, else None.
    """
    sub = Path(submission_dir).resolve()
    if not sub.is_dir():
        raise FileNotFoundError(f"homework grade: submission folder {sub} does not exist")
    if assignment is not None:
        assign = Path(assignment).resolve()
    elif tests is not None:
        assign = Path(tests).resolve().parent
    else:
        assign = sub
    tests_src = Path(tests).resolve() if tests is not None else assign / "tests"
    if not assign.is_dir():
        raise FileNotFoundError(f"homework grade: assignment folder {assign} does not exist")
    if not tests_src.is_dir() and any(assign.glob("*.ipynb")):
        raise FileNotFoundError(f"homework grade: {assign} holds notebooks and no tests folder: "
                                "notebook exercises are graded with nbgrader (nbgrader "
                                "autograde; see lessons/INSTRUCTORS.md), Python exercises "
                                "with this command")
    if not tests_src.is_dir():
        raise FileNotFoundError(f"homework grade: no tests folder at {tests_src} (pass the "
                                "instructor's folder with --assignment, or --tests)")
    if timeout <= 0:
        raise ValueError(f"homework grade: timeout must be positive, got {timeout}")
    total_timeout = 10 * timeout if total_timeout is None else float(total_timeout)
    if sandbox not in ("auto", "bwrap", "none"):
        raise ValueError(f"homework grade: sandbox must be 'auto', 'bwrap' or 'none', got "
                         f"{sandbox!r}")
    if sandbox == "bwrap" and not bwrap_available():
        raise ValueError("homework grade: sandbox='bwrap' but bwrap is missing or cannot "
                         "create namespaces here (Debian/Ubuntu: apt install bubblewrap)")
    if sandbox == "auto":
        sandbox = "bwrap" if bwrap_available() else "none"
    from .library import library_files
    library = library_files(assign)
    modules = library if library is not None else sorted(
        p.name for p in assign.glob("*.py") if p.name != "conftest.py")
    if library is not None and not (assign / "minigan").is_dir():
        raise FileNotFoundError(f"homework grade: the library assignment {assign} has no "
                                "minigan/ folder (build it with `minigan homework build "
                                "--library`)")
    if not modules:
        raise FileNotFoundError(f"homework grade: the assignment {assign} names no exercise "
                                "modules (top-level *.py files besides conftest.py)")
    before = (_fingerprint(assign), _fingerprint(tests_src))

    work = Path(tempfile.mkdtemp(prefix="minigan-grade-"))
    try:
        # the student's modules: these names only, regular files only
        missing = []
        if library is not None:  # the assignment's package, then the submission's task files
            shutil.copytree(assign / "minigan", work / "student" / "minigan", ignore=_IGNORE)
        else:
            (work / "student").mkdir()
        for name in modules:
            f = sub / name
            if f.is_file() and not any(p.is_symlink() for p in [f, *f.parents][:name.count("/") + 1]):
                shutil.copyfile(f, work / "student" / name)
            else:
                missing.append(name)
        # the instructor's side, privately: conftest + tests, our ini
        root = work / "grading"
        root.mkdir()
        if (assign / "conftest.py").is_file():
            shutil.copyfile(assign / "conftest.py", root / "conftest.py")
        shutil.copytree(tests_src, root / "tests", ignore=_IGNORE)
        ini = work / "pytest.ini"
        ini.write_text("[pytest]\n")
        (work / "scratch").mkdir()

        secret = os.urandom(32).hex().encode()
        rep_r, rep_w = os.pipe()
        sec_r, sec_w = os.pipe()
        extra = {"MINIGAN_HOMEWORK_STUDENT": str(work / "student"),
                 "MINIGAN_HOMEWORK_LABEL": str(sub),
                 "MINIGAN_HOMEWORK_TIMEOUT": repr(float(timeout)),
                 "MINIGAN_HOMEWORK_REPORT_FD": str(rep_w),
                 "MINIGAN_HOMEWORK_SECRET_FD": str(sec_r)}
        if sandbox == "bwrap":
            extra["MINIGAN_HOMEWORK_SANDBOX"] = json.dumps(_bwrap_prefix(work, [assign, tests_src]))
        cmd = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "minigan.homework._report",
               "-p", "no:cacheprovider", "-c", str(ini), "--rootdir", str(root),
               "--continue-on-collection-errors"]
        log = open(work / "pytest.log", "w+b")
        proc = subprocess.Popen(cmd, cwd=root, env=_env(extra), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, pass_fds=(rep_w, sec_r),
                                start_new_session=True)
        os.close(rep_w)
        os.close(sec_r)
        os.write(sec_w, secret + b"\n")
        os.close(sec_w)
        messages, rejected, timed_out = _read_results(rep_r, secret,
                                                      time.monotonic() + total_timeout)
        os.close(rep_r)
        if timed_out:
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.seek(0)
        log_tail = log.read()[-3000:].decode(errors="replace")
        log.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # messages quote the private copies, deleted by now: name the real folders instead
    for m in messages:
        if isinstance(m.get("message"), str):
            m["message"] = (m["message"].replace(str(root / "tests"), str(tests_src))
                            .replace(str(work / "student"), str(sub))
                            .replace(str(root), str(assign)))
    tampered = (_fingerprint(assign), _fingerprint(tests_src)) != before
    result = _score(messages, timed_out, total_timeout, log_tail, sub)
    result.update(sandbox=sandbox, submission=str(sub), modules=modules, missing=missing,
                  rejected_lines=rejected, tampered=tampered)
    if tampered:
        result["all_passed"] = False
    if verbose:
        print(format_table(result))
    return result


def _score(messages, timed_out, total_timeout, log_tail, sub):
    expected = {}
    for m in messages:
        if m.get("kind") == "collected":
            expected = {t[0]: (str(t[1]), float(t[2])) for t in m["tests"]}
    results = {m["test"]: m for m in messages if m.get("kind") == "result"}
    tasks: dict = {}

    def add(task, points, test, passed, message="", file=None, line=None):
        t = tasks.setdefault(task, {"passed": 0, "total": 0, "points": 0.0, "max_points": 0.0,
                                    "failures": []})
        t["total"] += 1
        t["max_points"] += points
        if passed:
            t["passed"] += 1
            t["points"] += points
        else:
            if file is not None:
                file = str(Path(file).resolve()) if Path(file).is_absolute() else str(sub / file)
            t["failures"].append({"test": test, "message": message, "file": file, "line": line})

    for test, (task, points) in expected.items():
        r = results.get(test)
        if r is None:
            why = (f"not run: the total time limit ({total_timeout:g} s) ran out" if timed_out
                   else "not run: the test process ended first")
            add(task, points, test, False, why)
        else:
            add(task, points, test, r["outcome"] == "passed", r.get("message", ""),
                r.get("file"), r.get("line"))
    for m in messages:
        if m.get("kind") == "collect_error":
            add("(collection)", 0.0, m["where"], False, "collection error: " + m["message"])
    if not expected and not tasks:
        add("(grading)", 0.0, "pytest", False, "the tests did not run:\n" + log_tail)
    for t in tasks.values():
        t["points"], t["max_points"] = round(t["points"], 2), round(t["max_points"], 2)
    result = {
        "tasks": dict(sorted(tasks.items())),
        "passed": sum(t["passed"] for t in tasks.values()),
        "total": sum(t["total"] for t in tasks.values()),
        "score": round(sum(t["points"] for t in tasks.values()), 2),
        "max_score": round(sum(t["max_points"] for t in tasks.values()), 2),
    }
    result["all_passed"] = result["passed"] == result["total"] and result["total"] > 0
    return result


def format_table(result: dict) -> str:
    """The score table: one row per task, then the total and each failure."""
    width = max([len("task")] + [len(n) for n in result["tasks"]])
    lines = [f"{'task':<{width}}  {'passed':>9}  {'points':>13}", "-" * (width + 28)]
    for name, t in result["tasks"].items():
        lines.append(f"{name:<{width}}  {t['passed']:>4}/{t['total']:<4}  "
                     f"{t['points']:>6.2f}/{t['max_points']:<6.2f}")
    lines.append("-" * (width + 28))
    lines.append(f"{'total':<{width}}  {result['passed']:>4}/{result['total']:<4}  "
                 f"{result['score']:>6.2f}/{result['max_score']:<6.2f}")
    failures = [(n, f) for n, t in result["tasks"].items() for f in t["failures"]]
    if failures:
        lines.append("\nnot passing:")
        for name, f in failures:
            first = f["message"].strip().splitlines()[0] if f["message"].strip() else ""
            lines.append(f"  [{name}] {f['test']}: {first[:200]}")
    notes = []
    if result.get("missing"):
        notes.append(f"missing from the submission: {', '.join(result['missing'])}")
    if result.get("sandbox") == "none":
        notes.append("sandbox: none (student code ran with your rights; see INSTRUCTORS.md)")
    if result.get("rejected_lines"):
        notes.append(f"{result['rejected_lines']} unsigned result line(s) dropped: something "
                     "tried to write into the grader's channel")
    if result.get("tampered"):
        notes.append("WARNING: the instructor's folder changed while grading: restore it "
                     "before grading anything else, and grade with --sandbox bwrap")
    if notes:
        lines.append("")
        lines.extend(notes)
    return "\n".join(lines)
