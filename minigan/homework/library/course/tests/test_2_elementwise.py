"""Assignment 2: elementwise and reduction backwards, written with ops.

Each backward returns Tensors made by minigan ops, so running it under
``create_graph=True`` records it: the tests take second derivatives by
differentiating your first derivative (with upstream gradient v, then
direction u) and compare with NumPy.

* 2.1 MulFn, DivFn (minigan/ops/arithmetic.py), broadcasting included
* 2.2 PowConstFn, ExpFn, LogFn, SqrtFn
* 2.3 TanhFn, SigmoidFn (minigan/ops/activation.py)
* 2.4 SumFn (minigan/ops/reduce.py)
"""
import numpy as np
import pytest
from _reference import numeric_grad, sigmoid

from minigan.homework.harness import student

lib = student("minigan", instance="2")
RNG = np.random.default_rng(2)


def _binary(mg, op, a, b, v, U, u):
    """y = a op b; (ga, gb) for upstream v; then d<ga, U> + <gb, u> / d(a, b)."""
    at = mg.tensor(a, requires_grad=True)
    bt = mg.tensor(b, requires_grad=True)
    y = at * bt if op == "mul" else at / bt
    ga, gb = mg.grad(y, [at, bt], grad_outputs=mg.tensor(v), create_graph=True)
    second = mg.grad([ga, gb], [at, bt], grad_outputs=[mg.tensor(U), mg.tensor(u)])
    return [t.detach().numpy() for t in (y, ga, gb) + tuple(second)]


def _unary(mg, op, x, v, u):
    """y = f(x); g = v f'(x) (recorded); then d<g, u>/dx = v u f''(x)."""
    ops = {"cube": lambda t: t ** 3, "rsqrt": lambda t: t ** -0.5, "exp": mg.exp,
           "log": mg.log, "sqrt": mg.sqrt, "tanh": mg.tanh, "sigmoid": mg.sigmoid}
    xt = mg.tensor(x, requires_grad=True)
    y = ops[op](xt)
    (g,) = mg.grad(y, xt, grad_outputs=mg.tensor(v), create_graph=True)
    (gg,) = mg.grad(g, xt, grad_outputs=mg.tensor(u))
    return y.detach().numpy(), g.detach().numpy(), gg.detach().numpy()


def _sum(mg, x, axis, keepdims, v, U):
    """y = sum(x, axis); g = dL/dx for upstream v; then d<g, U>/dv (g is linear in v)."""
    xt = mg.tensor(x, requires_grad=True)
    vt = mg.tensor(v, requires_grad=True)
    y = mg.sum(xt, axis=axis, keepdims=keepdims)
    (g,) = mg.grad(y, xt, grad_outputs=vt, create_graph=True)
    (gv,) = mg.grad(g, vt, grad_outputs=mg.tensor(U))
    return y.detach().numpy(), g.detach().numpy(), gv.detach().numpy()


def _dtypes(mg):
    """Gradient dtypes of float32 inputs through * and /."""
    import numpy as np
    a = mg.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    b = mg.tensor(np.full(3, 2.0, np.float32), requires_grad=True)
    ga, gb = mg.grad((a * b) / b, [a, b], grad_outputs=mg.tensor(np.ones((2, 3), np.float32)))
    return str(ga.detach().numpy().dtype), str(gb.detach().numpy().dtype)


def _check_binary(op, f):
    a, b = RNG.standard_normal((3, 4)), RNG.uniform(0.5, 2.0, 4)
    v, U, u = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    y, ga, gb, gga, ggb = lib.run(_binary, op, a, b, v, U, u)
    np.testing.assert_allclose(y, f(a, b), rtol=1e-10)
    exp_ga = numeric_grad(lambda t: np.sum(v * f(t, b)), a)
    exp_gb = numeric_grad(lambda t: np.sum(v * f(a, t)), b)
    assert gb.shape == b.shape, f"gradient of b: shape {gb.shape}, expected {b.shape} (b was " \
                                "broadcast: sum the gradient back over the broadcast axis)"
    np.testing.assert_allclose(ga, exp_ga, rtol=1e-6, atol=1e-8, err_msg="dL/da")
    np.testing.assert_allclose(gb, exp_gb, rtol=1e-6, atol=1e-8, err_msg="dL/db")

    # second derivatives: finite differences of the closed forms of the first
    if op == "mul":
        ga_f = lambda x, z: v * z                                   # noqa: E731
        gb_f = lambda x, z: (v * x).sum(0)                          # noqa: E731
    else:
        ga_f = lambda x, z: v / z                                   # noqa: E731
        gb_f = lambda x, z: (-v * x / z ** 2).sum(0)                # noqa: E731
    inner = lambda x, z: np.sum(ga_f(x, z) * U) + np.sum(gb_f(x, z) * u)  # noqa: E731
    np.testing.assert_allclose(gga, numeric_grad(lambda t: inner(t, b), a), rtol=1e-5,
                               atol=1e-7, err_msg="second derivative, d/da")
    np.testing.assert_allclose(ggb, numeric_grad(lambda t: inner(a, t), b), rtol=1e-5,
                               atol=1e-7, err_msg="second derivative, d/db")


@pytest.mark.task("2.1", points=3)
def test_mul_first_and_second_derivative_with_broadcasting():
    _check_binary("mul", lambda a, b: a * b)


@pytest.mark.task("2.1", points=3)
def test_div_first_and_second_derivative_with_broadcasting():
    _check_binary("div", lambda a, b: a / b)


@pytest.mark.task("2.1", points=1)
def test_float32_stays_float32():
    assert lib.run(_dtypes) == ("float32", "float32")


# op -> (f, f', f'', inputs)
UNARY = {
    "cube": (lambda x: x ** 3, lambda x: 3 * x ** 2, lambda x: 6 * x, (-2, 2)),
    "rsqrt": (lambda x: x ** -0.5, lambda x: -0.5 * x ** -1.5, lambda x: 0.75 * x ** -2.5, (0.5, 3)),
    "exp": (np.exp, np.exp, np.exp, (-2, 2)),
    "log": (np.log, lambda x: 1 / x, lambda x: -1 / x ** 2, (0.5, 3)),
    "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x), lambda x: -0.25 * x ** -1.5, (0.5, 3)),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2,
             lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), (-2, 2)),
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)),
                lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)), (-4, 4)),
}


def _check_unary(op):
    f, df, d2f, (lo, hi) = UNARY[op]
    x = RNG.uniform(lo, hi, (2, 5))
    v, u = RNG.standard_normal(x.shape), RNG.standard_normal(x.shape)
    y, g, gg = lib.run(_unary, op, x, v, u)
    np.testing.assert_allclose(y, f(x), rtol=1e-10)
    np.testing.assert_allclose(g, v * df(x), rtol=1e-8, atol=1e-12, err_msg=f"{op}: first derivative")
    np.testing.assert_allclose(gg, v * u * d2f(x), rtol=1e-8, atol=1e-12,
                               err_msg=f"{op}: second derivative (is your backward written with "
                                       "ops, using the output Tensor rather than its array?)")


@pytest.mark.task("2.2", points=2)
@pytest.mark.parametrize("op", ["cube", "rsqrt", "exp", "log", "sqrt"])
def test_elementary_functions(op):
    _check_unary(op)


@pytest.mark.task("2.3", points=2)
@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_activations(op):
    _check_unary(op)


@pytest.mark.task("2.4", points=1)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), ((0, 2), False),
                                            (-1, False)])
def test_sum_backward_broadcasts_the_gradient_back(axis, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    y_ref = x.sum(axis=axis, keepdims=keepdims)
    v = RNG.standard_normal(np.shape(y_ref))
    U = RNG.standard_normal(x.shape)
    y, g, gv = lib.run(_sum, x, axis, keepdims, v, U)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12)
    expected = np.broadcast_to(np.reshape(v, x.sum(axis=axis, keepdims=True).shape), x.shape)
    np.testing.assert_allclose(g, expected, rtol=1e-12, err_msg="dL/dx")
    np.testing.assert_allclose(gv, U.sum(axis=axis, keepdims=keepdims), rtol=1e-10,
                               err_msg="d<dL/dx, U>/dv: the gradient must be made with ops "
                                       "(reshape, broadcast_to) so that it is differentiable "
                                       "in the upstream gradient")
