"""Parzen-window log-likelihood against direct formulas; bandwidth selection; batching."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigan
from minigan.backend import xp_for
from minigan.metrics import (from_tanh_range, parzen_evaluate, parzen_log_likelihood,
                             select_sigma)
from minigan.metrics.parzen import DEFAULT_SIGMAS


def naive_log_densities(samples, test, sigma):
    """log mean_i N(x; s_i, sigma^2 I), one explicit loop per test point."""
    from scipy.stats import multivariate_normal

    out = []
    for x in test:
        dens = [multivariate_normal.pdf(x, mean=s, cov=sigma**2 * np.eye(len(s))) for s in samples]
        out.append(math.log(np.mean(dens)))
    return np.array(out)


def test_one_dimensional_matches_scipy_norm():
    from scipy.stats import norm

    rng = np.random.default_rng(0)
    samples, test, sigma = rng.normal(size=(20, 1)), rng.normal(size=(15, 1)), 0.3
    expected = np.log(norm.pdf(test, loc=samples.T, scale=sigma).mean(axis=1))
    mean, stderr = parzen_log_likelihood(samples, test, sigma)
    assert mean == pytest.approx(expected.mean(), rel=1e-12)
    assert stderr == pytest.approx(expected.std() / math.sqrt(15), rel=1e-10)


def test_two_dimensional_matches_explicit_loop():
    rng = np.random.default_rng(1)
    samples, test, sigma = rng.normal(size=(12, 2)), rng.normal(size=(9, 2)), 0.5
    expected = naive_log_densities(samples, test, sigma)
    mean, stderr = parzen_log_likelihood(samples, test, sigma, batch_size=5)
    assert mean == pytest.approx(expected.mean(), rel=1e-12)
    assert stderr == pytest.approx(expected.std() / 3.0, rel=1e-10)


def test_single_sample_far_away_does_not_underflow():
    # exp(-d^2 / (2 sigma^2)) = exp(-5000) is 0.0 in float64: a naive
    # density would give log 0 = -inf; the log-sum-exp gives the exact value.
    sample, x, sigma, d = np.zeros((1, 3)), np.array([[1.0, 0.0, 0.0]]), 0.01, 3
    mean, _ = parzen_log_likelihood(sample, x, sigma)
    expected = -1.0 / (2 * sigma**2) - 0.5 * d * math.log(2 * math.pi * sigma**2)
    assert mean == pytest.approx(expected, rel=1e-12)


def test_batching_does_not_change_the_result():
    rng = np.random.default_rng(2)
    samples, test = rng.random((53, 5)), rng.random((41, 5))
    results = [parzen_log_likelihood(samples, test, 0.2, batch_size=b) for b in (1, 7, 16, 1000)]
    for r in results[1:]:
        assert r[0] == pytest.approx(results[0][0], rel=1e-12)
        assert r[1] == pytest.approx(results[0][1], rel=1e-9)


def test_float32_input_is_computed_in_float64():
    rng = np.random.default_rng(3)
    # Far from the origin and a small bandwidth: float32 arithmetic would lose
    # the distances entirely (|x|^2 ~ 1e6 against d^2 ~ 1e-3).
    samples = (1000.0 + 0.05 * rng.normal(size=(30, 4))).astype(np.float32)
    test = (1000.0 + 0.05 * rng.normal(size=(20, 4))).astype(np.float32)
    got = parzen_log_likelihood(samples, test, 0.03)
    as64 = parzen_log_likelihood(samples.astype(np.float64), test.astype(np.float64), 0.03)
    assert got == pytest.approx(as64, rel=1e-12)
    expected = naive_log_densities(samples.astype(np.float64), test.astype(np.float64), 0.03)
    assert got[0] == pytest.approx(expected.mean(), rel=1e-9)


def test_images_are_flattened():
    rng = np.random.default_rng(4)
    samples, test = rng.random((10, 1, 4, 4)), rng.random((6, 1, 4, 4))
    assert parzen_log_likelihood(samples, test, 0.3) == parzen_log_likelihood(
        samples.reshape(10, 16), test.reshape(6, 16), 0.3)


def test_select_sigma_recovers_the_generating_bandwidth():
    # Validation points drawn from the Parzen density itself (a sample centre
    # plus N(0, sigma0^2 I) noise): maximum likelihood should pick sigma0.
    rng = np.random.default_rng(5)
    sigma0 = float(DEFAULT_SIGMAS[4])
    samples = rng.uniform(-10, 10, size=(50, 2))
    centres = samples[rng.integers(0, 50, size=3000)]
    validation = centres + sigma0 * rng.normal(size=centres.shape)
    best = select_sigma(samples, validation)
    assert best == pytest.approx(sigma0)

    test = samples[rng.integers(0, 50, size=500)] + sigma0 * rng.normal(size=(500, 2))
    result = parzen_evaluate(samples, validation, test)
    assert result["sigma"] == best
    assert (result["mean"], result["stderr"]) == parzen_log_likelihood(samples, test, best)


def test_devices_and_tensors(device):
    rng = np.random.default_rng(6)
    samples, test = rng.random((25, 3)), rng.random((10, 3))
    expected = parzen_log_likelihood(samples, test, 0.2)
    xp = xp_for(device)
    assert parzen_log_likelihood(xp.asarray(samples), xp.asarray(test), 0.2) == pytest.approx(expected)
    t = minigan.tensor(samples, device=device)
    assert parzen_log_likelihood(t, xp.asarray(test), 0.2) == pytest.approx(expected)
    assert select_sigma(t, xp.asarray(test), sigmas=[0.1, 0.2]) in (0.1, 0.2)


def test_from_tanh_range():
    np.testing.assert_allclose(from_tanh_range(np.array([-1.0, 0.0, 1.0])), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        from_tanh_range(np.array([0.0, 2.0]))


def test_bad_inputs_are_rejected():
    a, b = np.zeros((5, 3)), np.zeros((4, 3))
    for sigma in (0.0, -1.0, np.inf, [0.1, 0.2]):
        with pytest.raises(ValueError, match="sigma"):
            parzen_log_likelihood(a, b, sigma)
    with pytest.raises(ValueError, match="same dimension"):
        parzen_log_likelihood(a, np.zeros((4, 2)), 0.1)
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        parzen_log_likelihood(np.zeros(5), b, 0.1)
    with pytest.raises(ValueError, match="batch_size"):
        parzen_log_likelihood(a, b, 0.1, batch_size=0)
    with pytest.raises(ValueError, match="NaN"):
        parzen_log_likelihood(a, b * np.nan, 0.1)
    with pytest.raises(ValueError, match="sigma"):
        select_sigma(a, b, sigmas=[])
