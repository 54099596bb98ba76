"""End to end: an MLP and a small conv net learn real MNIST digits.

The layers, the losses, the autograd engine and an optimizer together must
beat chance (10%) by a wide margin on digits held out from training. Uses the
MNIST test split (10,000 digits, read straight from the gzip IDX files): the
first 8,000 train, the last 2,000 are held out.
"""
import functools
import gzip

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F
from minigan.optim import SGD, Adam


def _read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


@functools.lru_cache(maxsize=1)
def _load(path):
    images = _read_idx(path / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    labels = _read_idx(path / "t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    assert images.shape == (10000, 1, 28, 28) and labels.shape == (10000,)
    x = (images.astype(np.float32) / 255.0 - 0.5) / 0.5          # [-1, 1], as GANs use
    return (x[:8000], labels[:8000]), (x[8000:], labels[8000:])


@pytest.fixture
def digits(mnist_dir):
    return _load(mnist_dir)


def _train(model, opt, x, y, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(mg.tensor(x[idx])), mg.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return float(loss)


def _accuracy(model, x, y):
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(x))
    return float((np.asarray(logits).argmax(1) == y).mean())


def test_mlp_learns_mnist(digits):
    (x, y), (x_test, y_test) = digits
    mg.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(128, 10))
    final_loss = _train(model, Adam(model.parameters(), lr=1e-3), x, y, epochs=2, batch_size=64)
    acc = _accuracy(model, x_test, y_test)
    assert acc > 0.88, f"MLP held-out accuracy {acc:.3f} (final train loss {final_loss:.3f})"
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_conv_net_learns_mnist(digits):
    (x, y), (x_test, y_test) = digits
    mg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.LeakyReLU(0.2),    # 8 x 14 x 14
        nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.LeakyReLU(0.2),   # 16 x 7 x 7
        nn.AvgPool2d(2, padding=1),                                    # 16 x 4 x 4
        nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
    )
    final_loss = _train(model, SGD(model.parameters(), lr=0.05, momentum=0.9), x, y,
                        epochs=2, batch_size=50)
    acc = _accuracy(model, x_test, y_test)
    assert acc > 0.88, f"conv net held-out accuracy {acc:.3f} (final train loss {final_loss:.3f})"
