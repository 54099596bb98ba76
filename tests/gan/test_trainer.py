"""The trainer end to end: every family steps, resumes exactly, and learns."""
import json
import os

import numpy as np
import pytest

import minigan as mg
from minigan.gan import models
from minigan.gan.trainer import FAMILIES, TrainConfig, Trainer
from minigan.metrics.modes import mode_coverage

# families whose networks models.build provides (the trainer knows the defaults of a few more)
IMAGE_FAMILIES = [f for f in FAMILIES if f in models.FAMILIES]
TOY_FAMILIES = ["gan", "wgan", "wgan-gp", "sngan"]


def _params(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def _config(tmp_path, **kw):
    base = dict(steps=1, batch_size=8, out=str(tmp_path / "run"), progress=False, log_every=1,
                sample_every=1000, checkpoint_every=1000)
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.parametrize("family", IMAGE_FAMILIES)
def test_one_step_on_images_changes_parameters(tmp_path, family):
    # steps=2, run to 1: the end-of-run evaluation (MNIST metrics) is not what this tests
    t = Trainer(_config(tmp_path, model=family, data="digits", steps=2))
    g0, d0 = _params(t.G), _params(t.D)
    t.run(until=1)
    g1, d1 = _params(t.G), _params(t.D)
    for before, after, name in ((g0, g1, "G"), (d0, d1, "D")):
        changed = [k for k in before if not np.array_equal(before[k], after[k])]
        assert changed, f"{family}: no parameter of {name} changed"
        assert all(np.all(np.isfinite(v)) for v in after.values())
    rec = [r for r in t.history if "d_loss" in r][-1]
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "wasserstein", "d_grad_norm", "g_grad_norm"):
        assert np.isfinite(rec[key])
    if family == "wgan-gp":
        assert rec["gp"] >= 0
    if family == "wgan":  # weight clipping held
        assert max(np.abs(v).max() for k, v in d1.items() if k.endswith("weight")) <= 0.01 + 1e-7


@pytest.mark.parametrize("family", TOY_FAMILIES)
def test_one_step_on_2d_data(tmp_path, family):
    t = Trainer(_config(tmp_path, model=family, data="ring8"))
    t.run(until=1)
    assert np.isfinite([r for r in t.history if "g_loss" in r][-1]["g_loss"])


def test_convolutional_families_refuse_2d_data(tmp_path):
    with pytest.raises(ValueError, match="convolutional"):
        Trainer(_config(tmp_path, model="dcgan", data="ring8"))


@pytest.mark.parametrize("bad, match", [
    (dict(steps=0), "steps"), (dict(n_disc=0), "n_disc"), (dict(lr=-1.0), "learning rate"),
    (dict(model="vae"), "unknown model"), (dict(batch_size=10**7), "larger than the dataset"),
    (dict(ema_decay=1.0), "ema_decay"), (dict(loss="l2"), "unknown loss"),
])
def test_bad_config_is_refused(tmp_path, bad, match):
    with pytest.raises(ValueError, match=match):
        Trainer(_config(tmp_path, **{"model": "gan", "data": "ring8", **bad}))


def test_outputs_are_written(tmp_path):
    t = Trainer(_config(tmp_path, model="gan", data="ring8", steps=4, sample_every=2,
                        checkpoint_every=2))
    t.run()
    out = tmp_path / "run"
    for name in ("metrics.jsonl", "metrics.csv", "checkpoint.npz", "losses.png", "samples.png",
                 "samples/step_000002.png"):
        assert (out / name).exists(), name
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines if "d_loss" in r] == [1, 2, 3, 4]
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_image_samples_are_grids(tmp_path):
    t = Trainer(_config(tmp_path, model="dcgan", data="digits", steps=1, sample_every=1))
    t.run()
    assert (tmp_path / "run" / "samples" / "step_000001.png").exists()


@pytest.mark.parametrize("family, data", [("wgan-gp", "ring8"), ("sngan", "ring8"), ("dcgan", "digits")])
def test_resume_reproduces_the_uninterrupted_run(tmp_path, family, data):
    kw = dict(model=family, data=data, steps=6, checkpoint_every=3, seed=4)
    full = Trainer(_config(tmp_path / "a", **kw))
    full.run()
    part = Trainer(_config(tmp_path / "b", **kw))
    part.run(until=3)  # the checkpoint at step 3 is the last thing it wrote
    del part
    resumed = Trainer.resume(str(tmp_path / "b" / "run"))
    assert resumed.step == 3
    resumed.run()
    for name in ("G", "D", "G_ema"):
        a, b = _params(getattr(full, name)), _params(getattr(resumed, name))
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name}.{k}")
    strip = lambda h: [r for r in h if "d_loss" in r]  # noqa: E731
    assert strip(full.history) == strip(resumed.history)


def test_resume_drops_log_lines_after_the_checkpoint(tmp_path):
    t = Trainer(_config(tmp_path, model="gan", data="ring8", steps=10, checkpoint_every=4))
    t.run(until=6)  # checkpoint at 4, lines logged up to 6
    r = Trainer.resume(str(tmp_path / "run"))
    assert [x["step"] for x in r.history] == [1, 2, 3, 4]
    r.run()
    steps = [json.loads(x)["step"] for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
             if "d_loss" in x]
    assert steps == list(range(1, 11))


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        Trainer.resume(str(tmp_path))


def test_same_seed_same_run(tmp_path):
    a = Trainer(_config(tmp_path / "a", model="gan", data="ring8", steps=3, seed=7))
    b = Trainer(_config(tmp_path / "b", model="gan", data="ring8", steps=3, seed=7))
    a.run()
    b.run()
    for k, v in _params(a.G).items():
        np.testing.assert_array_equal(v, _params(b.G)[k])


def test_short_2d_run_learns_the_ring(tmp_path):
    """A seeded 250-step WGAN-GP run (lambda 0.1, the WGAN-GP authors' toy
    setting, narrower nets) moves G's samples onto the ring and spreads them
    round it.

    Mode counts after a short run are chaotic in the rounding (the same seed
    gave 5 modes on OpenBLAS's Haswell kernel and 8 on SkylakeX), so this
    asserts coarse properties that held with a wide margin for seeds 0-3, both
    kernels and 1 or 2 threads: median distance to the circle 0.08-0.23
    (about 1.9 before training) and every one of the 8 angular sectors
    holding 10-11 % of the samples (some empty before training).
    """
    nets = dict(g_hidden=(128, 128, 128), d_hidden=(128, 128, 128))
    t = Trainer(_config(tmp_path, model="wgan-gp", data="ring8", steps=250, batch_size=128, lr=1e-3,
                        gp_weight=0.1, seed=0, log_every=50, model_options=nets))

    def ring_stats(x):
        radius_error = float(np.median(np.abs(np.linalg.norm(x, axis=1) - 2.0)))
        sector = np.round(np.arctan2(x[:, 1], x[:, 0]) / (2 * np.pi / 8)).astype(int) % 8
        return radius_error, np.bincount(sector, minlength=8) / len(x)

    before_radius, before_share = ring_stats(t.generate(2000, ema=False))
    t.run()
    radius, share = ring_stats(t.generate(2000, ema=False))
    assert before_radius > 1.0 and before_share.min() < 0.05, (before_radius, before_share)
    assert radius < 0.45, f"samples are not on the ring: median |r - 2| = {radius:.3f}"
    assert share.min() > 0.05, f"an angular sector of the ring is (nearly) empty: shares {share.round(3)}"
    final = [r for r in t.history if "modes_captured" in r][-1]
    assert final["modes_captured"] >= 1, final


def test_evaluate_scores_the_generator_asked_for(tmp_path, monkeypatch):
    """G_ema by default (its EMA warms up, so it follows a short run), the raw G with ``ema=False``."""
    t = Trainer(_config(tmp_path, model="gan", data="ring8", steps=5, seed=3))
    t.run()
    asked = []
    generate = t.generate
    monkeypatch.setattr(t, "generate", lambda n, ema=True, **kw: asked.append(ema) or generate(n, ema, **kw))
    ema, raw = t.evaluate(), t.evaluate(ema=False)
    assert asked == [True, False]
    expected = mode_coverage(generate(2500, ema=True), dataset="ring8")
    assert ema["kl_to_uniform"] == expected["kl_to_uniform"]
    assert ema == t.evaluate(ema=True)


def test_cli_train_and_sample(tmp_path, capsys):
    from minigan.cli import main

    out = tmp_path / "cli"
    assert main(["train", "gan", "--data", "ring8", "--steps", "3", "--out", str(out), "--no-progress",
                 "--batch-size", "16"]) == 0
    assert main(["sample", str(out / "checkpoint.npz"), "--n", "10", "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").exists()
    assert main(["resume", str(out), "--steps", "5", "--no-progress"]) == 0
    capsys.readouterr()
    printed = {}
    for generator in ("raw", "ema"):
        assert main(["eval", str(out), "--generator", generator]) == 0
        printed[generator] = capsys.readouterr().out
    trainer = Trainer.resume(str(out))
    for generator, ema in (("raw", False), ("ema", True)):
        kl = trainer.evaluate(ema=ema)["kl_to_uniform"]
        assert f"kl_to_uniform: {kl}" in printed[generator]
    with pytest.raises(SystemExit):
        main(["eval", str(out), "--generator", "best"])
    with pytest.raises(SystemExit):
        main(["train", "gan", "--steps", "0"])


def test_grad_norm_is_the_l2_norm_of_all_gradients():
    from minigan.gan.updaters import grad_norm

    net = mg.nn.Sequential(mg.nn.Linear(5, 4), mg.nn.ReLU(), mg.nn.Linear(4, 1))
    assert grad_norm(net) == 0.0  # no gradients yet
    net(mg.randn(8, 5)).sum().backward()
    grads = [np.asarray(p.grad, dtype=np.float64).ravel() for p in net.parameters()]
    assert grad_norm(net) == pytest.approx(np.linalg.norm(np.concatenate(grads)), rel=1e-6)
