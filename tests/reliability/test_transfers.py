"""A training step moves nothing to the host but the scalars it logs.

On CUDA every host transfer is a synchronisation (the step waits for the
GPU) and a copy; minigan's code reaches the host only through
``Tensor.item / numpy / tolist / cpu / float()`` and
``backend.to_device(..., "cpu")``. This test counts those calls during
training steps, on the CPU always and on CUDA when present: the same code
runs on both, so a transfer added to a hot path shows up here first."""
import numpy as np
import pytest

from minigan import backend
from minigan.autograd.tensor import Tensor
from minigan.gan.trainer import TrainConfig, Trainer

CASES = [("dcgan", "digits", {}),
         ("wgan-gp", "ring8", {}),
         ("sagan", "digits", {"ngf": 8, "ndf": 8})]


@pytest.mark.parametrize("family, data, options", CASES, ids=[c[0] for c in CASES])
def test_a_step_transfers_only_its_logged_scalars(tmp_path, monkeypatch, device, family, data,
                                                  options):
    t = Trainer(TrainConfig(model=family, data=data, steps=4, batch_size=8, device=device,
                            out=str(tmp_path), progress=False, log_every=1, sample_every=1000,
                            checkpoint_every=1000, eval_every=0, model_options=options))
    t.run(until=1)  # warm-up: lazy state (optimizer moments, spectral-norm vectors) is built
    scalars, arrays = [], []
    for name in ("item", "__float__"):
        real = getattr(Tensor, name)
        monkeypatch.setattr(Tensor, name, lambda self, _r=real: scalars.append(self.shape) or _r(self))
    for name in ("numpy", "tolist", "cpu"):
        real = getattr(Tensor, name)
        monkeypatch.setattr(Tensor, name, lambda self, *a, _r=real, **k: arrays.append(self.shape)
                            or _r(self, *a, **k))
    real_to_device = backend.to_device

    def to_device(array, dev):
        if dev == "cpu" and backend.device_of(array) != "cpu" or dev == "cpu" and device == "cpu":
            arrays.append(np.shape(array))
        return real_to_device(array, dev)
    monkeypatch.setattr(backend, "to_device", to_device)
    steps = 2
    t.run(until=1 + steps)
    logged = [r for r in t.history[-steps:]]
    assert all(r.get("step") for r in logged) and len(logged) == steps
    assert arrays == [], f"array transfers in a training step: shapes {arrays}"
    # one transfer per logged number at most, each of a single element
    assert all(int(np.prod(s)) == 1 for s in scalars), scalars
    n_logged = sum(len([k for k in r if k != "step"]) for r in logged)
    assert 0 < len(scalars) <= n_logged, (len(scalars), n_logged)
