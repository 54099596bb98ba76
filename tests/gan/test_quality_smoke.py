"""benchmarks/quality.py: the parts that change what a row measures (data
normalisation, the scored generator, the lr decay) on tiny runs."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from minigan.data.toy import mode_centers, sample
from minigan.gan.trainer import TrainConfig, Trainer

QUALITY = Path(__file__).resolve().parents[2] / "benchmarks" / "quality.py"


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("quality_under_test", QUALITY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _trainer(row, tmp_path):
    cfg = TrainConfig(model=row.model, data=row.data, steps=2, out=str(tmp_path), progress=False,
                      log_every=1, sample_every=100, checkpoint_every=100, **row.config)
    return Trainer(cfg)


def test_normalised_toy_rows_are_scored_in_the_data_units(quality, tmp_path, monkeypatch):
    row = quality.ROWS["wgan-gp-grid25"]
    assert row.data_scale == pytest.approx(2.828)  # gan_toy.py's divisor for the 25 Gaussians
    trainer = _trainer(row, tmp_path)
    before = np.array(trainer.data)
    quality._normalise(trainer, row.data_scale)
    assert trainer.data.dtype == np.float32
    np.testing.assert_allclose(trainer.data * row.data_scale, before, rtol=1e-6)

    # a generator that reproduces the data in the normalised plane must score like the data
    real = sample("grid25", 2500, 0)

    def perfect_generator(n, ema=True):
        assert ema == row.eval_ema
        return real[:n] / np.float32(row.data_scale)

    monkeypatch.setattr(trainer, "generate", perfect_generator)
    figures = quality._evaluate(trainer, row)
    assert figures["modes_captured"] == 25
    assert figures["high_quality"] > 0.97  # 0.989 expected for 3 std in 2-D


def test_unscaled_rows_score_the_raw_samples(quality, tmp_path, monkeypatch):
    row = quality.ROWS["gan-ring8"]
    assert row.data_scale is None
    trainer = _trainer(row, tmp_path)
    centers, _ = mode_centers("ring8")
    monkeypatch.setattr(trainer, "generate", lambda n, ema=True: np.repeat(centers[:1], n, axis=0))
    figures = quality._evaluate(trainer, row)
    assert figures["modes_captured"] == 1 and figures["high_quality"] == 1.0


def test_quick_run_decays_the_learning_rate_and_reports(quality, monkeypatch):
    import minigan.gan.trainer as trainer_module  # run_one imports Trainer from here

    seen = []

    class Spy(trainer_module.Trainer):
        def run(self, until=None):
            seen.append(self.opt_G.param_groups[0]["lr"])
            return super().run(until)

    monkeypatch.setattr(trainer_module, "Trainer", Spy)
    result = quality.run_one("gan-ring8", seed=0, budget_s=600.0, out=None, quick=True)
    assert result["steps"] == 60 and len(result["evals"]) == 3
    assert seen[0] == pytest.approx(1e-3, rel=1e-2)
    assert all(b < a for a, b in zip(seen, seen[1:]))  # linear in the elapsed budget
    summary = quality.summarise(result)
    assert set(summary) == {"modes_captured", "high_quality", "kl_to_uniform"}
    assert "gan on ring8" in quality.report([result])
