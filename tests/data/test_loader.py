"""DataLoader batching and shuffling, infinite(), and the get_dataset registry."""
import numpy as np
import pytest

import minigan
from minigan.data import ArrayDataset, DataLoader, get_dataset, infinite


def _epoch(loader):
    return [b.numpy().copy() for b in loader]


@pytest.mark.parametrize("n, bs, drop_last, expected", [
    (10, 3, True, 3), (10, 3, False, 4), (9, 3, True, 3), (9, 3, False, 3),
    (2, 3, True, 0), (2, 3, False, 1),
])
def test_len_matches_batches(n, bs, drop_last, expected):
    loader = DataLoader(np.zeros((n, 2)), batch_size=bs, drop_last=drop_last, seed=0)
    batches = _epoch(loader)
    assert len(loader) == expected == len(batches)
    sizes = [len(b) for b in batches]
    assert all(s == bs for s in sizes[:-1])
    if batches:
        assert sizes[-1] == (bs if drop_last or n % bs == 0 else n % bs)


def test_batches_are_float32_tensors_on_device(device):
    loader = DataLoader(np.ones((8, 1, 4, 4), dtype=np.float64), batch_size=4, device=device)
    batch = next(iter(loader))
    assert isinstance(batch, minigan.Tensor)
    assert batch.shape == (4, 1, 4, 4) and batch.dtype == np.float32 and batch.device == device
    assert not batch.requires_grad


def test_each_epoch_is_a_permutation_and_reshuffled():
    data = np.arange(20, dtype=np.float32)[:, None]
    loader = DataLoader(data, batch_size=6, drop_last=False, seed=1)
    e1, e2 = np.concatenate(_epoch(loader))[:, 0], np.concatenate(_epoch(loader))[:, 0]
    np.testing.assert_array_equal(np.sort(e1), np.arange(20))
    np.testing.assert_array_equal(np.sort(e2), np.arange(20))
    assert not np.array_equal(e1, e2)
    assert not np.array_equal(e1, np.arange(20))


def test_same_seed_same_batches_every_epoch():
    data = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    a, b = DataLoader(data, batch_size=8, seed=5), DataLoader(data, batch_size=8, seed=5)
    for _ in range(3):
        for x, y in zip(_epoch(a), _epoch(b)):
            np.testing.assert_array_equal(x, y)
    c = DataLoader(data, batch_size=8, seed=6)
    assert not np.array_equal(_epoch(a)[0], _epoch(c)[0])


def test_seed_none_follows_manual_seed():
    data = np.arange(30, dtype=np.float32)[:, None]
    minigan.manual_seed(3)
    first = _epoch(DataLoader(data, batch_size=10))
    minigan.manual_seed(3)
    again = _epoch(DataLoader(data, batch_size=10))
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)


def test_no_shuffle_keeps_order():
    data = np.arange(7, dtype=np.float32)[:, None]
    out = np.concatenate(_epoch(DataLoader(data, batch_size=3, shuffle=False, drop_last=False)))
    np.testing.assert_array_equal(out[:, 0], np.arange(7))


def test_tuple_batches_stay_aligned():
    labels = np.arange(40) % 10
    images = labels[:, None].astype(np.float32) * np.ones((1, 5), np.float32)
    loader = DataLoader((images, labels), batch_size=16, seed=0)
    for x, y in loader:
        assert x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy())
    assert len(loader) == 2


def test_dataset_objects():
    labelled = ArrayDataset(np.zeros((10, 1, 2, 2), np.float32), np.arange(10), kind="image")
    x, y = next(iter(DataLoader(labelled, batch_size=4)))
    assert x.shape == (4, 1, 2, 2) and y.shape == (4,)
    toy = get_dataset("ring8", n=100, seed=0)
    batch = next(iter(DataLoader(toy, batch_size=4)))
    assert isinstance(batch, minigan.Tensor) and batch.shape == (4, 2)


def test_infinite_crosses_epochs():
    data = np.arange(10, dtype=np.float32)[:, None]
    loader = DataLoader(data, batch_size=4, seed=0)  # 2 batches per epoch
    stream = infinite(loader)
    seen = np.concatenate([next(stream).numpy()[:, 0] for _ in range(7)])
    assert len(seen) == 28 and set(seen) <= set(range(10))
    with pytest.raises(ValueError, match="yields no batches"):
        infinite(DataLoader(data, batch_size=11))


@pytest.mark.parametrize("args, kw, error, message", [
    ((np.zeros((4, 2)),), {"batch_size": 0}, ValueError, "batch_size must be a positive int"),
    (((np.zeros((4, 2)), np.zeros(3)),), {}, ValueError, "same number of samples"),
    (("ring8",), {}, TypeError, "expects a numpy array"),
    ((np.float32(3),), {}, ValueError, "sample axis"),
])
def test_loader_errors(args, kw, error, message):
    with pytest.raises(error, match=message):
        DataLoader(*args, **kw)


# ----------------------------------------------------------------- registry
@pytest.mark.parametrize("name", ["ring8", "grid25", "swiss_roll", "spiral"])
def test_registry_toy(name):
    ds = get_dataset(name, n=500, seed=0)
    assert ds.kind == "2d" and ds.shape == (2,) and ds.labels is None
    assert ds.data.shape == (500, 2) and ds.data.dtype == np.float32


def test_registry_digits():
    ds = get_dataset("digits", size=16)
    assert ds.kind == "image" and ds.shape == (1, 16, 16) and ds.num_classes == 10
    assert ds.data.dtype == np.float32 and ds.labels.dtype == np.int64 and len(ds) == 1797
    x, y = ds[3]
    assert x.shape == (1, 16, 16) and y == 3


def test_registry_mnist(mnist_dir):
    ds = get_dataset("mnist", split="test", root=mnist_dir, download=False)
    assert ds.kind == "image" and ds.shape == (1, 28, 28) and len(ds) == 10000
    assert ds.labels.dtype == np.int64


def test_registry_fashion_offline(tmp_path):
    with pytest.raises(FileNotFoundError, match="fashion-mnist"):
        get_dataset("fashion-mnist", split="test", root=tmp_path, download=False)


def test_registry_errors():
    with pytest.raises(ValueError, match="ring8, grid25, swiss_roll, spiral, digits, mnist, "
                                         "fashion-mnist"):
        get_dataset("cifar10")
    with pytest.raises(TypeError, match="unexpected keyword.*size; it accepts n, seed"):
        get_dataset("ring8", size=28)
