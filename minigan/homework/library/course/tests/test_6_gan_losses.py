"""Assignment 6: the GAN objectives.

* 6.1 bce_with_logits and generator_loss_nonsaturating (minigan/gan/losses.py):
  cross-entropy on logits, written with softplus so that it stays finite,
  with a useful gradient, for any logit
* 6.2 gradient_penalty (minigan/gan/penalties.py): WGAN-GP's
  weight * E (||grad_x D(x_hat)|| - 1)^2, differentiable in D's weights
  because the inner gradient is taken with create_graph=True
"""
import numpy as np
import pytest
from _reference import numeric_grad, sigmoid, softplus

from minigan.homework.harness import student

lib = student("minigan", instance="6")
RNG = np.random.default_rng(6)


def _losses(mg, real, fake, real_label):
    """D's and G's losses and their gradients with respect to the logits."""
    from minigan.gan import losses
    r, f = mg.tensor(real, requires_grad=True), mg.tensor(fake, requires_grad=True)
    d = losses.discriminator_loss(r, f, real_label=real_label)
    gr, gf = mg.grad(d, [r, f])
    f2 = mg.tensor(fake, requires_grad=True)
    g = losses.generator_loss_nonsaturating(f2)
    (gg,) = mg.grad(g, f2)
    return float(d.item()), gr.detach().numpy(), gf.detach().numpy(), float(g.item()), \
        gg.detach().numpy()


def _penalty(mg, w1, b1, w2, x, weight):
    """WGAN-GP of a tanh MLP critic with real == fake (so x_hat = x), and the
    penalty's gradient with respect to the first layer's weight."""
    from minigan import nn
    from minigan.gan.penalties import gradient_penalty
    D = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.Tanh(), nn.Linear(w1.shape[0], 1)).double()
    with mg.no_grad():
        D[0].weight.copy_(mg.tensor(w1))
        D[0].bias.copy_(mg.tensor(b1))
        D[2].weight.copy_(mg.tensor(w2))
    x = mg.tensor(x)
    gp, norm = gradient_penalty(D, x, x, weight=weight)
    (gw,) = mg.grad(gp, D[0].weight)
    return float(gp.item()), float(norm), gw.detach().numpy()


def _interpolation(mg, real):
    """Mean gradient norm of D(x) = |x|^2 / 2 (gradient x_hat) with fake = 0, twice."""
    import numpy as np
    from minigan.gan.penalties import gradient_penalty
    critic = lambda t: (t * t).sum(axis=1) * 0.5  # noqa: E731
    r, f = mg.tensor(real), mg.tensor(np.zeros_like(real))
    return [float(gradient_penalty(critic, r, f)[1]) for _ in range(2)]


@pytest.mark.task("6.1", points=3)
@pytest.mark.parametrize("real_label", [1.0, 0.9], ids=["labels-1", "one-sided-smoothing-0.9"])
def test_discriminator_and_nonsaturating_losses(real_label):
    real, fake = RNG.standard_normal((8, 1)) * 3, RNG.standard_normal((8, 1)) * 3
    d, gr, gf, g, gg = lib.run(_losses, real, fake, real_label)
    t = real_label
    d_ref = np.mean(t * softplus(-real) + (1 - t) * softplus(real)) + np.mean(softplus(fake))
    np.testing.assert_allclose(d, d_ref, rtol=1e-10)
    np.testing.assert_allclose(gr, (sigmoid(real) - t) / 8, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(gf, sigmoid(fake) / 8, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(g, np.mean(softplus(-fake)), rtol=1e-10, err_msg="-log D(G(z))")
    np.testing.assert_allclose(gg, -sigmoid(-fake) / 8, rtol=1e-8, atol=1e-12)


@pytest.mark.task("6.1", points=2)
def test_losses_stay_finite_and_do_not_saturate_at_extreme_logits():
    """D sure that a fake is fake (logit -1000): -log D(G(z)) still pushes G
    with gradient -1/n, where log(1 - D(G(z))) would give 0."""
    real, fake = np.array([[1000.0], [-1000.0]]), np.array([[-1000.0], [1000.0]])
    d, gr, gf, g, gg = lib.run(_losses, real, fake, 1.0)
    assert np.isfinite(d) and np.isfinite(g), f"losses must be finite, got D {d}, G {g}"
    np.testing.assert_allclose(d, 1000.0, rtol=1e-10)
    np.testing.assert_allclose(g, 500.0, rtol=1e-10)
    np.testing.assert_allclose(gg, [[-0.5], [0.0]], atol=1e-12)
    np.testing.assert_allclose(gr, [[0.0], [-0.5]], atol=1e-12)


def _numpy_penalty(w1, b1, w2, x, weight, eps=1e-12):
    h = np.tanh(x @ w1.T + b1)
    g = ((1 - h ** 2) * w2) @ w1            # per sample: W1^T (w2 * tanh')
    norms = np.sqrt((g ** 2).sum(axis=1) + eps)
    return weight * np.mean((norms - 1) ** 2), norms.mean()


@pytest.mark.task("6.2", points=4)
@pytest.mark.parametrize("weight", [10.0, 1.0])
def test_gradient_penalty_value_and_its_gradient_in_the_critics_weights(weight):
    w1, b1 = RNG.standard_normal((5, 3)), RNG.standard_normal(5)
    w2, x = RNG.standard_normal((1, 5)), RNG.standard_normal((4, 3))
    gp, norm, gw = lib.run(_penalty, w1, b1, w2, x, weight)
    gp_ref, norm_ref = _numpy_penalty(w1, b1, w2, x, weight)
    np.testing.assert_allclose(gp, gp_ref, rtol=1e-8)
    np.testing.assert_allclose(norm, norm_ref, rtol=1e-8, err_msg="the mean gradient norm")
    np.testing.assert_allclose(gw, numeric_grad(lambda t: _numpy_penalty(t, b1, w2, x, weight)[0],
                                                w1), rtol=1e-5, atol=1e-7,
                               err_msg="d GP / d W1: take the inner gradient with create_graph=True")


@pytest.mark.task("6.2", points=2)
def test_penalty_points_lie_between_real_and_fake():
    """x_hat = a x + (1 - a) 0 with a ~ U[0, 1] per sample: the mean norm of
    x_hat is about half of |x|, and changes from call to call."""
    real = np.ones((400, 4))  # |x| = 2
    n1, n2 = lib.run(_interpolation, real)
    for n in (n1, n2):
        assert 0.8 < n < 1.2, f"mean |x_hat| = {n}, expected about 1 (a ~ U[0, 1] per sample)"
    assert n1 != n2, "the interpolation weights must be drawn anew at every call"
