"""Datasets held as arrays, and a ``DataLoader`` that cuts them into batches.

Everything minigan trains on fits in memory (MNIST is 47 MB as uint8), so a
dataset is just arrays: :class:`ArrayDataset` holds ``data`` (first axis = sample)
and optional integer ``labels``. :class:`DataLoader` shuffles the sample indices
once per epoch with its own seeded ``numpy.random.Generator``, slices batches
and hands them over as minigan Tensors on the requested device, like
``torch.utils.data.DataLoader``. :func:`infinite` turns a loader into an
endless stream of batches, for trainers that count steps rather than epochs.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor


class ArrayDataset:
    """Samples in memory: ``data`` (``N`` samples along axis 0) and optional
    ``labels`` (int64, shape ``(N,)``).

    Attributes used by the CLI and the trainers: ``data``, ``labels`` (or None),
    ``shape`` (the shape of one sample, e.g. ``(2,)`` or ``(1, 28, 28)``),
    ``kind`` (``"2d"`` for points in the plane, ``"image"`` for ``(C, H, W)``
    images), ``name``, ``num_classes`` (None without labels).
    ``len(ds)`` is ``N``; ``ds[i]`` is ``data[i]`` or ``(data[i], labels[i])``.
    """

    kind = "array"

    def __init__(self, data, labels=None, name: str = "array", kind: str | None = None):
        data = np.asarray(data)
        if data.ndim < 1:
            raise ValueError("dataset data must have a sample axis, got a 0-d array")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (len(data),):
                raise ValueError(
                    f"labels must have shape ({len(data)},) to match {len(data)} samples, "
                    f"got {labels.shape}")
            if labels.dtype.kind not in "iu":
                raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
            labels = labels.astype(np.int64, copy=False)
        self.data = data
        self.labels = labels
        self.name = name
        if kind is not None:
            self.kind = kind

    @property
    def shape(self) -> tuple:
        """The shape of one sample."""
        return tuple(self.data.shape[1:])

    @property
    def num_classes(self) -> int | None:
        return None if self.labels is None else int(self.labels.max()) + 1

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        if self.labels is None:
            return self.data[index]
        return self.data[index], self.labels[index]

    def __repr__(self) -> str:
        labels = "" if self.labels is None else f", {self.num_classes} classes"
        return (f"{type(self).__name__}(name={self.name!r}, kind={self.kind!r}, "
                f"n={len(self)}, shape={self.shape}, dtype={self.data.dtype}{labels})")


def _as_arrays(data) -> tuple[tuple[np.ndarray, ...], bool]:
    """The arrays a loader batches, and whether batches are tuples."""
    if isinstance(data, ArrayDataset) or (hasattr(data, "data") and hasattr(data, "labels")):
        if data.labels is None:
            return (np.asarray(data.data),), False
        return (np.asarray(data.data), np.asarray(data.labels)), True
    if isinstance(data, Tensor):
        return (data.numpy(),), False
    if isinstance(data, (tuple, list)):
        if len(data) == 0:
            raise ValueError("DataLoader got an empty tuple: expected (data,) or (data, labels)")
        arrays = tuple(a.numpy() if isinstance(a, Tensor) else np.asarray(a) for a in data)
        lengths = {len(a) if a.ndim else None for a in arrays}
        if len(lengths) != 1 or None in lengths:
            raise ValueError(
                "DataLoader arrays must all have the same number of samples along axis 0, "
                f"got shapes {[a.shape for a in arrays]}")
        return arrays, True
    if isinstance(data, (np.ndarray, np.generic)):
        data = np.asarray(data)
        if data.ndim < 1:
            raise ValueError("DataLoader data must have a sample axis, got a 0-d array")
        return (data,), False
    raise TypeError(
        "DataLoader expects a numpy array, a tuple (data, labels) of arrays, or a dataset "
        f"with .data and .labels (see minigan.data.get_dataset); got {type(data).__name__}")


def _to_tensor(array: np.ndarray, device: str) -> Tensor:
    # Floats become float32 (the library default; a float64 batch would clash
    # with float32 weights), integers (labels) become int64 as in PyTorch.
    if array.dtype.kind == "f":
        array = array.astype(np.float32, copy=False)
    elif array.dtype.kind in "iub":
        array = array.astype(np.int64, copy=False)
    return Tensor(backend.to_device(np.ascontiguousarray(array), device))


class DataLoader:
    """Batches of a dataset as minigan Tensors, reshuffled every epoch.

    ``data`` is a numpy array (batches are Tensors), a tuple ``(data, labels)``
    of arrays with equal first axis (batches are tuples of Tensors), or a
    dataset from :func:`minigan.data.get_dataset` (batches are ``(x, y)`` when
    it has labels, e.g. the image sets, and ``x`` alone when not, e.g. the toy
    sets; pass ``ds.data`` to get ``x`` alone from a labelled set).
    Floating arrays come out float32, integer arrays (labels) int64, on
    ``device`` (``None``: the default device).

    An epoch visits ``len(data)`` samples in ``len(loader)`` batches:
    ``floor(N / batch_size)`` with ``drop_last=True`` (every batch full, which
    GAN updates with batch norm want), else ``ceil(N / batch_size)``.
    With ``shuffle=True`` each ``iter(loader)`` draws a new permutation from
    the loader's own ``numpy.random.Generator``; ``seed`` fixes that stream (two
    loaders with the same seed give the same batches, epoch after epoch). With
    ``seed=None`` the stream is seeded from minigan's generator when the loader
    is made, so ``minigan.manual_seed`` makes it repeatable too.
    """

    def __init__(self, data, batch_size: int = 64, shuffle: bool = True,
                 drop_last: bool = True, seed=None, device="cpu"):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self._arrays, self._as_tuple = _as_arrays(data)
        self.dataset = data
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.device = backend.normalize_device(device)
        if seed is None:
            from .. import random as mg_random  # noqa: PLC0415

            seed = int(mg_random.generator("cpu").integers(2**63))
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    @property
    def num_samples(self) -> int:
        return len(self._arrays[0])

    def __len__(self) -> int:
        n, b = self.num_samples, self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def __iter__(self):
        n = self.num_samples
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for i in range(len(self)):
            index = order[i * self.batch_size:(i + 1) * self.batch_size]
            batch = tuple(_to_tensor(a[index], self.device) for a in self._arrays)
            yield batch if self._as_tuple else batch[0]

    def __repr__(self) -> str:
        return (f"DataLoader(n={self.num_samples}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, device={self.device!r})")


def infinite(loader):
    """Yield batches forever, starting a new (reshuffled) epoch whenever
    ``loader`` runs out: ``batches = infinite(loader); x = next(batches)``."""
    if len(loader) == 0:
        raise ValueError(
            f"{loader!r} yields no batches (fewer samples than batch_size with "
            "drop_last=True), so an infinite stream of its batches would never yield; "
            "use a smaller batch_size or drop_last=False")
    # A plain function that returns a generator, so the check above runs now
    # rather than at the first next().
    return _forever(loader)


def _forever(loader):
    while True:
        yield from loader
