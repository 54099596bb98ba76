"""GAN objectives on discriminator *logits* (never on probabilities).

With l = D(x) a logit and sigma the sigmoid, the identities
    log sigma(l)      = -softplus(-l)
    log(1 - sigma(l)) = -softplus(l)
give every cross-entropy loss in a form that is finite, with a finite
gradient, for any logit (even +-1000), where sigmoid followed by a clipped log
saturates and returns zero gradient (chainer-gan-lib's habit, and ours).

All losses return scalars to be *minimised* by the player they are named for.

| family            | discriminator / critic                     | generator                  |
|-------------------|--------------------------------------------|----------------------------|
| minimax (GAN)     | softplus(-l_r) + softplus(l_f)             | -softplus(l_f) = log(1-D)  |
| non-saturating    | same                                       | softplus(-l_f) = -log D    |
| least squares     | 1/2 (l_r - 1)^2 + 1/2 l_f^2                | 1/2 (l_f - 1)^2            |
| Wasserstein       | mean(l_f) - mean(l_r)                      | -mean(l_f)                 |
| hinge             | relu(1 - l_r) + relu(1 + l_f)              | -mean(l_f)                 |
| EBGAN             | E(x) + relu(m - E(G(z)))                   | E(G(z)) [+ w PT]           |
| BEGAN             | L(x) - k_t L(G(z))                         | L(G(z))                    |

The last two rows are the *autoencoder* objectives: D is an autoencoder and
its "score" of a sample v is a reconstruction error, the energy
E(v) = mean_pixels (AE(v) - v)^2 (EBGAN) or L(v) = mean_pixels |AE(v) - v|
(BEGAN). Their functions take those per-sample errors, not logits; the
updater computes them from D's reconstructions (:func:`reconstruction_error`).
BEGAN's k_t is training state, kept by :class:`BEGANBalance`.

Feature matching (Salimans et al. 2016) replaces any generator loss with
||E f(x) - E f(G(z))||^2 on D's penultimate features
(:func:`feature_matching_loss`).

References: Goodfellow et al. 2014 (minimax and non-saturating), Mao et al.
2017 (LSGAN), Arjovsky et al. 2017 (WGAN), Lim & Ye 2017 / Miyato et al. 2018
(hinge), Salimans et al. 2016 (one-sided label smoothing, feature matching),
Zhao, Mathieu & LeCun 2017 (EBGAN), Berthelot, Schumm & Metz 2017 (BEGAN).
"""
from __future__ import annotations

from .. import ops


def bce_with_logits(logits, target: float):
    """mean of -[t log sigma(l) + (1 - t) log(1 - sigma(l))] for a constant target t,
    written as t softplus(-l) + (1 - t) softplus(l)."""
    if target == 1.0:
        return ops.softplus(-logits).mean()
    if target == 0.0:
        return ops.softplus(logits).mean()
    return (ops.softplus(-logits) * target + ops.softplus(logits) * (1.0 - target)).mean()


def discriminator_loss(real_logits, fake_logits, real_label: float = 1.0):
    """The GAN discriminator's cross-entropy. ``real_label=0.9`` is one-sided
    label smoothing (Salimans et al. 2016): only real targets are softened."""
    return bce_with_logits(real_logits, real_label) + bce_with_logits(fake_logits, 0.0)


def generator_loss_minimax(fake_logits):
    """log(1 - D(G(z))), the generator's side of the original minimax game.
    Saturates when D wins (gradient -> 0 as D(G(z)) -> 0)."""
    return -ops.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits):
    """-log D(G(z)): same fixed point, strong gradients early in training."""
    return ops.softplus(-fake_logits).mean()


def lsgan_discriminator_loss(real_out, fake_out):
    return 0.5 * ((real_out - 1.0) ** 2).mean() + 0.5 * (fake_out ** 2).mean()


def lsgan_generator_loss(fake_out):
    return 0.5 * ((fake_out - 1.0) ** 2).mean()


def wasserstein_critic_loss(real_out, fake_out):
    """-(E[f(x)] - E[f(G(z))]): the critic maximises the Kantorovich-Rubinstein dual."""
    return fake_out.mean() - real_out.mean()


def wasserstein_generator_loss(fake_out):
    return -fake_out.mean()


def hinge_discriminator_loss(real_out, fake_out):
    return ops.relu(1.0 - real_out).mean() + ops.relu(1.0 + fake_out).mean()


def hinge_generator_loss(fake_out):
    return -fake_out.mean()


def reconstruction_error(x, recon, p: int = 2):
    """Per-sample reconstruction error of an autoencoder discriminator, (N,)::

        p = 2:  E(x) = (1/d) sum_j (AE(x)_j - x_j)^2     (EBGAN's energy, a mean squared error)
        p = 1:  L(x) = (1/d) sum_j |AE(x)_j - x_j|       (BEGAN's L, eta = 1)

    over the d = prod(x.shape[1:]) entries of one sample."""
    if tuple(recon.shape) != tuple(x.shape):
        raise ValueError(f"reconstruction_error: the discriminator must return a reconstruction "
                         f"with the input's shape {tuple(x.shape)} (an autoencoder, as in EBGAN / "
                         f"BEGAN), got shape {tuple(recon.shape)}")
    if p not in (1, 2):
        raise ValueError(f"reconstruction_error: p must be 1 (BEGAN) or 2 (EBGAN), got {p!r}")
    diff = (recon - x).reshape(x.shape[0], -1)
    return ((diff * diff) if p == 2 else ops.abs(diff)).mean(axis=1)


def ebgan_discriminator_loss(real_energy, fake_energy, margin: float = 1.0):
    """EBGAN's margin loss (Zhao et al. 2017, eq. 1), per-sample energies (N,) in:

        L_D = mean E(x) + mean max(0, m - E(G(z)))

    D lowers the energy of real data and pushes fakes' energy up, but only
    until it reaches the margin m: fakes already above m give no gradient."""
    if not margin > 0:
        raise ValueError(f"ebgan_discriminator_loss: margin must be positive, got {margin!r}")
    return real_energy.mean() + ops.relu(margin - fake_energy).mean()


def ebgan_generator_loss(fake_energy):
    """EBGAN's generator loss (Zhao et al. 2017, eq. 2): L_G = mean E(G(z))."""
    return fake_energy.mean()


def pulling_away_term(features, eps: float = 1e-12):
    """EBGAN's pulling-away term (Zhao et al. 2017, eq. 4) on a batch of
    encoder features S (N, F)::

        PT = 1 / (N (N - 1)) sum_{i != j} (s_i . s_j / (|s_i| |s_j|))^2

    the mean squared cosine similarity between different samples; it is 0
    when the codes are orthogonal and 1 when all are parallel, so adding it
    to G's loss discourages mode collapse."""
    n = features.shape[0]
    if features.ndim != 2 or n < 2:
        raise ValueError(f"pulling_away_term: expected features of shape (N, F) with N >= 2, got "
                         f"{tuple(features.shape)}")
    unit = features / ops.sqrt((features * features).sum(axis=1, keepdims=True) + eps)
    cos2 = (unit @ unit.T) ** 2
    # the diagonal holds |s_i|^2 / (|s_i|^2 + eps) ~ 1, not a pair: take it out exactly
    off_diagonal = cos2.sum() - (cos2 * _eye_like(cos2)).sum()
    return off_diagonal / (n * (n - 1))


def _eye_like(t):
    from .. import backend

    return ops._operands.constant(backend.get_array_module(t.array).eye(t.shape[0], dtype=t.dtype))


def began_discriminator_loss(real_error, fake_error, k: float):
    """BEGAN's discriminator loss (Berthelot et al. 2017, eq. 4), with per-sample
    errors L (N,) from :func:`reconstruction_error` (p=1):

        L_D = mean L(x) - k_t mean L(G(z)),   k_t in [0, 1]"""
    return real_error.mean() - fake_error.mean() * float(k)


def began_generator_loss(fake_error):
    """BEGAN's generator loss: L_G = mean L(G(z))."""
    return fake_error.mean()


class BEGANBalance:
    """BEGAN's equilibrium control (Berthelot et al. 2017, section 3.4).

    D should keep E[L(G(z))] = gamma E[L(x)] (gamma, the "diversity ratio",
    in (0, 1]: lower gamma, sharper but less varied samples). A proportional
    controller weighs the fake term of L_D by k_t:

        k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1),   k_0 = 0

    and the convergence measure, which falls as training improves, is::

        M = L(x) + |gamma L(x) - L(G(z))|

    ``k`` is training state: :meth:`state_dict` / :meth:`load_state_dict`
    carry it through a checkpoint exactly (a Python float)."""

    def __init__(self, gamma: float = 0.5, lambda_k: float = 0.001, k: float = 0.0):
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"BEGAN gamma must be in (0, 1], got {gamma!r}")
        if not lambda_k > 0:
            raise ValueError(f"BEGAN lambda_k must be positive, got {lambda_k!r}")
        if not 0.0 <= k <= 1.0:
            raise ValueError(f"BEGAN k must be in [0, 1], got {k!r}")
        self.gamma, self.lambda_k, self.k = float(gamma), float(lambda_k), float(k)

    def update(self, real_error: float, fake_error: float) -> dict:
        """One control step from the batch means L(x), L(G(z)); returns the
        figures to log (k before the step is what L_D used)."""
        balance = self.gamma * real_error - fake_error
        measure = real_error + abs(balance)
        self.k = min(max(self.k + self.lambda_k * balance, 0.0), 1.0)
        return {"k": self.k, "convergence": measure}

    def state_dict(self) -> dict:
        return {"k": self.k}

    def load_state_dict(self, state) -> None:
        self.k = float(state["k"])


def feature_matching_loss(real_features, fake_features):
    """Feature matching (Salimans et al. 2016, section 3.1): G matches the
    mean of D's intermediate features f (N, F) on real data,

        L_G = || mean_i f(x_i) - mean_i f(G(z_i)) ||_2^2

    Real features are treated as constants (detached): G cannot move them."""
    if real_features.ndim != 2 or fake_features.ndim != 2 or \
            real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(f"feature_matching_loss: expected features (N, F) and (M, F), got "
                         f"{tuple(real_features.shape)} and {tuple(fake_features.shape)}")
    diff = real_features.detach().mean(axis=0) - fake_features.mean(axis=0)
    return (diff * diff).sum()


#: name -> (discriminator loss, generator loss), the objectives the trainer
#: accepts. 'ebgan' and 'began' need an autoencoder D (their functions take
#: per-sample reconstruction errors, see the module docstring).
LOSSES = {
    "minimax": (discriminator_loss, generator_loss_minimax),
    "nonsaturating": (discriminator_loss, generator_loss_nonsaturating),
    "lsgan": (lsgan_discriminator_loss, lsgan_generator_loss),
    "wasserstein": (wasserstein_critic_loss, wasserstein_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "ebgan": (ebgan_discriminator_loss, ebgan_generator_loss),
    "began": (began_discriminator_loss, began_generator_loss),
}

#: objectives whose discriminator is an autoencoder returning reconstructions
AUTOENCODER_LOSSES = ("ebgan", "began")


def get_loss(name: str):
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
