"""Nearest training neighbours, the side-by-side plot, class balance."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigan
from minigan.backend import xp_for
from minigan.metrics import class_balance, nearest_neighbours, plot_nearest_neighbours


def brute_force(samples, train, k):
    from scipy.spatial.distance import cdist

    d = cdist(samples.reshape(len(samples), -1), train.reshape(len(train), -1))
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(d, idx, axis=1)


@pytest.mark.parametrize("k,batch_size", [(1, 1024), (3, 7), (5, 1)])
def test_matches_brute_force(k, batch_size):
    rng = np.random.default_rng(0)
    samples, train = rng.random((23, 2, 3, 3)), rng.random((40, 2, 3, 3))
    idx, dist = nearest_neighbours(samples, train, k=k, batch_size=batch_size)
    ref_idx, ref_dist = brute_force(samples, train, k)
    assert idx.shape == dist.shape == (23, k)
    assert idx.dtype == np.int64 and dist.dtype == np.float64
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-10)
    assert np.all(np.diff(dist, axis=1) >= 0)


def test_copied_training_images_are_found_at_distance_zero():
    rng = np.random.default_rng(1)
    train = rng.random((100, 28, 28)).astype(np.float32)
    picks = np.array([5, 77, 0, 99])
    idx, dist = nearest_neighbours(train[picks], train, batch_size=16)
    np.testing.assert_array_equal(idx[:, 0], picks)
    assert np.all(dist < 1e-6)


def test_ties_go_to_the_lower_training_index():
    a, b = np.array([1.0, 2.0]), np.array([5.0, 5.0])
    train = np.stack([b, a, b, a])
    idx, dist = nearest_neighbours(a[None], train, k=3, batch_size=1)
    np.testing.assert_array_equal(idx, [[1, 3, 0]])
    assert dist[0, 0] == dist[0, 1] == 0.0


def test_devices_and_tensors(device):
    rng = np.random.default_rng(2)
    samples, train = rng.random((9, 6)), rng.random((30, 6))
    ref_idx, ref_dist = nearest_neighbours(samples, train, k=2)
    xp = xp_for(device)
    idx, dist = nearest_neighbours(minigan.tensor(samples, device=device), xp.asarray(train), k=2)
    assert isinstance(idx, np.ndarray) and isinstance(dist, np.ndarray)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-10)


def test_nearest_neighbours_rejects_bad_input():
    a = np.zeros((4, 3))
    for k in (0, 5, 1.0):
        with pytest.raises(ValueError, match="k must be"):
            nearest_neighbours(a, a, k=k)
    with pytest.raises(ValueError, match="same number of features"):
        nearest_neighbours(a, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="batch_size"):
        nearest_neighbours(a, a, batch_size=0)


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(3)
    train = rng.random((50, 1, 12, 12))
    samples = train[:8] + 0.05 * rng.normal(size=(8, 1, 12, 12))
    path = plot_nearest_neighbours(samples, train, tmp_path / "nn.png", n=8, k=2)
    data = (tmp_path / "nn.png").read_bytes()
    assert path == tmp_path / "nn.png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    plot_nearest_neighbours(samples.reshape(8, 144), train.reshape(50, 144), tmp_path / "flat.png", n=3)
    assert (tmp_path / "flat.png").stat().st_size > 0
    with pytest.raises(ValueError, match="image_shape"):
        plot_nearest_neighbours(np.zeros((4, 10)), np.zeros((5, 10)), tmp_path / "x.png", n=2)
    with pytest.raises(ValueError, match="n must be"):
        plot_nearest_neighbours(samples, train, tmp_path / "x.png", n=9)


def test_class_balance_from_labels():
    fractions, kl = class_balance(np.repeat(np.arange(10), 7))
    np.testing.assert_allclose(fractions, np.full(10, 0.1))
    assert kl == pytest.approx(0.0, abs=1e-9)
    fractions, kl = class_balance(np.full(30, 4))
    assert fractions[4] == 1.0 and fractions.sum() == 1.0
    assert kl == pytest.approx(math.log(10), rel=1e-9)
    fractions, kl = class_balance(np.array([0, 0, 1, 2]), num_classes=3)
    np.testing.assert_allclose(fractions, [0.5, 0.25, 0.25])
    assert kl == pytest.approx(0.5 * math.log(1.5) + 0.5 * math.log(0.75), rel=1e-9)


def test_class_balance_from_probabilities():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    fractions, _ = class_balance(probs, num_classes=3)
    np.testing.assert_allclose(fractions, [0.5, 0.25, 0.25])
    fractions, kl = class_balance(probs, num_classes=3, soft=True)
    np.testing.assert_allclose(fractions, probs.mean(axis=0))
    assert kl == pytest.approx(float(np.sum(fractions * np.log(3 * fractions))), rel=1e-9)


def test_class_balance_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        class_balance(np.array([0, 10]))
    with pytest.raises(ValueError, match="integers"):
        class_balance(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"\(N, 10\)"):
        class_balance(np.ones((4, 3)) / 3)
    with pytest.raises(ValueError, match="probabilities"):
        class_balance(np.ones((4, 3)), num_classes=3, soft=True)
    with pytest.raises(ValueError, match="num_classes"):
        class_balance(np.array([0]), num_classes=0)
    with pytest.raises(ValueError, match="at least one"):
        class_balance(np.array([], dtype=np.int64))
