"""Inception Score: known answers, logits route, splits, input checks."""
from __future__ import annotations

import numpy as np
import pytest

import minigan
from minigan.backend import xp_for
from minigan.metrics import inception_score


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference_is(probs, splits):
    """The reference code's loop, with scipy.stats.entropy for the KL."""
    from scipy.stats import entropy

    n = probs.shape[0]
    scores = []
    for i in range(splits):
        part = probs[i * n // splits:(i + 1) * n // splits]
        py = part.mean(axis=0)
        scores.append(np.exp(np.mean([entropy(row, py) for row in part])))
    return np.mean(scores), np.std(scores)


def test_one_hot_uniform_over_k_classes_gives_k():
    k = 10
    probs = np.tile(np.eye(k), (20, 1))  # each chunk of 20 rows holds every class twice
    mean, std = inception_score(probs, splits=10)
    assert mean == pytest.approx(k, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)
    assert inception_score(probs, splits=1) == pytest.approx((k, 0.0), rel=1e-12, abs=1e-12)


def test_identical_rows_give_one():
    row = softmax(np.random.default_rng(0).normal(size=(1, 7)))
    probs = np.repeat(row, 50, axis=0)
    mean, std = inception_score(probs, splits=5)
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_collapsed_to_one_class_gives_one():
    probs = np.zeros((30, 10))
    probs[:, 3] = 1.0
    assert inception_score(probs, splits=3)[0] == pytest.approx(1.0, abs=1e-12)


def test_matches_reference_with_uneven_splits():
    rng = np.random.default_rng(1)
    probs = softmax(2.0 * rng.normal(size=(103, 10)))  # 103 rows: chunks of 10 and 11
    for splits in (1, 4, 10):
        mean, std = inception_score(probs, splits=splits)
        ref_mean, ref_std = reference_is(probs, splits)
        assert mean == pytest.approx(ref_mean, rel=1e-10)
        assert std == pytest.approx(ref_std, rel=1e-8, abs=1e-12)
    assert inception_score(probs, splits=4)[1] > 0


def test_logits_route_matches_probs_and_survives_extreme_logits():
    rng = np.random.default_rng(2)
    logits = 3.0 * rng.normal(size=(60, 5))
    assert inception_score(logits=logits, splits=3) == pytest.approx(
        inception_score(softmax(logits), splits=3), rel=1e-10)
    # exp(1000) overflows and softmax underflows to exact zeros: the log-space route is exact.
    big = 1000.0 * np.tile(np.eye(5), (4, 1))
    mean, std = inception_score(logits=big, splits=1)
    assert mean == pytest.approx(5.0, rel=1e-12) and np.isfinite(std)


def test_float32_tensor_and_device_inputs(device):
    rng = np.random.default_rng(3)
    probs = softmax(rng.normal(size=(40, 10))).astype(np.float32)
    expected = inception_score(probs.astype(np.float64), splits=4)
    xp = xp_for(device)
    assert inception_score(xp.asarray(probs), splits=4) == pytest.approx(expected, rel=1e-5)
    t = minigan.tensor(probs, device=device)
    assert inception_score(t, splits=4) == pytest.approx(expected, rel=1e-5)


def test_bad_inputs_are_rejected():
    probs = softmax(np.random.default_rng(4).normal(size=(20, 4)))
    with pytest.raises(ValueError, match=r"shape \(N, K\)"):
        inception_score(probs[0])
    with pytest.raises(ValueError, match=r"shape \(N, K\)"):
        inception_score(probs[None])
    with pytest.raises(ValueError, match="at least 2 classes"):
        inception_score(np.ones((20, 1)))
    with pytest.raises(ValueError, match="sum to 1"):
        inception_score(probs * 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        inception_score(probs - 0.5)
    with pytest.raises(ValueError, match="exactly one"):
        inception_score(probs, logits=probs)
    with pytest.raises(ValueError, match="exactly one"):
        inception_score()
    with pytest.raises(ValueError, match="NaN"):
        inception_score(logits=np.full((20, 4), np.nan))
    for splits in (0, 21, 2.0, True):
        with pytest.raises(ValueError, match="splits"):
            inception_score(probs, splits=splits)
