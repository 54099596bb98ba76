"""lessons/INSTRUCTORS.md is run as written: every ```bash block, in order, in
an empty folder (``MINIGAN`` = this checkout). The Python exercises part
always runs; the nbgrader part (a real course: generate_assignment, the
gradebook, autograde of a blank and a perfect submission of every lesson
notebook) runs when nbgrader is installed (the ``test`` extra installs it).
Also: the nbgrader metadata of every exercise cell (the notebooks are each
lesson's only source, so this is where it is kept honest)."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
GUIDE = LESSONS / "INSTRUCTORS.md"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))
_SOLUTION = re.compile(r"^\s*#+\s*BEGIN SOLUTION\b", re.M)
_HIDDEN = re.compile(r"^\s*#+\s*BEGIN HIDDEN TESTS\b", re.M)


def _bash_blocks():
    """(section title, source) of each ```bash block of the guide, in order."""
    blocks, section = [], ""
    for m in re.finditer(r"^## ([^\n]*)$|^```bash\n(.*?)^```", GUIDE.read_text(), re.M | re.S):
        if m[1] is not None:
            section = m[1]
        else:
            blocks.append((section, m[2]))
    return blocks


def _run(script: str, cwd: Path, timeout: float):
    env = dict(os.environ)
    env["MINIGAN"] = str(ROOT)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"  # small lessons, 2 cores
    # the console scripts, or the same through this Python where they are not on PATH
    py = sys.executable
    preamble = (f'command -v minigan >/dev/null || minigan() {{ "{py}" -m minigan "$@"; }}\n'
                f'command -v nbgrader >/dev/null || nbgrader() {{ "{py}" -m nbgrader "$@"; }}\n')
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", preamble + script], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"exit code {proc.returncode}\n{proc.stdout[-3000:]}\n" \
                                 f"{proc.stderr[-5000:]}"
    return proc


def test_the_guide_has_runnable_steps():
    sections = [s for s, _ in _bash_blocks()]
    assert any("minigan homework" in s for s in sections)
    assert any("nbgrader" in s for s in sections)


@pytest.mark.slow
def test_a_term_with_minigan_homework(tmp_path):
    blocks = [src for section, src in _bash_blocks() if section.startswith("1.")]
    _run("\n".join(blocks), tmp_path, 900)
    perfect = json.loads((tmp_path / "grades" / "perfect.json").read_text())
    blank = json.loads((tmp_path / "grades" / "blank.json").read_text())
    assert perfect["score"] == perfect["max_score"] == 60.0 and perfect["all_passed"]
    assert blank["score"] == 0.0 and blank["max_score"] == 60.0
    assert blank["total"] == perfect["total"]  # the hidden tests ran for both
    # a failure names the student's file in the submission, which exists
    f = blank["tasks"]["adam_step"]["failures"][0]
    assert Path(f["file"]) == tmp_path / "submissions" / "blank" / "adam_step.py"
    assert Path(f["file"]).is_file() and isinstance(f["line"], int)


@pytest.mark.slow
def test_a_term_with_nbgrader(tmp_path):
    pytest.importorskip("nbgrader", reason="the nbgrader course needs nbgrader "
                        "(pip install -e '.[test]')")
    pytest.importorskip("ipykernel")
    blocks = [src for section, src in _bash_blocks() if section.startswith(("1.", "2."))]
    # part 1 writes the fake students the guide uses; part 2 is the nbgrader course
    _run("\n".join(blocks), tmp_path, 1500)
    with open(tmp_path / "course" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    scores = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in rows}
    copied = sorted(p.name for p in (tmp_path / "course" / "source" / "lessons").glob("*.ipynb"))
    assert copied == [p.name for p in NOTEBOOKS], "the guide hands out every lesson"
    points = {p.stem: sum(c["metadata"].get("nbgrader", {}).get("points", 0)
                          for c in json.loads(p.read_text())["cells"]
                          if c["metadata"].get("nbgrader", {}).get("grade"))
              for p in NOTEBOOKS}
    total = float(sum(points.values()))
    assert scores == {"blank": (0.0, total), "perfect": (total, total)}, scores
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}") as gb:
        for nb in gb.find_submission("lessons", "perfect").notebooks:
            assert nb.score == nb.max_score == points[nb.name], nb.name
        for nb in gb.find_submission("lessons", "blank").notebooks:
            assert nb.score == 0.0 and nb.max_score == points[nb.name], nb.name


_GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_END_SOLUTION = re.compile(r"^\s*#+\s*END SOLUTION\b", re.M)
_END_HIDDEN = re.compile(r"^\s*#+\s*END HIDDEN TESTS\b", re.M)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_exercise_cells_carry_nbgrader_metadata(path):
    """Each exercise is three cells: a locked markdown statement, a solution
    cell, an autograded test cell (lessons/README.md, "Editing")."""
    cells = _cells(path)
    ids = [c.get("id") for c in cells]
    assert len(ids) == len(set(ids)), f"{path.name}: cell ids must be unique"
    for k, cell in enumerate(cells):
        src = _src(cell)
        meta = cell["metadata"].get("nbgrader")
        where = f"{path.name}, cell {k}"
        if meta is not None:
            assert meta.get("schema_version") == 3, where
            assert _GRADE_ID.match(meta.get("grade_id", "")), f"{where}: bad grade_id"
            for key in ("grade", "solution", "locked", "task"):
                assert isinstance(meta.get(key), bool), f"{where}: nbgrader.{key} must be a bool"
            if meta["grade"]:
                assert cell["cell_type"] == "code" and meta["locked"] and not meta["solution"], where
                assert meta.get("points", 0) > 0 and "assert" in src, \
                    f"{where}: a test cell scores points and asserts something"
            if meta["solution"]:
                assert cell["cell_type"] == "code" and not meta["grade"] and not meta["locked"], where
        assert len(_SOLUTION.findall(src)) == len(_END_SOLUTION.findall(src)), \
            f"{where}: unbalanced SOLUTION markers"
        assert len(_HIDDEN.findall(src)) == len(_END_HIDDEN.findall(src)), \
            f"{where}: unbalanced HIDDEN TESTS markers"
        if cell["cell_type"] == "code" and _SOLUTION.search(src):
            assert meta and meta["solution"], f"{where}: a solution outside a solution cell"
            task = meta["grade_id"]
            test = cells[k + 1]["metadata"].get("nbgrader") if k + 1 < len(cells) else None
            assert test and test["grade"] and test["grade_id"] == f"test_{task}", \
                f"{where}: the next cell must be the autograded test_{task}"
            statement = cells[k - 1]["metadata"].get("nbgrader")
            assert cells[k - 1]["cell_type"] == "markdown" and statement and statement["locked"] \
                and statement["grade_id"] == f"exercise_{task}", \
                f"{where}: the cell before must be the locked statement exercise_{task}"
        if _HIDDEN.search(src):
            assert meta and meta["grade"], f"{where}: hidden tests outside an autograded cell"


def test_grade_ids_are_unique_across_the_course():
    """One task name means one exercise in the whole course (the gradebook and
    the reports name tasks by it)."""
    seen = {}
    for path in NOTEBOOKS:
        for cell in _cells(path):
            gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if gid is not None:
                assert gid not in seen, f"grade_id {gid!r} in {path.name} and {seen[gid]}"
                seen[gid] = path.name
