"""2-D mode metrics: real data scores all modes, collapse scores one, noise scores ~0."""
from __future__ import annotations

import math

import numpy as np
import pytest

from minigan.metrics import kl_to_uniform, mode_coverage, mode_metrics

RING8_CENTERS = 2.0 * np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1)
GRID25_CENTERS = np.array([[x, y] for x in (-4.0, -2.0, 0.0, 2.0, 4.0) for y in (-4.0, -2.0, 0.0, 2.0, 4.0)])
MIXTURES = {"ring8": (RING8_CENTERS, 0.02), "grid25": (GRID25_CENTERS, 0.05)}
P_HIGH_QUALITY = 1.0 - math.exp(-4.5)  # P(chi^2_2 <= 3^2) = 0.98889


def draw_mixture(centers, std, n, rng):
    return centers[rng.integers(0, len(centers), size=n)] + std * rng.normal(size=(n, 2))


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_real_samples_capture_every_mode(name):
    centers, std = MIXTURES[name]
    samples = draw_mixture(centers, std, 2500, np.random.default_rng(0))
    m = mode_metrics(samples, centers, std)
    assert m["modes_captured"] == len(centers)
    # binomial standard error sqrt(0.989 * 0.011 / 2500) = 0.002
    assert m["high_quality_fraction"] == pytest.approx(P_HIGH_QUALITY, abs=0.01)
    assert m["counts"].sum() == round(m["high_quality_fraction"] * 2500)
    assert m["kl_to_uniform"] < 0.03


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_single_mode_generator_scores_exactly_one_mode(name):
    centers, std = MIXTURES[name]
    rng = np.random.default_rng(1)
    samples = centers[3] + std * rng.normal(size=(2500, 2))
    m = mode_metrics(samples, centers, std)
    assert m["modes_captured"] == 1
    assert m["counts"].argmax() == 3 and m["counts"].sum() == m["counts"][3]
    assert m["kl_to_uniform"] == pytest.approx(math.log(len(centers)), rel=1e-9)


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_uniform_noise_over_bounding_box_is_low_quality(name):
    centers, std = MIXTURES[name]
    lo, hi = centers.min(axis=0) - 3 * std, centers.max(axis=0) + 3 * std
    samples = np.random.default_rng(2).uniform(lo, hi, size=(2500, 2))
    assert mode_metrics(samples, centers, std)["high_quality_fraction"] < 0.05


def test_threshold_boundary_and_nearest_assignment():
    centers, std = RING8_CENTERS, 0.02
    samples = np.array([
        [2.05, 0.0],    # 0.05 from mode 0: within 3 std = 0.06
        [2.07, 0.0],    # 0.07: nearest is mode 0, but not high quality
        [0.0, -1.95],   # mode 6, high quality
        [0.0, 0.0],     # the centre of the ring: far from every mode
    ])
    m = mode_metrics(samples, centers, std)
    assert m["counts"].tolist() == [1, 0, 0, 0, 0, 0, 1, 0]
    assert m["modes_captured"] == 2
    assert m["high_quality_fraction"] == 0.5
    assert m["kl_to_uniform"] == pytest.approx(math.log(4))  # two of eight bins, evenly
    assert mode_metrics(samples, centers, std, threshold=4.0)["counts"][0] == 2


def test_no_high_quality_samples_gives_infinite_kl():
    m = mode_metrics(np.zeros((10, 2)), RING8_CENTERS, 0.02)
    assert m["modes_captured"] == 0 and m["high_quality_fraction"] == 0.0
    assert m["kl_to_uniform"] == math.inf


def test_kl_to_uniform():
    assert kl_to_uniform(np.ones(5)) == pytest.approx(0.0, abs=1e-9)
    assert kl_to_uniform([0, 0, 7, 0]) == pytest.approx(math.log(4), rel=1e-9)
    assert kl_to_uniform([1, 1, 0, 0]) == pytest.approx(math.log(2), rel=1e-9)
    q = np.array([0.5, 0.3, 0.2])
    assert kl_to_uniform(q) == pytest.approx(float(np.sum(q * np.log(3 * q))), rel=1e-9)
    assert kl_to_uniform(np.zeros(3)) == math.inf
    with pytest.raises(ValueError, match="non-negative"):
        kl_to_uniform([1.0, -1.0])


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_mode_coverage_uses_the_toy_datasets(name):
    from minigan.data import toy

    centers, std = toy.mode_centers(name)
    np.testing.assert_allclose(centers, MIXTURES[name][0], atol=1e-12)
    assert std == MIXTURES[name][1]
    samples = toy.sample(name, 2500, 0)
    m = mode_coverage(samples, dataset=name)
    assert m["modes_captured"] == len(centers)
    assert m["high_quality_fraction"] == pytest.approx(P_HIGH_QUALITY, abs=0.01)


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        mode_metrics(np.zeros((5, 3)), RING8_CENTERS, 0.02)
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        mode_metrics(np.zeros((5, 2)), np.zeros((8, 3)), 0.02)
    for std in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="std"):
            mode_metrics(np.zeros((5, 2)), RING8_CENTERS, std)
    with pytest.raises(ValueError, match="threshold"):
        mode_metrics(np.zeros((5, 2)), RING8_CENTERS, 0.02, threshold=0)
