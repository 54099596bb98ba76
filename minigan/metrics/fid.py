"""Fréchet distance between two Gaussians fitted to feature sets (FID).

Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
Local Nash Equilibrium": fit a Gaussian N(mu, C) to the features of real
images and another to the features of generated images; the squared
Fréchet (2-Wasserstein) distance between them is

    FD = W_2(N(mu1, C1), N(mu2, C2))^2 = ||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2))

(the square, not the distance itself: FID is reported in squared feature
units, as Heusel et al. define it).

"FID" is this distance on Inception-v3 pool features (D = 2048). Here the
features are whatever you pass in: Inception features, or those of a small
MNIST classifier. Scores are comparable only between runs that use the same
feature extractor and the same number of samples, because the estimate is
biased upwards by roughly O(D / N): two sample sets from one distribution
give FD > 0, shrinking as N grows.

Two ways to compute Tr((C1 C2)^(1/2)):

* ``method="sqrtm"`` (the reference implementations): a general matrix square
  root of the non-symmetric product C1 C2 with ``scipy.linalg.sqrtm``. Rounding
  can make it complex or non-finite for near-singular covariances (fewer
  samples than dimensions); see :func:`frechet_distance` for the fixes.
* ``method="eigh"``: C1 C2 is similar to the symmetric PSD matrix
  S = C1^(1/2) C2 C1^(1/2) (conjugate by C1^(1/2)), so both have the same
  eigenvalues and Tr((C1 C2)^(1/2)) = sum_i sqrt(lambda_i(S)). Two symmetric
  eigendecompositions, real throughout, several times faster.

Both accept NumPy or CuPy inputs; statistics are computed with the arrays'
own module, the matrix square root on the CPU in float64.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..backend import get_array_module
from ._arrays import as_rows, check_finite, to_numpy64

METHODS = ("sqrtm", "eigh")

#: Largest |imaginary part| on the diagonal of sqrtm(C1 C2) that is treated
#: as rounding noise and dropped (the value used by pytorch-fid).
IMAG_TOLERANCE = 1e-3


def feature_statistics(features):
    """Mean and unbiased covariance of a feature set.

    Args:
        features: (N, D) array (NumPy or CuPy; any real dtype), N >= 2.

    Returns:
        ``(mu, sigma)``: float64 arrays of shape (D,) and (D, D) on the input's
        device, ``mu = mean_n f_n`` and
        ``sigma = sum_n (f_n - mu)(f_n - mu)^T / (N - 1)`` (``np.cov``).
    """
    f = as_rows(features, "features")
    if f.shape[0] < 2:
        raise ValueError(
            f"features has {f.shape[0]} sample: an unbiased covariance needs at least 2 rows"
        )
    check_finite(f, "features")
    mu = f.mean(axis=0)
    centred = f - mu
    sigma = centred.T @ centred / (f.shape[0] - 1)
    return mu, sigma


def _check_stats(mu1, sigma1, mu2, sigma2):
    mu1, mu2 = to_numpy64(mu1, "mu1"), to_numpy64(mu2, "mu2")
    sigma1, sigma2 = to_numpy64(sigma1, "sigma1"), to_numpy64(sigma2, "sigma2")
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(
            f"mu1 and mu2 must be vectors of the same length D, got shapes {mu1.shape} and {mu2.shape}"
        )
    d = mu1.shape[0]
    for name, s in (("sigma1", sigma1), ("sigma2", sigma2)):
        if s.shape != (d, d):
            raise ValueError(f"{name} must have shape (D, D) = ({d}, {d}) to match mu, got {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError(f"{name} contains NaN or Inf values")
        scale = max(float(np.abs(s).max()), np.finfo(np.float64).tiny)
        if np.abs(s - s.T).max() > 1e-8 * scale:
            raise ValueError(f"{name} is not symmetric: a covariance matrix must equal its transpose")
    for name, m in (("mu1", mu1), ("mu2", mu2)):
        if not np.all(np.isfinite(m)):
            raise ValueError(f"{name} contains NaN or Inf values")
    return mu1, sigma1, mu2, sigma2


def _trace_sqrt_product_sqrtm(sigma1, sigma2, eps):
    """Tr((C1 C2)^(1/2)) with scipy's general matrix square root."""
    from scipy import linalg  # noqa: PLC0415 - scipy loads only when a metric runs

    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        # A (near-)singular product: nudge both covariances away from
        # singularity, as pytorch-fid and the TTUR reference code do.
        warnings.warn(
            f"sqrtm(sigma1 @ sigma2) is not finite (singular covariance product); adding "
            f"{eps:g} * I to both covariances and retrying",
            RuntimeWarning,
            stacklevel=3,
        )
        offset = eps * np.eye(sigma1.shape[0])
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
        if not np.all(np.isfinite(covmean)):
            raise ValueError(
                "sqrtm(sigma1 @ sigma2) is not finite even after adding eps * I to both "
                "covariances; the covariances are degenerate (try method='eigh' or more samples)"
            )
    if np.iscomplexobj(covmean):
        imag = float(np.abs(np.diagonal(covmean).imag).max())
        if imag >= IMAG_TOLERANCE:
            raise ValueError(
                f"sqrtm(sigma1 @ sigma2) has an imaginary component of {imag:.3g} on its "
                f"diagonal (tolerance {IMAG_TOLERANCE:g}): the product has clearly negative "
                "eigenvalues, so sigma1 or sigma2 is not a positive semi-definite covariance "
                "matrix (or it is too ill-conditioned); check the inputs or use method='eigh'"
            )
        # Small imaginary parts are rounding noise from near-singular covariances.
        covmean = covmean.real
    return float(np.trace(covmean))


def _psd_eigenvalues(w, name):
    """Clip eigenvalues that are negative only through rounding; refuse real negatives."""
    scale = max(float(np.abs(w).max()), np.finfo(np.float64).tiny)
    if w.min() < -1e-6 * scale:
        raise ValueError(
            f"{name} has a negative eigenvalue {w.min():.3g} (largest |eigenvalue| {scale:.3g}): "
            "a covariance matrix must be positive semi-definite"
        )
    return np.clip(w, 0.0, None)


def _trace_sqrt_product_eigh(sigma1, sigma2):
    """Tr((C1 C2)^(1/2)) = sum sqrt(eig(C1^(1/2) C2 C1^(1/2))), all symmetric."""
    w, v = np.linalg.eigh(sigma1)
    sqrt_sigma1 = (v * np.sqrt(_psd_eigenvalues(w, "sigma1"))) @ v.T
    m = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    m = 0.5 * (m + m.T)  # symmetric in exact arithmetic; make it so for eigvalsh
    ev = _psd_eigenvalues(np.linalg.eigvalsh(m), "sigma1^(1/2) sigma2 sigma1^(1/2)")
    return float(np.sqrt(ev).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2, method: str = "sqrtm", eps: float = 1e-6) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

        FD = W_2^2 = ||mu1 - mu2||^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^(1/2))

    Args:
        mu1, mu2: (D,) means (NumPy or CuPy; a scalar for D = 1).
        sigma1, sigma2: (D, D) symmetric positive semi-definite covariances.
        method: ``"sqrtm"`` (scipy.linalg.sqrtm of the product, the reference
            route) or ``"eigh"`` (symmetric eigendecompositions; see the module
            docstring). The two agree to ~1e-6 on well-conditioned inputs.
        eps: for ``"sqrtm"``: when the square root is not finite, ``eps * I``
            is added to both covariances inside the square root and it is
            retried (with a RuntimeWarning).

    Returns:
        The squared distance as a Python float (computed in float64 on the CPU).

    Raises:
        ValueError: mismatched shapes, non-symmetric or non-finite covariances;
            for ``"sqrtm"`` a square root whose diagonal has an imaginary part
            >= 1e-3 (smaller ones are rounding noise and are dropped); for
            ``"eigh"`` clearly negative eigenvalues.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    mu1, sigma1, mu2, sigma2 = _check_stats(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    if method == "sqrtm":
        tr_covmean = _trace_sqrt_product_sqrtm(sigma1, sigma2, eps)
    else:
        tr_covmean = _trace_sqrt_product_eigh(sigma1, sigma2)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean)


def fid_from_features(features1, features2, method: str = "sqrtm") -> float:
    """Squared Fréchet distance between Gaussians fitted to two feature sets (FID).

    Args:
        features1: (N1, D) features of one sample set (e.g. real images).
        features2: (N2, D) features of the other (e.g. generated images).
        method: ``"sqrtm"`` or ``"eigh"``, see :func:`frechet_distance`.

    Returns:
        ``frechet_distance(*feature_statistics(features1), *feature_statistics(features2))``.
        Report N1 and N2 with the score: the estimate is biased upwards for
        small N.
    """
    f1, f2 = as_rows(features1, "features1"), as_rows(features2, "features2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(
            f"features1 and features2 must have the same feature dimension D, got "
            f"{f1.shape[1]} and {f2.shape[1]}"
        )
    if get_array_module(f1) is not get_array_module(f2):
        raise ValueError("features1 and features2 must be on the same device (both NumPy or both CuPy)")
    mu1, sigma1 = feature_statistics(f1)
    mu2, sigma2 = feature_statistics(f2)
    return frechet_distance(mu1, sigma1, mu2, sigma2, method=method)
