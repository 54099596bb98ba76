"""Points follow the task: grad_x, with its two paths through the batch
statistics, carries most of them; the reference is minigan's autograd."""
import numpy as np
import pytest

import minigan
from minigan.homework.harness import student
from minigan.nn.normalization import batch_norm

bn = student("batchnorm_backward")


def _backward(mod, g, x, gamma):
    return list(mod.batchnorm_backward(g, x, gamma))


def _forward(x, gamma, beta, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return gamma.reshape(shape) * (x - mu) / np.sqrt(var + eps) + beta.reshape(shape)


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


def _check_against_autograd(shape, seed):
    x, gamma, beta, g = _data(shape, seed)
    ours = bn.run(_backward, g, x, gamma)
    for name, a, b in zip(("grad_x", "grad_gamma", "grad_beta"), ours,
                          _autograd(x, gamma, beta, g)):
        assert np.shape(a) == b.shape, f"{name}: shape {np.shape(a)}, expected {b.shape}"
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.task("batchnorm_backward", points=4)
def test_matches_minigan_autograd_2d():
    _check_against_autograd((8, 3), 0)


@pytest.mark.task("batchnorm_backward", points=2)
def test_central_differences():
    x, gamma, beta, g = _data((5, 2), 1)
    gx, ggamma, gbeta = bn.run(_backward, g, x, gamma)
    rng, e = np.random.default_rng(2), 1e-6
    for arr, grad, args in ((x, gx, lambda d: (x + d, gamma, beta)),
                            (gamma, ggamma, lambda d: (x, gamma + d, beta)),
                            (beta, gbeta, lambda d: (x, gamma, beta + d))):
        d = rng.standard_normal(arr.shape) * e
        num = np.sum(g * (_forward(*args(d)) - _forward(*args(-d)))) / (2 * e)
        assert np.sum(grad * d / e) == pytest.approx(num, rel=1e-5, abs=1e-8)


@pytest.mark.task("batchnorm_backward", points=1)
def test_gradient_of_a_constant_shift_is_zero():
    """Adding the same number to a channel changes nothing downstream, so
    grad_x sums to zero over each channel."""
    x, gamma, _, g = _data((6, 4), 3)
    gx, _, _ = bn.run(_backward, g, x, gamma)
    assert np.shape(gx) == x.shape
    np.testing.assert_allclose(np.sum(gx, axis=0), 0.0, atol=1e-10)
    assert np.abs(gx).max() > 1e-3  # and is not simply zero


### BEGIN HIDDEN TESTS
@pytest.mark.task("batchnorm_backward", points=3)
def test_hidden_images():
    _check_against_autograd((3, 2, 4, 5), 4)
### END HIDDEN TESTS
