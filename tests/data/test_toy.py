"""The 2-D toy distributions: shapes, seeding, and statistics near their modes."""
import numpy as np
import pytest

import minigan
from minigan.data import ToyDataset, mode_centers, toy

N = 40_000


def _assign(points, centers):
    """Index of the nearest centre and the distance to it, per point."""
    d = np.linalg.norm(points[:, None, :].astype(np.float64) - centers[None], axis=2)
    return d.argmin(axis=1), d.min(axis=1)


@pytest.mark.parametrize("name", toy.TOY_NAMES)
def test_sample_shape_dtype_and_seeding(name):
    x = toy.sample(name, 100, 3)
    assert x.shape == (100, 2) and x.dtype == np.float32
    assert np.array_equal(x, toy.sample(name, 100, 3))
    assert not np.array_equal(x, toy.sample(name, 100, 4))
    assert np.array_equal(x, toy.sample(name, 100, np.random.default_rng(3)))
    assert toy.sample(name, 0, 0).shape == (0, 2)


def test_none_draws_from_minigan_seed():
    minigan.manual_seed(7)
    a = toy.sample("ring8", 50)
    minigan.manual_seed(7)
    assert np.array_equal(a, toy.sample("ring8", 50))


def test_mode_centers_ring8():
    centers, std = mode_centers("ring8")
    assert centers.dtype == np.float64 and centers.shape == (8, 2) and std == 0.02
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0)
    angles = np.sort(np.mod(np.arctan2(centers[:, 1], centers[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)


def test_mode_centers_grid25():
    centers, std = mode_centers("grid25")
    assert centers.dtype == np.float64 and centers.shape == (25, 2) and std == 0.05
    expected = {(a, b) for a in (-4.0, -2.0, 0.0, 2.0, 4.0) for b in (-4.0, -2.0, 0.0, 2.0, 4.0)}
    assert {tuple(c) for c in centers} == expected


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_mixture_statistics(name):
    centers, std = mode_centers(name)
    x = toy.sample(name, N, 0)
    mode, dist = _assign(x, centers)
    # Every point sits within 6 sigma of a centre (2-D Rayleigh tail: ~1e-8).
    assert dist.max() < 6 * std
    counts = np.bincount(mode, minlength=len(centers))
    expected = N / len(centers)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    for k in range(len(centers)):
        pts = x[mode == k].astype(np.float64)
        np.testing.assert_allclose(pts.mean(axis=0), centers[k], atol=5 * std / np.sqrt(len(pts)))
        np.testing.assert_allclose(pts.std(axis=0), std, rtol=0.15)


def _distance_to_curve(points, curve):
    """Distance from each point to the nearest of the densely sampled curve points."""
    d2 = ((points[:, None, :] - curve[None]) ** 2).sum(axis=2)
    return np.sqrt(d2.min(axis=1))


def test_swiss_roll_statistics():
    x = toy.sample("swiss_roll", N, 0).astype(np.float64)
    r = np.linalg.norm(x, axis=1)
    # t ~ U(1.5 pi, 4.5 pi), radius t / 7.5: mean 3 pi / 7.5, range [0.63, 1.89].
    assert abs(r.mean() - 3 * np.pi / 7.5) < 0.01
    assert np.quantile(r, 0.001) > 0.5 and np.quantile(r, 0.999) < 2.05
    # Points scatter around the curve (t cos t, t sin t) / 7.5 with per-axis
    # noise 0.25 / 7.5 = 0.033, so the median distance to it is about 0.67 of that.
    t = np.linspace(1.5 * np.pi, 4.5 * np.pi, 4000)
    curve = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 7.5
    dist = _distance_to_curve(x[:2000], curve)
    assert 0.01 < np.median(dist) < 0.03


def test_spiral_statistics():
    x = toy.sample("spiral", N, 0).astype(np.float64)
    r = np.linalg.norm(x, axis=1)
    # theta = 3 pi sqrt(u): mean radius 3 pi (2/3) / 3 = 2 pi / 3, max pi.
    assert abs(r.mean() - 2 * np.pi / 3) < 0.02
    assert np.quantile(r, 0.999) < np.pi + 0.4
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.05)  # two mirrored arms
    # Both arms +-theta (-cos theta, sin theta) / 3, per-axis noise 0.1.
    theta = np.linspace(0, 3 * np.pi, 3000)
    arm = np.stack([-theta * np.cos(theta), theta * np.sin(theta)], axis=1) / 3
    dist = _distance_to_curve(x[:2000], np.concatenate([arm, -arm]))
    assert 0.04 < np.median(dist) < 0.09
    # Both arms get half the points: the sign of the nearer arm splits them evenly.
    near_first = _distance_to_curve(x[:2000], arm) < _distance_to_curve(x[:2000], -arm)
    assert abs(near_first.mean() - 0.5) < 0.05


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="ring8, grid25, swiss_roll, spiral"):
        toy.sample("ring9", 3)
    with pytest.raises(ValueError, match="expected one of ring8, grid25"):
        mode_centers("spiral")


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be"):
        toy.sample("ring8", -1)
    with pytest.raises(ValueError, match="n must be"):
        toy.sample("ring8", 2.5)
    with pytest.raises(TypeError, match="rng_or_seed"):
        toy.sample("ring8", 3, np.random.RandomState(0))
    with pytest.raises(ValueError, match="non-negative"):
        toy.sample("ring8", 3, -1)


def test_toy_dataset():
    ds = ToyDataset("grid25", n=1000, seed=1)
    assert ds.data.shape == (1000, 2) and ds.data.dtype == np.float32
    assert ds.labels is None and ds.shape == (2,) and ds.kind == "2d" and len(ds) == 1000
    assert np.array_equal(ds.data, toy.sample("grid25", 1000, 1))
    np.testing.assert_array_equal(ds.centers, mode_centers("grid25")[0])
    assert ds.std == 0.05
    assert ds.sample(5, 0).shape == (5, 2)
    spiral = ToyDataset("spiral", n=10, seed=0)
    assert spiral.centers is None and spiral.std is None
