"""Latent noise, truncation, interpolation and batched generation."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.gan.models import DCGANGenerator, MLPGenerator, SAGANGenerator
from minigan.gan.sampling import (
    generate,
    interpolate,
    lerp,
    sample_latent,
    slerp,
    standing_statistics,
    truncated_normal,
)


def test_sample_latent_shapes_and_seeding():
    z = sample_latent(5, 7)
    assert z.shape == (5, 7) and z.dtype == np.float32 and z.device == "cpu"
    assert not z.requires_grad
    minigan.manual_seed(3)
    a = sample_latent(4, 3).numpy()
    minigan.manual_seed(3)
    np.testing.assert_array_equal(a, sample_latent(4, 3).numpy())
    # an explicit seed / Generator gives NumPy's standard normal draw
    expected = np.random.default_rng(11).standard_normal((4, 3), dtype=np.float32)
    np.testing.assert_array_equal(sample_latent(4, 3, generator=11).numpy(), expected)
    np.testing.assert_array_equal(
        sample_latent(4, 3, generator=np.random.default_rng(11)).numpy(), expected)
    with pytest.raises(ValueError, match="latent_dim"):
        sample_latent(4, 0)
    with pytest.raises(TypeError, match="generator"):
        sample_latent(4, 3, generator="seed")


def _truncated_std(t):
    """Standard deviation of N(0, 1) truncated to [-t, t]."""
    pdf = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(t / math.sqrt(2))
    return math.sqrt(1 - 2 * t * pdf / mass)


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_truncated_normal_bounds_and_distribution(threshold):
    z = truncated_normal(20000, 4, threshold, generator=0).numpy()
    assert z.shape == (20000, 4) and z.dtype == np.float32
    assert np.abs(z).max() <= threshold
    assert abs(z.mean()) < 0.02
    assert abs(z.std() - _truncated_std(threshold)) < 0.01
    # redrawn values are spread over the whole interval, not piled at the edges
    assert np.abs(z).max() > 0.99 * threshold


def test_truncated_normal_is_seeded_and_checks_threshold():
    np.testing.assert_array_equal(truncated_normal(10, 3, 1.0, generator=5).numpy(),
                                  truncated_normal(10, 3, 1.0, generator=5).numpy())
    minigan.manual_seed(1)
    a = truncated_normal(10, 3, 1.0).numpy()
    minigan.manual_seed(1)
    np.testing.assert_array_equal(a, truncated_normal(10, 3, 1.0).numpy())
    for bad in (0, -1.0, "1"):
        with pytest.raises(ValueError, match="threshold"):
            truncated_normal(10, 3, bad)


def test_slerp_endpoints_and_constant_norm():
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(64).astype(np.float32)
    z1 = rng.standard_normal(64).astype(np.float32)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)  # equal norms
    np.testing.assert_allclose(slerp(z0, z1, 0.0), z0, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(slerp(z0, z1, 1.0), z1, rtol=1e-6, atol=1e-6)
    ts = np.linspace(0, 1, 9)
    path = slerp(z0, z1, ts)
    assert path.shape == (9, 64) and path.dtype == np.float32
    norms = np.linalg.norm(path, axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(z0), rtol=1e-5)
    # the straight line sags toward the origin in the middle
    mid_lerp = lerp(z0, z1, 0.5)
    assert np.linalg.norm(mid_lerp) < 0.9 * np.linalg.norm(z0)
    # equal angles to both ends at t = 1/2, and angles grow linearly in t
    def angle(a, b):
        return np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))
    omega = angle(z0, z1)
    for t, p in zip(ts, path):
        assert abs(angle(z0, p) - t * omega) < 1e-3


def test_slerp_parallel_falls_back_to_lerp_and_batches():
    z0 = np.array([1.0, 2.0, 3.0], np.float32)
    for z1 in (2 * z0, z0.copy()):
        out = slerp(z0, z1, np.array([0.0, 0.25, 1.0]))
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out, lerp(z0, z1, [0.0, 0.25, 1.0]), rtol=1e-6)
    a = minigan.randn(5, 4)
    b = minigan.randn(5, 4)
    out = slerp(a, b, [0.0, 0.5, 1.0])
    assert isinstance(out, minigan.Tensor) and out.shape == (3, 5, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy()[0], a.numpy(), atol=1e-6)
    np.testing.assert_allclose(out.numpy()[2], b.numpy(), atol=1e-6)
    for i in range(5):  # each row interpolates on its own
        np.testing.assert_allclose(out.numpy()[1, i], slerp(a.numpy()[i], b.numpy()[i], 0.5),
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        slerp(np.zeros(3), np.zeros(4), 0.5)


def test_generate_batches_restores_mode_and_leaves_state_alone():
    G = DCGANGenerator(latent_dim=8, image_size=8, ngf=4)
    G.train()
    G(minigan.randn(16, 8))  # give batch norm some running statistics
    buffers = {k: v.numpy().copy() for k, v in G.state_dict().items()}
    out = generate(G, 11, batch_size=4)
    assert out.shape == (11, 1, 8, 8) and out.dtype == np.float32
    assert not out.requires_grad and out.grad_fn is None
    assert G.training and all(m.training for m in G.modules())
    for k, v in G.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), buffers[k], err_msg=k)
    # batches do not matter in eval mode: one batch gives the same samples
    a = generate(G, 6, batch_size=6, generator=3).numpy()
    b = generate(G, 6, batch_size=2, generator=3).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    G.eval()
    generate(G, 2)
    assert not G.training  # eval stays eval


def test_generate_truncation_and_spectral_norm_state():
    G = SAGANGenerator(latent_dim=8, image_size=8, ngf=8)
    u = {k: v.numpy().copy() for k, v in G.state_dict().items() if k.endswith("_u")}
    assert u
    out = generate(G, 5, truncation=0.5, generator=0)
    assert out.shape == (5, 1, 8, 8)
    for k, v in G.state_dict().items():
        if k in u:
            np.testing.assert_array_equal(v.numpy(), u[k])  # no power iteration in eval mode
    with pytest.raises(ValueError, match="latent_dim"):
        generate(nn.Linear(2, 2), 3)
    assert generate(nn.Linear(2, 3), 4, latent_dim=2).shape == (4, 3)


def test_interpolate_endpoints():
    G = MLPGenerator(3, 2)
    z0, z1 = minigan.randn(3), minigan.randn(3)
    path = interpolate(G, z0, z1, steps=5)
    assert path.shape == (5, 2)
    with minigan.no_grad():
        ends = G(minigan.stack([z0, z1])).numpy()
    np.testing.assert_allclose(path.numpy()[[0, -1]], ends, rtol=1e-5, atol=1e-6)
    lin = interpolate(G, z0, z1, steps=5, method="lerp")
    np.testing.assert_allclose(lin.numpy()[[0, -1]], ends, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="method"):
        interpolate(G, z0, z1, method="cubic")
    with pytest.raises(ValueError, match=r"\(3,\)"):
        interpolate(G, minigan.randn(4), minigan.randn(4))


def test_truncated_normal_follows_the_truncated_density():
    from scipy import stats

    t = 1.0
    z = truncated_normal(4000, 5, t, generator=2).numpy().astype(np.float64).ravel()
    # resampling, not clipping: a Kolmogorov-Smirnov test against N(0,1) truncated to [-t, t]
    assert stats.kstest(z, stats.truncnorm(-t, t).cdf).pvalue > 1e-3
    assert stats.kstest(np.clip(np.random.default_rng(2).standard_normal(z.size), -t, t),
                        stats.truncnorm(-t, t).cdf).pvalue < 1e-6  # clipping would fail it


class _BNGenerator(nn.Module):
    """z -> Linear -> BatchNorm1d -> Tanh -> Linear: batch statistics decide each output."""

    latent_dim = 3

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 5)
        self.bn = nn.BatchNorm1d(5)
        self.out = nn.Linear(5, 2)

    def forward(self, z):
        return self.out(self.bn(self.fc(z)).tanh())


def test_standing_statistics_are_cumulative_batch_averages():
    G = _BNGenerator()
    with minigan.no_grad():  # training-time running stats that standing stats must replace
        G.bn.running_mean.fill_(7.0)
    standing_statistics(G, n_batches=6, batch_size=16, generator=3)
    assert not G.training and not G.bn.training and G.bn.momentum == 0.1
    rng = np.random.default_rng(3)
    means, variances = [], []
    for _ in range(6):
        h = G.fc(minigan.tensor(rng.standard_normal((16, 3), dtype=np.float32))).detach().numpy()
        means.append(h.mean(0))
        variances.append(h.var(0, ddof=1))
    np.testing.assert_allclose(G.bn.running_mean.numpy(), np.mean(means, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(G.bn.running_var.numpy(), np.mean(variances, 0), rtol=1e-5)
    assert int(G.bn.num_batches_tracked.item()) == 6


def test_standing_statistics_make_a_sample_independent_of_its_batch():
    G = _BNGenerator()
    z = minigan.randn(1, 3)
    others = [minigan.randn(7, 3), minigan.randn(31, 3) * 3.0]
    # in training mode (batch statistics) the same z gives different outputs in different batches
    G.train()
    with minigan.no_grad():
        a, b = (G(minigan.cat([z, o]))[0].numpy() for o in others)
    assert np.abs(a - b).max() > 1e-3
    standing_statistics(G, n_batches=20, batch_size=32, generator=0)
    with minigan.no_grad():
        alone = G(z)[0].numpy()
        for o in others:
            np.testing.assert_allclose(G(minigan.cat([z, o]))[0].numpy(), alone, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(G(minigan.cat([o, z]))[-1].numpy(), alone, rtol=1e-5, atol=1e-6)


def test_standing_statistics_checks_its_input():
    with pytest.raises(ValueError, match="no BatchNorm"):
        standing_statistics(MLPGenerator(3, 2, hidden=(4,)), n_batches=2)
    with pytest.raises(ValueError, match="batch_size"):
        standing_statistics(_BNGenerator(), batch_size=1)
    with pytest.raises(ValueError, match="n_batches"):
        standing_statistics(_BNGenerator(), n_batches=0)


def test_standing_statistics_on_dcgan_and_truncation():
    G = DCGANGenerator(8, 1, 16, ngf=4)
    standing_statistics(G, n_batches=3, batch_size=8, truncation=1.0, generator=1)
    bns = [m for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(int(m.num_batches_tracked.item()) == 3 for m in bns)
    x = generate(G, 4, batch_size=2, generator=0)
    assert x.shape == (4, 1, 16, 16) and np.all(np.isfinite(x.numpy()))
