"""Homework tooling: student versions from solutions, and an autograder.

    minigan homework build SRC DEST        # strip solutions and hidden tests
    minigan homework grade SUBMISSION      # run the tests, score per task

Exercises mark their solutions with nbgrader's ``### BEGIN SOLUTION`` /
``### END SOLUTION`` (and ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN
TESTS``) in Python files and notebook code cells; tests carry
``@pytest.mark.task("<name>")``. The bundled exercises (``exercises/`` beside
this file) are copies of library code: conv2d_backward, batchnorm_backward,
adam_step, gradient_penalty, power_iteration, nonsaturating_loss.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .build import BuildError, Task, build, strip_source
from .grade import format_table, grade

__all__ = ["BuildError", "Task", "build", "strip_source", "grade", "format_table", "main",
           "EXERCISES"]

#: the bundled exercises (solutions and their tests)
EXERCISES = Path(__file__).resolve().parent / "exercises"


def _parser():
    p = argparse.ArgumentParser(
        prog="minigan homework",
        description="Build student versions of exercises and grade submissions.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the student version of SRC to DEST",
                       description="Replace every solution region of SRC's .py files and notebooks "
                                   "by `raise NotImplementedError(...)`, drop hidden tests and "
                                   "notebook outputs, and write the result to DEST.")
    b.add_argument("src", help=f"a folder or a .py/.ipynb file (the bundled exercises: {EXERCISES})")
    b.add_argument("dest", help="where to write the student version (must not exist yet)")
    b.add_argument("--force", action="store_true", help="write into DEST even if it is not empty")
    g = sub.add_parser("grade", help="run SUBMISSION's tests and print a score per task",
                       description="Run SUBMISSION/tests with pytest in a subprocess (on a "
                                   "copy of SUBMISSION) and score the tests per task marker. "
                                   "If that run hangs or crashes, each test file is rerun alone. "
                                   "Exit code 0 only when every test passes.")
    g.add_argument("submission", help="the submission folder (holding tests/ and the exercises)")
    g.add_argument("--tests", default=None,
                   help="grade with this tests folder instead (e.g. the solution's, with hidden tests)")
    g.add_argument("--timeout", type=float, default=300.0,
                   help="seconds allowed per pytest run (default 300)")
    g.add_argument("--points", type=float, default=10.0, help="points per task (default 10)")
    g.add_argument("--isolate", action="store_true",
                   help="run each test file in its own process from the start (slower; for "
                        "submissions expected to hang or crash)")
    g.add_argument("--json", default=None, metavar="FILE", help="also write the result as JSON")
    return p


def main(argv=None) -> int:
    """``minigan homework ...``: returns the exit code (0 on success)."""
    args = _parser().parse_args(argv)
    if args.command == "build":
        try:
            tasks = build(args.src, args.dest, overwrite=args.force)
        except (BuildError, FileNotFoundError) as exc:
            print(f"minigan homework: {exc}", file=sys.stderr)
            return 2
        names = sorted({t.name for t in tasks})
        print(f"wrote the student version to {args.dest}: {len(tasks)} solution region(s) "
              f"removed ({', '.join(names) if names else 'none'})")
        return 0
    try:
        result = grade(args.submission, timeout=args.timeout, tests=args.tests,
                       points_per_task=args.points, isolate=args.isolate)
    except (FileNotFoundError, ValueError) as exc:
        print(f"minigan homework: {exc}", file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["all_passed"] else 1
