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

References: Goodfellow et al. 2014 (minimax and non-saturating), Mao et al.
2017 (LSGAN), Arjovsky et al. 2017 (WGAN), Lim & Ye 2017 / Miyato et al. 2018
(hinge), Salimans et al. 2016 (one-sided label smoothing).
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


#: name -> (discriminator loss, generator loss), the objectives the trainer accepts
LOSSES = {
    "minimax": (discriminator_loss, generator_loss_minimax),
    "nonsaturating": (discriminator_loss, generator_loss_nonsaturating),
    "lsgan": (lsgan_discriminator_loss, lsgan_generator_loss),
    "wasserstein": (wasserstein_critic_loss, wasserstein_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
}


def get_loss(name: str):
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
