"""Parzen-window (Gaussian kernel density) log-likelihood of test data.

The protocol of Goodfellow et al. 2014 ("Generative Adversarial Nets",
Table 1), after Breuleux, Bengio and Vincent 2011: a GAN has no tractable
likelihood, so fit a kernel density estimate to S generated samples s_i,

    p(x) = (1/S) sum_i N(x; s_i, sigma^2 I)

choose the bandwidth sigma that maximises the mean log-likelihood of a
validation set, and report the mean log-likelihood (and its standard error)
of the test set under that density. In D dimensions

    log p(x) = logsumexp_i( -||x - s_i||^2 / (2 sigma^2) ) - log S - (D/2) log(2 pi sigma^2)

Pixels are expected in [0, 1] (the scale of the published MNIST numbers and of
the default bandwidth grid 10^-1 ... 10^0); map generator outputs in [-1, 1]
with :func:`from_tanh_range` first. Numbers computed on other scales are not
comparable: rescaling x by c shifts every log-likelihood by -D log c.

Why the number misleads (Theis, van den Oord and Bethge 2016, "A note on the
evaluation of generative models"):

* In high dimensions a kernel density estimate needs astronomically many
  samples; with 10k samples in 784 dimensions the estimate is far from the
  model's density, and even the true data distribution's own samples score
  poorly.
* Parzen log-likelihood and sample quality are largely independent: Theis et
  al. show a model with much better Parzen log-likelihood than the published
  GANs that produces bad samples (e.g. k-means centroids or slightly blurred
  training images), and good samples with poor Parzen log-likelihood.
* The bandwidth dominates the score: it trades off the -D log sigma
  normaliser against how close test points lie to samples, so the reported
  value mostly measures nearest-sample distances at the chosen sigma.

Use it to reproduce the 2014 table, not to rank models.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from ._arrays import as_float64, as_rows, check_finite, squared_distances

#: The bandwidth grid of Goodfellow et al.'s ``parzen_ll.py`` (10 values, 0.1 .. 1).
DEFAULT_SIGMAS = np.logspace(-1, 0, 10)


def from_tanh_range(x):
    """Map generator outputs in [-1, 1] (a tanh output layer) to pixels in [0, 1]:
    ``(x + 1) / 2``. Raises when values lie clearly outside [-1, 1]."""
    arr = as_float64(x, "x")
    xp = get_array_module(arr)
    if arr.size and (float(xp.min(arr)) < -1.0 - 1e-6 or float(xp.max(arr)) > 1.0 + 1e-6):
        raise ValueError(
            f"from_tanh_range expects values in [-1, 1], got range [{float(xp.min(arr)):.3g}, "
            f"{float(xp.max(arr)):.3g}]"
        )
    return (arr + 1.0) / 2.0


def _check_sets(samples, points, points_name):
    s = as_rows(samples, "samples")
    x = as_rows(points, points_name, xp=get_array_module(s))
    if s.shape[1] != x.shape[1]:
        raise ValueError(
            f"samples and {points_name} must have the same dimension D, got {s.shape[1]} and {x.shape[1]}"
        )
    check_finite(s, "samples")
    check_finite(x, points_name)
    return s, x


def _check_sigmas(sigmas):
    sig = np.atleast_1d(np.asarray(sigmas, dtype=np.float64))
    if sig.ndim != 1 or sig.size == 0 or not np.all(np.isfinite(sig)) or np.any(sig <= 0):
        raise ValueError(f"sigma must be positive and finite, got {sigmas!r}")
    return sig


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")


def _log_densities(samples, points, sigmas, batch_size):
    """(n_points, n_sigmas) float64 Parzen log-densities, one column per bandwidth.

    Squared distances are computed once per (points block, samples block)
    and reused for every bandwidth; a running log-sum-exp over sample blocks
    keeps memory at batch_size^2 whatever S is.
    """
    xp = get_array_module(samples)
    # Distances do not change under a shift; centring keeps the
    # ||x||^2 + ||s||^2 - 2 x.s expansion from cancelling catastrophically.
    centre = samples.mean(axis=0)
    samples, points = samples - centre, points - centre
    n_samples, dim = samples.shape
    inv_two_var = xp.asarray(1.0 / (2.0 * sigmas**2))
    out = xp.empty((points.shape[0], sigmas.size), dtype=xp.float64)
    for t0 in range(0, points.shape[0], batch_size):
        x = points[t0:t0 + batch_size]
        lse = xp.full((x.shape[0], sigmas.size), -xp.inf)
        for s0 in range(0, n_samples, batch_size):
            d2 = squared_distances(x, samples[s0:s0 + batch_size], xp)
            for j in range(sigmas.size):
                a = d2 * (-inv_two_var[j])
                m = a.max(axis=1)
                block = m + xp.log(xp.exp(a - m[:, None]).sum(axis=1))
                lse[:, j] = xp.logaddexp(lse[:, j], block)
        out[t0:t0 + batch_size] = lse
    norm = math.log(n_samples) + 0.5 * dim * xp.log(2.0 * math.pi * xp.asarray(sigmas) ** 2)
    return out - norm


def parzen_log_likelihood(samples, test, sigma: float, batch_size: int = 1000):
    """Mean Parzen-window log-likelihood of ``test`` under kernels on ``samples``.

    Args:
        samples: (S, D) or (S, ...) generated samples (images are flattened),
            pixels in [0, 1]. NumPy or CuPy.
        test: (N, D) or (N, ...) data to score, same D.
        sigma: kernel bandwidth (standard deviation), > 0.
        batch_size: rows of test and of samples per block; memory is about
            ``batch_size^2`` float64s, time is one (N, D) x (D, S) matmul.

    Returns:
        ``(mean, stderr)`` of log p(x) over the N test points (nats), with
        ``stderr = std(log p) / sqrt(N)`` (``ddof=0``, as in the 2014 code).
        Computed in float64 whatever the input dtype.
    """
    sig = _check_sigmas(sigma)
    if sig.size != 1:
        raise ValueError(f"sigma must be one positive number, got {sigma!r}; use select_sigma for a grid")
    _check_batch_size(batch_size)
    s, x = _check_sets(samples, test, "test")
    ll = _log_densities(s, x, sig, batch_size)[:, 0]
    return float(ll.mean()), float(ll.std() / math.sqrt(ll.shape[0]))


def select_sigma(samples, validation, sigmas=DEFAULT_SIGMAS, batch_size: int = 1000) -> float:
    """The bandwidth in ``sigmas`` that maximises the mean validation log-likelihood.

    Args:
        samples: (S, ...) generated samples, pixels in [0, 1].
        validation: (M, ...) held-out real data (not the test set).
        sigmas: candidate bandwidths; default ``np.logspace(-1, 0, 10)``.
        batch_size: as in :func:`parzen_log_likelihood`.

    Returns:
        The best sigma as a Python float.
    """
    sig = _check_sigmas(sigmas)
    _check_batch_size(batch_size)
    s, v = _check_sets(samples, validation, "validation")
    mean_ll = _log_densities(s, v, sig, batch_size).mean(axis=0)
    if get_array_module(mean_ll) is not np:
        mean_ll = mean_ll.get()
    return float(sig[int(np.argmax(mean_ll))])


def parzen_evaluate(samples, validation, test, sigmas=DEFAULT_SIGMAS, batch_size: int = 1000) -> dict:
    """The full 2014 protocol: pick sigma on ``validation``, score ``test``.

    Returns:
        The best bandwidth ``"sigma"``, the mean test log-likelihood
        ``"mean"`` and its standard error ``"stderr"``, as a dict of Python floats.
    """
    sigma = select_sigma(samples, validation, sigmas=sigmas, batch_size=batch_size)
    mean, stderr = parzen_log_likelihood(samples, test, sigma, batch_size=batch_size)
    return {"sigma": sigma, "mean": mean, "stderr": stderr}
