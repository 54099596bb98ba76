import numpy as np
import pytest

import minigan
from minigan.gan import losses
from nonsaturating_loss import nonsaturating_loss

pytestmark = pytest.mark.task("nonsaturating_loss")


def test_equals_minus_log_sigmoid():
    l = np.array([-3.0, -0.5, 0.7, 2.0, 5.0])
    expected = -np.mean(np.log(1 / (1 + np.exp(-l))))
    assert nonsaturating_loss(minigan.tensor(l)).item() == pytest.approx(expected, rel=1e-12)


def test_finite_with_finite_gradient_at_extreme_logits():
    """A confident discriminator (logit -1000 for a fake) must still give the
    generator a gradient of -1/N, not nan or 0."""
    l = minigan.tensor(np.array([-1000.0, 1000.0, 0.0, -50.0]), requires_grad=True)
    loss = nonsaturating_loss(l)
    (g,) = minigan.grad(loss, l)
    assert loss.item() == pytest.approx((1000.0 + 0.0 + np.log(2) + 50.0) / 4, rel=1e-12)
    # d/dl softplus(-l) / N = -sigmoid(-l) / N
    np.testing.assert_allclose(g.numpy(), [-0.25, 0.0, -0.125, -0.25], atol=1e-12)


def test_gradcheck_and_gradgradcheck():
    l = minigan.tensor(np.array([-2.0, -0.3, 0.4, 1.5]), requires_grad=True)
    assert minigan.gradcheck(nonsaturating_loss, (l,))
    assert minigan.gradgradcheck(nonsaturating_loss, (l,))


def test_keeps_float32():
    assert nonsaturating_loss(minigan.randn(6)).dtype == np.float32


### BEGIN HIDDEN TESTS
def test_hidden_matches_library_loss():
    l = minigan.randn(32) * 10
    assert nonsaturating_loss(l).item() == pytest.approx(
        losses.generator_loss_nonsaturating(l).item(), rel=1e-5)
### END HIDDEN TESTS
