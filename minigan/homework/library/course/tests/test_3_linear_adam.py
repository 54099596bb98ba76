"""Assignment 3: the matrix product, Linear and Adam.

* 3.1 MatMulFn.backward (minigan/ops/linalg.py): batched and broadcast
* 3.2 LinearFn.backward: y = x W^T + b as one node
* 3.3 Adam._update (minigan/optim/adam.py): the class docstring's formula
"""
import numpy as np
import pytest
from _reference import numeric_grad

from minigan.homework.harness import student

lib = student("minigan", instance="3")
RNG = np.random.default_rng(3)


def _matmul(mg, a, b, v, U, u, need_b=True):
    """y = a @ b; (ga, gb) for upstream v; then d(<ga, U> + <gb, u>)/d(a, b)."""
    at = mg.tensor(a, requires_grad=True)
    bt = mg.tensor(b, requires_grad=need_b)
    y = mg.matmul(at, bt)
    if not need_b:
        (ga,) = mg.grad(y, at, grad_outputs=mg.tensor(v))
        return y.detach().numpy(), ga.detach().numpy()
    ga, gb = mg.grad(y, [at, bt], grad_outputs=mg.tensor(v), create_graph=True)
    second = mg.grad([ga, gb], [at, bt], grad_outputs=[mg.tensor(U), mg.tensor(u)])
    return [t.detach().numpy() for t in (y, ga, gb) + tuple(second)]


def _linear(mg, x, w, b, v, U):
    """y = x W^T (+ b); its gradients; then d<dL/dx, U>/dW (the mixed second derivative)."""
    F = mg.nn.functional
    xt, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    bt = None if b is None else mg.tensor(b, requires_grad=True)
    y = F.linear(xt, wt, bt)
    inputs = [xt, wt] + ([] if bt is None else [bt])
    grads = mg.grad(y, inputs, grad_outputs=mg.tensor(v), create_graph=True)
    (gxw,) = mg.grad(grads[0], wt, grad_outputs=mg.tensor(U))
    return [y.detach().numpy()] + [g.detach().numpy() for g in grads] + [gxw.detach().numpy()]


def _adam(mg, theta, grads, hyper):
    """The parameter after each Adam step, from the given gradients."""
    p = mg.nn.Parameter(mg.tensor(theta))
    opt = mg.optim.Adam([p], **hyper)
    out = []
    for g in grads:
        p.grad = mg.tensor(g)
        opt.step()
        out.append(p.detach().numpy().copy())
    return mg.fast.enabled(), out


def _bilinear_second(inner, a, b):
    return numeric_grad(lambda t: inner(t, b), a), numeric_grad(lambda t: inner(a, t), b)


@pytest.mark.task("3.1", points=3)
def test_matmul_2d():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    v, U, u = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    y, ga, gb, gga, ggb = lib.run(_matmul, a, b, v, U, u)
    np.testing.assert_allclose(y, a @ b, rtol=1e-12)
    np.testing.assert_allclose(ga, v @ b.T, rtol=1e-10, err_msg="dL/da = g b^T")
    np.testing.assert_allclose(gb, a.T @ v, rtol=1e-10, err_msg="dL/db = a^T g")
    inner = lambda x, z: np.sum((v @ z.T) * U) + np.sum((x.T @ v) * u)  # noqa: E731
    exp_a, exp_b = _bilinear_second(inner, a, b)
    np.testing.assert_allclose(gga, exp_a, rtol=1e-6, atol=1e-8, err_msg="second derivative, d/da")
    np.testing.assert_allclose(ggb, exp_b, rtol=1e-6, atol=1e-8, err_msg="second derivative, d/db")


@pytest.mark.task("3.1", points=3)
def test_matmul_batched_with_a_broadcast_matrix():
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((4, 5))
    v = RNG.standard_normal((2, 3, 5))
    U, u = RNG.standard_normal(a.shape), RNG.standard_normal(b.shape)
    y, ga, gb, gga, ggb = lib.run(_matmul, a, b, v, U, u)
    np.testing.assert_allclose(y, a @ b, rtol=1e-12)
    np.testing.assert_allclose(ga, v @ b.T, rtol=1e-10, err_msg="dL/da")
    assert gb.shape == b.shape, f"dL/db has shape {gb.shape}, expected {b.shape}: b was " \
                                "broadcast over the batch, so sum its gradient over it"
    np.testing.assert_allclose(gb, np.einsum("nij,nik->jk", a, v), rtol=1e-10, err_msg="dL/db")
    inner = lambda x, z: np.sum((v @ z.T) * U) + np.sum(np.einsum("nij,nik->jk", x, v) * u)  # noqa
    exp_a, exp_b = _bilinear_second(inner, a, b)
    np.testing.assert_allclose(gga, exp_a, rtol=1e-6, atol=1e-8, err_msg="second derivative, d/da")
    np.testing.assert_allclose(ggb, exp_b, rtol=1e-6, atol=1e-8, err_msg="second derivative, d/db")


@pytest.mark.task("3.1", points=1)
def test_matmul_only_the_inputs_that_need_a_gradient():
    a, b, v = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)), RNG.standard_normal((3, 2))
    y, ga = lib.run(_matmul, a, b, v, None, None, False)
    np.testing.assert_allclose(ga, v @ b.T, rtol=1e-10)


@pytest.mark.task("3.2", points=3)
@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    x, w = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((5, 4))
    b = RNG.standard_normal(5) if bias else None
    v, U = RNG.standard_normal((2, 3, 5)), RNG.standard_normal(x.shape)
    out = lib.run(_linear, x, w, b, v, U)
    assert len(out) == (5 if bias else 4), "one gradient per input: x, W (and b)"
    y, gx, gw = out[:3]
    np.testing.assert_allclose(y, x @ w.T + (0 if b is None else b), rtol=1e-10)
    np.testing.assert_allclose(gx, v @ w, rtol=1e-10, err_msg="dL/dx = g W")
    np.testing.assert_allclose(gw, np.einsum("nio,nij->oj", v, x), rtol=1e-10,
                               err_msg="dL/dW = g^T x, shape (out, in)")
    if bias:
        np.testing.assert_allclose(out[3], v.sum(axis=(0, 1)), rtol=1e-10, err_msg="dL/db")
    # d<dL/dx, U>/dW = d<g W, U>/dW = g^T U
    np.testing.assert_allclose(out[-1], np.einsum("nio,nij->oj", v, U), rtol=1e-10,
                               err_msg="second derivative d<dL/dx, U>/dW: write dx with ops")


def _adam_reference(theta, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    amsgrad=False, maximize=False):
    """Kingma & Ba's Adam with PyTorch's conventions, step by step."""
    b1, b2 = betas
    m, v, vmax, out = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta), []
    for t, g in enumerate(grads, 1):
        g = -g if maximize else g
        g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        vhat = vmax if amsgrad else v
        theta = theta - lr / (1 - b1 ** t) * m / (np.sqrt(vhat) / np.sqrt(1 - b2 ** t) + eps)
        out.append(theta)
    return out


@pytest.mark.task("3.3", points=2)
def test_adam_first_step_is_lr_times_the_sign():
    theta, g = np.zeros(3), np.array([[0.5, -2.0, 1e-3]])
    fast, out = lib.run(_adam, theta, list(g), {"lr": 0.1, "eps": 0.0})
    assert fast is False, "the fast layer is on: its update would run instead of yours"
    np.testing.assert_allclose(out[0], -0.1 * np.sign(g[0]), rtol=1e-12)


@pytest.mark.task("3.3", points=3)
@pytest.mark.parametrize("hyper", [
    {"lr": 1e-2},
    {"lr": 2e-4, "betas": (0.5, 0.999), "weight_decay": 0.1},
    {"lr": 1e-2, "amsgrad": True, "maximize": True},
], ids=["default", "dcgan-betas-weight-decay", "amsgrad-maximize"])
def test_adam_matches_the_formula_over_several_steps(hyper):
    theta = RNG.standard_normal(5)
    grads = [RNG.standard_normal(5) * (1 + k) for k in range(6)]
    _, out = lib.run(_adam, theta, grads, hyper)
    for k, (ours, ref) in enumerate(zip(out, _adam_reference(theta, grads, **hyper))):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-14,
                                   err_msg=f"parameters after step {k + 1}")
