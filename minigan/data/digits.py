"""The UCI optical digits: 1,797 handwritten digits as 8x8 images, shipped
inside minigan (``digits.npz``, 45 kB) so a GAN can train on real images on a
fresh machine with no download.

Provenance and licence
----------------------
"Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak,
UCI Machine Learning Repository (1998),
https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits,
licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
The 1,797 images are the UCI test set (``optdigits.tes``, written by 13 people),
the same copy scikit-learn ships as ``sklearn.datasets.load_digits``; they were
extracted once from scikit-learn 1.9 and stored unchanged: ``images`` uint8
``(1797, 8, 8)`` with values ``0..16`` (each pixel counts the "on" pixels of a
4x4 block of a 32x32 NIST bitmap) and ``labels`` uint8 ``(1797,)`` in ``0..9``.
References: C. Kaynak (1995), MSc thesis, Bogazici University; E. Alpaydin and
C. Kaynak (1998), "Cascading classifiers", Kybernetika.

What :func:`load_digits` returns
--------------------------------
float32 images ``(N, 1, size, size)`` scaled from ``0..16`` to ``[-1, 1]``
(``x / 8 - 1``) and int64 labels ``(N,)``. For ``size != 8`` each image is
resized with separable bilinear interpolation using pixel centres, the rule of
PyTorch's ``F.interpolate(mode="bilinear", align_corners=False)``: output pixel
``i`` samples the input at ``(i + 0.5) * 8 / size - 0.5``, clamped to the
image. Each output pixel is a convex combination of input pixels, so the range
stays ``[-1, 1]``; ``mode="nearest"`` copies the nearest pixel instead.
Upsampled 8x8 digits look blurry; that is the data, not a bug.

Splits: ``split=None`` gives all 1,797; ``"test"`` is, for each digit, every
fifth of its images in file order (the 1st, 6th, 11th, ...: 364 images, 35 to
37 per class) and ``"train"`` the other 1,433. Splitting per class keeps both
splits balanced; every fifth image overall would not, because the file cycles
through the digits 0..9 and would pick mostly 0s and 5s.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

DIGITS_FILE = Path(__file__).with_name("digits.npz")
NUM_DIGITS = 1797
_SPLITS = (None, "train", "test")


def load_digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The stored arrays: images uint8 ``(1797, 8, 8)`` in ``0..16``, labels
    uint8 ``(1797,)``."""
    if not DIGITS_FILE.exists():
        raise FileNotFoundError(
            f"the embedded digits file {DIGITS_FILE} is missing; reinstall minigan "
            "(the wheel ships it as package data)")
    with np.load(DIGITS_FILE) as f:
        return f["images"], f["labels"]


def _resize_matrix(n_in: int, n_out: int, mode: str) -> np.ndarray:
    """``(n_out, n_in)`` matrix ``W`` with ``W @ row`` = the row resized.

    Bilinear: output ``i`` sits at input coordinate ``(i + 0.5) * n_in/n_out - 0.5``
    clamped to ``[0, n_in - 1]``, and takes weights ``1 - f`` and ``f`` from its
    two neighbours. Nearest: it copies input ``floor(i * n_in / n_out)``
    (PyTorch's ``mode="nearest"``).
    """
    W = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    scale = n_in / n_out
    if mode == "nearest":
        W[rows, np.minimum(np.floor(rows * scale).astype(int), n_in - 1)] = 1.0
        return W
    src = np.clip((rows + 0.5) * scale - 0.5, 0.0, n_in - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    np.add.at(W, (rows, lo), 1.0 - frac)
    np.add.at(W, (rows, hi), frac)
    return W


def resize_images(images: np.ndarray, size: int, mode: str = "bilinear") -> np.ndarray:
    """Resize square images ``(..., H, H)`` to ``(..., size, size)``: bilinear
    (``align_corners=False``) or nearest, as separable matrix products
    ``W @ image @ W.T``. Returns float64 (callers cast)."""
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"unknown resize mode {mode!r}: expected 'bilinear' or 'nearest'")
    images = np.asarray(images, dtype=np.float64)
    W = _resize_matrix(images.shape[-1], size, mode)
    return np.einsum("ij,...jk,lk->...il", W, images, W, optimize=True)


def _test_mask(labels: np.ndarray) -> np.ndarray:
    """True for every fifth image of each class, in file order."""
    mask = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        mask[np.flatnonzero(labels == c)[::5]] = True
    return mask


def load_digits(size: int = 8, split: str | None = None, mode: str = "bilinear"):
    """The embedded UCI digits: ``(images, labels)``.

    images float32 ``(N, 1, size, size)`` in ``[-1, 1]``; labels int64 ``(N,)``
    in ``0..9``. ``N`` is 1,797 for ``split=None``, 1,433 for ``"train"``, 364
    for ``"test"``. ``size`` (e.g. 8, 16, 28 or 32 to match a generator's output)
    resizes with ``mode`` ``"bilinear"`` or ``"nearest"`` (see the module
    docstring).
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive int (e.g. 8, 16, 28), got {size!r}")
    if split not in _SPLITS:
        raise ValueError(f"unknown split {split!r}: expected None, 'train' or 'test'")
    images, labels = load_digits_raw()
    if split is not None:
        is_test = _test_mask(labels)
        keep = is_test if split == "test" else ~is_test
        images, labels = images[keep], labels[keep]
    x = images.astype(np.float64)
    if size != 8 or mode != "bilinear":
        x = resize_images(x, int(size), mode)
    x = (x / 8.0 - 1.0).astype(np.float32)
    # Bilinear weights sum to 1 only up to rounding; keep the promise of [-1, 1].
    np.clip(x, -1.0, 1.0, out=x)
    return x[:, None], labels.astype(np.int64)
