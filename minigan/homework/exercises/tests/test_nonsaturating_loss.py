"""The task is the overflow-free form: most points go to extreme logits,
where a naive -log(sigmoid(l)) gives inf or nan."""
import numpy as np
import pytest

from minigan.homework.harness import student

ns = student("nonsaturating_loss")


def _loss_and_grads(mod, logits, dtype="float64", v=None):
    """The student's loss, its gradient and (given v) the Hessian-vector product."""
    import numpy as np

    import minigan
    l = minigan.tensor(np.asarray(logits, dtype=dtype), requires_grad=True)
    loss = mod.nonsaturating_loss(l)
    (g,) = minigan.grad(loss, l, create_graph=v is not None)
    out = {"loss": loss, "grad": g}
    if v is not None:
        (h,) = minigan.grad((g * minigan.tensor(np.asarray(v, dtype=dtype))).sum(), l)
        out["hvp"] = h
    return out


def _sigmoid(x):
    """The textbook sigmoid: fine at the moderate logits it is used for here."""
    return 1.0 / (1.0 + np.exp(-x))


@pytest.mark.task("nonsaturating_loss", points=1.5)
def test_equals_minus_log_sigmoid():
    l = np.array([-3.0, -0.5, 0.7, 2.0, 5.0])
    out = ns.run(_loss_and_grads, l)
    assert float(out["loss"]) == pytest.approx(-np.mean(np.log(_sigmoid(l))), rel=1e-12)
    np.testing.assert_allclose(out["grad"], -_sigmoid(-l) / l.size, rtol=1e-10, atol=1e-14)


@pytest.mark.task("nonsaturating_loss", points=3.5)
def test_finite_and_right_at_extreme_logits():
    """A confident discriminator (logit -1000 for a fake): the loss is 1000,
    not inf, at every extreme the task is about."""
    # softplus(-l) is -l far below 0, 0 far above, log 2 at 0 (and 2e-22 at 50)
    for logits, loss in (([-1000.0, 1000.0, 0.0, -50.0], (1000.0 + np.log(2) + 50.0) / 4),
                         ([-800.0, -745.0, 710.0, 40.0], (800.0 + 745.0) / 4)):
        out = ns.run(_loss_and_grads, np.array(logits))
        assert np.isfinite(out["loss"]), f"loss {out['loss']} at logits {logits}"
        assert float(out["loss"]) == pytest.approx(loss, rel=1e-12)


@pytest.mark.task("nonsaturating_loss", points=3.5)
def test_gradient_finite_and_right_at_extreme_logits():
    """The generator still gets a gradient of -1/N at logit -1000, not nan or 0."""
    l = np.array([-1000.0, 1000.0, 0.0, -50.0])
    out = ns.run(_loss_and_grads, l)
    assert np.all(np.isfinite(out["grad"])), out["grad"]
    np.testing.assert_allclose(out["grad"], [-0.25, 0.0, -0.125, -0.25], atol=1e-12)


@pytest.mark.task("nonsaturating_loss", points=0.5)
def test_second_derivative():
    """d2/dl2 softplus(-l) = sigmoid(l) sigmoid(-l): the loss is twice differentiable."""
    l, v = np.array([-2.0, -0.3, 0.4, 1.5]), np.array([1.0, -2.0, 0.5, 3.0])
    out = ns.run(_loss_and_grads, l, "float64", v)
    np.testing.assert_allclose(out["hvp"], _sigmoid(l) * _sigmoid(-l) * v / l.size, rtol=1e-8)


### BEGIN HIDDEN TESTS
def _expected(l):
    """mean softplus(-l) and its gradient -sigmoid(-l) / N, in a stable form."""
    return np.mean(np.logaddexp(0.0, -l)), -np.exp(-np.logaddexp(0.0, l)) / l.size


@pytest.mark.task("nonsaturating_loss", points=1)
def test_hidden_float32_at_scale():
    """float32 in, float32 out, right at logits up to a few hundred."""
    l = np.random.default_rng(5).standard_normal(32).astype(np.float32) * 200
    out = ns.run(_loss_and_grads, l, "float32")
    assert out["loss"].dtype == np.float32 and out["grad"].dtype == np.float32
    loss, grad = _expected(l.astype(np.float64))
    assert float(out["loss"]) == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(out["grad"], grad, rtol=1e-4, atol=1e-7)
### END HIDDEN TESTS
