"""Lesson 9's GPU branch, run on the CuPy stand-in: the kernel starts with
``MINIGAN_CUPY=minigan.testing.cupy_standin``, so minigan sees a "GPU"
that keeps CuPy's rules, and every cell written for a GPU runs."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "09_gpu.ipynb"


@pytest.mark.slow
def test_lesson_9_gpu_branch_runs_on_the_standin(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for var, value in (("MINIGAN_SMALL_LESSONS", "1"), ("MPLBACKEND", "Agg"), ("OPENBLAS_NUM_THREADS", "1"),
                       ("OMP_NUM_THREADS", "1"), ("MINIGAN_CUPY", "minigan.testing.cupy_standin")):
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    nb = nbformat.read(LESSON, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(LESSON.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
        pytest.fail(f"{LESSON.name} on the CuPy stand-in failed:\n{plain}", pytrace=False)
    text = "\n".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                     for out in cell.get("outputs", []))
    assert "GPU available" in text and "No GPU available" not in text
    assert "same result on both devices: True" in text
    assert "pairwise_sq_distances is right on ['cpu', 'cuda']" in text
    m = re.search(r"logs (\d+) numbers: (\d+) reads from the device, (\d+) copies", text)
    assert m and int(m.group(2)) <= int(m.group(1)) and int(m.group(3)) == 1, text
