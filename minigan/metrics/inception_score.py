"""Inception Score from a classifier's class probabilities.

Salimans et al. 2016, "Improved Techniques for Training GANs":

    IS = exp( E_x KL( p(y|x) || p(y) ) ),    p(y) = E_x p(y|x)

High when each generated sample is classified confidently (low-entropy
p(y|x)) and the samples together cover many classes (high-entropy p(y)). It
lies in [1, K] for K classes: K when every sample is a confident, distinct
class in equal shares; 1 when every sample gets the same distribution.

As in the reference code, the N samples are cut into ``splits`` consecutive
chunks, the score is computed per chunk (with that chunk's own marginal p(y)),
and the mean and standard deviation (``ddof=0``) over chunks are reported. The
score depends on the classifier: "Inception Score" proper uses Inception-v3 on
ImageNet classes; an MNIST classifier gives a score in [1, 10] that is only
comparable with other scores from the same classifier. It does not look at
real data at all, so it cannot see a generator that ignores intra-class
variety (memorising one image per class scores the maximum).
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from ._arrays import as_float64, check_finite

#: How far a row of ``probs`` may be from summing to 1 (float32 softmax outputs
#: are off by ~1e-7; more than this means the input is not probabilities).
ROW_SUM_TOLERANCE = 1e-3


def _log_softmax(x, xp):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))


def _logsumexp_rows(log_p, xp):
    """log sum_n exp(log_p[n, k]) over axis 0, safe when a column is all -inf."""
    m = log_p.max(axis=0)
    m_safe = xp.where(xp.isfinite(m), m, 0.0)
    # np.errstate quiets NumPy's log(0) warning (an all-zero column is a
    # legitimate -inf); CuPy never warns, so it needs no equivalent.
    with_zero = xp.exp(log_p - m_safe).sum(axis=0)
    with np.errstate(divide="ignore"):
        return xp.log(with_zero) + m_safe


def _check_2d(arr, name):
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must have shape (N, K): one row of K class scores per sample, got shape "
            f"{tuple(arr.shape)}"
        )
    if arr.shape[1] < 2:
        raise ValueError(f"{name} needs at least 2 classes (K >= 2), got shape {tuple(arr.shape)}")


def _log_probs(probs, logits):
    """float64 log p(y|x) from exactly one of probs / logits (-inf where p = 0)."""
    if (probs is None) == (logits is None):
        raise ValueError("pass exactly one of probs= or logits=")
    if logits is not None:
        z = as_float64(logits, "logits")
        _check_2d(z, "logits")
        check_finite(z, "logits")
        xp = get_array_module(z)
        return _log_softmax(z, xp), xp
    p = as_float64(probs, "probs")
    _check_2d(p, "probs")
    check_finite(p, "probs")
    xp = get_array_module(p)
    if bool((p < 0).any()) or bool((p > 1).any()):
        raise ValueError("probs must lie in [0, 1]; to pass raw classifier outputs use logits=")
    row_error = float(xp.abs(p.sum(axis=1) - 1.0).max())
    if row_error > ROW_SUM_TOLERANCE:
        raise ValueError(
            f"each row of probs must sum to 1 (a distribution over classes); a row is off by "
            f"{row_error:.3g}. Apply softmax first, or pass logits= instead"
        )
    with np.errstate(divide="ignore"):
        return xp.log(p), xp


def inception_score(probs=None, splits: int = 10, *, logits=None):
    """Inception Score ``(mean, std)`` over ``splits`` chunks of the samples.

    For each chunk of n rows, with p_ik = p(y = k | x_i) and the chunk marginal
    p_k = (1/n) sum_i p_ik:

        IS_chunk = exp( (1/n) sum_i sum_k p_ik (log p_ik - log p_k) )

    Terms with p_ik = 0 contribute 0 (the limit of p log p), so one-hot
    probabilities are exact. Computed in float64; from ``logits`` the logs come
    from a log-softmax and log p_k from a log-sum-exp, so nothing underflows.

    Args:
        probs: (N, K) class probabilities, rows summing to 1 (NumPy or CuPy).
        splits: number of consecutive chunks, 1 <= splits <= N. Chunk i holds
            rows ``[i*N//splits, (i+1)*N//splits)`` as in the reference code.
        logits: (N, K) unnormalised class scores, instead of ``probs``.

    Returns:
        ``(mean, std)`` of the per-chunk scores, Python floats; std uses
        ``ddof=0`` (the reference code's ``np.std``), 0.0 when splits == 1.
    """
    log_p, xp = _log_probs(probs, logits)
    n = log_p.shape[0]
    if isinstance(splits, bool) or not isinstance(splits, int) or not 1 <= splits <= n:
        raise ValueError(f"splits must be an int with 1 <= splits <= N = {n}, got {splits!r}")
    scores = []
    for i in range(splits):
        chunk = log_p[i * n // splits:(i + 1) * n // splits]
        p = xp.exp(chunk)
        log_marginal = _logsumexp_rows(chunk, xp) - math.log(chunk.shape[0])
        # p_ik > 0 implies p_k > 0, so the masked terms are the only non-finite ones.
        with np.errstate(invalid="ignore"):
            terms = xp.where(p > 0, p * (chunk - log_marginal), 0.0)
        scores.append(math.exp(float(terms.sum(axis=1).mean())))
    mean = sum(scores) / splits
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / splits)
    return mean, std
