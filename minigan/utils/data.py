"""``torch.utils.data`` for PyTorch scripts: ``Dataset``, ``TensorDataset``,
``Subset``, ``DataLoader`` and ``default_collate``, with PyTorch's defaults.

A *map-style* dataset is anything with ``__getitem__(i)`` and ``__len__()``.
The loader visits the indices ``0 .. N-1`` (in a fresh random order each epoch
with ``shuffle=True``), cuts them into batches of ``batch_size`` and merges each
batch's samples with ``collate_fn`` (default :func:`default_collate`):

==========================  ==============================================
each sample is              the batch is
==========================  ==============================================
Tensor of shape ``S``       Tensor ``(B, *S)`` (stacked)
NumPy array of shape ``S``  Tensor ``(B, *S)``, the array's dtype kept
Python float / int / bool   Tensor ``(B,)`` float64 / int64 / bool
NumPy scalar                Tensor ``(B,)`` of its dtype
str                         list of the ``B`` strings
tuple or list of fields     list with one collated batch per field
dict                        dict with one collated batch per key
==========================  ==============================================

Differences from ``minigan.data.DataLoader`` (the trainer's loader, which takes
arrays and keeps its own defaults): this one follows PyTorch, so
``batch_size=1``, ``shuffle=False`` and ``drop_last=False`` (the last, partial
batch is kept) by default, and batches stay on the CPU (move them with
``.to(device)``, as a PyTorch script does).

What minigan does not do: worker processes. ``num_workers`` is accepted (a
script written for ``num_workers=2`` runs unchanged) but every batch is loaded
in the calling process, in order; minigan's datasets are arrays in memory, so
workers would buy nothing. ``pin_memory``, ``timeout`` and ``worker_init_fn``
are accepted and have no effect. There are no samplers: ``shuffle`` chooses the
order; take a part of a dataset with :class:`Subset`.

Shuffling draws from minigan's seeded generator (``minigan.manual_seed``), or
from ``generator=`` (a ``numpy.random.Generator``) if given.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from ..autograd.tensor import Tensor
from ..data.loader import ArrayDataset


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__(index)``
    (one sample) and ``__len__()`` (the number of samples)."""

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(index) returning one sample")

    def __len__(self):
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__() returning the number of samples")


class TensorDataset(Dataset):
    """Samples are ``(t[i] for t in tensors)``: tensors with the same size along
    dimension 0 (say images and labels)."""

    def __init__(self, *tensors):
        for k, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {k} is a {type(t).__name__}, expected a "
                                "minigan Tensor (wrap arrays with minigan.from_numpy or minigan.tensor)")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {k} is 0-d; each tensor needs a sample "
                                 "dimension 0")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs the same size "
                             f"along dimension 0, got {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0] if self.tensors else 0


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


# --------------------------------------------------------------------- collate
def _tensor_of(array) -> Tensor:
    array = np.asarray(array)
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"default_collate: found a NumPy array of dtype {array.dtype}; batches "
                        "must hold numbers (give the dataset numeric arrays, or pass collate_fn)")
    return Tensor.from_array(np.ascontiguousarray(array))


def default_collate(batch):
    """Merge a list of samples into a batch (see the table in this module's docstring)."""
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            from .. import ops  # noqa: PLC0415 - stacking keeps the graph

            return ops.stack(batch)
        shapes = {t.shape for t in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                               f"but got {sorted(shapes)}")
        from ..backend import get_array_module  # noqa: PLC0415

        xp = get_array_module(elem.array)
        return Tensor.from_array(xp.stack([t.array for t in batch]))
    if isinstance(elem, (np.ndarray, np.generic)):
        shapes = {np.shape(a) for a in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each array to be equal size, "
                               f"but got {sorted(shapes)}")
        return _tensor_of(np.stack(batch))
    if isinstance(elem, bool):
        return Tensor.from_array(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor.from_array(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor.from_array(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, Sequence):
        sizes = {len(sample) for sample in batch}
        if len(sizes) > 1:
            raise RuntimeError("each element in list of batch should be of equal size, got sizes "
                               f"{sorted(sizes)}")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts "
                    f"or lists; found {type(elem).__name__}")


def default_convert(sample):
    """One sample as the loader yields it when ``batch_size=None``: arrays
    become tensors, containers are converted field by field."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind not in "OUSV":
        return _tensor_of(sample)
    if isinstance(sample, Mapping):
        return {k: default_convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple):
        return [default_convert(v) for v in sample]
    if isinstance(sample, list):
        return [default_convert(v) for v in sample]
    return sample


def _array_fields(dataset):
    """For datasets held as arrays (``TensorDataset``, ``minigan.data`` sets):
    the arrays and whether a sample is a tuple; else None. Their batches are
    slices of those arrays, which is what collating their samples one by one
    gives, without the Python loop."""
    if isinstance(dataset, TensorDataset) and not any(t.requires_grad for t in dataset.tensors):
        return tuple(t.array for t in dataset.tensors), True
    if type(dataset).__getitem__ is ArrayDataset.__getitem__ and \
            isinstance(getattr(dataset, "data", None), np.ndarray):
        if dataset.labels is None:
            return (dataset.data,), False
        return (dataset.data, dataset.labels), True
    return None


class DataLoader:
    """Batches of a map-style dataset, as ``torch.utils.data.DataLoader``.

    An epoch yields ``ceil(N / batch_size)`` batches (``floor`` with
    ``drop_last=True``), each ``collate_fn([dataset[i] for i in batch_indices])``.
    ``batch_size=None`` turns batching off: each sample is yielded alone.
    See the module docstring for what is accepted but has no effect
    (``num_workers`` runs in-process, ``pin_memory``, ``timeout``,
    ``worker_init_fn``) and for what is missing (samplers).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device=""):
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader needs a map-style dataset (with __getitem__ and __len__), "
                            f"got {type(dataset).__name__}; minigan has no iterable datasets")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError(
                "minigan's DataLoader has no samplers: use shuffle=True/False for the order, and "
                "minigan.utils.data.Subset(dataset, indices) to load only some samples")
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             f"disable multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing: "
                             "let num_workers > 0 to enable multiprocessing")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if generator is not None and not hasattr(generator, "permutation"):
            raise TypeError(f"generator must be a numpy.random.Generator, got "
                            f"{type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.num_workers = int(num_workers)  # loaded in-process all the same
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self._fields = _array_fields(dataset) if collate_fn is None else None

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self, n):
        if not self.shuffle:
            return np.arange(n)
        if self.generator is not None:
            return self.generator.permutation(n)
        from .. import random as mg_random  # noqa: PLC0415

        return mg_random.generator("cpu").permutation(n)

    def __iter__(self):
        order = self._order(len(self.dataset))
        if self.batch_size is None:
            for i in order:
                yield default_convert(self.dataset[int(i)])
            return
        for b in range(len(self)):
            index = order[b * self.batch_size:(b + 1) * self.batch_size]
            if self._fields is not None:
                batch = [Tensor.from_array(a[index]) for a in self._fields[0]]
                yield batch if self._fields[1] else batch[0]
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in index])

    def __repr__(self) -> str:
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers} (in-process))")


__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "default_convert"]
