"""Assignment 7: the two parts of SNGAN and SAGAN.

* 7.1 SpectralNorm.compute_weight (minigan/nn/spectral_norm.py): power
  iteration v <- W^T u / |W^T u|, u <- W v / |W v|; sigma = u^T W v with u
  and v held constant; the layer uses W / sigma
* 7.2 SelfAttention.forward (minigan/nn/attention.py): beta = softmax(f^T g),
  o = h beta^T, y = gamma o + x
"""
import numpy as np
import pytest
from _reference import softmax

from minigan.homework.harness import student

lib = student("minigan", instance="7")
RNG = np.random.default_rng(7)


def _spectral(mg, w, u0, forwards, G, train=True):
    """A spectrally normalised Linear with weight w and u = u0: after
    ``forwards`` forward passes, (W_SN, u, v, d<W_SN, G>/dW) and u after one
    more forward in evaluation mode."""
    import numpy as np
    from minigan import nn
    lin = nn.Linear(w.shape[1], w.shape[0], bias=False).double()
    with mg.no_grad():
        lin.weight.copy_(mg.tensor(w))
    nn.utils.spectral_norm(lin, n_power_iterations=1)
    with mg.no_grad():
        lin.weight_u.copy_(mg.tensor(u0))
    x = mg.tensor(np.ones((1, w.shape[1])))
    lin.train(train)
    for _ in range(forwards):
        lin(x)
    w_sn = lin.weight
    (gw,) = mg.grad((w_sn * mg.tensor(G)).sum(), lin.weight_orig)
    u, v = lin.weight_u.detach().numpy().copy(), lin.weight_v.detach().numpy().copy()
    lin.eval()
    lin(x)
    return w_sn.detach().numpy(), u, v, gw.detach().numpy(), lin.weight_u.detach().numpy()


def _gapped(m, n, sigmas):
    """A matrix with the given singular values (a clear gap: fast convergence)."""
    a, _ = np.linalg.qr(RNG.standard_normal((m, m)))
    b, _ = np.linalg.qr(RNG.standard_normal((n, n)))
    s = np.zeros((m, n))
    s[range(len(sigmas)), range(len(sigmas))] = sigmas
    return a @ s @ b.T


@pytest.mark.task("7.1", points=2)
def test_one_power_iteration_step():
    w = RNG.standard_normal((4, 6))
    u0 = RNG.standard_normal(4)
    u0 /= np.linalg.norm(u0)
    w_sn, u, v, _, _ = lib.run(_spectral, w, u0, 1, np.zeros_like(w))
    v_ref = w.T @ u0 / np.linalg.norm(w.T @ u0)
    u_ref = w @ v_ref / np.linalg.norm(w @ v_ref)
    np.testing.assert_allclose(v, v_ref, rtol=1e-10, atol=1e-12, err_msg="v <- W^T u / |W^T u|")
    np.testing.assert_allclose(u, u_ref, rtol=1e-10, atol=1e-12, err_msg="u <- W v / |W v|")
    np.testing.assert_allclose(w_sn, w / (u_ref @ w @ v_ref), rtol=1e-10,
                               err_msg="W_SN = W / (u^T W v)")


@pytest.mark.task("7.1", points=2)
def test_power_iteration_converges_to_the_largest_singular_value():
    w = _gapped(5, 4, [3.0, 1.0, 0.5, 0.2])
    u0 = RNG.standard_normal(5)
    w_sn, _, _, _, _ = lib.run(_spectral, w, u0 / np.linalg.norm(u0), 20, np.zeros_like(w))
    np.testing.assert_allclose(np.linalg.svd(w_sn, compute_uv=False)[0], 1.0, rtol=1e-8,
                               err_msg="the top singular value of W / sigma after 20 steps")


@pytest.mark.task("7.1", points=2)
def test_gradient_treats_u_and_v_as_constants():
    """d<W/sigma, G>/dW = G / sigma - <G, W> / sigma^2 u v^T (Miyato et al., eq. 12)."""
    w, G = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    u0 = RNG.standard_normal(3)
    _, u, v, gw, _ = lib.run(_spectral, w, u0 / np.linalg.norm(u0), 2, G)
    sigma = u @ w @ v
    np.testing.assert_allclose(gw, G / sigma - np.sum(G * w) / sigma ** 2 * np.outer(u, v),
                               rtol=1e-8, atol=1e-12)


@pytest.mark.task("7.1", points=1)
def test_evaluation_mode_does_not_iterate():
    w = RNG.standard_normal((3, 4))
    u0 = RNG.standard_normal(3)
    _, u, _, _, u_eval = lib.run(_spectral, w, u0 / np.linalg.norm(u0), 1, np.zeros_like(w))
    np.testing.assert_array_equal(u_eval, u)


def _attention(mg, params, x, v, output_projection):
    """SelfAttention with the given parameters: y, beta, dL/dx and dL/dgamma."""
    from minigan import nn
    att = nn.SelfAttention(x.shape[1], reduction=2, output_projection=output_projection).double()
    named = dict(att.named_parameters())
    with mg.no_grad():
        for name, value in params.items():
            named[name].copy_(mg.tensor(value))
    xt = mg.tensor(x, requires_grad=True)
    y, beta = att(xt, return_attention=True)
    gx, gg = mg.grad(y, [xt, att.gamma], grad_outputs=mg.tensor(v))
    return y.detach().numpy(), beta.detach().numpy(), gx.detach().numpy(), gg.detach().numpy()


def _attention_reference(p, x, projection):
    b, c, h, w = x.shape
    flat = x.reshape(b, c, h * w)

    def conv(name, t):
        wt = p[name + ".weight"]
        return np.einsum("oi,bin->bon", wt.reshape(wt.shape[0], -1), t) + p[name + ".bias"][:, None]

    f, g, hh = conv("query", flat), conv("key", flat), conv("value", flat)
    beta = softmax(np.einsum("bcn,bcm->bnm", f, g), axis=-1)
    o = np.einsum("bcm,bnm->bcn", hh, beta)
    if projection:
        o = conv("output", o)
    return p["gamma"] * o.reshape(b, c, h, w) + x, beta


def _attention_case(projection):
    shapes = {"query": 2, "key": 2, "value": 2 if projection else 4}
    c = 4
    p = {}
    for name, out in shapes.items():
        p[name + ".weight"] = RNG.standard_normal((out, c, 1, 1)) * 0.7
        p[name + ".bias"] = RNG.standard_normal(out) * 0.1
    if projection:
        p["output.weight"] = RNG.standard_normal((c, 2, 1, 1)) * 0.7
        p["output.bias"] = RNG.standard_normal(c) * 0.1
    p["gamma"] = np.array(0.8)
    return p, RNG.standard_normal((2, c, 3, 3))


@pytest.mark.task("7.2", points=3)
@pytest.mark.parametrize("projection", [False, True], ids=["C_v=C", "output-projection"])
def test_self_attention_forward(projection):
    p, x = _attention_case(projection)
    v = RNG.standard_normal(x.shape)
    y, beta, _, _ = lib.run(_attention, p, x, v, projection)
    y_ref, beta_ref = _attention_reference(p, x, projection)
    np.testing.assert_allclose(beta.sum(-1), 1.0, rtol=1e-10, err_msg="each row of beta sums to 1")
    np.testing.assert_allclose(beta, beta_ref, rtol=1e-8, atol=1e-12,
                               err_msg="beta[b, i, j] = softmax_j(f_i . g_j)")
    np.testing.assert_allclose(y, y_ref, rtol=1e-8, atol=1e-12, err_msg="y = gamma o + x")


@pytest.mark.task("7.2", points=2)
def test_self_attention_gradients():
    p, x = _attention_case(False)
    v = RNG.standard_normal(x.shape)
    y, _, gx, gg = lib.run(_attention, p, x, v, False)
    eps, num = 1e-6, np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        num[i] = np.sum(v * (_attention_reference(p, up, False)[0]
                             - _attention_reference(p, down, False)[0])) / (2 * eps)
    np.testing.assert_allclose(gx, num, rtol=1e-6, atol=1e-8, err_msg="dL/dx")
    o = (_attention_reference(p, x, False)[0] - x) / p["gamma"]
    np.testing.assert_allclose(gg, np.sum(v * o), rtol=1e-8, err_msg="dL/dgamma = <g, o>")
