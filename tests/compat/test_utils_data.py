"""minigan.utils.data: Dataset, TensorDataset, Subset and DataLoader with
PyTorch's defaults and collation (and minigan.data.DataLoader left as it was)."""
from __future__ import annotations

import numpy as np
import pytest

import minigan
from minigan.utils.data import (DataLoader, Dataset, Subset, TensorDataset, default_collate)


class Pairs(Dataset):
    """(image array, int label, float weight) samples, as a torchvision set gives."""

    def __init__(self, n=10):
        self.x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], i % 3, 0.5 * i


def test_pytorch_defaults():
    loader = DataLoader(Pairs(10))
    assert (loader.batch_size, loader.shuffle, loader.drop_last, loader.num_workers) == (1, False, False, 0)
    assert len(loader) == 10
    first = next(iter(loader))
    assert isinstance(first, list) and first[0].shape == (1, 2, 3)


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_last_partial_batch_is_kept_unless_drop_last(drop_last, sizes):
    loader = DataLoader(Pairs(10), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert [len(b[0]) for b in batches] == sizes == [len(b[0]) for b in loader]
    assert len(loader) == len(sizes)


def test_collate_dtypes_and_order():
    x, label, weight = next(iter(DataLoader(Pairs(10), batch_size=4)))
    assert x.dtype == np.float32 and x.shape == (4, 2, 3) and x.device == "cpu"
    np.testing.assert_array_equal(x.numpy(), Pairs(10).x[:4])
    assert label.dtype == np.int64 and label.tolist() == [0, 1, 2, 0]
    assert weight.dtype == np.float64 and weight.tolist() == [0.0, 0.5, 1.0, 1.5]  # as torch


def test_collate_of_dicts_strings_tensors():
    batch = default_collate([{"x": minigan.ones(2), "name": "a"}, {"x": minigan.zeros(2), "name": "b"}])
    assert batch["name"] == ["a", "b"] and batch["x"].shape == (2, 2)
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    assert default_collate([True, False]).dtype == np.bool_
    grads = [minigan.ones(2, requires_grad=True) for _ in range(2)]
    assert default_collate(grads).requires_grad  # stacking keeps the graph
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_tensor_dataset():
    images, labels = minigan.randn(7, 1, 2, 2), minigan.arange(7)
    ds = TensorDataset(images, labels)
    assert len(ds) == 7
    x, y = ds[3]
    assert x.shape == (1, 2, 2) and int(y) == 3
    batches = list(DataLoader(ds, batch_size=3))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    np.testing.assert_array_equal(batches[1][0].numpy(), images.numpy()[3:6])
    (only,) = next(iter(DataLoader(TensorDataset(images), batch_size=2)))
    assert only.shape == (2, 1, 2, 2)
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(minigan.ones(3), minigan.ones(4))
    with pytest.raises(TypeError, match="argument 0 is a ndarray"):
        TensorDataset(np.ones(3))


def test_shuffle_visits_every_sample_and_follows_manual_seed():
    ds = TensorDataset(minigan.arange(20))

    def epoch():
        return [i for (b,) in DataLoader(ds, batch_size=6, shuffle=True) for i in b.tolist()]

    minigan.manual_seed(5)
    a = epoch()
    minigan.manual_seed(5)
    assert epoch() == a
    assert sorted(a) == list(range(20)) and a != list(range(20))
    rng_order = [i for (b,) in DataLoader(ds, batch_size=20, shuffle=True,
                                          generator=np.random.default_rng(1)) for i in b.tolist()]
    assert rng_order == np.random.default_rng(1).permutation(20).tolist()


def test_array_dataset_fast_path_equals_collating_samples():
    ds = minigan.data.get_dataset("digits")
    fast = next(iter(DataLoader(ds, batch_size=5)))
    slow = default_collate([ds[i] for i in range(5)])
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_num_workers_is_accepted_and_runs_in_process():
    loader = DataLoader(Pairs(5), batch_size=2, num_workers=4, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2, worker_init_fn=lambda i: 1 / 0)
    assert len(list(loader)) == 3
    assert "in-process" in repr(loader)


def test_batch_size_none_yields_single_samples():
    samples = list(DataLoader(Pairs(3), batch_size=None))
    assert len(samples) == 3 and samples[1][0].shape == (2, 3) and samples[1][1] == 1


def test_collate_fn_and_subset():
    loader = DataLoader(Subset(Pairs(10), [9, 2]), batch_size=2, collate_fn=lambda b: [s[1] for s in b])
    assert list(loader) == [[0, 2]]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, "positive integer"),
    ({"batch_size": 2.5}, ValueError, "positive integer"),
    ({"num_workers": -1}, ValueError, "non-negative"),
    ({"prefetch_factor": 2}, ValueError, "prefetch_factor"),
    ({"persistent_workers": True}, ValueError, "num_workers > 0"),
    ({"sampler": [0, 1]}, NotImplementedError, "no samplers.*Subset"),
    ({"batch_size": None, "drop_last": True}, ValueError, "mutually exclusive"),
    ({"generator": 3}, TypeError, "numpy.random.Generator"),
])
def test_loader_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(Pairs(3), **kwargs)


def test_dataset_errors():
    with pytest.raises(TypeError, match="map-style"):
        DataLoader(iter(range(3)))

    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match="Empty must define __getitem__"):
        Empty()[0]


def test_trainer_loader_keeps_its_defaults():
    # minigan.data.DataLoader feeds the trainers: full batches (drop_last=True) by default
    import inspect

    params = inspect.signature(minigan.data.DataLoader).parameters
    assert params["drop_last"].default is True and params["shuffle"].default is True
    assert params["batch_size"].default == 64


def test_matches_torch_dataloader():
    torch = pytest.importorskip("torch")
    import torch.utils.data as tud

    class TorchPairs(tud.Dataset):
        def __init__(self):
            self.inner = Pairs(10)

        def __len__(self):
            return len(self.inner)

        def __getitem__(self, i):
            return self.inner[i]

    for kwargs in ({}, {"batch_size": 4}, {"batch_size": 4, "drop_last": True}, {"batch_size": None}):
        ours, theirs = list(DataLoader(Pairs(10), **kwargs)), list(tud.DataLoader(TorchPairs(), **kwargs))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert type(a) is type(b)
            for fa, fb in zip(a, b):
                if isinstance(fb, torch.Tensor):
                    assert fa.shape == tuple(fb.shape) and str(fa.dtype) == str(fb.dtype).split(".")[1]
                    np.testing.assert_array_equal(np.asarray(fa), fb.numpy())
                else:
                    assert fa == fb
