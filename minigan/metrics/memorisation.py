"""Memorisation and class balance: has the generator copied or dropped data?

* **Nearest training neighbours.** Goodfellow et al. 2014 (Fig. 2) show each
  generated sample beside its nearest training image in pixel space: if the
  two are identical the generator has memorised its training set. L2 in pixel
  space is a crude similarity (a one-pixel shift is "far"), so a sample that
  differs from its neighbour is evidence against copying, not proof.
* **Class balance.** Label generated samples with a classifier and compare
  the class histogram with the uniform distribution the training set has
  (MNIST is close to balanced): mode collapse shows up as missing or
  over-represented digits.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ._arrays import as_rows, check_finite, squared_distances, to_numpy64, unwrap
from .modes import kl_to_uniform


def nearest_neighbours(samples, train, k: int = 1, batch_size: int = 1024):
    """The k nearest training rows (Euclidean distance) of every sample.

    Args:
        samples: (N, ...) generated samples (images are flattened), NumPy or CuPy.
        train: (M, ...) training data with the same trailing shape.
        k: neighbours per sample, 1 <= k <= M.
        batch_size: rows of samples and of train per block (memory about
            ``batch_size^2`` float64s).

    Returns:
        ``(indices, distances)``: NumPy arrays of shape (N, k), int64 row
        indices into ``train`` and float64 L2 distances, nearest first. Ties
        go to the lower training index.
    """
    s = as_rows(samples, "samples")
    xp = get_array_module(s)
    t = as_rows(train, "train", xp=xp)
    if s.shape[1] != t.shape[1]:
        raise ValueError(
            f"samples and train must have the same number of features, got {s.shape[1]} and {t.shape[1]}"
        )
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= t.shape[0]:
        raise ValueError(f"k must be an int with 1 <= k <= len(train) = {t.shape[0]}, got {k!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    check_finite(s, "samples")
    check_finite(t, "train")
    # Centring keeps the ||a||^2 + ||b||^2 - 2 a.b expansion accurate.
    centre = t.mean(axis=0)
    s, t = s - centre, t - centre
    indices = np.empty((s.shape[0], k), dtype=np.int64)
    distances = np.empty((s.shape[0], k), dtype=np.float64)
    for s0 in range(0, s.shape[0], batch_size):
        block = s[s0:s0 + batch_size]
        best_d2 = xp.full((block.shape[0], 0), xp.inf)
        best_idx = xp.zeros((block.shape[0], 0), dtype=xp.int64)
        for t0 in range(0, t.shape[0], batch_size):
            d2 = squared_distances(block, t[t0:t0 + batch_size], xp)
            cand_d2 = xp.concatenate([best_d2, d2], axis=1)
            cand_idx = xp.concatenate(
                [best_idx, xp.broadcast_to(xp.arange(t0, t0 + d2.shape[1]), d2.shape)], axis=1
            )
            # Earlier candidates have lower indices, so a stable sort breaks ties towards them.
            order = xp.argsort(cand_d2, axis=1, kind="stable")[:, :k]
            best_d2 = xp.take_along_axis(cand_d2, order, axis=1)
            best_idx = xp.take_along_axis(cand_idx, order, axis=1)
        if xp is not np:
            best_d2, best_idx = best_d2.get(), best_idx.get()
        indices[s0:s0 + batch_size] = best_idx
        distances[s0:s0 + batch_size] = np.sqrt(best_d2)
    return indices, distances


def _as_images(x, name, image_shape):
    """(N, H, W) or (N, H, W, 3) NumPy images for imshow."""
    arr = to_numpy64(x, name)
    if image_shape is not None:
        arr = arr.reshape((arr.shape[0], *image_shape))
    if arr.ndim == 4 and arr.shape[1] in (1, 3):  # (N, C, H, W) -> channels last
        arr = np.moveaxis(arr, 1, -1)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(
                f"{name} has shape {arr.shape}: flat rows that are not square images need "
                "image_shape=(H, W) or (C, H, W)"
            )
        arr = arr.reshape(arr.shape[0], side, side)
    if not (arr.ndim == 3 or (arr.ndim == 4 and arr.shape[-1] == 3)):
        raise ValueError(
            f"{name} must be images (N, H, W), (N, C, H, W) with C in (1, 3) or (N, H, W, 3), "
            f"got shape {arr.shape}"
        )
    return arr


def plot_nearest_neighbours(samples, train, path, n: int = 8, k: int = 1, image_shape=None,
                            value_range=None, batch_size: int = 1024):
    """Save a grid of generated samples beside their nearest training images.

    Row i shows sample i, then its k nearest training images (L2 in pixel
    space), as in Goodfellow et al. 2014, Fig. 2, where the rightmost column
    holds the nearest training example of each sample. The title of each
    neighbour gives its distance.

    Args:
        samples: (N, H, W), (N, C, H, W) or flat (N, H*W) images; the first
            ``n`` are shown.
        train: training images of the same shape.
        path: where to write the PNG.
        n: number of samples (rows).
        k: neighbours per sample (columns after the first).
        image_shape: (H, W) or (C, H, W) for flat non-square rows.
        value_range: (low, high) pixel range for display; default the min and
            max over all images shown.
        batch_size: passed to :func:`nearest_neighbours`.

    Returns:
        ``path``.
    """
    # The object-oriented API with the Agg canvas: no pyplot, so no global
    # backend switch in a user's notebook and no display needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    samples, train = unwrap(samples), unwrap(train)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(samples):
        raise ValueError(f"n must be an int with 1 <= n <= len(samples) = {len(samples)}, got {n!r}")
    shown = samples[:n]
    indices, distances = nearest_neighbours(shown, train, k=k, batch_size=batch_size)
    left = _as_images(shown, "samples", image_shape)
    right = _as_images(to_numpy64(train, "train")[indices.ravel()], "train", image_shape)
    right = right.reshape((n, k, *right.shape[1:]))
    if value_range is None:
        value_range = (min(left.min(), right.min()), max(left.max(), right.max()))
    low, high = value_range
    scale = high - low if high > low else 1.0

    fig = Figure(figsize=(1.2 * (k + 1), 1.2 * n + 0.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n, k + 1, squeeze=False)
    for i in range(n):
        images = [left[i]] + [right[i, j] for j in range(k)]
        for j, img in enumerate(images):
            ax = axes[i, j]
            ax.imshow(np.clip((img - low) / scale, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if j > 0:
                ax.set_title(f"d={distances[i, j - 1]:.2f}", fontsize=7)
        if i == 0:
            axes[0, 0].set_title("sample", fontsize=7)
    fig.suptitle("generated | nearest training images", fontsize=8)
    fig.savefig(path, dpi=100)
    return path


def class_balance(labels_or_probs, num_classes: int = 10, soft: bool = False):
    """Class fractions of generated samples and their KL to the uniform distribution.

    Args:
        labels_or_probs: (N,) integer labels in [0, num_classes), or (N, K)
            classifier probabilities/logits with K = num_classes (each row's
            argmax is its label).
        num_classes: K.
        soft: for (N, K) probabilities, average the rows (the marginal p(y) of
            the Inception Score) instead of counting argmax labels.

    Returns:
        ``(fractions, kl)``: a float64 (K,) NumPy array summing to 1, and
        KL(fractions || uniform) = sum_k f_k log(f_k K) (0 when balanced,
        log K when every sample has one class; empty classes contribute 0).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    x = unwrap(labels_or_probs)
    if get_array_module(x) is not np:
        x = x.get()
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"labels_or_probs must hold at least one sample, got shape {x.shape}")
    if x.ndim == 1:
        if x.dtype.kind not in "iu":
            raise ValueError(f"labels must be integers (dtype int), got dtype {x.dtype}")
        if x.min() < 0 or x.max() >= num_classes:
            raise ValueError(
                f"labels must lie in [0, {num_classes}), got range [{x.min()}, {x.max()}]"
            )
        counts = np.bincount(x, minlength=num_classes).astype(np.float64)
    elif x.ndim == 2:
        if x.shape[1] != num_classes:
            raise ValueError(
                f"probabilities must have shape (N, num_classes) = (N, {num_classes}), got {x.shape}"
            )
        p = x.astype(np.float64)
        check_finite(p, "probs")
        if soft:
            if np.any(p < 0) or np.abs(p.sum(axis=1) - 1.0).max() > 1e-3:
                raise ValueError("soft=True needs probabilities: non-negative rows summing to 1")
            counts = p.sum(axis=0)
        else:
            counts = np.bincount(p.argmax(axis=1), minlength=num_classes).astype(np.float64)
    else:
        raise ValueError(
            f"labels_or_probs must be labels (N,) or probabilities (N, K), got shape {x.shape}"
        )
    fractions = counts / counts.sum()
    return fractions, kl_to_uniform(fractions)
