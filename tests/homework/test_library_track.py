"""Build your own minigan (minigan/homework/LIBRARY.md): the student build
replaces exactly the manifest's bodies, keeps their signatures and
docstrings and turns the fast layer off; graded with the course's grader,
the solution build passes every task, the course's DCGAN included (trained
on the reference path with the fast layer off), and the student build fails
every test of every task, each because of a stub."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minigan.homework import BuildError, grade, main
from minigan.homework import library
from minigan.homework.library import STUBS, TASKS, build_library

ROOT = Path(__file__).resolve().parents[2]
MNIST = Path(os.environ.get("MINIGAN_TEST_MNIST", ROOT.parent / "shared" / "data" / "mnist"))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("library")
    stubs = build_library(base / "student")
    assert build_library(base / "solution", solution=True) == []
    return base / "student", base / "solution", stubs


def _function(tree, qualname):
    return library._find(tree, qualname)


def test_every_manifest_body_is_a_stub_with_its_signature_and_docstring(builds):
    student, solution, stubs = builds
    assert len(stubs) == len(STUBS) >= 20
    assert {s.task for s in STUBS} == set(TASKS) - {"8.1"}
    for s in STUBS:
        ref = _function(ast.parse((ROOT / s.module).read_text()), s.qualname)
        new = _function(ast.parse((student / s.module).read_text()), s.qualname)
        assert ast.dump(new.args) == ast.dump(ref.args), f"{s.qualname}: signature changed"
        assert ast.get_docstring(new) == ast.get_docstring(ref), f"{s.qualname}: docstring"
        last = new.body[-1]
        assert isinstance(last, ast.Raise) and last.exc.func.id == "NotImplementedError"
        assert last.exc.args[0].value.startswith(f"Task {s.task}: ")
        assert len(new.body) < len(ref.body) or ast.dump(new.body[-1]) != ast.dump(ref.body[-1])
        sol = _function(ast.parse((solution / s.module).read_text()), s.qualname)
        assert ast.dump(sol) == ast.dump(ref), f"{s.qualname}: the solution build changed it"
    # the other homework's solutions never reach a student
    assert not (student / "minigan" / "homework" / "exercises").exists()
    assert (student / "library.json").is_file() and (student / "tests").is_dir()


def test_argument_checks_and_imports_stay_in_the_stub(builds):
    student, _, _ = builds
    src = (student / "minigan" / "nn" / "attention.py").read_text()
    fn = _function(ast.parse(src), "SelfAttention.forward")
    assert [type(s).__name__ for s in fn.body] == ["If", "If", "If", "Raise"]
    bn = _function(ast.parse((student / "minigan/ops/normalization.py").read_text()),
                   "BatchNormFn.backward")
    assert [type(s).__name__ for s in bn.body] == ["ImportFrom"] * 3 + ["Raise"]


@pytest.mark.parametrize("flag, expected", [(None, "False"), ("1", "True"), ("0", "False")])
def test_the_fast_layer_is_off_by_default_in_a_build(builds, flag, expected):
    student, _, _ = builds
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGAN_FAST_LAYER", "PYTHONPATH")}
    if flag is not None:
        env["MINIGAN_FAST_LAYER"] = flag
    out = subprocess.run([sys.executable, "-c", "import minigan; print(minigan.fast.enabled(), "
                          "minigan.__file__)"], cwd=student, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out == [expected, str(student / "minigan" / "__init__.py")]


def test_graded_the_solution_passes_every_task_and_the_student_build_fails_each(builds,
                                                                                monkeypatch):
    """Both builds graded by ``minigan homework grade`` as a course would: the
    solution build as a submission to the student build (the assignment)."""
    student, solution, _ = builds
    if (MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        monkeypatch.setenv("MINIGAN_TEST_MNIST", str(MNIST))  # else: the embedded digits
    good = grade(solution, assignment=student, sandbox="none", verbose=False)
    failing = {t: r["failures"] for t, r in good["tasks"].items() if r["failures"]}
    assert not failing, failing
    assert set(good["tasks"]) == set(TASKS) and good["all_passed"]
    assert good["missing"] == [] and good["score"] == good["max_score"] > 0

    blank = grade(student, assignment=student, sandbox="none", verbose=False)
    assert set(blank["tasks"]) == set(TASKS)
    for task, r in blank["tasks"].items():
        assert r["total"] > 0 and r["passed"] == 0, f"task {task}: {r['passed']} test(s) pass " \
                                                    "on the student build"
        for f in r["failures"]:
            assert "NotImplementedError: Task " in f["message"], (task, f["message"][:500])
    assert blank["score"] == 0


def test_a_submission_counts_only_its_task_files(builds, tmp_path):
    """The grader takes the manifest's files from a submission and nothing
    else: a solved engine.py scores task 1.1, a solved file elsewhere does not."""
    student, solution, _ = builds
    sub = tmp_path / "alice"
    (sub / "minigan" / "autograd").mkdir(parents=True)
    (sub / "minigan" / "autograd" / "engine.py").write_bytes(
        (solution / "minigan" / "autograd" / "engine.py").read_bytes())
    (sub / "minigan" / "fast").mkdir()
    (sub / "minigan" / "fast" / "__init__.py").write_text("_enabled = True\n")  # ignored
    (sub / "tests").mkdir()
    (sub / "tests" / "test_1_engine.py").write_text("def test_nothing():\n    pass\n")  # ignored
    tests = tmp_path / "tests"  # assignments 1 and 2 only: the rest costs time, not coverage
    tests.mkdir()
    for name in ("_reference.py", "test_1_engine.py", "test_2_elementwise.py"):
        (tests / name).write_bytes((student / "tests" / name).read_bytes())
    r = grade(sub, assignment=student, tests=tests, sandbox="none", verbose=False)
    assert set(r["tasks"]) == {"1.1", "2.1", "2.2", "2.3", "2.4"}
    assert r["tasks"]["1.1"]["passed"] == r["tasks"]["1.1"]["total"] > 0
    assert all(t["passed"] == 0 for name, t in r["tasks"].items() if name != "1.1")
    assert "minigan/ops/arithmetic.py" in r["missing"]


def test_a_manifest_entry_the_library_lost_fails_the_build(tmp_path, monkeypatch):
    renamed = library.Stub("1.1", "minigan/autograd/engine.py", "topological_sort", "...")
    monkeypatch.setattr(library, "STUBS", (renamed,) + STUBS[1:])
    with pytest.raises(BuildError, match=r"task 1\.1 names topological_sort .*did you mean "
                                         r"topological_order"):
        build_library(tmp_path / "out")
    assert not (tmp_path / "out").exists()
    gone = library.Stub("2.1", "minigan/ops/no_such_file.py", "MulFn.backward", "...")
    monkeypatch.setattr(library, "STUBS", (gone,))
    with pytest.raises(BuildError, match="no_such_file.py, which does not exist"):
        build_library(tmp_path / "out")


def test_the_command(tmp_path, capsys):
    out = tmp_path / "course"
    assert main(["build", "--library", str(out), "--tasks", "1.1,3.3"]) == 0
    said = capsys.readouterr().out
    assert "tasks 1.1, 3.3" in said and "fast layer is off by default" in said
    assert "raise NotImplementedError" in (out / "minigan/optim/adam.py").read_text()
    assert "raise NotImplementedError" not in (out / "minigan/ops/arithmetic.py").read_text()
    assert main(["build", "--library", str(out)]) == 2          # not empty, no --force
    assert "not empty" in capsys.readouterr().err
    assert main(["build", "--library", str(out), "--force", "--tasks", "9.9"]) == 2
    assert "unknown task id(s) 9.9" in capsys.readouterr().err
    assert main(["build", "--library", str(tmp_path / "x"), "src"]) == 2
