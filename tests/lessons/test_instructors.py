"""lessons/INSTRUCTORS.md is run as written: every ```bash block, in order, in
an empty folder (``MINIGAN`` = this checkout). The Python exercises part
always runs; the nbgrader part (a real course: generate_assignment, the
gradebook, autograde of a blank and a perfect submission of all nine lesson
notebooks) runs when nbgrader is installed (the ``test`` extra installs it).
Also: the nbgrader metadata of every exercise cell, and the generator
scripts reproducing the committed notebooks."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
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
    copied = sorted(LESSONS.glob("0*.ipynb"))  # the notebooks the guide copies into the course
    n = len([p for p in copied if any(c["metadata"].get("nbgrader", {}).get("solution")
                                      for c in json.loads(p.read_text())["cells"])])
    assert n == 9
    assert scores == {"blank": (0.0, float(n)), "perfect": (float(n), float(n))}, scores
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}") as gb:
        for nb in gb.find_submission("lessons", "perfect").notebooks:
            assert nb.score == nb.max_score == 1.0, nb.name
        for nb in gb.find_submission("lessons", "blank").notebooks:
            assert nb.score == 0.0 and nb.max_score == 1.0, nb.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_exercise_cells_carry_nbgrader_metadata(path):
    cells = json.loads(path.read_text())["cells"]
    ids = []
    for k, cell in enumerate(cells):
        src = "".join(cell["source"])
        meta = cell["metadata"].get("nbgrader")
        if meta is not None:
            assert meta["schema_version"] == 3
            ids.append(meta["grade_id"])
        if cell["cell_type"] == "code" and _SOLUTION.search(src):
            assert meta and meta["solution"] and not meta["grade"] and not meta["locked"], k
            test = cells[k + 1]["metadata"].get("nbgrader")
            assert test and test["grade"] and test["locked"] and test["points"] > 0, k + 1
            statement = cells[k - 1]["metadata"].get("nbgrader")
            assert cells[k - 1]["cell_type"] == "markdown" and statement["locked"], k - 1
        if _HIDDEN.search(src):
            assert meta and meta["grade"], f"cell {k}: hidden tests outside an autograded cell"
        if _SOLUTION.search(src):
            assert meta and meta["solution"], f"cell {k}: a solution outside a solution cell"
    assert len(ids) == len(set(ids)), "nbgrader grade_ids must be unique"


def test_the_scripts_write_the_committed_notebooks(tmp_path):
    """Edit the scripts, not the notebooks: regenerating gives the same files
    (metadata included)."""
    pytest.importorskip("nbformat")
    copy = tmp_path / "lessons"
    shutil.copytree(LESSONS, copy, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    for script in sorted(copy.glob("_make_*.py")):
        subprocess.run([sys.executable, script.name], cwd=copy, check=True,
                       capture_output=True, timeout=300)
    written = [path for path in NOTEBOOKS if (copy / path.name).exists()]
    assert written, "the scripts wrote no notebook"
    for path in written:  # lessons 11 and up are edited as notebooks: no script writes them
        assert json.loads((copy / path.name).read_text()) == json.loads(path.read_text()), \
            path.name
