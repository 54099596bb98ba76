"""The autograder: run a submission's tests, score them per task.

A task is a pytest marker is a row of the score table (MiniTorch's rule).
Every test is marked ``@pytest.mark.task("<name>")``; the exercises'
``conftest.py`` writes that name into the JUnit XML report as a ``task``
property, which is what this module reads.

All test files first run together in one ``python -m pytest --junitxml=...``
process with a wall-clock limit (``timeout``). If that run is killed or
crashes, each test file runs again in its own process with the same limit,
so a test that hangs (or kills the interpreter) costs only its own file's
tasks; ``faulthandler_timeout`` makes pytest print where it hung.
The submission is copied to a temporary folder first, so grading leaves no
caches in it; ``tests=`` swaps in the instructor's tests (with the hidden
tests the student version lacks).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["grade", "format_table"]

_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", ".ipynb_checkpoints")


def _env():
    """The environment for the pytest processes: this minigan importable even
    when it is not installed (a source checkout)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _task_of_file(test_file: Path) -> str:
    """The fallback task name of a test file that produced no report: test_<task>.py."""
    stem = test_file.stem
    return stem[len("test_"):] if stem.startswith("test_") else stem


def _run_pytest(workdir: Path, ini: Path, target: Path, report: Path, timeout: float):
    """Run pytest on ``target`` (a file or folder); (report path, None) or (None, problem)."""
    rel = target.relative_to(workdir).as_posix()
    cmd = [sys.executable, "-m", "pytest", rel, "-q", "-p", "no:cacheprovider", "-c", str(ini),
           "--continue-on-collection-errors",
           "--rootdir", str(workdir), f"--junitxml={report}",
           "-o", f"faulthandler_timeout={max(1, int(max(timeout / 2, timeout - 30)))}"]
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=_env(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out, err = (o.decode(errors="replace") if isinstance(o, bytes) else (o or "")
                    for o in (exc.stdout, exc.stderr))
        # faulthandler's dump (on stderr) lists the innermost frame, the hung code, first
        return None, f"timed out after {timeout:g} s\n{err[:2000] if err.strip() else out[-2000:]}"
    if not report.exists():
        return None, f"pytest produced no report (exit code {proc.returncode}):\n" \
                     f"{(proc.stdout + proc.stderr)[-2000:]}"
    return report, None


def _file_of(case, workdir: Path):
    """The test file a JUnit ``testcase`` came from (classname tests.test_x -> tests/test_x.py)."""
    dotted = case.get("classname") or case.get("name") or ""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        candidate = workdir.joinpath(*parts[:k]).with_suffix(".py")
        if candidate.is_file():
            return candidate
    return Path(parts[-1] + ".py")


def _read_report(report: Path, workdir: Path):
    """[(task, test id, passed, message)] from a JUnit XML report."""
    rows = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        bad = [c for c in case if c.tag in ("failure", "error", "skipped")]
        message = ""
        if bad:
            first = bad[0]
            kind = {"failure": "failed", "error": "error", "skipped": "skipped"}[first.tag]
            text = (first.text or "").strip()
            # pytest's "E   ..." lines hold the exception; a collection error's
            # message attribute is only "collection failure"
            e_lines = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
            summary = first.get("message") or ""
            if e_lines and (not summary or summary == "collection failure"):
                summary = f"{summary}: {e_lines[-1]}" if summary else e_lines[-1]
            message = f"{kind}: {summary}".strip()
            if text:
                message += "\n" + text[-2000:]
        task = props.get("task") or _task_of_file(_file_of(case, workdir))
        # a test failing in its body and again in teardown is reported twice: keep the worst
        prev = rows.get(test_id)
        passed = not bad and (prev is None or prev[2])
        rows[test_id] = (task, test_id, passed, message or (prev[3] if prev else ""))
    return list(rows.values())


def grade(submission_dir, timeout: float = 300.0, tests=None, points_per_task: float = 10.0,
          isolate: bool = False, jobs: int | None = None, verbose: bool = True) -> dict:
    """Run the tests of ``submission_dir`` (its ``tests/`` folder, or the
    folder ``tests`` if given) and score them per task.

    Each task is worth ``points_per_task``, shared equally among its tests.
    The tests run in one pytest process killed after ``timeout`` seconds; if
    it is killed (or crashes), each test file runs in its own process with
    the same limit, and a file that still does not finish scores zero for
    its task. ``isolate=True`` skips the shared run (when hangs are
    expected); ``jobs`` file processes run at a time (default: up to 4).
    Prints the score table if ``verbose`` and returns

        {"tasks": {name: {"passed", "total", "points", "max_points", "failures"}},
         "passed", "total", "score", "max_score", "all_passed"}

    where ``failures`` lists {"test", "message"} for each test that did not pass.
    """
    src = Path(submission_dir).resolve()
    if not src.is_dir():
        raise FileNotFoundError(f"homework grade: submission folder {src} does not exist")
    tests_src = Path(tests).resolve() if tests is not None else src / "tests"
    if not tests_src.is_dir():
        raise FileNotFoundError(f"homework grade: no tests folder at {tests_src}")
    if timeout <= 0:
        raise ValueError(f"homework grade: timeout must be positive, got {timeout}")

    with tempfile.TemporaryDirectory(prefix="minigan-grade-") as tmp:
        tmp = Path(tmp)
        work = tmp / "submission"
        shutil.copytree(src, work, ignore=_IGNORE)
        if tests is not None:
            shutil.rmtree(work / "tests", ignore_errors=True)
            shutil.copytree(tests_src, work / "tests", ignore=_IGNORE)
        ini = tmp / "pytest.ini"  # ours, so no ini file of a surrounding project applies
        ini.write_text("[pytest]\n")
        files = sorted((work / "tests").rglob("test_*.py"))
        if not files:
            raise FileNotFoundError(f"homework grade: no test_*.py files in {tests_src}")

        report = None
        if not isolate:
            report, _ = _run_pytest(work, ini, work / "tests", tmp / "report.xml", timeout)
        if report is not None:
            rows = _read_report(report, work)
        else:
            def run(k_file):
                k, f = k_file
                report, problem = _run_pytest(work, ini, f, tmp / f"report{k}.xml", timeout)
                if report is None:
                    return [(_task_of_file(f), f.relative_to(work).as_posix(), False, problem)]
                return _read_report(report, work)

            workers = jobs or min(4, os.cpu_count() or 1)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                rows = [r for rs in pool.map(run, enumerate(files)) for r in rs]

    tasks: dict = {}
    for task, test_id, passed, message in rows:
        t = tasks.setdefault(task, {"passed": 0, "total": 0, "failures": []})
        t["total"] += 1
        if passed:
            t["passed"] += 1
        else:
            t["failures"].append({"test": test_id, "message": message})
    for t in tasks.values():
        t["max_points"] = float(points_per_task)
        t["points"] = round(points_per_task * t["passed"] / t["total"], 2) if t["total"] else 0.0
    result = {
        "tasks": dict(sorted(tasks.items())),
        "passed": sum(t["passed"] for t in tasks.values()),
        "total": sum(t["total"] for t in tasks.values()),
        "score": round(sum(t["points"] for t in tasks.values()), 2),
        "max_score": float(points_per_task * len(tasks)),
    }
    result["all_passed"] = result["passed"] == result["total"]
    if verbose:
        print(format_table(result))
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
            lines.append(f"  [{name}] {f['test']}: {first[:160]}")
    return "\n".join(lines)
