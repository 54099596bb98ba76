import numpy as np
import pytest

import minigan
from batchnorm_backward import batchnorm_backward, batchnorm_forward
from minigan.nn.normalization import batch_norm

pytestmark = pytest.mark.task("batchnorm_backward")


def _autograd(x, gamma, beta, g):
    """Reference: minigan's composite batch_norm, differentiated by the engine (float64)."""
    xt, gt, bt = (minigan.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    y.backward(minigan.tensor(g))
    return xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def _data(shape, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    return (rng.standard_normal(shape) * 3 + 1, rng.standard_normal(c), rng.standard_normal(c),
            rng.standard_normal(shape))


def test_matches_minigan_autograd_2d():
    x, gamma, beta, g = _data((8, 3), 0)
    ours = batchnorm_backward(g, x, gamma)
    for a, b in zip(ours, _autograd(x, gamma, beta, g)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_central_differences():
    x, gamma, beta, g = _data((5, 2), 1)
    gx, ggamma, gbeta = batchnorm_backward(g, x, gamma)
    rng, e = np.random.default_rng(2), 1e-6
    for arr, grad, args in ((x, gx, lambda d: (x + d, gamma, beta)),
                            (gamma, ggamma, lambda d: (x, gamma + d, beta)),
                            (beta, gbeta, lambda d: (x, gamma, beta + d))):
        d = rng.standard_normal(arr.shape) * e
        num = np.sum(g * (batchnorm_forward(*args(d)) - batchnorm_forward(*args(-d)))) / (2 * e)
        assert np.sum(grad * d / e) == pytest.approx(num, rel=1e-5, abs=1e-8)


def test_gradient_of_a_constant_shift_is_zero():
    """Adding the same number to a channel changes nothing downstream, so
    grad_x sums to zero over each channel."""
    x, gamma, _, g = _data((6, 4), 3)
    gx, _, _ = batchnorm_backward(g, x, gamma)
    np.testing.assert_allclose(gx.sum(axis=0), 0.0, atol=1e-10)


### BEGIN HIDDEN TESTS
def test_hidden_images():
    x, gamma, beta, g = _data((3, 2, 4, 5), 4)
    ours = batchnorm_backward(g, x, gamma)
    for a, b in zip(ours, _autograd(x, gamma, beta, g)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
### END HIDDEN TESTS
