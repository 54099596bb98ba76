"""Points follow the task: grad_x and grad_W against minigan's autograd,
with stride and padding, carry most of them."""
import numpy as np
import pytest

import minigan
import minigan.nn.functional as F
from minigan.homework.harness import student

conv = student("conv2d_backward")


def _backward(mod, x, W, g, stride, padding):
    return list(mod.conv2d_backward(x, W, g, stride, padding))


def _forward(x, W, stride, padding):
    return F.conv2d(minigan.tensor(x), minigan.tensor(W), stride=stride, padding=padding).numpy()


def _autograd(x, W, g, stride, padding):
    """Reference: minigan's own conv2d, differentiated by the engine (float64)."""
    xt = minigan.tensor(x, requires_grad=True)
    Wt = minigan.tensor(W, requires_grad=True)
    y = F.conv2d(xt, Wt, stride=stride, padding=padding)
    y.backward(minigan.tensor(g))
    return xt.grad.numpy(), Wt.grad.numpy()


def _check(x_shape, W_shape, stride, padding, seed):
    rng = np.random.default_rng(seed)
    x, W = rng.standard_normal(x_shape), rng.standard_normal(W_shape)
    g = rng.standard_normal(_forward(x, W, stride, padding).shape)
    gx, gW = conv.run(_backward, x, W, g, stride, padding)
    rx, rW = _autograd(x, W, g, stride, padding)
    assert np.shape(gx) == x.shape and np.shape(gW) == W.shape
    np.testing.assert_allclose(gx, rx, rtol=1e-10, atol=1e-12, err_msg="grad_x")
    np.testing.assert_allclose(gW, rW, rtol=1e-10, atol=1e-12, err_msg="grad_W")


@pytest.mark.task("conv2d_backward", points=2)
@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 0)])
def test_matches_minigan_autograd(stride, padding):
    _check((2, 3, 6, 6), (4, 3, 3, 3), stride, padding, 0)


@pytest.mark.task("conv2d_backward", points=1)
def test_central_differences():
    """<g, conv(x + e dx) - conv(x - e dx)> / 2e = <grad_x, dx> (and likewise for W)."""
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 2, 2))
    g = rng.standard_normal(_forward(x, W, 1, 1).shape)
    gx, gW = conv.run(_backward, x, W, g, 1, 1)
    dx, dW, e = rng.standard_normal(x.shape), rng.standard_normal(W.shape), 1e-6
    num_x = np.sum(g * (_forward(x + e * dx, W, 1, 1) - _forward(x - e * dx, W, 1, 1))) / (2 * e)
    num_W = np.sum(g * (_forward(x, W + e * dW, 1, 1) - _forward(x, W - e * dW, 1, 1))) / (2 * e)
    assert np.sum(gx * dx) == pytest.approx(num_x, rel=1e-6)
    assert np.sum(gW * dW) == pytest.approx(num_W, rel=1e-6)


@pytest.mark.task("conv2d_backward", points=1)
def test_keeps_float32():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 1, 4, 4)).astype(np.float32)
    W = rng.standard_normal((2, 1, 3, 3)).astype(np.float32)
    gx, gW = conv.run(_backward, x, W, np.ones((2, 2, 2, 2), np.float32), 1, 0)
    assert gx.dtype == np.float32 and gW.dtype == np.float32


### BEGIN HIDDEN TESTS
@pytest.mark.task("conv2d_backward", points=2)
def test_hidden_strided_padded_rectangular():
    _check((3, 2, 7, 5), (5, 2, 3, 2), 2, 1, 3)
### END HIDDEN TESTS
