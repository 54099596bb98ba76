"""Assignment 8, the capstone: the course's DCGAN (minigan.gan.models, the
DCGAN networks of Radford et al. with the non-saturating loss and Adam)
trains on your engine, with the fast layer off. No new code: everything
the training step touches is what you wrote in assignments 1 to 7 (but
spectral norm and attention, which DCGAN does not use).

Data: 1,024 real MNIST digits when ``MINIGAN_TEST_MNIST`` (or
``../shared/data/mnist`` beside the course folder) holds the test split
``t10k-images-idx3-ubyte.gz``, else the 1,797 UCI digits that ship inside
minigan, resized to 28x28. A small DCGAN (16 channels) trains for 80 steps,
batch 32, Adam at 1e-3: a few seconds per seed. Two checks, each with a
wide margin so that no BLAS rounding can flip them:

* D learns: its loss starts near 2 log 2 = 1.39 (an undecided D, D(x) =
  1/2) and its mean over steps 11 to 80 is below that by more than 0.4 (it
  falls, then climbs back part of the way as G catches up: GAN dynamics);
* G's samples look like digits: their mean distance to the nearest real
  digit is below 0.8 x that of uniform noise, and below that of the same
  generator before training.
"""
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from minigan.homework.harness import student

lib = student("minigan", instance="8")
STEPS, BATCH, LR = 80, 32, 1e-3


def _train_dcgan(mg, data, seed, steps, batch, lr):
    """D's loss at every step, and 64 samples of G before and after training."""
    import numpy as np
    from minigan.gan.models import build
    from minigan.gan.updaters import Updater, UpdaterConfig
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    G, D, _ = build("dcgan", "image", image_size=28, latent_dim=32, ngf=16, ndf=16)
    opt_g = mg.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = mg.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    updater = Updater(G, D, opt_g, opt_d, 32, UpdaterConfig(loss="nonsaturating"))
    z = mg.randn(64, 32)
    with mg.no_grad():
        before = G(z).detach().numpy()
    losses = []
    for _ in range(steps):
        real = mg.tensor(data[rng.integers(0, len(data), batch)])
        losses.append(updater.step(lambda: real)["d_loss"])
    with mg.no_grad():
        after = G(z).detach().numpy()  # batch statistics, as in training
    return mg.fast.enabled(), losses, before, after


def _mnist_dir():
    here = Path(__file__).resolve().parents[1]
    for folder in (os.environ.get("MINIGAN_TEST_MNIST"), here.parent / "shared" / "data" / "mnist"):
        if folder and (Path(folder) / "t10k-images-idx3-ubyte.gz").is_file():
            return Path(folder)
    return None


def _digits():
    """(training images, reference images), float32 (N, 1, 28, 28) in [-1, 1]."""
    folder = _mnist_dir()
    if folder is not None:
        with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "rb") as f:
            raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
        images = raw[:1524].astype(np.float32) / 127.5 - 1
    else:
        from minigan.data.digits import load_digits
        images = load_digits(size=28)[0][:1524]
    return images[:1024], images[1024:]


def _nearest_real(samples, reference):
    s, r = samples.reshape(len(samples), -1), reference.reshape(len(reference), -1)
    d2 = (s * s).sum(1)[:, None] - 2 * s @ r.T + (r * r).sum(1)[None]
    return float(np.sqrt(np.maximum(d2.min(axis=1), 0)).mean())


@pytest.fixture(scope="module")
def digits():
    return _digits()


@pytest.mark.task("8.1", points=5)
@pytest.mark.parametrize("seed", [0, 1])
def test_dcgan_trains_on_your_engine(digits, seed):
    train, reference = digits
    fast, losses, before, after = lib.run(_train_dcgan, train, seed, STEPS, BATCH, LR, timeout=120)
    assert fast is False, "the fast layer is on: its overrides would train instead of your code"
    losses = np.asarray(losses)
    assert np.all(np.isfinite(losses)), f"D's loss is not finite: {losses}"
    undecided, d_later = 2 * np.log(2), losses[10:].mean()
    assert d_later < undecided - 0.4, (
        f"D's loss did not fall: {d_later:.3f} on average over steps 11 to {STEPS}, against "
        f"{undecided:.3f} for an undecided D (first steps: {np.round(losses[:3], 3)})")
    noise = np.random.default_rng(seed).uniform(-1, 1, after.shape).astype(np.float32)
    trained, untrained, uniform = (_nearest_real(x, reference) for x in (after, before, noise))
    assert trained < 0.8 * uniform and trained < untrained, (
        f"G's samples are not closer to real digits: mean distance to the nearest real digit "
        f"{trained:.2f} after training, {untrained:.2f} before, {uniform:.2f} for uniform noise")
