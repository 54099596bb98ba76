"""PyTorch GAN scripts run on minigan with only their import lines changed.

One script per pattern of the well-known collections (see ``scripts.py``):
an MLP GAN, the official DCGAN example, WGAN with weight clipping, WGAN-GP
(``autograd.grad(..., only_inputs=True)``), LSGAN (``MSELoss``, ``Dropout2d``)
and a conditional GAN (``Embedding``, ``LongTensor`` labels). Each must run a
few iterations with finite losses; where torch is installed, the same text
runs with torch too and both must agree on everything but the numbers
(batches, shapes, dtypes).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from .scripts import SCRIPTS, to_minigan

ROOT = Path(__file__).resolve().parents[2]


def _run(source: str, name: str) -> dict:
    namespace = {"__name__": "__main__"}
    with warnings.catch_warnings():
        # Variable's (and torch's) deprecation notes: expected, not the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace["results"]


def _check_finite(results: dict):
    for key in ("d_loss", "g_loss"):
        assert results[key], f"no {key} recorded"
        assert all(math.isfinite(v) for v in results[key]), results[key]


def test_only_import_lines_change():
    for name, source in SCRIPTS.items():
        before, after = source.splitlines(), to_minigan(source).splitlines()
        assert len(before) == len(after)
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert changed, name
        for a, b in changed:
            assert a.lstrip().startswith(("import torch", "from torch")), (name, a)
            assert "minigan" in b and "torch" not in b.replace("as torch", ""), (name, b)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_runs_on_minigan(name):
    results = _run(to_minigan(SCRIPTS[name]), name)
    _check_finite(results)
    # 40 samples in batches of 16: PyTorch's DataLoader keeps the last, partial batch
    assert results["batch_sizes"] == [16, 16, 8]
    assert len(results["d_loss"]) == 3


def test_wgan_clip_keeps_weights_clipped():
    results = _run(to_minigan(SCRIPTS["wgan_clip"]), "wgan_clip")
    assert max(results["max_weight"]) <= 0.01 + 1e-7


def test_wgan_gp_penalty_is_positive():
    results = _run(to_minigan(SCRIPTS["wgan_gp"]), "wgan_gp")
    assert all(gp > 0 for gp in results["gp"])


def test_cgan_labels_are_int64():
    results = _run(to_minigan(SCRIPTS["cgan"]), "cgan")
    assert results["label_dtypes"] == ["int64"] * 3
    assert results["sample_shape"] == (9, 1, 8, 8)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_torch(name):
    pytest.importorskip("torch")
    ours = _run(to_minigan(SCRIPTS[name]), name)
    theirs = _run(SCRIPTS[name], name)
    _check_finite(theirs)
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key in ("d_loss", "g_loss", "gp", "max_weight"):
            assert len(ours[key]) == len(value), key
        else:
            assert ours[key] == value, key


def test_dcgan_runs_as_a_standalone_program(tmp_path):
    """A fresh interpreter, the script file as ``__main__``: nothing set up by pytest."""
    script = tmp_path / "dcgan.py"
    script.write_text(to_minigan(SCRIPTS["dcgan_official"]) + "\nprint('done', results['gen_shape'])\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "done (16, 1, 16, 16)" in proc.stdout
    assert "Loss_D:" in proc.stdout
