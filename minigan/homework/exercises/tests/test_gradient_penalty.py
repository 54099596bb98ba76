"""Points follow the task: the penalty's value and, above all, its gradient
with respect to the critic's weights (which needs create_graph=True)."""
import numpy as np
import pytest

import minigan
from minigan.gan import penalties
from minigan.homework.harness import student
from minigan.random import uniform_array

gp = student("gradient_penalty")


def _linear(mod, w, real, fake, alpha):
    """D(x) = x . w: the penalty and its gradient w.r.t. w."""
    import minigan
    w = minigan.tensor(w, requires_grad=True)
    out = mod.gradient_penalty(lambda x: x @ w, minigan.tensor(real), minigan.tensor(fake),
                               minigan.tensor(alpha), weight=10.0)
    (gw,) = minigan.grad(out, w)
    return out, gw


def _mlp(mod, W1, W2, real, fake, alpha, dW1, dW2, e):
    """D(x) = tanh(x W1) W2: the penalty's gradient w.r.t. (W1, W2) along
    (dW1, dW2), and the penalty at W +- e dW (for central differences)."""
    import minigan

    def penalty(A, B, requires_grad=False):
        A = minigan.tensor(A, requires_grad=requires_grad)
        B = minigan.tensor(B, requires_grad=requires_grad)
        out = mod.gradient_penalty(lambda x: minigan.tanh(x @ A) @ B, minigan.tensor(real),
                                   minigan.tensor(fake), minigan.tensor(alpha))
        return out, A, B

    out, A, B = penalty(W1, W2, True)
    gA, gB = minigan.grad(out, [A, B])
    plus = penalty(W1 + e * dW1, W2 + e * dW2)[0]
    minus = penalty(W1 - e * dW1, W2 - e * dW2)[0]
    return out, (gA * minigan.tensor(dW1)).sum() + (gB * minigan.tensor(dW2)).sum(), plus, minus


def _detached(mod, w, real, fake, alpha):
    """Whether real and fake received a gradient."""
    import minigan
    w = minigan.tensor(w, requires_grad=True)
    r = minigan.tensor(real, requires_grad=True)
    f = minigan.tensor(fake, requires_grad=True)
    mod.gradient_penalty(lambda x: (x @ w) ** 2, r, f, minigan.tensor(alpha)).backward()
    return r.grad is None, f.grad is None, w.grad is not None


def _batch(n=4, d=3, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype(dtype), rng.standard_normal((n, d)).astype(dtype),
            rng.random((n, 1)).astype(dtype))


def _reference(W1, W2, real, fake, alpha, weight=10.0, eps=1e-12):
    """WGAN-GP of D(x) = tanh(x W1) W2 in closed form: grad_x D = (1 - t^2) W2^T W1^T."""
    x = alpha * real + (1 - alpha) * fake
    t = np.tanh(x @ W1)
    g = ((1 - t ** 2) * W2.T) @ W1.T
    return weight * np.mean((np.sqrt((g ** 2).sum(axis=1) + eps) - 1) ** 2)


@pytest.mark.task("gradient_penalty", points=3)
def test_linear_critic_closed_form():
    """D(x) = x . w has gradient w everywhere: GP = weight (||w|| - 1)^2."""
    w = np.array([3.0, 0.0, 4.0])
    value, gw = gp.run(_linear, w, *_batch())
    assert float(value) == pytest.approx(10.0 * (5.0 - 1.0) ** 2, rel=1e-9)
    # d/dw 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w||
    np.testing.assert_allclose(gw, 20 * 4.0 * w / 5.0, rtol=1e-9)


@pytest.mark.task("gradient_penalty", points=4)
def test_value_and_gradient_through_the_gradient():
    """A nonlinear critic: the value against the closed form, and the
    gradient w.r.t. the critic's weights (second derivatives of the critic)
    against central differences."""
    rng = np.random.default_rng(1)
    W1, W2 = rng.standard_normal((3, 5)) * 0.7, rng.standard_normal((5, 1)) * 0.7
    dW1, dW2 = rng.standard_normal(W1.shape), rng.standard_normal(W2.shape)
    real, fake, alpha = _batch(n=3, seed=2)
    e = 1e-6
    value, directional, plus, minus = gp.run(_mlp, W1, W2, real, fake, alpha, dW1, dW2, e)
    assert float(value) == pytest.approx(_reference(W1, W2, real, fake, alpha), rel=1e-9)
    assert float(plus) == pytest.approx(_reference(W1 + e * dW1, W2 + e * dW2, real, fake, alpha),
                                        rel=1e-9)
    numeric = (_reference(W1 + e * dW1, W2 + e * dW2, real, fake, alpha)
               - _reference(W1 - e * dW1, W2 - e * dW2, real, fake, alpha)) / (2 * e)
    assert float(directional) == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@pytest.mark.task("gradient_penalty", points=1)
def test_real_and_fake_get_no_gradient():
    real_none, fake_none, w_has = gp.run(_detached, np.array([1.0, 2.0, 2.0]), *_batch())
    assert real_none and fake_none and w_has


### BEGIN HIDDEN TESTS
def _library_case(mod, W, real, fake, alpha):
    import minigan
    W = minigan.tensor(W, requires_grad=True)

    def critic(x):
        return minigan.tanh(x.reshape(x.shape[0], -1) @ W)

    out = mod.gradient_penalty(critic, minigan.tensor(real), minigan.tensor(fake),
                               minigan.tensor(alpha), weight=5.0)
    return out


@pytest.mark.task("gradient_penalty", points=2)
def test_hidden_matches_library_penalty():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((2 * 3 * 3, 1)).astype(np.float32)
    real = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    fake = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    Wt = minigan.tensor(W, requires_grad=True)

    def critic(x):
        return minigan.tanh(x.reshape(x.shape[0], -1) @ Wt)

    minigan.manual_seed(7)
    expected, _ = penalties.gradient_penalty(critic, minigan.tensor(real), minigan.tensor(fake),
                                             weight=5.0)
    minigan.manual_seed(7)
    alpha = uniform_array((4, 1, 1, 1), np.float32)
    ours = gp.run(_library_case, W, real, fake, alpha)
    assert ours.dtype == np.float32
    assert float(ours) == pytest.approx(expected.item(), rel=1e-5)
### END HIDDEN TESTS
