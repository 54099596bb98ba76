"""The shape of minigan.gan: one short updater per algorithm over a short
loop, tricks as hooks, one family table, arrays through the public API."""
import pathlib
import re

import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.gan import families, models
from minigan.gan.trainer import FAMILIES, TrainConfig, Trainer
from minigan.gan.updaters import (BEGANUpdater, EBGANUpdater, GradientPenaltyUpdater, LogitUpdater,
                                  Trick, Updater, UpdaterConfig, WGANUpdater, ema_update,
                                  updater_for)
from minigan.gan.updaters.tricks import Tricks

GAN = pathlib.Path(__file__).resolve().parents[2] / "minigan" / "gan"
LINE_BUDGET = 80


@pytest.mark.parametrize("module", ["base", "logit", "wgan", "wgan_gp", "ebgan"])
def test_the_loop_and_each_updater_fit_the_line_budget(module):
    path = GAN / "updaters" / f"{module}.py"
    lines = len(path.read_text().splitlines())
    assert lines <= LINE_BUDGET, f"{path.name} has {lines} lines (budget {LINE_BUDGET}, docstrings included)"


def test_gan_code_uses_the_public_array_api():
    """Tensor.from_array / .array and in-place methods, never Tensor._wrap or ._data."""
    offenders = [f"{p.relative_to(GAN)}:{i}" for p in sorted(GAN.rglob("*.py"))
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\._wrap\b|\._data\b", line)]
    assert offenders == []


def test_one_family_table_drives_models_trainer_and_updaters():
    assert tuple(families.FAMILIES) == models.FAMILIES == tuple(FAMILIES)
    for name, family in families.FAMILIES.items():
        assert FAMILIES[name] is family.defaults
        assert updater_for(TrainConfig(model=name).updater_config()) is family.updater, name
        for kind, latent in family.latent.items():
            assert models.DEFAULT_LATENT_DIM[kind][name] == latent
        assert ("2d" in family.latent) == (family.toy is not None)
    assert families.FAMILIES["wgan"].updater is WGANUpdater
    assert families.FAMILIES["wgan-gp"].updater is GradientPenaltyUpdater
    assert families.FAMILIES["began"].updater is BEGANUpdater
    assert families.FAMILIES["ebgan"].updater is EBGANUpdater
    assert families.FAMILIES["sagan"].updater is LogitUpdater


def test_updater_for_follows_the_objective_and_the_constraint():
    assert updater_for(UpdaterConfig(loss="hinge")) is LogitUpdater
    assert updater_for(UpdaterConfig(loss="nonsaturating", penalty="dragan")) is GradientPenaltyUpdater
    assert updater_for(UpdaterConfig(loss="wasserstein", clip=0.01)) is WGANUpdater
    assert updater_for(UpdaterConfig(loss="ebgan")) is EBGANUpdater


@pytest.mark.parametrize("bad, match", [
    (dict(loss="wasserstein", clip=0.01, gp_weight=10.0), "choose one"),
    (dict(loss="began", penalty="dragan"), "autoencoder"),
    (dict(loss="ebgan", clip=0.01), "autoencoder"),
    (dict(loss="began", feature_matching=True), "feature_matching"),
])
def test_settings_no_updater_can_honour_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        UpdaterConfig(**bad).validate()


class _Recorder(Trick):
    name = "recorder"

    def __init__(self):
        self.calls = []

    def __getattribute__(self, name):
        attr = object.__getattribute__(self, name)
        hooks = ("begin", "fake_for_d", "perturb", "skip_d", "d_penalty", "after_d_step", "g_loss",
                 "g_penalty", "after_g_step", "repeat_g", "log_d", "log_g")
        if name in hooks:
            calls = object.__getattribute__(self, "calls")

            def record(*args):
                calls.append(name)
                return attr(*args)
            return record
        return attr


def test_tricks_are_called_at_fixed_points_of_the_loop():
    G, D = nn.Linear(2, 2), nn.Linear(2, 1)
    u = Updater(G, D, optim.SGD(G.parameters(), lr=0.1), optim.SGD(D.parameters(), lr=0.1), 2,
                UpdaterConfig(n_disc=2))
    rec = _Recorder()
    u.tricks = Tricks([rec])
    log = u.step(lambda: mg.ones(4, 2))
    d_step = ["fake_for_d", "perturb", "perturb", "skip_d", "d_penalty", "after_d_step"]
    g_step = ["perturb", "g_loss", "g_penalty", "after_g_step"]
    assert rec.calls == ["begin", *d_step, *d_step, "log_d", *g_step, "repeat_g", "log_g"]
    assert {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm"} <= set(log)


def test_ema_update_is_the_exponential_moving_average_of_the_weights():
    G, G_ema = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    with mg.no_grad():
        G.weight.fill_(2.0)
        G.running_mean.fill_(5.0)
    ema_update(G_ema, G, 0.75)
    np.testing.assert_allclose(G_ema.weight.detach().numpy(), 0.75 * 1.0 + 0.25 * 2.0)
    np.testing.assert_array_equal(G_ema.running_mean.numpy(), 5.0)  # buffers are copied


def test_the_trainer_tunes_the_process_when_a_run_starts(tmp_path, monkeypatch):
    from minigan import fast

    calls = []
    monkeypatch.setattr(fast, "tune_process", lambda: calls.append(1) or {})
    t = Trainer(TrainConfig(model="gan", data="ring8", steps=1, batch_size=8, out=str(tmp_path),
                            progress=False, model_options=dict(g_hidden=(8,), d_hidden=(8,))))
    assert calls == []  # building a trainer changes nothing in the process
    t.run()
    assert calls == [1]
