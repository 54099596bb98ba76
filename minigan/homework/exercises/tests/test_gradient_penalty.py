import numpy as np
import pytest

import minigan
from gradient_penalty import gradient_penalty
from minigan.gan import penalties
from minigan.random import uniform_array

pytestmark = pytest.mark.task("gradient_penalty")


def _batch(n=4, d=3, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return (minigan.tensor(rng.standard_normal((n, d)).astype(dtype)),
            minigan.tensor(rng.standard_normal((n, d)).astype(dtype)),
            minigan.tensor(rng.random((n, 1)).astype(dtype)))


def test_linear_critic_closed_form():
    """D(x) = x . w has gradient w everywhere: GP = weight (||w|| - 1)^2."""
    w = minigan.tensor(np.array([3.0, 0.0, 4.0]), requires_grad=True)
    real, fake, alpha = _batch()
    gp = gradient_penalty(lambda x: x @ w, real, fake, alpha, weight=10.0)
    assert gp.item() == pytest.approx(10.0 * (5.0 - 1.0) ** 2, rel=1e-9)
    (gw,) = minigan.grad(gp, w)
    # d/dw 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w||
    np.testing.assert_allclose(gw.numpy(), 20 * 4.0 * np.array([3.0, 0.0, 4.0]) / 5.0, rtol=1e-9)


def test_gradcheck_through_the_gradient():
    """The penalty's gradient w.r.t. the critic's weights needs second
    derivatives of the critic: check it against finite differences."""
    rng = np.random.default_rng(1)
    W1 = minigan.tensor(rng.standard_normal((3, 5)) * 0.7, requires_grad=True)
    W2 = minigan.tensor(rng.standard_normal((5, 1)) * 0.7, requires_grad=True)
    real, fake, alpha = _batch(n=3, seed=2)

    def gp(W1, W2):
        return gradient_penalty(lambda x: minigan.tanh(x @ W1) @ W2, real, fake, alpha)

    assert minigan.gradcheck(gp, (W1, W2), mode="full")


def test_real_and_fake_get_no_gradient():
    w = minigan.tensor(np.array([1.0, 2.0, 2.0]), requires_grad=True)
    real, fake, alpha = _batch()
    real.requires_grad_(), fake.requires_grad_()
    gp = gradient_penalty(lambda x: (x @ w) ** 2, real, fake, alpha)
    gp.backward()
    assert real.grad is None and fake.grad is None and w.grad is not None


### BEGIN HIDDEN TESTS
def test_hidden_matches_library_penalty():
    rng = np.random.default_rng(3)
    W = minigan.tensor(rng.standard_normal((2 * 3 * 3, 1)).astype(np.float32), requires_grad=True)
    real = minigan.tensor(rng.standard_normal((4, 2, 3, 3)).astype(np.float32))
    fake = minigan.tensor(rng.standard_normal((4, 2, 3, 3)).astype(np.float32))

    def critic(x):
        return minigan.tanh(x.reshape(x.shape[0], -1) @ W)

    minigan.manual_seed(7)
    expected, _ = penalties.gradient_penalty(critic, real, fake, weight=5.0)
    minigan.manual_seed(7)
    alpha = minigan.tensor(uniform_array((4, 1, 1, 1), np.float32))
    ours = gradient_penalty(critic, real, fake, alpha, weight=5.0)
    assert ours.dtype == np.float32
    assert ours.item() == pytest.approx(expected.item(), rel=1e-5)
### END HIDDEN TESTS
