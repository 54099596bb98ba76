"""The checker itself must fail when it should: wrong first and second derivatives."""
import numpy as np
import pytest

import minigan as mg
from minigan.ops._operands import constant


class WrongBackwardSquare(mg.Function):
    """y = x^2 with a deliberately wrong derivative 3x (should be 2x)."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        (x,) = self.inputs
        return g * 3.0 * x


class WrongSecondDerivativeSquare(mg.Function):
    """y = x^2 with the right first derivative 2x, but computed from a constant
    copy of x, so its own derivative (the second derivative) is lost: 0, not 2."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        (x,) = self.inputs
        return g * 2.0 * constant(x._data)


class NonzeroForZeroUpstream(mg.Function):
    def forward(self, x):
        return x * 2

    def backward(self, g):
        return g * 2.0 + 1e-3


def _x(shape=(3,)):
    return mg.tensor(np.random.default_rng(0).uniform(0.5, 1.5, shape), requires_grad=True)


def test_wrong_backward_is_rejected_with_element_and_values():
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: WrongBackwardSquare()(x), [_x()])
    msg = str(info.value)
    assert "input 0" in msg and "element (0,)" in msg
    assert "analytic" in msg and "numeric" in msg


def test_wrong_backward_is_rejected_in_random_mode():
    with pytest.raises(mg.GradcheckError, match="input 0"):
        mg.gradcheck(lambda x: WrongBackwardSquare()(x), [_x((30, 20))], mode="random")


def test_right_first_wrong_second_derivative():
    fn = lambda x: WrongSecondDerivativeSquare()(x)  # noqa: E731
    assert mg.gradcheck(fn, [_x()])
    with pytest.raises(mg.GradcheckError):
        mg.gradgradcheck(fn, [_x()])


def test_zero_upstream_gradient_must_give_zero():
    with pytest.raises(mg.GradcheckError, match="zero upstream"):
        mg.gradcheck(lambda x: NonzeroForZeroUpstream()(x), [_x()], atol=1e-2)


def test_raise_exception_false_returns_false():
    assert mg.gradcheck(lambda x: WrongBackwardSquare()(x), [_x()], raise_exception=False) is False


def test_refuses_float32():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(lambda a: a * a, [x])


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires grad"):
        mg.gradcheck(lambda a: a * a, [mg.tensor(np.ones(2))])


def test_constant_inputs_are_held_fixed():
    a = _x()
    c = mg.tensor(np.array([1.0, -2.0, 3.0]))
    assert mg.gradcheck(lambda x, k: x * k, [a, c])
    assert mg.gradgradcheck(lambda x, k: (x * x * k).sum(), [a, c])


def test_multiple_outputs():
    assert mg.gradcheck(lambda x: (x.exp(), x.sum()), [_x((2, 2))])


def _mlp_critic(x, w1, b1, w2, b2):
    return mg.tanh(x @ w1 + b1) @ w2 + b2


def test_wgan_gp_penalty_gradient_wrt_critic_weights():
    """(||grad_x D(x)||_2 - 1)^2, differentiated w.r.t. D's weights, matches
    finite differences: the double-backward case WGAN-GP depends on."""
    rng = np.random.default_rng(7)
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    params = [mg.tensor(rng.standard_normal(s) * 0.7, requires_grad=True)
              for s in [(3, 5), (5,), (5, 1), (1,)]]

    def penalty(w1, b1, w2, b2):
        out = _mlp_critic(x, w1, b1, w2, b2)
        (g,) = mg.grad(out.sum(), x, create_graph=True)
        norm = ((g * g).sum(axis=1) + 1e-12).sqrt()
        return ((norm - 1.0) ** 2).mean()

    assert mg.gradcheck(penalty, params)
    # and the penalty really depends on the weights through the double backward
    grads = mg.grad(penalty(*params), params, allow_unused=True)
    assert all(float(np.abs(np.asarray(g)).max()) > 0 for g in grads[:3])
    assert grads[3] is None  # the output bias cannot change grad_x D
