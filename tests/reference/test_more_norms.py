"""InstanceNorm1d/2d and GroupNorm against PyTorch 2.13: values, gradients,
running statistics, state_dict keys and reprs."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigan  # noqa: E402
import minigan.nn as nn  # noqa: E402

torch.set_num_threads(1)


def _pair(make_m, make_t, x, train=True, steps=3):
    m, t = make_m(), make_t()
    assert list(m.state_dict()) == list(t.state_dict())
    assert repr(m) == repr(t)
    with torch.no_grad():
        for name, p in t.named_parameters():
            p.copy_(torch.tensor(np.random.default_rng(1).uniform(0.5, 1.5, p.shape)
                                 .astype(np.float32)))
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    m.train(train)
    t.train(train)
    rng = np.random.default_rng(2)
    for _ in range(steps):
        xs = (rng.standard_normal(x) * 2 + 1).astype(np.float32)
        xm = minigan.tensor(xs, requires_grad=True)
        xt = torch.tensor(xs, requires_grad=True)
        ym, yt = m(xm), t(xt)
        np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        g = rng.standard_normal(yt.shape).astype(np.float32)
        params_m = [p for p in m.parameters()]
        gm = minigan.grad(ym, [xm] + params_m, minigan.tensor(g))
        gt = torch.autograd.grad(yt, [xt] + list(t.parameters()), torch.tensor(g))
        for a, b in zip(gm, gt):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-4)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(np.asarray(m.state_dict()[k]), v.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"track_running_stats": True},
                                {"affine": True, "track_running_stats": True, "momentum": None}])
@pytest.mark.parametrize("train", [True, False])
def test_instance_norm_2d(kw, train):
    _pair(lambda: nn.InstanceNorm2d(3, **kw), lambda: torch.nn.InstanceNorm2d(3, **kw),
          (4, 3, 5, 6), train)


def test_instance_norm_1d_and_unbatched():
    _pair(lambda: nn.InstanceNorm1d(3, affine=True), lambda: torch.nn.InstanceNorm1d(3, affine=True),
          (4, 3, 7))
    _pair(lambda: nn.InstanceNorm2d(3), lambda: torch.nn.InstanceNorm2d(3), (3, 5, 6))


@pytest.mark.parametrize("groups, channels, affine", [(1, 4, True), (2, 4, True), (4, 4, False),
                                                      (3, 6, True)])
def test_group_norm(groups, channels, affine):
    _pair(lambda: nn.GroupNorm(groups, channels, affine=affine),
          lambda: torch.nn.GroupNorm(groups, channels, affine=affine), (3, channels, 4, 5))


def test_errors_have_torchs_types():
    with pytest.raises(ValueError):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError):
        torch.nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError):
        nn.GroupNorm(2, 4)(minigan.randn(2, 6, 3))
    with pytest.raises(RuntimeError):
        torch.nn.GroupNorm(2, 4)(torch.randn(2, 6, 3))
