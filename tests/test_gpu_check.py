"""benchmarks/gpu_check.py, the parts that run without a GPU: its
arguments, its one-line refusal, the CPU-against-CPU loss comparison and the
section it writes into RESULTS.md."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from minigan import backend

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_arguments(gpu_check):
    args = gpu_check.parse_args([])
    assert args.steps == 20 and args.families == ["dcgan", "wgan-gp"] and not args.no_write
    args = gpu_check.parse_args(["--steps", "3", "--families", "dcgan", "--skip-tests", "--no-write"])
    assert args.steps == 3 and args.families == ["dcgan"] and args.skip_tests and args.no_write
    for bad in (["--steps", "0"], ["--families", "began"], ["--atol", "-1"]):
        with pytest.raises(SystemExit):
            gpu_check.parse_args(bad)


def test_without_a_gpu_it_says_why_in_one_line_and_exits_2(gpu_check, monkeypatch, capsys):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_checked", True)
    monkeypatch.setattr(backend, "_cupy_error", "CuPy is not installed")
    assert gpu_check.main(["--no-write"]) == 2
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("gpu_check.py: no usable GPU here")
    assert "CuPy is not installed" in out


@pytest.mark.skipif(backend.cuda_is_available(), reason="a GPU is here: the script would run")
def test_the_script_itself_exits_2_without_a_gpu():
    done = subprocess.run([sys.executable, str(SCRIPT), "--no-write"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stdout.strip().splitlines()) == 1 and "no usable GPU" in done.stdout


@pytest.mark.parametrize("family", ["dcgan", "wgan-gp"])
def test_the_loss_comparison_agrees_exactly_cpu_against_cpu(gpu_check, family):
    steps = 2 if family == "dcgan" else 1  # WGAN-GP's step is 5 critic steps with the penalty
    r = gpu_check.compare_losses(family, ("cpu", "cpu"), steps=steps, seed=1, batch_size=8)
    assert r["same_start"] and r["ok"]
    assert r["max_d"] == r["max_g"] == 0.0  # same weights, batches and noise on one device
    assert len(r["first"]) == steps and all(len(pair) == 2 for pair in r["first"])


def test_the_loss_comparison_catches_a_difference(gpu_check, monkeypatch):
    from minigan.gan.updaters import parts

    runs, noise, train = [], parts.noise, gpu_check.train_losses

    def counting(*args, **kwargs):
        runs.append(1)
        return train(*args, **kwargs)

    def skewed(n, latent_dim, like):  # the second run's noise is squared (G's batch norm
        z = noise(n, latent_dim, like)   # would undo a scale): its losses move
        return z * z if len(runs) > 1 else z

    monkeypatch.setattr(gpu_check, "train_losses", counting)
    monkeypatch.setattr(parts, "noise", skewed)
    r = gpu_check.compare_losses("dcgan", ("cpu", "cpu"), steps=1, seed=1, atol=1e-6, rtol=0.0,
                                 batch_size=8)
    assert len(runs) == 2 and not r["ok"] and r["max_d"] > 0


def test_the_results_section(gpu_check, tmp_path):
    losses = [{"family": "dcgan", "steps": 20, "first": [(1.0, 2.0)], "second": [(1.01, 2.02)],
               "max_d": 0.01, "max_g": 0.02, "same_start": True, "ok": True},
              {"family": "wgan-gp", "steps": 20, "ok": False, "error": "RuntimeError: boom"}]
    speed = {"command": "python benchmarks/speed.py --device cuda", "table": [
        "| workload | minigan ms/iter | torch ms/iter | minigan/torch |", "|---|---:|---:|---:|",
        "| dcgan | 3.0 | 2.5 | 1.20 |", "| wgan-gp | 12.0 | 6.0 | 2.00 |"],
        "notes": [], "ratios": {"dcgan": 1.2, "wgan-gp": 2.0}, "tail": []}
    tests = {"counts": {"PASSED": 600, "FAILED": 1}, "failed": ["tests/x.py::t[cuda]"], "seconds": 99,
             "cut": False}
    import datetime
    when = datetime.datetime(2026, 12, 6, 1, 2, tzinfo=datetime.timezone.utc)
    text = gpu_check.section_text(when, "NVIDIA H100 80GB HBM3", "CuPy Version : 14.2.0\nOther : x",
                                  tests, losses, speed, ["--steps", "20"])
    assert text.startswith("### 2026-12-06 01:02 UTC, NVIDIA H100 80GB HBM3")
    assert "CuPy Version : 14.2.0" in text and "Other" not in text
    assert "600 passed, 1 failed" in text and "`tests/x.py::t[cuda]`" in text
    assert "| dcgan | 1.00e-02 | 2.00e-02 | 1.0000 / 1.0100 | agree |" in text
    assert "| wgan-gp | - | - | - | FAILED: `RuntimeError: boom` |" in text
    assert "dcgan 1.20x (met), wgan-gp 2.00x (not met)" in text

    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\n## Speed\n\nold\n")
    gpu_check.write_section(results, text)
    gpu_check.write_section(results, text.replace("01:02", "03:04"))
    doc = results.read_text()
    assert doc.startswith("# Results\n\n## Speed\n\nold\n")
    assert doc.count(gpu_check.SECTION) == 1
    assert doc.index("01:02 UTC") < doc.index("03:04 UTC")  # one dated section per run, in order


def test_test_outcomes_are_counted_once(gpu_check):
    lines = ["tests/a.py::t[cuda] PASSED", "tests/a.py::u[cuda] FAILED", "tests/a.py::v[cuda] SKIPPED (no)",
             "=== short test summary info ===", "FAILED tests/a.py::u[cuda] - AssertionError",
             "=== 1 failed, 1 passed, 1 skipped in 3.0s ==="]
    counts, failed = gpu_check.count_outcomes(lines)
    assert counts == {"PASSED": 1, "FAILED": 1, "SKIPPED": 1} and failed == ["tests/a.py::u[cuda]"]
