"""Training tricks in the updater and the trainer: each one's defining property,
its checks, and exact resumption of the state it keeps."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.gan.trainer import TrainConfig, Trainer
from minigan.gan.updaters import ReplayBuffer, Updater, UpdaterConfig


class _G(nn.Module):
    """G(z) = Linear(z) (2-D points), optionally conditional: + 10 * y on both coordinates."""

    latent_dim = 2

    def __init__(self, num_classes=None):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        if num_classes is not None:
            self.num_classes = num_classes
        self.labels_seen = []

    def forward(self, z, y=None):
        out = self.lin(z)
        if y is not None:
            self.labels_seen.append(y.numpy().copy())
            out = out + y.float().reshape(-1, 1) * 10.0
        return out


class _D(nn.Module):
    """A linear logit that records every batch it is shown; features(x) = x."""

    def __init__(self, conditional=False):
        super().__init__()
        self.lin = nn.Linear(2, 1)
        self.seen, self.labels_seen = [], []
        self.conditional = conditional

    def forward(self, x, y=None):
        assert (y is not None) == self.conditional
        self.seen.append(x.detach().numpy().copy())
        if y is not None:
            self.labels_seen.append(y.numpy().copy())
        return self.lin(x)

    def features(self, x, y=None):
        return x * 1.0


class _AE(nn.Module):
    """An 'autoencoder' D: reconstruction w * x + b, features x."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(mg.tensor([0.5, 0.5]))
        self.b = nn.Parameter(mg.tensor([0.0, 0.0]))

    def forward(self, x):
        return x * self.w + self.b

    def features(self, x):
        return x * 1.0


class _AEWithHidden(_AE):
    """... whose encoder's last hidden layer is (x, -x)."""

    def hidden(self, x):
        return mg.cat([x, -x], dim=1)


def _updater(G=None, D=None, batch_size=8, **kw):
    G, D = G or _G(), D or _D()
    return Updater(G, D, optim.Adam(G.parameters(), lr=1e-2), optim.Adam(D.parameters(), lr=1e-2), 2,
                   UpdaterConfig(**kw), batch_size=batch_size)


def _real(n=8, value=5.0):
    return lambda: mg.full((n, 2), value)


def _flat(module):
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def test_d_sees_real_and_fake_batches_separately():
    u = _updater()
    u.step(_real(value=1000.0))  # real points far from anything G makes
    d_calls = u.D.seen[:2]  # the D step: one call on reals, one on fakes
    assert np.all(d_calls[0] == 1000.0) and np.all(np.abs(d_calls[1]) < 100)
    assert all(len(x) == 8 for x in u.D.seen)


def test_replay_buffer_mixes_half_old_samples_and_keeps_its_capacity():
    mg.manual_seed(0)
    buf = ReplayBuffer(capacity=6, fraction=0.5)
    first = mg.full((4, 2), 1.0)
    x, _ = buf.mix(first)  # empty pool: the batch is all fresh, and fills it
    assert np.all(x.numpy() == 1.0) and len(buf) == 4
    x, _ = buf.mix(mg.full((4, 2), 2.0))  # 2 old (value 1) + 2 fresh (value 2)
    assert sorted(x.numpy()[:, 0]) == [1.0, 1.0, 2.0, 2.0] and len(buf) == 6
    for v in (3.0, 4.0, 5.0):
        buf.mix(mg.full((4, 2), v))
    assert len(buf) == 6 and buf.data.shape == (6, 2)  # fresh ones replace random slots
    assert {5.0} <= set(buf.data[:, 0])
    restored = ReplayBuffer(6, 0.5)
    restored.load_state_dict(buf.state_dict())
    np.testing.assert_array_equal(restored.data, buf.data)
    with pytest.raises(ValueError, match="fraction"):
        ReplayBuffer(6, 1.0)


def test_replay_buffer_in_the_updater_feeds_d_old_fakes():
    u = _updater(replay_size=2, replay_fraction=0.5)
    u.step(_real())
    replay = u.tricks["replay"].buffer
    assert len(replay) == 8
    before = replay.data[:8].copy()
    u.D.seen.clear()
    u.step(_real())
    fake_for_d = u.D.seen[1]
    old_rows = [r for r in fake_for_d if any(np.array_equal(r, b) for b in before)]
    assert len(old_rows) == 4  # half of D's fake batch came from the pool
    assert len(replay) == 12


def test_adaptive_schedule_skips_d_and_repeats_g():
    u = _updater(d_threshold=1e9, g_threshold=-1e9, max_g_steps=3)
    d0 = _flat(u.D)
    log = u.step(_real())
    np.testing.assert_array_equal(_flat(u.D), d0)  # D's loss is below the threshold: no update
    assert log["d_skipped"] == 1.0 and log["g_steps"] == 3.0
    u2 = _updater(d_threshold=-1e9, g_threshold=1e9, max_g_steps=3)
    log = u2.step(_real())
    assert log["d_skipped"] == 0.0 and log["g_steps"] == 1.0
    with pytest.raises(ValueError, match="max_g_steps"):
        UpdaterConfig(g_threshold=1.0).validate()


def test_instance_noise_is_annealed_linearly_and_reaches_d():
    u = _updater(instance_noise=0.4)
    noise = u.tricks["instance_noise"]
    assert noise.std(0.0) == pytest.approx(0.4)
    assert noise.std(0.5) == pytest.approx(0.2)
    assert noise.std(1.0) == 0.0
    u.step(_real(n=4000, value=5.0), progress=0.5)
    noisy_real = u.D.seen[0]
    assert abs(noisy_real.std() - 0.2) < 0.01 and abs(noisy_real.mean() - 5.0) < 0.02
    u.D.seen.clear()
    u.step(_real(n=4000, value=5.0), progress=1.0)
    assert np.all(u.D.seen[0] == 5.0)


def test_feature_matching_trains_g_on_the_feature_mean_gap():
    G = _G()
    with mg.no_grad():  # G(z) = (5, 5) for every z: the mean of the reals, though none of their spread
        G.lin.weight.zero_()
        G.lin.bias.fill_(5.0)
    u = _updater(G=G, feature_matching=True)
    g0 = _flat(G)
    log = u.step(_real(value=5.0))
    assert log["g_loss"] == 0.0 and log["g_grad_norm"] == 0.0
    np.testing.assert_array_equal(_flat(G), g0)  # nothing to match, nothing to learn
    with mg.no_grad():
        G.lin.bias.fill_(1.0)
    log = u.step(_real(value=5.0))
    assert log["g_loss"] == pytest.approx(2 * 4.0 ** 2, rel=1e-5)  # ||(5, 5) - (1, 1)||^2
    with pytest.raises(ValueError, match="features"):
        _updater(D=nn.Linear(2, 1), feature_matching=True)


def test_historical_averaging_keeps_a_running_mean_of_each_players_parameters():
    u = _updater(hist_weight=0.1, hist_on="both")
    g_seen, d_seen = [_flat(u.G)], [_flat(u.D)]
    for _ in range(3):
        u.step(_real())
        g_seen.append(_flat(u.G))
        d_seen.append(_flat(u.D))
    h = u.tricks["history"].averages
    assert h["G"].count == 4 and h["D"].count == 4
    np.testing.assert_allclose(np.concatenate([m.ravel() for m in h["G"].means]), np.mean(g_seen, 0),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.concatenate([m.ravel() for m in h["D"].means]), np.mean(d_seen, 0),
                               rtol=1e-5, atol=1e-7)
    assert set(_updater(hist_weight=0.1, hist_on="g").tricks["history"].averages) == {"G"}


def test_orthogonal_regularisation_is_logged_and_dragan_penalty_applies():
    log = _updater(ortho_weight=1e-2, penalty="dragan").step(_real())
    assert log["ortho"] > 0 and log["gp"] >= 0 and "critic_grad_norm_x" in log
    with pytest.raises(ValueError, match="not both"):
        UpdaterConfig(gp_weight=1.0, penalty="dragan").validate()
    with pytest.raises(ValueError, match="penalty"):
        UpdaterConfig(penalty="r1").validate()


def test_ebgan_and_began_in_the_updater():
    log = _updater(D=_AE(), loss="ebgan", margin=2.0, pt_weight=0.1).step(_real(value=1.0))
    assert log["d_real"] == pytest.approx(0.25, rel=1e-5)  # energy of x = 1 reconstructed as 0.5
    assert "pt" in log
    u = _updater(D=_AE(), loss="began", began_gamma=0.5, began_lambda_k=0.01)
    log = u.step(_real(value=1.0))
    expected_k = min(max(0.0 + 0.01 * (0.5 * log["d_real"] - log["g_fake_error"]), 0.0), 1.0)
    assert u.balance.k == pytest.approx(expected_k) and log["k"] == u.balance.k
    assert log["convergence"] == pytest.approx(log["d_real"] + abs(0.5 * log["d_real"] - log["g_fake_error"]))
    with pytest.raises(ValueError, match="shape"):
        _updater(loss="ebgan").step(_real())  # a logit D is not an autoencoder
    with pytest.raises(ValueError, match="pt_weight"):
        UpdaterConfig(loss="hinge", pt_weight=0.1).validate()


def test_began_with_the_pulling_away_term_on_ds_hidden_layer():
    u = _updater(D=_AEWithHidden(), loss="began", pt_weight=0.5)
    log = u.step(_real(value=1.0))
    # G's objective is BEGAN's L(G(z)) plus the weighted term, and k_t still sees L(G(z)) alone
    assert 0.0 <= log["pt"] <= 1.0
    assert log["g_loss"] == pytest.approx(log["g_fake_error"] + 0.5 * log["pt"], rel=1e-5)
    assert "pt" not in _updater(D=_AEWithHidden(), loss="began").step(_real(value=1.0))
    with pytest.raises(ValueError, match="D.hidden"):
        _updater(D=_AE(), loss="began", pt_weight=0.5)


def test_conditional_updater_passes_labels_to_both_networks():
    G, D = _G(num_classes=3), _D(conditional=True)
    u = _updater(G=G, D=D)
    labels = mg.tensor(np.array([0, 1, 2, 0, 1, 2, 0, 1]))
    u.step(lambda: (mg.full((8, 2), 5.0), labels))
    np.testing.assert_array_equal(D.labels_seen[0], labels.numpy())  # reals keep their labels
    fake_labels = np.concatenate(G.labels_seen)
    assert fake_labels.dtype == np.int64 and set(fake_labels) <= {0, 1, 2}
    with pytest.raises(ValueError, match="labels"):
        u.step(_real())


# ---------------------------------------------------------------- through the trainer

def _config(tmp_path, **kw):
    base = dict(steps=1, batch_size=16, out=str(tmp_path / "run"), progress=False, log_every=1,
                sample_every=1000, checkpoint_every=1000, model="gan", data="ring8",
                model_options=dict(g_hidden=(32, 32), d_hidden=(32, 32)))
    base.update(kw)
    return TrainConfig(**base)


def _params(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def _resume_is_exact(tmp_path, **kw):
    kw = dict(steps=6, checkpoint_every=3, seed=4, **kw)
    full = Trainer(_config(tmp_path / "a", **kw))
    full.run()
    part = Trainer(_config(tmp_path / "b", **kw))
    part.run(until=3)
    del part
    resumed = Trainer.resume(str(tmp_path / "b" / "run"))
    resumed.run()
    for name in ("G", "D", "G_ema"):
        a, b = _params(getattr(full, name)), _params(getattr(resumed, name))
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name}.{k}")
    strip = lambda h: [r for r in h if "d_loss" in r]  # noqa: E731
    assert strip(full.history) == strip(resumed.history)
    return full, resumed


def test_resume_is_exact_with_every_trick_state(tmp_path):
    full, resumed = _resume_is_exact(
        tmp_path, replay_size=2, hist_weight=0.01, instance_noise=0.1, penalty="dragan",
        d_threshold=0.5, g_threshold=0.5, max_g_steps=2, ortho_weight=1e-4, feature_matching=True,
        real_label=0.9)
    np.testing.assert_array_equal(full.updater.tricks["replay"].buffer.data,
                                  resumed.updater.tricks["replay"].buffer.data)
    for name in ("G", "D"):
        for a, b in zip(full.updater.tricks["history"].averages[name].means,
                        resumed.updater.tricks["history"].averages[name].means):
            np.testing.assert_array_equal(a, b)


def test_resume_is_exact_for_began(tmp_path):
    full, resumed = _resume_is_exact(tmp_path, model="began", model_options={})
    assert full.updater.balance.k == resumed.updater.balance.k
    assert "k" in full.history[-2] and "convergence" in full.history[-2]


def test_a_checkpoint_with_other_trick_state_is_refused(tmp_path):
    t = Trainer(_config(tmp_path, replay_size=2, steps=2))
    t.run()
    other = Trainer(_config(tmp_path / "other", replay_size=0, steps=2))
    with pytest.raises(RuntimeError, match="training state"):
        other.load_state(mg.load(tmp_path / "run" / "checkpoint.npz"))
    # resume refuses the change before loading anything: only rates and log
    # settings may change (Trainer.resume)
    with pytest.raises(ValueError, match="replay_size"):
        Trainer.resume(str(tmp_path / "run"), replay_size=0)


@pytest.mark.parametrize("bad, match", [
    (dict(penalty="r1"), "penalty"), (dict(replay_size=-1), "replay_size"),
    (dict(replay_fraction=1.5), "replay_fraction"), (dict(hist_on="x"), "hist_on"),
    (dict(instance_noise=-0.1), "instance_noise"), (dict(model="ebgan", real_label=0.9), "real_label"),
    (dict(model="began", began_gamma=0.0), "gamma"), (dict(model="ebgan", margin=-1.0), "margin"),
    (dict(g_threshold=1.0), "max_g_steps"), (dict(ortho_weight=-1.0), "ortho_weight"),
])
def test_bad_trick_settings_are_refused(tmp_path, bad, match):
    with pytest.raises(ValueError, match=match):
        Trainer(_config(tmp_path, **bad))


def test_family_defaults_for_the_new_families():
    assert TrainConfig(model="began").updater_config().began_gamma == 0.5
    assert TrainConfig(model="began").resolved()["lr_g"] == 1e-4
    assert TrainConfig(model="ebgan").updater_config().loss == "ebgan"
    assert TrainConfig(model="ebgan", margin=3.0).updater_config().margin == 3.0


def test_conditional_training_on_digits_grid_and_accuracy(tmp_path):
    t = Trainer(_config(tmp_path, model="cgan", data="digits", steps=1, sample_every=1,
                        model_options={}, batch_size=16))
    assert t.num_classes == 10
    x, y = t.next_real()
    np.testing.assert_array_equal(y.numpy(), t.dataset.labels[t.sampler.order[:16]])
    t.run()
    assert (tmp_path / "run" / "samples.png").exists()
    np.testing.assert_array_equal(t.fixed_labels.numpy()[::8], np.arange(10))  # row i = digit i
    final = [r for r in t.history if "class_accuracy" in r][-1]
    assert 0.0 <= final["class_accuracy"] <= 1.0
    from minigan.cli import main

    assert main(["sample", str(tmp_path / "run"), "--n", "20", "--standing-stats", "2",
                 "--out", str(tmp_path / "grid.png")]) == 0  # 10 rows of 2, one class per row
    assert (tmp_path / "grid.png").exists()
    with pytest.raises(ValueError, match="no labels"):
        Trainer(_config(tmp_path / "b", model="cgan", data="ring8", model_options={}))


def test_cli_trick_flags_and_model_options(tmp_path, capsys):
    from minigan.cli import _build_parser, _model_options, main, parse_option_value

    assert parse_option_value("true") is True and parse_option_value("3") == 3
    assert parse_option_value("0.5") == 0.5 and parse_option_value("64,64") == (64, 64)
    assert parse_option_value("vbn") == "vbn"
    args = _build_parser().parse_args(["train", "dcgan", "--minibatch-discrimination", "--vbn",
                                       "--model-option", "ngf=8"])
    assert _model_options(args) == {"ngf": 8, "minibatch_discrimination": True, "g_norm": "vbn"}
    out = tmp_path / "cli"
    assert main(["train", "gan", "--data", "ring8", "--steps", "2", "--batch-size", "16", "--out", str(out),
                 "--no-progress", "--model-option", "g_hidden=16,16", "--model-option", "d_hidden=16,",
                 "--feature-matching", "--replay-size", "2", "--instance-noise", "0.1",
                 "--penalty", "dragan", "--historical-averaging", "0.01", "--ortho-weight", "1e-4",
                 "--g-threshold", "0.1"]) == 0
    c = Trainer.resume(str(out), read_only=True, progress=False).config
    assert dict(c.model_options) in ({"g_hidden": (16, 16), "d_hidden": (16,)},
                                     {"g_hidden": [16, 16], "d_hidden": [16]})
    assert (c.feature_matching, c.replay_size, c.instance_noise, c.penalty, c.max_g_steps) == \
        (True, 2, 0.1, "dragan", 3)
    with pytest.raises(SystemExit):
        main(["train", "gan", "--model-option", "nokey"])
    assert main(["sample", str(out), "--n", "6", "--truncation", "1.0", "--out", str(tmp_path / "s.png")]) == 0
    capsys.readouterr()
    # the MLP generator has no batch norm: one line, exit status 2
    assert main(["sample", str(out), "--standing-stats", "2", "--out", str(tmp_path / "t.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("minigan: --standing-stats") and "no BatchNorm" in err


def test_objective_and_discriminator_kind_must_agree(tmp_path):
    with pytest.raises(ValueError, match="one logit per sample"):
        Trainer(_config(tmp_path, model="ebgan", loss="hinge", model_options={})).run(until=1)
    with pytest.raises(ValueError, match="reconstruction"):
        Trainer(_config(tmp_path / "b", loss="began")).run(until=1)
