"""Homework tooling: student versions from solutions, and an autograder.

    minigan homework path                                    # the bundled exercises' folder
    minigan homework build SRC DEST                          # strip solutions and hidden tests
    minigan homework grade SUBMISSION --assignment SRC       # score per task, SRC's tests
    minigan homework build --library OUT                     # build your own minigan (LIBRARY.md)

Exercises mark their solutions with nbgrader's ``### BEGIN SOLUTION`` /
``### END SOLUTION`` (and ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN
TESTS``) in Python files and notebook code cells; tests carry
``@pytest.mark.task("<name>", points=<p>)`` and reach the student's module
through :func:`minigan.homework.harness.student` (its code runs in another
process; the checks stay in the test's). Notebook exercises are graded with
nbgrader (``lessons/INSTRUCTORS.md``). The bundled exercises (``exercises/`` beside
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
    b.add_argument("src", nargs="?",
                   help=f"a folder or a .py/.ipynb file (the bundled exercises: {EXERCISES})")
    b.add_argument("dest", nargs="?", help="where to write the student version (must not exist yet)")
    b.add_argument("--force", action="store_true", help="write into DEST even if it is not empty")
    b.add_argument("--library", metavar="OUT", default=None,
                   help="build-your-own-minigan: write the student version of the library "
                        "itself to OUT (its task bodies replaced by NotImplementedError, the "
                        "fast layer off by default, the assignments' tests; "
                        "minigan/homework/LIBRARY.md)")
    b.add_argument("--solution", action="store_true",
                   help="with --library: keep every body (the solution build)")
    b.add_argument("--tasks", default=None, metavar="IDS",
                   help="with --library: stub only these task ids, e.g. 1.1,2.1 (default: all)")
    sub.add_parser("path", help="print the folder of the bundled exercises",
                   description="Print the folder of the exercises that ship with minigan "
                               "(solutions, conftest.py, tests/ with hidden tests): the "
                               "assignment to build and grade.")
    g = sub.add_parser("grade", help="grade SUBMISSION's exercise modules, score per task",
                       description="Take from SUBMISSION only the exercise modules the "
                                   "assignment names (its top-level *.py files besides "
                                   "conftest.py), grade them with a private copy of the "
                                   "assignment's tests (student code runs in worker processes, "
                                   "the checks and the score in the grader's), and print the "
                                   "points per task. Exit code 0 only when every test passes.")
    g.add_argument("submission", help="the submission folder (holding the exercise modules)")
    g.add_argument("--assignment", default=None, metavar="DIR",
                   help="the instructor's folder: solutions, conftest.py, tests/ with hidden "
                        "tests (e.g. minigan/homework/exercises); default: the parent of "
                        "--tests, else SUBMISSION itself (a student checking their work)")
    g.add_argument("--tests", default=None, metavar="DIR",
                   help="grade with this tests folder (default: ASSIGNMENT/tests)")
    g.add_argument("--timeout", type=float, default=60.0,
                   help="seconds per test for its calls into student code (default 60); a "
                        "module that runs out fails its remaining tests at once")
    g.add_argument("--total-timeout", type=float, default=None,
                   help="seconds for the whole run (default 10 x --timeout)")
    g.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="run student code in bubblewrap (auto: when bwrap works here)")
    g.add_argument("--json", default=None, metavar="FILE", help="also write the result as JSON")
    return p


def _build_library(args) -> int:
    from .library import TASKS, build_library

    if args.src is not None:
        print(f"minigan homework: --library OUT takes no SRC/DEST (got {args.src!r})",
              file=sys.stderr)
        return 2
    tasks = None if args.tasks is None else [t.strip() for t in args.tasks.split(",") if t.strip()]
    try:
        stubs = build_library(args.library, solution=args.solution, tasks=tasks,
                              overwrite=args.force)
    except BuildError as exc:
        print(f"minigan homework: {exc}", file=sys.stderr)
        return 2
    ids = sorted({s.task for s in stubs}, key=lambda t: tuple(map(int, t.split("."))))
    what = ("the solution build (no stubs)" if args.solution else
            f"{len(stubs)} bodies replaced, tasks {', '.join(ids)}")
    print(f"wrote the library track to {args.library}: {what}; {len(TASKS)} graded tasks; the "
          f"fast layer is off by default there (MINIGAN_FAST_LAYER=1 turns it on).\n"
          f"  students: cd {args.library} && python -m pytest tests\n"
          f"  grading:  minigan homework grade SUBMISSION --assignment {args.library}")
    return 0


def main(argv=None) -> int:
    """``minigan homework ...``: returns the exit code (0 on success)."""
    args = _parser().parse_args(argv)
    if args.command == "path":
        print(EXERCISES)
        return 0
    if args.command == "build" and args.library is not None:
        return _build_library(args)
    if args.command == "build":
        if args.src is None or args.dest is None or args.solution or args.tasks:
            print("minigan homework: build takes SRC DEST, or --library OUT [--solution] "
                  "[--tasks IDS]", file=sys.stderr)
            return 2
        try:
            tasks = build(args.src, args.dest, overwrite=args.force)
        except (BuildError, FileNotFoundError) as exc:
            print(f"minigan homework: {exc}", file=sys.stderr)
            return 2
        names = sorted({t.name for t in tasks})
        print(f"wrote the student version to {args.dest}: {len(tasks)} solution region(s) "
              f"removed ({', '.join(names) if names else 'none'})")
        return 0
    from .grade import harden_process
    harden_process()  # this process holds the run's secret and the result pipe
    try:
        result = grade(args.submission, assignment=args.assignment, tests=args.tests,
                       timeout=args.timeout, total_timeout=args.total_timeout,
                       sandbox=args.sandbox)
    except (FileNotFoundError, ValueError) as exc:
        print(f"minigan homework: {exc}", file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if result.get("tampered"):
        return 3
    return 0 if result["all_passed"] else 1
