"""Every lesson notebook runs top to bottom (in small mode) and is committed
without outputs. New lessons (lessons/*.ipynb) are picked up automatically."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

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


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path, monkeypatch):
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
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(LESSONS)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # IPython colours its tracebacks
        pytest.fail(f"{path.name} failed:\n{plain}", pytrace=False)
    # test cells tagged 'raises-exception' (so that "Run All" goes on past an
    # unsolved task in the student version) must still pass with the solutions
    errors = [(k, out.get("ename"), out.get("evalue")) for k, cell in enumerate(nb.cells)
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, f"{path.name}: cells raised {errors}"
