"""GANs: objectives, penalties, the six model families, updaters, the trainer."""
from . import losses, penalties
from .losses import (LOSSES, discriminator_loss, generator_loss_minimax, generator_loss_nonsaturating,
                     get_loss, hinge_discriminator_loss, hinge_generator_loss, lsgan_discriminator_loss,
                     lsgan_generator_loss, wasserstein_critic_loss, wasserstein_generator_loss)
from .penalties import clip_weights_, gradient_penalty
from .updaters import Updater, UpdaterConfig

__all__ = [
    "losses", "penalties", "LOSSES", "get_loss", "discriminator_loss", "generator_loss_minimax",
    "generator_loss_nonsaturating", "lsgan_discriminator_loss", "lsgan_generator_loss",
    "wasserstein_critic_loss", "wasserstein_generator_loss", "hinge_discriminator_loss",
    "hinge_generator_loss", "gradient_penalty", "clip_weights_", "Updater", "UpdaterConfig",
]
