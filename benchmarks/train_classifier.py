"""Train the MNIST classifier behind minigan's MNIST metrics, with minigan itself.

    python benchmarks/train_classifier.py                  # writes minigan/metrics/weights/mnist_lenet.npz
    python benchmarks/train_classifier.py --epochs 2 --out /tmp/lenet.npz   # a quick try

Data: the MNIST *test* split (10,000 digits, the split kept beside the
checkout in ../shared/data/mnist): the first 8,000 digits train, the last
2,000 are held out and only ever evaluated. (The last 5,000 test digits were
written by different people from the first 5,000 and are known to be harder,
so the held-out accuracy is a conservative figure.)

Recipe (chosen for 8,000 training digits on a 2-core CPU):

* the :class:`minigan.metrics.classifier.LeNet` network (32/64 channels,
  128 features, dropout 0.3 before the last layer);
* every batch shifted at random by up to +-2 pixels in each direction (the
  background, -1, fills in): the cheapest augmentation that helps a conv net
  on digits, and it makes the features care less about exact position;
* Adam (lr 1e-3, betas 0.9/0.999), batch 64, cross-entropy, the learning rate
  following a cosine from 1e-3 to 0 over all steps;
* the weights of the last epoch are kept (no selection on the held-out set).

OpenBLAS is limited to one thread (unless OPENBLAS_NUM_THREADS is set): on a
shared 2-core machine its thread pool made the convolution matrix products
up to ~40x slower than one thread.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads; see the docstring

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import minigan as mg  # noqa: E402
import minigan.nn.functional as F  # noqa: E402
from minigan.data import load_mnist  # noqa: E402
from minigan.metrics.classifier import WEIGHTS_PATH, LeNet, predict, save_classifier  # noqa: E402
from minigan.optim import Adam  # noqa: E402
from minigan.optim.lr_scheduler import LambdaLR  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("MINIGAN_TEST_MNIST", REPO.parent / "shared" / "data" / "mnist"))
N_TRAIN = 8000


def split_mnist(root):
    """((x_train, y_train), (x_held, y_held)): the first 8,000 / last 2,000 test digits."""
    x, y = load_mnist("test", root=root, download=False)
    return (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:], y[N_TRAIN:])


def random_shift(x, max_shift, rng):
    """Each image moved by its own (dy, dx) in [-max_shift, max_shift]^2, background -1."""
    if max_shift == 0:
        return x
    n, _, h, w = x.shape
    m = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (m, m), (m, m)), constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * m + 1, size=(2, n))
    rows = dy[:, None] + np.arange(h)[None, :]                       # (N, H)
    cols = dx[:, None] + np.arange(w)[None, :]                       # (N, W)
    return padded[np.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def accuracy(model, x, y):
    model.eval()
    acc = float((predict(x, model=model) == y).mean())
    model.train()
    return acc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with t10k-*.gz")
    p.add_argument("--out", type=Path, default=Path(WEIGHTS_PATH))
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--shift", type=int, default=2, help="max random shift in pixels (0: none)")
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--channels", type=int, nargs=2, default=(32, 64))
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    (x, y), (x_held, y_held) = split_mnist(args.data)
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = LeNet(tuple(args.channels), args.hidden, dropout=args.dropout)
    opt = Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = len(x) // args.batch_size
    total = args.epochs * steps_per_epoch
    sched = LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    print(f"LeNet {tuple(args.channels)}/{args.hidden}: "
          f"{sum(q._data.size for q in model.parameters()):,} parameters; "
          f"{len(x)} training digits, {len(x_held)} held out; {args.epochs} epochs")
    start = time.perf_counter()
    model.train()
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x))
        losses = []
        for i in range(steps_per_epoch):
            idx = order[i * args.batch_size:(i + 1) * args.batch_size]
            xb = random_shift(x[idx], args.shift, rng)
            loss = F.cross_entropy(model(mg.tensor(xb)), mg.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss))
        held = accuracy(model, x_held, y_held)
        print(f"epoch {epoch:3d}  train loss {np.mean(losses):.4f}  held-out accuracy {held:.4f}  "
              f"({time.perf_counter() - start:.0f} s)", flush=True)

    model.eval()
    held = accuracy(model, x_held, y_held)
    train_acc = accuracy(model, x, y)
    model.eval()
    command = "python benchmarks/train_classifier.py " + " ".join(argv if argv is not None else sys.argv[1:])
    save_classifier(model, args.out, held_out_accuracy=held, train_accuracy=train_acc,
                    train_digits="MNIST test split [0:8000]", held_out_digits="MNIST test split [8000:10000]",
                    epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, shift=args.shift,
                    dropout=args.dropout, seed=args.seed, command=command.strip())
    print(f"held-out accuracy {held:.4f}, training accuracy {train_acc:.4f}; "
          f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB) in "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
