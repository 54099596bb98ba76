"""Every lesson notebook runs top to bottom (in small mode), in its student
version as well as with the instructor's answers, and is committed without
outputs. New lessons (lessons/*.ipynb) are picked up automatically."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from minigan.homework.build import strip_source

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))


def _ids(paths):
    return [p.name for p in paths]


def test_there_are_lessons():
    assert len(NOTEBOOKS) >= 3, f"expected lesson notebooks in {LESSONS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [k for k, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} have outputs or execution counts; clear them "
                       "(Jupyter: Edit > Clear All Outputs, or `jupyter nbconvert "
                       "--clear-output --inplace`) before committing")


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.fixture(scope="module")
def student_lessons(tmp_path_factory):
    """The student version, built as lessons/README.md says
    (``minigan homework build lessons student-lessons``)."""
    from minigan.homework import main
    dest = tmp_path_factory.mktemp("course") / "student-lessons"
    assert main(["build", str(LESSONS), str(dest)]) == 0
    return dest


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path, student_lessons, monkeypatch):
    """One run per lesson checks both versions. The student version runs
    top to bottom with errors allowed (as "Run All" does through the test
    cells, which carry the ``raises-exception`` tag): it must reach the last
    cell, and the only cells that fail are the test cells of the unsolved
    tasks, each with the task's NotImplementedError. Then, in the same
    kernel, every exercise's solution and its full test cell (hidden tests
    included) run from the instructor's notebook and must pass."""
    nbformat = pytest.importorskip("nbformat", reason="running lessons needs nbformat "
                                   "(pip install -e '.[test]')")
    nbclient = pytest.importorskip("nbclient", reason="running lessons needs nbclient "
                                   "(pip install -e '.[test]')")
    pytest.importorskip("ipykernel", reason="running lessons needs ipykernel "
                        "(pip install -e '.[test]')")
    # the kernel inherits this environment: small mode, no GUI, and this checkout's minigan
    monkeypatch.setenv("MINIGAN_SMALL_LESSONS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # small-mode lessons are small matrices: one BLAS thread avoids threads
    # fighting over the cores (30x slower on a loaded 2-core machine)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    teacher = nbformat.read(path, as_version=4)
    nb = nbformat.read(student_lessons / path.name, as_version=4)
    n_student = len(nb.cells)
    solutions = [c for c in teacher.cells if _nbgrader(c).get("solution")]
    solution_source = {_nbgrader(c)["grade_id"]: c.source for c in solutions}
    tests = {_nbgrader(c)["grade_id"]: c for c in teacher.cells if _nbgrader(c).get("grade")}
    for cell in solutions:  # the instructor's answers, appended after the student's run
        nb.cells.append(nbformat.v4.new_code_cell(cell.source))
        nb.cells.append(nbformat.v4.new_code_cell(tests[f"test_{_nbgrader(cell)['grade_id']}"].source))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(student_lessons)}})
    client.execute()

    def error(cell):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return re.sub(r"\x1b\[[0-9;]*m", "", f"{out['ename']}: {out['evalue']}\n"
                              + "\n".join(out.get("traceback", [])[-3:]))
        return None

    code = [k for k, c in enumerate(nb.cells[:n_student]) if c.cell_type == "code"]
    assert nb.cells[code[-1]].get("execution_count") is not None, \
        f"{path.name}: the student version did not reach its last cell"
    for k in code:
        cell, err = nb.cells[k], error(nb.cells[k])
        if _nbgrader(cell).get("grade"):
            task = _nbgrader(cell)["grade_id"].removeprefix("test_")
            # the build names a task after the function that holds its solution
            names = {name for _, name in strip_source(solution_source[task])[1]} | {task}
            assert err and "NotImplementedError" in err and any(f"Task {n}" in err for n in names), \
                f"{path.name}, cell {k}: the unsolved task {task!r} should fail its test cell " \
                f"with its NotImplementedError, got: {err}"
        else:
            assert err is None, f"{path.name}, cell {k} failed in the student version " \
                                f"(only the test cells of unsolved tasks may):\n{err}"
    for k in range(n_student, len(nb.cells)):
        err = error(nb.cells[k])
        assert err is None, f"{path.name}: an instructor's solution or its tests failed " \
                            f"(appended cell {k - n_student}):\n{nb.cells[k].source[:300]}\n{err}"
        # nbgrader scores a test cell that writes to stderr (a warning, say) as failed
        stderr = "".join("".join(o.get("text", "")) for o in nb.cells[k].get("outputs", [])
                         if o.get("output_type") == "stream" and o.get("name") == "stderr")
        assert not stderr, f"{path.name}: an instructor's cell writes to stderr, which nbgrader " \
                           f"grades as a failure (appended cell {k - n_student}):\n{stderr[:500]}"
