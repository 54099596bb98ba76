"""Spectral normalisation: PyTorch's parameter/buffer layout, the power
iteration against NumPy's SVD, train/eval behaviour, state_dict, removal,
errors, and first and second derivatives of spectrally normalised layers."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.nn.utils import SpectralNorm, remove_spectral_norm, spectral_norm


def _matrix(w, dim):
    w = np.moveaxis(np.asarray(w, dtype=np.float64), dim, 0)
    return w.reshape(w.shape[0], -1)


def _sigma_from_buffers(m, dim):
    u, v = m.weight_u.numpy().astype(np.float64), m.weight_v.numpy().astype(np.float64)
    return u @ _matrix(m.weight_orig.detach().numpy(), dim) @ v


LAYERS = [
    (lambda: nn.Linear(7, 5), (3, 7), 0),
    (lambda: nn.Conv2d(3, 4, 3, padding=1), (2, 3, 4, 4), 0),
    (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2), (2, 3, 3, 3), 1),
]
IDS = ["Linear", "Conv2d", "ConvTranspose2d"]


@pytest.mark.parametrize("make, in_shape, dim", LAYERS, ids=IDS)
def test_layout_matches_pytorch(make, in_shape, dim):
    layer = make()
    w = layer.weight.detach().numpy().copy()
    m = spectral_norm(layer)
    assert m is layer
    names = [n for n, _ in m.named_parameters()]
    assert names == ["bias", "weight_orig"]
    assert sorted(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    np.testing.assert_array_equal(m.weight_orig.detach().numpy(), w)
    rows, cols = _matrix(w, dim).shape
    assert m.weight_u.shape == (rows,) and m.weight_v.shape == (cols,)
    for vec in (m.weight_u, m.weight_v):
        assert vec.dtype == np.float32 and not vec.requires_grad
        np.testing.assert_allclose(np.linalg.norm(vec.numpy()), 1.0, rtol=1e-5)
    y = m(mg.randn(*in_shape))
    assert y.dtype == np.float32 and m.weight.dtype == np.float32


@pytest.mark.parametrize("make, in_shape, dim", LAYERS, ids=IDS)
def test_sigma_converges_to_largest_singular_value(make, in_shape, dim):
    m = spectral_norm(make())
    x = mg.randn(*in_shape)
    for _ in range(50):
        m(x)
    w = m.weight_orig.detach().numpy()
    top = np.linalg.svd(_matrix(w, dim), compute_uv=False)[0]
    np.testing.assert_allclose(_sigma_from_buffers(m, dim), top, rtol=1e-4)
    # the weight the layer uses is W / sigma: its spectral norm is 1
    np.testing.assert_allclose(m.weight.detach().numpy(), w / _sigma_from_buffers(m, dim),
                               rtol=1e-5, atol=1e-7)
    assert np.linalg.svd(_matrix(m.weight.detach().numpy(), dim), compute_uv=False)[0] == \
        pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("n_iter", [1, 3])
def test_power_iteration_step_matches_numpy(n_iter):
    m = spectral_norm(nn.Conv2d(2, 3, 2), n_power_iterations=n_iter)
    u = m.weight_u.numpy().astype(np.float64).copy()
    w = _matrix(m.weight_orig.detach().numpy(), 0)
    m(mg.randn(1, 2, 3, 3))
    for _ in range(n_iter):
        v = w.T @ u
        v /= np.linalg.norm(v)
        u = w @ v
        u /= np.linalg.norm(u)
    np.testing.assert_allclose(m.weight_u.numpy(), u, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight_v.numpy(), v, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight.detach().numpy(),
                               m.weight_orig.detach().numpy() / (u @ w @ v),
                               rtol=1e-5, atol=1e-7)


def test_eval_reuses_the_stored_vectors():
    m = spectral_norm(nn.Linear(4, 6))
    x = mg.randn(2, 4)
    m(x)
    m.eval()
    u, v = m.weight_u.numpy().copy(), m.weight_v.numpy().copy()
    y1 = m(x)
    y2 = m(x)
    np.testing.assert_array_equal(m.weight_u.numpy(), u)
    np.testing.assert_array_equal(m.weight_v.numpy(), v)
    np.testing.assert_array_equal(y1.detach().numpy(), y2.detach().numpy())
    m.train()
    m(x)
    assert not np.array_equal(m.weight_u.numpy(), u)


def test_state_dict_round_trip():
    a = spectral_norm(nn.Conv2d(2, 3, 3))
    x = mg.randn(2, 2, 4, 4)
    for _ in range(3):
        a(x)
    b = spectral_norm(nn.Conv2d(2, 3, 3))
    b.load_state_dict(a.state_dict())
    for k in ("weight_orig", "weight_u", "weight_v", "bias"):
        np.testing.assert_array_equal(getattr(b, k).detach().numpy(),
                                      getattr(a, k).detach().numpy())
    a.eval()
    b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_gradient_reaches_weight_orig_and_old_graphs_survive_buffer_updates():
    m = spectral_norm(nn.Linear(3, 2))
    x = mg.randn(4, 3)
    y1 = m(x).sum()
    y2 = m(x).sum()  # updates weight_u / weight_v in place
    (y1 + y2).backward()
    assert m.weight_orig.grad is not None and m.weight_orig.grad.shape == (2, 3)
    assert np.all(np.isfinite(m.weight_orig.grad.numpy()))


def test_remove_spectral_norm_restores_a_parameter():
    m = spectral_norm(nn.Linear(5, 3))
    x = mg.randn(2, 5)
    for _ in range(5):
        m(x)
    m.eval()
    expected = m(x).detach().numpy()
    w_sn = m.weight.detach().numpy().copy()
    assert remove_spectral_norm(m) is m
    assert not m._forward_pre_hooks
    assert sorted(m.state_dict()) == ["bias", "weight"]
    assert isinstance(m.weight, mg.nn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), w_sn, rtol=1e-6)
    np.testing.assert_allclose(m(x).detach().numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        remove_spectral_norm(m)


def test_errors_are_clear():
    m = spectral_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="already has a spectral_norm hook"):
        spectral_norm(m)
    with pytest.raises(ValueError, match=r"has no parameter 'kernel' \(its parameters"):
        spectral_norm(nn.Linear(2, 2), name="kernel")
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="dim=2 is out of range"):
        spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(TypeError, match="expects a minigan.nn.Module"):
        spectral_norm(mg.randn(2, 2))


def test_spectral_norm_hook_class_and_dtype_change():
    m = spectral_norm(nn.ConvTranspose2d(2, 3, 2))
    hooks = [h for h in m._forward_pre_hooks.values() if isinstance(h, SpectralNorm)]
    assert len(hooks) == 1 and hooks[0].dim == 1 and hooks[0].name == "weight"
    m.double()
    y = m(mg.randn(1, 2, 2, 2, dtype=mg.float64))
    assert y.dtype == np.float64 and m.weight_u.dtype == np.float64


# ---------------------------------------------------------------- derivatives
# Gradients treat u and v as constants (d sigma / dW = u v^T), so the checks run
# in eval mode: there the forward is exactly W / (u^T W v) with u, v fixed,
# which is the function the analytic gradient differentiates. (In training
# mode every forward would also move u and v.)
@pytest.mark.parametrize("make, in_shape, dim", [
    (lambda: nn.Linear(4, 3), (2, 4), 0),
    (lambda: nn.Conv2d(2, 3, 2), (1, 2, 3, 3), 0),
    (lambda: nn.ConvTranspose2d(2, 2, 2, stride=2), (1, 2, 2, 2), 1),
], ids=IDS)
def test_gradcheck_and_gradgradcheck(make, in_shape, dim):
    m = spectral_norm(make()).double()
    for _ in range(3):
        m(mg.randn(*in_shape, dtype=mg.float64))
    m.eval()
    x = mg.tensor(np.random.default_rng(0).standard_normal(in_shape), requires_grad=True)
    fn = lambda x, w: mg.tanh(m(x))  # noqa: E731 - tanh: curvature on top of a linear map
    mg.gradcheck(fn, (x, m.weight_orig))
    mg.gradgradcheck(fn, (x, m.weight_orig))
