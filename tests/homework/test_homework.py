"""The homework tooling: build (student versions) and grade (the autograder),
run on the bundled exercises and on small synthetic ones."""
from __future__ import annotations

import ast
import json
import textwrap

import pytest

from minigan.homework import EXERCISES, BuildError, build, grade, main, strip_source

TASKS = {"conv2d_backward", "batchnorm_backward", "adam_step", "gradient_penalty",
         "power_iteration", "nonsaturating_loss"}


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    dest = tmp_path_factory.mktemp("hw") / "student"
    tasks = build(EXERCISES, dest)
    return dest, tasks


@pytest.fixture(scope="module")
def solution_grade():
    return grade(EXERCISES, verbose=False)


@pytest.fixture(scope="module")
def student_grade(student):
    return grade(student[0], verbose=False)  # its own (visible) tests


# --------------------------------------------------------------------- build
def test_build_removes_every_solution_and_hidden_test(student):
    dest, tasks = student
    assert {t.name for t in tasks} == TASKS
    for path in dest.rglob("*.py"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path
        assert "def test_hidden" not in text, path
    assert (dest / "conftest.py").read_text() == (EXERCISES / "conftest.py").read_text()


def _functions(path):
    tree = ast.parse(path.read_text())
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("task", sorted(TASKS))
def test_build_keeps_signature_and_docstring_and_names_the_task(student, task):
    dest, _ = student
    ours, theirs = _functions(EXERCISES / f"{task}.py"), _functions(dest / f"{task}.py")
    assert set(ours) == set(theirs)
    fn, stub = ours[task], theirs[task]
    assert ast.dump(fn.args) == ast.dump(stub.args)
    assert ast.get_docstring(fn) == ast.get_docstring(stub)
    raises = [n for n in ast.walk(stub) if isinstance(n, ast.Raise)
              and isinstance(n.exc, ast.Call) and getattr(n.exc.func, "id", "") == "NotImplementedError"]
    assert len(raises) == 1
    assert raises[0].exc.args[0].value.startswith(f"Task {task}: ")


def test_student_version_fails_every_test(student_grade, solution_grade):
    assert set(student_grade["tasks"]) == TASKS
    assert student_grade["passed"] == 0 and student_grade["score"] == 0
    assert not student_grade["all_passed"]
    for name, t in student_grade["tasks"].items():
        assert t["total"] >= 3
        for f in t["failures"]:
            assert f"NotImplementedError: Task {name}" in f["message"], f
    # hidden tests are gone from the student's copy
    for name in TASKS:
        assert student_grade["tasks"][name]["total"] < solution_grade["tasks"][name]["total"]


def test_solution_passes_everything(solution_grade):
    assert set(solution_grade["tasks"]) == TASKS
    assert solution_grade["all_passed"], solution_grade
    assert solution_grade["score"] == solution_grade["max_score"] == 10.0 * len(TASKS)
    for t in solution_grade["tasks"].values():
        assert t["max_points"] == 10.0


def test_grading_with_the_instructor_tests_restores_hidden_tests(student, solution_grade):
    result = grade(student[0], assignment=EXERCISES, verbose=False)
    for name in TASKS:
        assert result["tasks"][name]["total"] == solution_grade["tasks"][name]["total"]
        assert result["tasks"][name]["passed"] == 0
    # the old spelling, --tests DIR, means the assignment DIR/..
    again = grade(student[0], tests=EXERCISES / "tests", verbose=False)
    assert (again["total"], again["score"], again["max_score"]) == (result["total"], 0.0, 60.0)


# --------------------------------------------------------------------- markers
SOURCE = textwrap.dedent('''\
    import math


    def area(r):
        """Area of a disc of radius r."""
        if r < 0:
            raise ValueError("negative radius")
        ### BEGIN SOLUTION
        return math.pi * r * r
        ### END SOLUTION


    def perimeter(r):
        # TASK: circle_perimeter -- 2 pi r
        ### BEGIN SOLUTION
        return 2 * math.pi * r
        ### END SOLUTION


    ### BEGIN SOLUTION
    TAU = 2 * math.pi
    ### END SOLUTION

    ### BEGIN HIDDEN TESTS
    assert area(1) == math.pi
    ### END HIDDEN TESTS
    ''')


def test_strip_source_replaces_regions_by_their_kind():
    new, tasks = strip_source(SOURCE, "circle.py", default_task="circle")
    assert tasks == [(8, "area"), (15, "circle_perimeter"), (20, "circle")]
    assert '        raise ValueError("negative radius")\n' \
           '    raise NotImplementedError("Task area: Area of a disc of radius r.")\n' in new
    assert '    # TASK: circle_perimeter -- 2 pi r\n' \
           '    raise NotImplementedError("Task circle_perimeter: 2 pi r")\n' in new
    assert '# YOUR CODE HERE\nraise NotImplementedError("Task circle: write the code for this cell")' in new
    assert "assert area" not in new and "math.pi * r" not in new and "TAU =" not in new
    ast.parse(new)


@pytest.mark.parametrize("source,line,words", [
    ("x = 1\n### BEGIN SOLUTION\ny = 2\n", 2, "never closed"),
    ("x = 1\n### END SOLUTION\n", 2, "without a matching"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION\n", 2,
     "cannot nest"),
    ("### BEGIN HIDDEN TESTS\nx = 1\n### END SOLUTION\n", 3, "expected '### END HIDDEN TESTS'"),
])
def test_unbalanced_markers_are_refused_with_file_and_line(source, line, words):
    with pytest.raises(BuildError, match=f"hw.py, line {line}: .*{words}"):
        strip_source(source, "hw.py")


def test_marker_text_inside_string_literals_is_left_alone():
    source = ('CELL = """\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"""\n\n\n'
              "def f():\n    ### BEGIN SOLUTION\n    return CELL\n    ### END SOLUTION\n")
    new, tasks = strip_source(source, "maker.py")
    assert tasks == [(9, "f")]
    assert new.startswith('CELL = """\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"""')
    assert "return CELL" not in new


def test_build_names_the_file_with_bad_markers(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "bad.py").write_text("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(BuildError, match=r"sub/bad.py, line 2: '### BEGIN SOLUTION' is never closed"):
        build(src, tmp_path / "out")


def test_a_region_that_empties_a_block_is_refused():
    source = "def test_x():\n    ### BEGIN HIDDEN TESTS\n    assert True\n    ### END HIDDEN TESTS\n"
    with pytest.raises(BuildError, match="does not parse"):
        strip_source(source, "t.py")


def test_build_refuses_to_overwrite_or_to_write_inside_the_source(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir(), dest.mkdir()
    (src / "a.py").write_text("x = 1\n")
    (dest / "old.txt").write_text("keep me")
    with pytest.raises(BuildError, match="not empty"):
        build(src, dest)
    with pytest.raises(BuildError, match="inside the source"):
        build(src, src / "student")
    (tmp_path / "file.txt").write_text("")
    with pytest.raises(BuildError, match="is a file"):
        build(src, tmp_path / "file.txt")
    build(src, dest, overwrite=True)
    assert (dest / "a.py").read_text() == "x = 1\n"


# --------------------------------------------------------------------- notebooks
def _notebook(cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "metadata": {}, "source": src,
         **({"outputs": [{"output_type": "stream", "name": "stdout", "text": "old\n"}],
             "execution_count": 3} if kind == "code" else {})}
        for kind, src in cells]}


def test_notebook_build_strips_solutions_hidden_tests_and_outputs(tmp_path):
    nb = _notebook([
        ("markdown", "# Lesson\nprose naming `### BEGIN SOLUTION` is left alone"),
        ("code", "%matplotlib inline\nimport numpy as np\n"),
        ("code", "def double(x):\n    \"\"\"Twice x.\"\"\"\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                 "    ### END SOLUTION\n"),
        ("code", "### BEGIN SOLUTION\nanswer = double(21)\n### END SOLUTION\nprint(answer)\n"),
        ("code", "### BEGIN HIDDEN TESTS\nassert double(2) == 4\n### END HIDDEN TESTS\n"),
        ("code", "assert double(1) == 2\n### BEGIN HIDDEN TESTS\nassert double(3) == 6\n"
                 "### END HIDDEN TESTS\n"),
    ])
    (tmp_path / "lesson.ipynb").write_text(json.dumps(nb))
    tasks = build(tmp_path / "lesson.ipynb", tmp_path / "student.ipynb")
    assert [(t.file, t.name) for t in tasks] == [("lesson.ipynb, cell 2", "double"),
                                                ("lesson.ipynb, cell 3", "lesson (cell 3)")]
    out = json.loads((tmp_path / "student.ipynb").read_text())
    code = ["".join(c["source"]) for c in out["cells"] if c["cell_type"] == "code"]
    assert code == [
        "%matplotlib inline\nimport numpy as np\n",
        'def double(x):\n    """Twice x."""\n    raise NotImplementedError("Task double: Twice x.")\n',
        '# YOUR CODE HERE\nraise NotImplementedError("Task lesson (cell 3): write the code for this '
        'cell")\nprint(answer)\n',
        "assert double(1) == 2\n",
    ]
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in out["cells"] if c["cell_type"] == "code")
    assert out["cells"][0]["source"] == nb["cells"][0]["source"]


def test_notebook_errors_name_the_cell(tmp_path):
    (tmp_path / "nb.ipynb").write_text(json.dumps(_notebook([("code", "x = 1"),
                                                             ("code", "### END HIDDEN TESTS\n")])))
    with pytest.raises(BuildError, match=r"nb.ipynb, cell 1, line 1"):
        build(tmp_path / "nb.ipynb", tmp_path / "out.ipynb")


# --------------------------------------------------------------------- CLI
def test_cli_build_and_grade(tmp_path, capsys):
    src = tmp_path / "course"
    (src / "tests").mkdir(parents=True)
    (src / "square.py").write_text(
        'def square(x):\n    """x squared."""\n    ### BEGIN SOLUTION\n    return x * x\n'
        "    ### END SOLUTION\n")
    (src / "tests" / "test_square.py").write_text(
        "import pytest\nfrom minigan.homework.harness import student\n\nsq = student('square')\n\n\n"
        "def _call(mod, x):\n    return mod.square(x)\n\n\n"
        '@pytest.mark.task("square", points=5)\ndef test_square():\n    assert sq.run(_call, 3) == 9\n')
    assert main(["build", str(src), str(tmp_path / "student")]) == 0
    assert "1 solution region(s) removed (square)" in capsys.readouterr().out
    assert main(["grade", str(tmp_path / "student"), "--assignment", str(src),
                 "--json", str(tmp_path / "r.json")]) == 1
    table = capsys.readouterr().out
    assert "square" in table and "0/1" in table and "NotImplementedError: Task square" in table
    assert json.loads((tmp_path / "r.json").read_text())["max_score"] == 5.0
    assert main(["grade", str(src), "--assignment", str(src)]) == 0
    assert main(["build", str(src), str(tmp_path / "student")]) == 2  # not empty
    assert "not empty" in capsys.readouterr().err
