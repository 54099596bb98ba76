"""Assignment 5: batch normalisation as one node (task 5.1,
BatchNormFn.backward in minigan/ops/normalization.py).

The gradient of batch norm is the classic formula; its *second* derivative is
right only if the backward recomputes the batch statistics from the input
Tensor with ops. Reusing forward's cached arrays gives the right first and
a wrong second derivative: the test against NumPy below catches it (a
gradient penalty through a batch-normed critic needs the second one).
"""
import numpy as np
import pytest
from _reference import batch_norm, batch_norm_grad_x, numeric_grad

from minigan.homework.harness import student

lib = student("minigan", instance="5")
RNG = np.random.default_rng(5)


def _bn(mg, x, w, b, v, U, training):
    """y = batch_norm(x); (dx, dw, db) for upstream v; then d<dx, U>/d(x, w)."""
    F = mg.nn.functional
    xt = mg.tensor(x, requires_grad=True)
    wt, bt = mg.tensor(w, requires_grad=True), mg.tensor(b, requires_grad=True)
    c = x.shape[1]
    rm, rv = mg.tensor(x.mean(axis=0).reshape(c, -1).mean(1) * 0.5), mg.tensor(
        x.var(axis=0).reshape(c, -1).mean(1) + 0.5)
    y = F.batch_norm(xt, rm, rv, wt, bt, training=training)
    gx, gw, gb = mg.grad(y, [xt, wt, bt], grad_outputs=mg.tensor(v), create_graph=True)
    out = [y, gx, gw, gb]
    if training:
        out += list(mg.grad(gx, [xt, wt], grad_outputs=mg.tensor(U)))
    return [t.detach().numpy() for t in out] + [rm.detach().numpy(), rv.detach().numpy()]


SHAPES = {"(N, C)": (6, 3), "(N, C, H, W)": (3, 2, 3, 2)}


def _inputs(shape):
    x = RNG.standard_normal(shape) * 2 + 1
    c = shape[1]
    return x, RNG.uniform(0.5, 1.5, c), RNG.standard_normal(c), RNG.standard_normal(shape), \
        RNG.standard_normal(shape)


@pytest.mark.task("5.1", points=3)
@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_first_derivative_in_training_mode(shape):
    x, w, b, v, U = _inputs(shape)
    y, gx, gw, gb = lib.run(_bn, x, w, b, v, U, True)[:4]
    np.testing.assert_allclose(y, batch_norm(x, w, b), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gx, batch_norm_grad_x(x, w, v), rtol=1e-7, atol=1e-9,
                               err_msg="dx: remember the paths through the mean and the variance")
    np.testing.assert_allclose(gw, numeric_grad(lambda t: np.sum(v * batch_norm(x, t, b)), w),
                               rtol=1e-6, atol=1e-8, err_msg="dw = sum g xhat")
    np.testing.assert_allclose(gb, v.sum(axis=(0,) + tuple(range(2, x.ndim))), rtol=1e-10,
                               err_msg="db = sum g")


@pytest.mark.task("5.1", points=4)
@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_second_derivative_in_training_mode(shape):
    x, w, b, v, U = _inputs(shape)
    gxx, gxw = lib.run(_bn, x, w, b, v, U, True)[4:6]
    exp_x = numeric_grad(lambda t: np.sum(batch_norm_grad_x(t, w, v) * U), x)
    exp_w = numeric_grad(lambda t: np.sum(batch_norm_grad_x(x, t, v) * U), w)
    np.testing.assert_allclose(gxx, exp_x, rtol=1e-5, atol=1e-7,
                               err_msg="d<dx, U>/dx: recompute the statistics from the input "
                                       "Tensor with ops, not from forward's cached arrays")
    np.testing.assert_allclose(gxw, exp_w, rtol=1e-5, atol=1e-7, err_msg="d<dx, U>/dw")


@pytest.mark.task("5.1", points=1)
def test_fixed_statistics_in_evaluation_mode():
    x, w, b, v, U = _inputs((4, 3, 2, 2))
    y, gx, gw, gb, rm, rv = lib.run(_bn, x, w, b, v, U, False)
    shape = (1, -1, 1, 1)
    invstd = 1 / np.sqrt(rv + 1e-5)
    xhat = (x - rm.reshape(shape)) * invstd.reshape(shape)
    np.testing.assert_allclose(y, xhat * w.reshape(shape) + b.reshape(shape), rtol=1e-8)
    np.testing.assert_allclose(gx, v * (w * invstd).reshape(shape), rtol=1e-8,
                               err_msg="with fixed statistics dx = w invstd g")
    np.testing.assert_allclose(gw, (v * xhat).sum(axis=(0, 2, 3)), rtol=1e-8)
    np.testing.assert_allclose(gb, v.sum(axis=(0, 2, 3)), rtol=1e-8)
