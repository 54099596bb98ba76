"""WGAN with weight clipping (Arjovsky, Chintala & Bottou, "Wasserstein
GAN", ICML 2017, Algorithm 1): the updater of the wgan family.

The critic f estimates W(P_r, P_g) = sup_{||f||_L <= 1} E f(x) - E f(G(z)):

    loss_D = E f(G(z)) - E f(x)       loss_G = -E f(G(z))

(loss 'wasserstein', :mod:`.logit`'s objectives), with n_critic = 5 critic
steps per G step and RMSprop(5e-5). The Lipschitz bound is crude: after every
critic step each weight is clamped to [-c, c], c = ``config.clip`` (0.01 in
the paper). Clipping leaves a critic that is either too simple or slow to
train (WGAN-GP, Sec. 3), which the gradient penalty (:mod:`.wgan_gp`) fixes.
"""
from __future__ import annotations

from ..penalties import clip_weights_
from .logit import LogitUpdater


class WGANUpdater(LogitUpdater):
    def after_d_step(self):
        clip_weights_(self.D, self.config.clip)
