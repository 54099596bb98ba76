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


@pytest.mark.parametrize("name", [n for n in losses.LOSSES if n not in losses.AUTOENCODER_LOSSES])
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
    for name, (d_loss, g_loss) in losses.LOSSES.items():
        if name in losses.AUTOENCODER_LOSSES:
            continue  # per-sample errors, not logits: tested below
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


# ---------------------------------------------------------------- EBGAN, BEGAN, feature matching

def test_reconstruction_error_is_per_sample_mse_or_mae():
    rng = np.random.default_rng(0)
    x, r = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))
    e2 = losses.reconstruction_error(mg.tensor(x), mg.tensor(r), p=2).numpy()
    e1 = losses.reconstruction_error(mg.tensor(x), mg.tensor(r), p=1).numpy()
    np.testing.assert_allclose(e2, ((r - x) ** 2).reshape(3, -1).mean(1), rtol=1e-12)
    np.testing.assert_allclose(e1, np.abs(r - x).reshape(3, -1).mean(1), rtol=1e-12)
    with pytest.raises(ValueError, match="reconstruction"):
        losses.reconstruction_error(mg.tensor(x), mg.tensor(r[:, :1]))


def test_ebgan_margin_loss_and_its_dead_zone():
    real = mg.tensor([0.2, 0.4])
    fake = mg.tensor([0.5, 3.0], requires_grad=True)  # the second is beyond the margin m = 1
    d = losses.ebgan_discriminator_loss(real, fake, margin=1.0)
    assert d.item() == pytest.approx(0.3 + (0.5 + 0.0) / 2)
    (g,) = mg.grad(d, fake)
    np.testing.assert_allclose(g.numpy(), [-0.5, 0.0])  # no push on fakes already above m
    assert losses.ebgan_generator_loss(fake).item() == pytest.approx(1.75)
    with pytest.raises(ValueError, match="margin"):
        losses.ebgan_discriminator_loss(real, fake, margin=0.0)


def test_autoencoder_losses_are_twice_differentiable():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((3, 4)))
    r = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def ebgan(t):
        e = losses.reconstruction_error(x, t, p=2)
        return losses.ebgan_discriminator_loss(e, e * 3.0, margin=2.0) + losses.ebgan_generator_loss(e)

    def began(t):
        e = losses.reconstruction_error(x, t, p=1)
        return losses.began_discriminator_loss(e, e * 0.5, k=0.3) + losses.began_generator_loss(e)

    for fn in (ebgan, began):
        assert mg.gradcheck(fn, [r]) and mg.gradgradcheck(fn, [r])


def test_pulling_away_term_is_mean_squared_cosine_between_different_samples():
    orthogonal = mg.tensor(np.eye(3) * np.array([[1.0], [2.0], [5.0]]))
    assert losses.pulling_away_term(orthogonal).item() == pytest.approx(0.0, abs=1e-12)
    parallel = mg.tensor(np.outer([1.0, -2.0, 3.0], [1.0, 1.0]))  # cosines +-1
    assert losses.pulling_away_term(parallel).item() == pytest.approx(1.0, rel=1e-9)
    s = np.random.default_rng(2).standard_normal((4, 3))
    u = s / np.linalg.norm(s, axis=1, keepdims=True)
    c = (u @ u.T) ** 2
    expected = (c.sum() - np.trace(c)) / 12
    assert losses.pulling_away_term(mg.tensor(s)).item() == pytest.approx(expected, rel=1e-9)
    t = mg.tensor(s, requires_grad=True)
    assert mg.gradcheck(losses.pulling_away_term, [t]) and mg.gradgradcheck(losses.pulling_away_term, [t])
    with pytest.raises(ValueError, match="N >= 2"):
        losses.pulling_away_term(mg.tensor(s[:1]))


def test_began_balance_is_the_papers_proportional_control():
    b = losses.BEGANBalance(gamma=0.5, lambda_k=0.001)
    assert b.k == 0.0
    out = b.update(real_error=0.4, fake_error=0.1)  # gamma L(x) - L(G(z)) = 0.1
    assert b.k == pytest.approx(1e-4) and out["k"] == b.k
    assert out["convergence"] == pytest.approx(0.4 + 0.1)
    b.update(0.1, 5.0)  # would go negative: clipped at 0
    assert b.k == 0.0
    b.k = 0.99995
    b.update(1.0, 0.0)
    assert b.k == 1.0  # clipped at 1
    b2 = losses.BEGANBalance()
    b2.load_state_dict(b.state_dict())
    assert b2.k == b.k
    for bad in (dict(gamma=0.0), dict(gamma=1.5), dict(lambda_k=0.0), dict(k=2.0)):
        with pytest.raises(ValueError):
            losses.BEGANBalance(**bad)


def test_began_discriminator_loss_weighs_fakes_by_k():
    real, fake = mg.tensor([0.2, 0.4]), mg.tensor([0.6, 1.0])
    assert losses.began_discriminator_loss(real, fake, 0.25).item() == pytest.approx(0.3 - 0.25 * 0.8)
    assert losses.began_generator_loss(fake).item() == pytest.approx(0.8)


def test_feature_matching_matches_means_and_ignores_real_gradients():
    rng = np.random.default_rng(3)
    fr, ff = rng.standard_normal((5, 3)), rng.standard_normal((7, 3))
    real = mg.tensor(fr, requires_grad=True)
    fake = mg.tensor(ff, requires_grad=True)
    loss = losses.feature_matching_loss(real, fake)
    assert loss.item() == pytest.approx(((fr.mean(0) - ff.mean(0)) ** 2).sum(), rel=1e-12)
    # same mean, different samples: nothing to match
    shifted = ff - ff.mean(0) + fr.mean(0)
    assert losses.feature_matching_loss(real, mg.tensor(shifted)).item() == pytest.approx(0, abs=1e-20)
    g_real, g_fake = mg.grad(loss, [real, fake], allow_unused=True)
    assert g_real is None or np.all(g_real.numpy() == 0)
    np.testing.assert_allclose(g_fake.numpy(), np.tile(-2 * (fr.mean(0) - ff.mean(0)) / 7, (7, 1)))
    fn = lambda t: losses.feature_matching_loss(real, t)  # noqa: E731
    assert mg.gradcheck(fn, [fake]) and mg.gradgradcheck(fn, [fake])
    with pytest.raises(ValueError, match="features"):
        losses.feature_matching_loss(real, mg.tensor(ff[:, :2]))


# ---------------------------------------------------------------- DRAGAN, orthogonal, historical

def test_dragan_penalty_matches_closed_form_around_real_data():
    w = mg.tensor(np.array([0.5, -1.0, 2.0]))
    D = _Quadratic(w)
    x = np.random.default_rng(2).standard_normal((4, 3))
    mg.manual_seed(5)
    dp, mean_norm = penalties.dragan_penalty(D, mg.tensor(x), weight=10.0)
    mg.manual_seed(5)
    u = mg.random.uniform_array((4, 3), np.float64)
    a = mg.random.uniform_array((4, 1), np.float64)
    x_hat = x + a * 0.5 * x.std() * u  # perturbed around the real batch, never towards fakes
    norms = np.sqrt(((2 * w.numpy() * x_hat) ** 2).sum(axis=1) + 1e-12)
    assert dp.item() == pytest.approx(10 * np.mean((norms - 1) ** 2), rel=1e-10)
    assert mean_norm == pytest.approx(norms.mean(), rel=1e-10)
    with pytest.raises(ValueError, match="c"):
        penalties.dragan_penalty(D, mg.tensor(x), c=0.0)


def test_dragan_penalty_gradient_wrt_weights_is_right():
    x = mg.tensor(np.random.default_rng(2).standard_normal((3, 2)))

    def dp_of(w):
        D = _Quadratic(mg.tensor(np.ones(2)))
        D._parameters["w"] = w
        mg.manual_seed(9)
        return penalties.dragan_penalty(D, x)[0]

    w = mg.tensor(np.array([0.7, -1.3]), requires_grad=True)
    assert mg.gradcheck(dp_of, [w])


class _Linear2(mg.nn.Module):
    def __init__(self, w, v):
        super().__init__()
        self.w = mg.nn.Parameter(w)  # (out, in)
        self.v = mg.nn.Parameter(v)  # (out, c, kh, kw)
        self.b = mg.nn.Parameter(mg.tensor(np.ones(3)))  # 1-D: not regularised


def test_orthogonal_regularization_penalises_only_off_diagonal_products():
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    rows = q[:3] * np.array([[0.5], [2.0], [7.0]])  # orthogonal filters of any norms
    conv = np.zeros((2, 1, 2, 2))
    conv[0, 0, 0, 0], conv[1, 0, 1, 1] = 3.0, -4.0  # orthogonal after flattening
    m = _Linear2(mg.tensor(rows), mg.tensor(conv))
    assert penalties.orthogonal_regularization(m, beta=1.0).item() == pytest.approx(0.0, abs=1e-12)
    w, v = rng.standard_normal((3, 4)), rng.standard_normal((2, 1, 2, 2))
    m = _Linear2(mg.tensor(w), mg.tensor(v))

    def off(a):
        g = a @ a.T
        return ((g * (1 - np.eye(len(g)))) ** 2).sum()

    expected = 1e-4 * (off(w) + off(v.reshape(2, -1)))
    assert penalties.orthogonal_regularization(m).item() == pytest.approx(expected, rel=1e-10)

    def fn(t):
        mm = _Linear2(mg.tensor(w), mg.tensor(v))
        mm._parameters["w"] = t
        return penalties.orthogonal_regularization(mm, beta=0.1)

    t = mg.tensor(w, requires_grad=True)
    assert mg.gradcheck(fn, [t]) and mg.gradgradcheck(fn, [t])
    with pytest.raises(ValueError, match="beta"):
        penalties.orthogonal_regularization(m, beta=-1.0)


def test_historical_average_pulls_towards_the_running_mean():
    D = _Quadratic(mg.tensor([1.0, 2.0]))
    h = penalties.HistoricalAverage(D, weight=0.5)
    seen = [np.array([1.0, 2.0])]
    for step in ([3.0, 0.0], [-1.0, 4.0]):
        with mg.no_grad():
            D.w.copy_(mg.tensor(step))
        h.update(D)
        seen.append(np.array(step))
    mean = np.mean(seen, axis=0)
    np.testing.assert_allclose(h.means[0], mean)
    with mg.no_grad():
        D.w.copy_(mg.tensor([0.0, 0.0]))
    pen = h.penalty(D)
    assert pen.item() == pytest.approx(0.5 * (mean ** 2).sum())
    pen.backward()
    np.testing.assert_allclose(D.w.grad.numpy(), 2 * 0.5 * (0 - mean))
    h2 = penalties.HistoricalAverage(_Quadratic(mg.tensor([9.0, 9.0])), weight=0.5)
    h2.load_state_dict(h.state_dict())
    assert h2.count == 3
    np.testing.assert_array_equal(h2.means[0], h.means[0])
    with pytest.raises(ValueError, match="weight"):
        penalties.HistoricalAverage(D, weight=0.0)
