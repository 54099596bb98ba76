"""The trainer's run folder and its EMA generator: overrides on resume reach
the optimizers, rewrites are atomic, G_ema warms up and carries batch-norm
statistics of its own."""
from __future__ import annotations

import json

import numpy as np
import pytest

import minigan as mg
from minigan.gan.trainer import RESUME_OVERRIDES, TrainConfig, Trainer
from minigan.serialization import CheckpointError


def _config(tmp_path, **kw):
    base = dict(model="gan", data="ring8", steps=4, batch_size=16, out=str(tmp_path / "run"), progress=False,
                log_every=1, sample_every=1000, checkpoint_every=2)
    base.update(kw)
    return TrainConfig(**base)


def _lrs(opt):
    return [g["lr"] for g in opt.param_groups]


def test_resume_applies_new_learning_rates_to_the_optimizers(tmp_path):
    Trainer(_config(tmp_path)).run()
    t = Trainer.resume(str(tmp_path / "run"), steps=6, lr=1e-5)
    assert _lrs(t.opt_G) == [1e-5] and _lrs(t.opt_D) == [1e-5]
    t = Trainer.resume(str(tmp_path / "run"), steps=6, lr_g=3e-5, betas=(0.0, 0.9))
    assert _lrs(t.opt_G) == [3e-5] and _lrs(t.opt_D) == [1e-3]  # D keeps its rate (the 2-D default)
    assert all(g["betas"] == (0.0, 0.9) for g in t.opt_G.param_groups)
    t.run()
    saved = mg.load(tmp_path / "run" / "checkpoint.npz")
    assert saved["config"]["lr_g"] == 3e-5
    assert [g["lr"] for g in saved["opt_G"]["param_groups"]] == [3e-5]


def test_resume_refuses_overrides_it_cannot_apply(tmp_path):
    Trainer(_config(tmp_path)).run()
    with pytest.raises(TypeError, match="learning_rate"):
        Trainer.resume(str(tmp_path / "run"), learning_rate=1e-3)
    for field, value in (("latent_dim", 4), ("batch_size", 8), ("model", "wgan"), ("seed", 3)):
        with pytest.raises(ValueError, match=field):
            Trainer.resume(str(tmp_path / "run"), **{field: value})
    assert "lr" in RESUME_OVERRIDES


def test_resume_rewrites_the_log_atomically(tmp_path, monkeypatch):
    t = Trainer(_config(tmp_path, steps=10, checkpoint_every=4))
    t.run(until=6)
    path = tmp_path / "run" / "metrics.jsonl"
    before = path.read_text()
    import minigan.gan.trainer as trainer_module

    calls = []

    def dumps_then_die(obj, *a, **k):  # killed in the middle of the rewrite
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return json.dumps(obj, *a, **k)

    monkeypatch.setattr(trainer_module.json, "dumps", dumps_then_die)
    with pytest.raises(KeyboardInterrupt):
        Trainer.resume(str(tmp_path / "run"))
    monkeypatch.undo()
    assert path.read_text() == before  # the old log, whole
    assert sorted(p.name for p in (tmp_path / "run").iterdir() if p.name.startswith(".")) == []
    r = Trainer.resume(str(tmp_path / "run"))
    r.run()
    steps = [json.loads(x)["step"] for x in path.read_text().splitlines() if "d_loss" in x]
    assert steps == list(range(1, 11))


@pytest.mark.parametrize("damage", ["no config", "config not a dict", "unknown config key", "no G",
                                    "G not a dict"])
def test_a_checkpoint_of_the_wrong_shape_is_a_checkpoint_error(tmp_path, damage):
    Trainer(_config(tmp_path)).run()
    path = tmp_path / "run" / "checkpoint.npz"
    state = dict(mg.load(path))
    if damage == "no config":
        del state["config"]
    elif damage == "config not a dict":
        state["config"] = [1, 2]
    elif damage == "unknown config key":
        state["config"] = {**state["config"], "colour": "red"}
    elif damage == "no G":
        del state["G"]
    else:
        state["G"] = 3
    mg.save(state, path)
    with pytest.raises(CheckpointError, match="checkpoint.npz"):
        Trainer.resume(str(tmp_path / "run"))


# ------------------------------------------------------------------ the EMA generator
def test_ema_decay_warms_up():
    t = Trainer.__new__(Trainer)
    t.config, t.step = TrainConfig(ema_decay=0.999), 0
    assert t.ema_decay(0) == pytest.approx(0.1)
    assert t.ema_decay(600) == pytest.approx(601 / 610)
    assert t.ema_decay(10 ** 6) == 0.999
    # after the README's 600-step demo, the initial weights' share of G_ema
    share = np.prod([t.ema_decay(s) for s in range(600)])
    assert share < 1e-6 < 0.999 ** 600


def test_ema_follows_g_after_a_short_run(tmp_path):
    t = Trainer(_config(tmp_path, steps=30, checkpoint_every=1000))
    init = [p.detach().numpy().copy() for p in t.G_ema.parameters()]
    t.run()
    for pe, p, p0 in zip(t.G_ema.parameters(), t.G.parameters(), init):
        # much nearer the trained G than the initialisation
        pe, p = pe.detach().numpy(), p.detach().numpy()
        assert np.abs(pe - p).mean() < 0.5 * np.abs(p0 - p).mean()


def test_g_ema_has_batch_norm_statistics_of_its_own(tmp_path):
    from minigan.gan.trainer import _batch_norms

    t = Trainer(_config(tmp_path, model="dcgan", data="digits", steps=3, batch_size=8, checkpoint_every=3))
    t.run(until=2)
    state = mg.random.get_rng_state()
    t.refresh_ema_statistics()
    assert json.dumps(mg.random.get_rng_state()) == json.dumps(state)  # the training stream is untouched
    own, raw = _batch_norms(t.G_ema), _batch_norms(t.G)
    assert own
    for a, b in zip(own, raw):
        assert not np.allclose(a.running_var.numpy(), b.running_var.numpy())
    # the statistics are those of G_ema's own outputs: one batch-statistics pass agrees roughly
    # with the standing estimate, and they hold across the checkpoint
    t.run()
    saved = mg.load(tmp_path / "run" / "checkpoint.npz")["G_ema"]
    for name, v in t.G_ema.state_dict().items():
        np.testing.assert_array_equal(saved[name].numpy(), v.numpy())
    first = own[0]
    mean = first.running_mean.numpy()
    assert np.all(np.isfinite(mean)) and np.all(first.running_var.numpy() > 0)


def test_sampling_g_ema_is_in_eval_mode_and_repeatable(tmp_path):
    t = Trainer(_config(tmp_path, model="dcgan", data="digits", steps=3, batch_size=8, checkpoint_every=3))
    t.run()
    a, b = t.generate(10, ema=True), t.generate(10, ema=True)
    np.testing.assert_array_equal(a, b)
    # evaluation mode: a sample does not depend on the batch it is drawn in
    small = t.generate(10, ema=True, batch_size=5)
    np.testing.assert_allclose(small, a, atol=1e-5)
    assert all(m.training for m in t.G_ema.modules())  # flags put back
