"""Data for GANs: 2-D toy mixtures, MNIST / Fashion-MNIST, the embedded UCI
digits, and a ``DataLoader`` that batches arrays into Tensors.

``get_dataset(name, **kw)`` is the one entry point the CLI uses (``--data NAME``):

============== ======= ============================================ ====================
name           kind    what                                         keywords
============== ======= ============================================ ====================
ring8          2d      8 Gaussians on a circle of radius 2          n, seed
grid25         2d      25 Gaussians on a 5x5 grid                   n, seed
swiss_roll     2d      2-D Swiss roll                               n, seed
spiral         2d      two interleaved spiral arms                  n, seed
digits         image   1,797 UCI 8x8 digits, shipped with minigan   size, split, mode
mnist          image   MNIST 28x28 (downloaded once, cached)        split, root, download
fashion-mnist  image   Fashion-MNIST 28x28 (downloaded once)        split, root, download
============== ======= ============================================ ====================

Each returns a dataset with ``.data`` (numpy array, samples along axis 0),
``.labels`` (int64 or None), ``.shape`` (one sample's shape) and ``.kind``
(``"2d"`` or ``"image"``). Image data is float32 ``(N, C, H, W)`` in
``[-1, 1]``; toy data is float32 ``(N, 2)``.
"""
from __future__ import annotations

import inspect

from .digits import load_digits
from .idx import (CorruptFileError, DownloadError, IDXError, load_fashion_mnist, load_mnist,
                  read_idx, write_idx)
from .loader import ArrayDataset, DataLoader, infinite
from .toy import TOY_NAMES, ToyDataset, mode_centers


def _toy(name):
    def make(n: int = 100_000, seed=None) -> ToyDataset:
        return ToyDataset(name, n=n, seed=seed)

    return make


def _digits(size: int = 8, split=None, mode: str = "bilinear") -> ArrayDataset:
    x, y = load_digits(size=size, split=split, mode=mode)
    return ArrayDataset(x, y, name="digits", kind="image")


def _mnist(kind, name):
    def make(split: str = "train", root=None, download: bool = True) -> ArrayDataset:
        x, y = load_mnist(split, root=root, download=download, kind=kind)
        return ArrayDataset(x, y, name=name, kind="image")

    return make


DATASETS = {
    **{name: _toy(name) for name in TOY_NAMES},
    "digits": _digits,
    "mnist": _mnist("mnist", "mnist"),
    "fashion-mnist": _mnist("fashion", "fashion-mnist"),
}


def get_dataset(name: str, **kw) -> ArrayDataset:
    """The dataset called ``name`` (see the table in this module's docstring),
    built with the keywords ``kw``."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    factory = DATASETS[name]
    signature = inspect.signature(factory)
    unknown = sorted(set(kw) - set(signature.parameters))
    if unknown:
        raise TypeError(f"dataset {name!r} got unexpected keyword(s) {', '.join(unknown)}; "
                        f"it accepts {', '.join(signature.parameters)}")
    return factory(**kw)


__all__ = [
    "ArrayDataset", "CorruptFileError", "DATASETS", "DataLoader", "DownloadError", "IDXError",
    "TOY_NAMES", "ToyDataset", "get_dataset", "infinite", "load_digits", "load_fashion_mnist",
    "load_mnist", "mode_centers", "read_idx", "write_idx",
]
