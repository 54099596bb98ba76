"""Input handling shared by the metrics: unwrap Tensors, check shapes, go float64.

Metrics are measurements, not training code, so they always compute in
float64 (a float32 input is upcast here on purpose: sums over ten thousand
samples in float32 lose digits the metric reports).
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module


def unwrap(x):
    """The array inside a :class:`minigan.Tensor` (detached), else ``x`` itself."""
    from ..autograd.tensor import Tensor  # noqa: PLC0415 - avoid a cycle at import time

    return x.array if isinstance(x, Tensor) else x


def as_float64(x, name: str, xp=None):
    """``x`` as a float64 array of its own module (numpy or cupy), or of ``xp``."""
    x = unwrap(x)
    if xp is None:
        xp = get_array_module(x)
    elif xp is np and get_array_module(x) is not np:
        x = x.get()  # CuPy refuses implicit conversion to NumPy
    arr = xp.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(xp.float64, copy=False)


def to_numpy64(x, name: str) -> np.ndarray:
    """``x`` as a float64 NumPy array (a CuPy array is copied to the host)."""
    return as_float64(x, name, xp=np)


def as_rows(x, name: str, xp=None):
    """``x`` with shape (N, ...) flattened to a float64 (N, D) matrix.

    Images (N, C, H, W) or (N, H, W) become (N, C*H*W); a vector of N scalars
    is rejected rather than guessed (pass (N, 1) for 1-D data).
    """
    arr = as_float64(x, name, xp)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (N, D) or (N, ...) with one row per sample, got shape "
            f"{tuple(arr.shape)}; for 1-D data pass shape (N, 1)"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(arr.shape)}): need at least one sample")
    return arr.reshape(arr.shape[0], -1)


def check_finite(arr, name: str) -> None:
    xp = get_array_module(arr)
    if not bool(xp.all(xp.isfinite(arr))):
        raise ValueError(f"{name} contains NaN or Inf values")


def squared_distances(a, b, xp):
    """(Na, Nb) matrix of ||a_i - b_j||^2 via ||a||^2 + ||b||^2 - 2 a.b (one matmul).

    The expansion cancels badly when both sets sit far from the origin, so the
    caller centres them first; tiny negatives from rounding are clipped to 0.
    """
    d2 = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    return xp.maximum(d2, 0.0)
