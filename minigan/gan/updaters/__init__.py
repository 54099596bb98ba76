"""Updaters: one training iteration of a GAN (chainer-gan-lib's "updater").

Every family runs the same loop (:mod:`.base`: k = ``n_disc`` D steps, then
a G step) and differs in the objective and in how D is kept in check: one
module per algorithm,

=============  ================================  ============================================
module         updater                           families
=============  ================================  ============================================
``logit``      :class:`LogitUpdater`             gan, dcgan, cgan, sngan, sagan, stylegan
``wgan``       :class:`WGANUpdater`              wgan (weight clipping)
``wgan_gp``    :class:`GradientPenaltyUpdater`   wgan-gp; DRAGAN's penalty on any logit loss
``ebgan``      :class:`EBGANUpdater`,            ebgan, began (autoencoder D)
               :class:`BEGANUpdater`
=============  ================================  ============================================

The training tricks are small pieces the loop calls at fixed points
(:mod:`.tricks`). :func:`updater_for` picks the class a configuration needs,
and ``Updater(G, D, opt_G, opt_D, latent_dim, UpdaterConfig(...))`` builds it.

Conditional GANs: when G has an attribute ``num_classes``, batches from
``next_real()`` are ``(x, y)`` pairs, fake labels are drawn uniformly, and
the networks are called as G(z, y) and D(x, y).
"""
from __future__ import annotations

from ..losses import AUTOENCODER_LOSSES
from .base import GANUpdater
from .config import HISTORY_TARGETS, PENALTIES, UpdaterConfig
from .ebgan import BEGANUpdater, EBGANUpdater
from .logit import LogitUpdater
from .parts import grad_norm
from .replay import ReplayBuffer
from .tricks import Trick, Tricks, ema_update
from .wgan import WGANUpdater
from .wgan_gp import GradientPenaltyUpdater

__all__ = ["Updater", "updater_for", "UpdaterConfig", "GANUpdater", "LogitUpdater", "WGANUpdater",
           "GradientPenaltyUpdater", "EBGANUpdater", "BEGANUpdater", "ReplayBuffer", "Trick",
           "Tricks", "ema_update", "grad_norm", "PENALTIES", "HISTORY_TARGETS"]


def updater_for(config: UpdaterConfig) -> type:
    """The updater class for ``config``: by its objective, then by how D is bounded."""
    if config.loss in AUTOENCODER_LOSSES:
        return BEGANUpdater if config.loss == "began" else EBGANUpdater
    if config.gp_weight > 0 or config.penalty is not None:
        return GradientPenaltyUpdater
    if config.clip > 0:
        return WGANUpdater
    return LogitUpdater


def Updater(G, D, opt_G, opt_D, latent_dim: int, config: UpdaterConfig,
            batch_size: int | None = None) -> GANUpdater:
    """The updater ``config`` needs (:func:`updater_for`), built on these networks and optimisers.
    ``batch_size`` sizes the replay buffer (counted in batches)."""
    config.validate()
    return updater_for(config)(G, D, opt_G, opt_D, latent_dim, config, batch_size)
