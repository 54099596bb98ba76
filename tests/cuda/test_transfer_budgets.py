"""Each GAN family's training step on "cuda" reads from the device only the
numbers it logs, and copies only data batches to it.

Run on the CuPy stand-in, which records every transfer with the line that
made it (a GPU cannot: its transfers are only visible as time). Budget per
step, after a warm-up step has built the lazy state:

* device to host: one read per logged number, plus at most one per real
  label batch (the bound check of a conditional family's labels);
* host to device: data batches only (images, labels), never a Python number
  made into an array: scalars go straight to the kernels.
"""
import pytest

from minigan import backend
from minigan.gan.families import FAMILIES
from minigan.gan.trainer import TrainConfig, Trainer

BATCH = 8
DATA = {"gan": "ring8", "wgan": "ring8", "wgan-gp": "ring8"}
OPTIONS = {"sagan": {"ngf": 8, "ndf": 8}}


def _standin():
    from minigan.testing import cupy_standin

    if backend.require_cuda() is not cupy_standin:
        pytest.skip("transfers are counted on the CuPy stand-in only (a GPU is in use)")
    return cupy_standin


@pytest.mark.cuda
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_step_keeps_to_its_transfer_budget(family, tmp_path):
    cupy_standin = _standin()
    t = Trainer(TrainConfig(model=family, data=DATA.get(family, "digits"), steps=3, batch_size=BATCH,
                            device="cuda", out=str(tmp_path), progress=False, log_every=1,
                            sample_every=1000, checkpoint_every=1000, eval_every=0,
                            model_options=OPTIONS.get(family, {})))
    t.run(until=1)  # warm-up: optimizer moments, spectral-norm vectors, cached constants
    with cupy_standin.count_transfers() as log:
        t.run(until=2)
    logged = [k for k in t.history[-1] if k != "step"]
    conditional = family == "cgan"
    reads = log.d2h
    assert all(len(r.shape) == 0 or r.shape == (1,) for r in reads), log.summary("d2h")
    budget = len(logged) + (1 if conditional else 0)
    assert len(reads) <= budget, (f"{family}: {len(reads)} reads from the device for {len(logged)} "
                                  f"logged numbers {logged}:\n{log.summary('d2h')}")
    copies = log.h2d
    assert all(c.shape[:1] == (BATCH,) for c in copies), (
        f"{family}: host-to-device copies other than data batches:\n{log.summary('h2d')}")
