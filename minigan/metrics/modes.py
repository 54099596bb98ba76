"""Mode coverage on 2-D Gaussian-mixture toy data (the VEEGAN / PacGAN protocol).

Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN) score a
generator trained on K equal-weight Gaussians of standard deviation ``std``
(8 on a ring, 25 on a grid) by:

* assigning each generated sample to its nearest mode centre;
* calling the sample **high quality** when it lies within
  ``threshold * std`` (3 standard deviations) of that centre;
* counting a mode as **captured** when at least one high-quality sample lands
  on it;
* the **KL divergence** KL(q || u) between the histogram q of high-quality
  samples over modes and the uniform distribution u = 1/K (the "reverse KL" of
  PacGAN's tables: generated distribution first). Lower is better: 0 when the
  high-quality samples split evenly, log K when they all sit on one mode.

For samples from the true mixture, a sample is high quality with probability
P(chi^2_2 <= 9) = 1 - exp(-4.5) = 0.9889 (a 2-D Gaussian's squared radius
over std^2 is chi-squared with 2 degrees of freedom), provided the modes are
many std apart.
"""
from __future__ import annotations

import math

import numpy as np

from ._arrays import as_rows, check_finite, to_numpy64

#: Added inside the log so empty bins cost nothing: they contribute
#: q_k log(q_k / u_k) = 0 log 0 = 0, the limit of the KL integrand.
KL_EPS = 1e-12


def kl_to_uniform(histogram) -> float:
    """KL(q || uniform) for a histogram (counts or fractions) over K bins.

        KL = sum_k q_k log(q_k K),   q = histogram / histogram.sum()

    Empty bins contribute 0 (evaluated as q_k log(q_k K + eps) with eps =
    1e-12). Returns ``inf`` for an all-zero histogram: there is no
    distribution to compare (for modes: no high-quality sample at all, worse
    than collapsing onto a single mode, which scores log K).
    """
    h = to_numpy64(histogram, "histogram")
    if h.ndim != 1 or h.size == 0:
        raise ValueError(f"histogram must be a non-empty vector of K bins, got shape {h.shape}")
    if np.any(h < 0) or not np.all(np.isfinite(h)):
        raise ValueError("histogram entries must be finite and non-negative")
    total = h.sum()
    if total == 0:
        return math.inf
    q = h / total
    return float(np.sum(q * np.log(q * h.size + KL_EPS)))


def mode_metrics(samples, centers, std: float, threshold: float = 3.0) -> dict:
    """Mode coverage of 2-D samples against known mixture centres.

    Args:
        samples: (N, 2) generated points (NumPy, CuPy or Tensor).
        centers: (K, 2) mode centres.
        std: the modes' standard deviation (> 0).
        threshold: a sample is high quality when its distance to the nearest
            centre is <= threshold * std (default 3).

    Returns:
        A dict with

        * ``modes_captured`` (int): modes with at least one high-quality sample;
        * ``high_quality_fraction`` (float): high-quality samples / N;
        * ``kl_to_uniform`` (float): KL(q || uniform) of the high-quality
          samples' mode histogram q, see :func:`kl_to_uniform` (``inf`` when
          there are no high-quality samples);
        * ``counts`` (int64 NumPy array, (K,)): high-quality samples per mode.
    """
    x = as_rows(to_numpy64(samples, "samples"), "samples")
    c = as_rows(to_numpy64(centers, "centers"), "centers")
    if x.shape[1] != 2:
        raise ValueError(f"samples must be 2-D points of shape (N, 2), got shape {x.shape}")
    if c.shape[1] != 2:
        raise ValueError(f"centers must be 2-D points of shape (K, 2), got shape {c.shape}")
    check_finite(x, "samples")
    check_finite(c, "centers")
    if not (np.isfinite(std) and std > 0):
        raise ValueError(f"std must be a positive number, got {std!r}")
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)  # (N, K): K is small
    nearest = d2.argmin(axis=1)
    high_quality = np.sqrt(d2[np.arange(x.shape[0]), nearest]) <= threshold * std
    counts = np.bincount(nearest[high_quality], minlength=c.shape[0]).astype(np.int64)
    return {
        "modes_captured": int((counts > 0).sum()),
        "high_quality_fraction": float(high_quality.mean()),
        "kl_to_uniform": kl_to_uniform(counts),
        "counts": counts,
    }


def mode_coverage(samples, dataset: str = "ring8", threshold: float = 3.0) -> dict:
    """:func:`mode_metrics` for a named toy dataset of :mod:`minigan.data.toy`
    (``"ring8"``: 8 Gaussians on a circle of radius 2, std 0.02; ``"grid25"``:
    centres {-4, -2, 0, 2, 4}^2, std 0.05)."""
    from ..data.toy import mode_centers  # noqa: PLC0415 - data is optional for the metrics

    centers, std = mode_centers(dataset)
    return mode_metrics(samples, centers, std, threshold=threshold)
