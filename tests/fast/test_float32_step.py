"""No float64 anywhere in a float32 training step: every op output, every
parameter, gradient and optimizer state of a small DCGAN step (linear,
batch norm, ReLU, transposed convs, tanh, strided convs, LeakyReLU, the
non-saturating loss, Adam) stays float32, with the compiled kernels
(minigan.fast.kernels) on and off and with the fast layer off. A silent
upcast doubles the memory traffic of every pass after it."""
from __future__ import annotations

import numpy as np
import pytest

import minigan as mg
from minigan.autograd.function import Function
from minigan.fast import kernels
from minigan.gan.losses import get_loss

PATHS = ["kernels", "numpy fast layer", "reference"]


def _networks():
    nn = mg.nn
    G = nn.Sequential(nn.Linear(16, 32 * 4 * 4), nn.Unflatten(1, (32, 4, 4)), nn.BatchNorm2d(32),
                      nn.ReLU(), nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.BatchNorm2d(16),
                      nn.ReLU(), nn.ConvTranspose2d(16, 1, 4, 2, 1), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, 16, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(16, 32, 4, 2, 1),
                      nn.BatchNorm2d(32), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(32 * 4 * 4, 1))
    return G, D


@pytest.mark.parametrize("path", PATHS)
def test_a_float32_training_step_never_makes_float64(path, monkeypatch):
    if path == "kernels" and not kernels.available():
        pytest.skip("numba is not installed")
    monkeypatch.setattr(kernels, "_enabled", path == "kernels")
    monkeypatch.setattr(mg.fast, "_enabled", path != "reference")
    offenders = set()
    call = Function.__call__

    def checked(self, *inputs):
        out = call(self, *inputs)
        for r in out if isinstance(out, tuple) else (out,):
            if r.dtype.kind in "fc" and r.dtype != np.float32:  # counters (num_batches_tracked) stay int64
                offenders.add(f"{type(self).__name__} -> {r.dtype}")
        return out

    monkeypatch.setattr(Function, "__call__", checked)
    G, D = _networks()
    opt_g, opt_d = (mg.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)) for m in (G, D))
    d_loss, g_loss = get_loss("nonsaturating")
    # a batch above kernels.PARALLEL_MIN for the big passes
    real = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (48, 1, 16, 16)).astype(np.float32))
    for _ in range(2):
        fake = G(mg.randn(48, 16))
        opt_d.zero_grad()
        d_loss(D(real), D(fake.detach())).backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss(D(fake)).backward()
        opt_g.step()
    for net in (G, D):
        for name, p in net.named_parameters():
            assert p.dtype == np.float32 and p.grad.dtype == np.float32, name
        for name, b in net.named_buffers():
            if b.dtype.kind == "f":
                assert b.dtype == np.float32, name
    for opt in (opt_g, opt_d):
        for state in opt.state.values():
            for key, value in state.items():
                dt = getattr(getattr(value, "array", value), "dtype", None)
                assert dt is None or dt.kind != "f" or dt == np.float32, key
    assert not offenders, sorted(offenders)
