import numpy as np
import pytest

import minigan as mg
from minigan.gan import losses, penalties


def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_cross_entropy_losses_match_the_textbook_forms():
    rng = np.random.default_rng(0)
    lr, lf = rng.standard_normal(8), rng.standard_normal(8)
    r, f = mg.tensor(lr), mg.tensor(lf)
    d = -np.mean(np.log(_sig(lr))) - np.mean(np.log(1 - _sig(lf)))
    assert losses.discriminator_loss(r, f).item() == pytest.approx(d, rel=1e-10)
    assert losses.generator_loss_minimax(f).item() == pytest.approx(np.mean(np.log(1 - _sig(lf))), rel=1e-10)
    assert losses.generator_loss_nonsaturating(f).item() == pytest.approx(-np.mean(np.log(_sig(lf))), rel=1e-10)
    smooth = -np.mean(0.9 * np.log(_sig(lr)) + 0.1 * np.log(1 - _sig(lr))) - np.mean(np.log(1 - _sig(lf)))
    assert losses.discriminator_loss(r, f, real_label=0.9).item() == pytest.approx(smooth, rel=1e-10)


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_losses_finite_with_finite_gradients_at_extreme_logits(name):
    d_loss, g_loss = losses.get_loss(name)
    logits = mg.tensor([-1000.0, 1000.0, 0.0], requires_grad=True)
    for value in (d_loss(logits, logits), g_loss(logits)):
        (g,) = mg.grad(value, logits)
        assert np.isfinite(value.item()) and np.all(np.isfinite(g.numpy()))


def test_saturation_is_what_the_paper_says():
    # D confidently rejects fakes (logit -10): minimax gradient vanishes, non-saturating does not
    fake = mg.tensor([-10.0], requires_grad=True)
    (g_mm,) = mg.grad(losses.generator_loss_minimax(fake), fake)
    (g_ns,) = mg.grad(losses.generator_loss_nonsaturating(fake), fake)
    assert abs(g_mm.item()) < 1e-4 < 0.9 < abs(g_ns.item())


def test_other_objectives():
    r, f = mg.tensor([2.0, -0.5]), mg.tensor([0.5, -2.0])
    assert losses.wasserstein_critic_loss(r, f).item() == pytest.approx(np.mean([0.5, -2]) - np.mean([2, -0.5]))
    assert losses.hinge_discriminator_loss(r, f).item() == pytest.approx(np.mean([0, 1.5]) + np.mean([1.5, 0]))
    assert losses.hinge_generator_loss(f).item() == pytest.approx(0.75)
    assert losses.lsgan_discriminator_loss(r, f).item() == pytest.approx(0.5 * np.mean([1, 2.25]) + 0.5 * np.mean([0.25, 4]))
    assert losses.lsgan_generator_loss(f).item() == pytest.approx(0.5 * np.mean([0.25, 9]))
    with pytest.raises(ValueError, match="hinge"):
        losses.get_loss("nope")


def test_losses_are_twice_differentiable():
    x = mg.tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    for d_loss, g_loss in losses.LOSSES.values():
        assert mg.gradgradcheck(lambda t: d_loss(t, t * 0.5) + g_loss(t), [x])


class _Quadratic(mg.nn.Module):
    """f(x) = sum(w * x^2) per sample: grad_x f = 2 w x, known in closed form."""

    def __init__(self, w):
        super().__init__()
        self.w = mg.nn.Parameter(w)

    def forward(self, x):
        return (self.w * x * x).sum(axis=1, keepdims=True)


def test_gradient_penalty_matches_closed_form():
    mg.manual_seed(0)
    w = mg.tensor(np.array([0.5, -1.0, 2.0]))
    D = _Quadratic(w)
    real = mg.tensor(np.random.default_rng(2).standard_normal((4, 3)))
    fake = mg.tensor(np.random.default_rng(3).standard_normal((4, 3)))
    mg.manual_seed(5)
    gp, mean_norm = penalties.gradient_penalty(D, real, fake, weight=10.0)
    mg.manual_seed(5)
    a = mg.random.uniform_array((4, 1), np.float64)
    x_hat = a * real.numpy() + (1 - a) * fake.numpy()
    norms = np.sqrt(((2 * w.numpy() * x_hat) ** 2).sum(axis=1) + 1e-12)
    assert gp.item() == pytest.approx(10 * np.mean((norms - 1) ** 2), rel=1e-10)
    assert mean_norm == pytest.approx(norms.mean(), rel=1e-10)
    gp.backward()  # reaches the critic's weights through the double backward
    assert D.w.grad is not None and np.abs(D.w.grad.numpy()).max() > 0


def test_gradient_penalty_gradient_wrt_weights_is_right():
    real = mg.tensor(np.random.default_rng(2).standard_normal((3, 2)))
    fake = mg.tensor(np.random.default_rng(3).standard_normal((3, 2)))

    def gp_of(w):
        D = _Quadratic(mg.tensor(np.ones(2)))
        D.w = mg.nn.Parameter(mg.tensor(np.zeros(2)))
        D._parameters["w"] = w  # the checked tensor itself
        mg.manual_seed(9)
        return penalties.gradient_penalty(D, real, fake)[0]

    w = mg.tensor(np.array([0.7, -1.3]), requires_grad=True)
    assert mg.gradcheck(gp_of, [w])


def test_clip_weights():
    D = _Quadratic(mg.tensor([0.5, -0.003, -2.0]))
    penalties.clip_weights_(D, 0.01)
    np.testing.assert_allclose(D.w.detach().numpy(), [0.01, -0.003, -0.01])
    with pytest.raises(ValueError, match="positive"):
        penalties.clip_weights_(D, 0)
