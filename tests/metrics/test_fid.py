"""Fréchet distance: known answers, the two square-root routes, the sqrtm rules."""
from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import minigan
from minigan.backend import xp_for
from minigan.metrics import feature_statistics, fid_from_features, frechet_distance
from minigan.metrics import fid as fid_module

METHODS = ["sqrtm", "eigh"]


def random_spd(rng, d, ridge=0.1):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + ridge * np.eye(d)


def test_import_minigan_loads_neither_scipy_nor_matplotlib():
    code = (
        "import sys, minigan, minigan.metrics; "
        "bad = [m for m in ('scipy', 'matplotlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_identity_covariances_give_squared_mean_shift_2048():
    d = 2048
    mu1, mu2 = np.ones(d), np.zeros(d)
    eye = np.eye(d)
    assert frechet_distance(mu1, eye, mu2, eye, method="eigh") == pytest.approx(2048.0, rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_identity_covariances_give_squared_mean_shift(method):
    d = 256  # sqrtm of a 2048 x 2048 matrix takes seconds; the 2048 case runs with eigh above
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    eye = np.eye(d)
    expected = float(((mu1 - mu2) ** 2).sum())
    assert frechet_distance(mu1, eye, mu2, eye, method=method) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_one_dimensional_gaussians(method):
    # N(0, 1) vs N(1, 4): 1^2 + 1 + 4 - 2 * sqrt(1 * 4) = 2
    assert frechet_distance(0.0, 1.0, 1.0, 4.0, method=method) == 2.0
    assert frechet_distance(np.zeros(1), np.eye(1), np.ones(1), 4 * np.eye(1), method=method) == 2.0


@pytest.mark.parametrize("method", METHODS)
def test_commuting_covariances_closed_form(method):
    # Diagonal covariances commute: FD = |dmu|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.1, 3.0, size=20), rng.uniform(0.1, 3.0, size=20)
    mu1, mu2 = rng.normal(size=20), rng.normal(size=20)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    got = frechet_distance(mu1, np.diag(a), mu2, np.diag(b), method=method)
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("d", [2, 17, 64])
def test_routes_agree_on_random_spd(d):
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_spd(rng, d), random_spd(rng, d)
    a = frechet_distance(mu1, s1, mu2, s2, method="sqrtm")
    b = frechet_distance(mu1, s1, mu2, s2, method="eigh")
    assert abs(a - b) < 1e-6
    assert frechet_distance(mu1, s1, mu1, s1, method="eigh") == pytest.approx(0.0, abs=1e-9)


def test_distance_is_symmetric():
    rng = np.random.default_rng(3)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    s1, s2 = random_spd(rng, 5), random_spd(rng, 5)
    for method in METHODS:
        assert frechet_distance(mu1, s1, mu2, s2, method=method) == pytest.approx(
            frechet_distance(mu2, s2, mu1, s1, method=method), rel=1e-9)


def test_feature_statistics_matches_numpy_and_is_float64():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(50, 6)).astype(np.float32)
    mu, sigma = feature_statistics(f)
    assert mu.dtype == np.float64 and sigma.dtype == np.float64
    np.testing.assert_allclose(mu, f.astype(np.float64).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(f.astype(np.float64), rowvar=False), rtol=1e-12)


def test_same_distribution_fid_shrinks_with_n():
    # The estimator is biased upwards by ~O(D / N): more samples, smaller FID.
    d = 8
    rng = np.random.default_rng(5)
    mean, chol = rng.normal(size=d), np.linalg.cholesky(random_spd(rng, d, ridge=0.5))

    def draw(n):
        return mean + rng.normal(size=(n, d)) @ chol.T

    scores = [np.mean([fid_from_features(draw(n), draw(n)) for _ in range(3)]) for n in (100, 1000, 10000)]
    assert scores[0] > scores[1] > scores[2] > 0
    assert scores[2] < 0.02


@pytest.mark.parametrize("method", METHODS)
def test_fid_from_samples_approaches_the_analytic_value(method):
    rng = np.random.default_rng(6)
    f1 = rng.normal(0.0, 1.0, size=(200_000, 1))
    f2 = rng.normal(1.0, 2.0, size=(200_000, 1))
    assert fid_from_features(f1, f2, method=method) == pytest.approx(2.0, abs=0.03)


def test_rank_deficient_covariances_drop_small_imaginary_part():
    # Fewer samples than dimensions: singular covariances, and sqrtm returns
    # a complex result whose imaginary part is rounding noise.
    from scipy import linalg

    rng = np.random.default_rng(7)
    f1, f2 = rng.normal(size=(10, 64)), rng.normal(size=(10, 64))
    (mu1, s1), (mu2, s2) = feature_statistics(f1), feature_statistics(f2)
    raw = linalg.sqrtm(s1 @ s2)
    assert np.iscomplexobj(raw) and 0 < np.abs(np.diagonal(raw).imag).max() < 1e-3
    a = frechet_distance(mu1, s1, mu2, s2, method="sqrtm")
    b = frechet_distance(mu1, s1, mu2, s2, method="eigh")
    assert np.isfinite(a) and a == pytest.approx(b, rel=1e-5)


def test_large_imaginary_part_raises():
    # Not a covariance (negative eigenvalue): sqrtm(C1 C2) has i on its diagonal.
    bad = np.diag([-1.0, 1.0])
    with pytest.raises(ValueError, match="imaginary component"):
        frechet_distance(np.zeros(2), bad, np.zeros(2), np.eye(2), method="sqrtm")
    with pytest.raises(ValueError, match="negative eigenvalue"):
        frechet_distance(np.zeros(2), bad, np.zeros(2), np.eye(2), method="eigh")


def test_non_finite_sqrtm_retries_with_offset(monkeypatch):
    from scipy import linalg

    real_sqrtm = linalg.sqrtm
    seen = []

    def flaky_sqrtm(a, *args, **kwargs):
        assert not args and not kwargs, "sqrtm must be called without the deprecated disp argument"
        seen.append(a.copy())
        if len(seen) == 1:
            return np.full_like(a, np.inf)
        return real_sqrtm(a)

    monkeypatch.setattr(linalg, "sqrtm", flaky_sqrtm)
    s1, s2 = np.diag([1.0, 2.0]), np.diag([3.0, 4.0])
    with pytest.warns(RuntimeWarning, match="adding"):
        got = frechet_distance(np.zeros(2), s1, np.zeros(2), s2, method="sqrtm", eps=1e-6)
    assert len(seen) == 2
    np.testing.assert_allclose(seen[1], (s1 + 1e-6 * np.eye(2)) @ (s2 + 1e-6 * np.eye(2)))
    expected = (1 - np.sqrt(3)) ** 2 + (np.sqrt(2) - 2) ** 2
    assert got == pytest.approx(expected, abs=1e-5)


def test_non_finite_after_retry_raises(monkeypatch):
    from scipy import linalg

    monkeypatch.setattr(linalg, "sqrtm", lambda a: np.full_like(a, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="not finite"):
            frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))


def test_bad_inputs_are_rejected():
    eye = np.eye(3)
    with pytest.raises(ValueError, match="method"):
        frechet_distance(np.zeros(3), eye, np.zeros(3), eye, method="svd")
    with pytest.raises(ValueError, match="same length"):
        frechet_distance(np.zeros(3), eye, np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="sigma2 must have shape"):
        frechet_distance(np.zeros(3), eye, np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.zeros(3), eye * np.nan, np.zeros(3), eye)
    with pytest.raises(ValueError, match="same feature dimension"):
        fid_from_features(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        feature_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        feature_statistics(np.zeros(5))


def test_accepts_tensors_and_devices(device):
    rng = np.random.default_rng(8)
    f1, f2 = rng.normal(size=(40, 4)), rng.normal(1.0, 1.5, size=(30, 4))
    expected = fid_from_features(f1, f2)
    xp = xp_for(device)
    assert fid_from_features(xp.asarray(f1), xp.asarray(f2)) == pytest.approx(expected, rel=1e-10)
    t1 = minigan.tensor(f1.astype(np.float32), device=device)
    t2 = minigan.tensor(f2.astype(np.float32), device=device)
    assert fid_from_features(t1, t2, method="eigh") == pytest.approx(expected, rel=1e-5)
    mu, sigma = feature_statistics(xp.asarray(f1))
    assert type(mu) is type(xp.asarray(f1))  # statistics stay on the features' device
    assert fid_module.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)
