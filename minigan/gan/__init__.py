"""GANs: objectives, penalties, the model families, updaters, sampling, the trainer."""
# models first: the family table (families.py) imports the network classes
# from it, and models/__init__ reads the table once they are defined
from . import models  # noqa: I001
from . import families, losses, penalties
from .losses import (AUTOENCODER_LOSSES, LOSSES, BEGANBalance, began_discriminator_loss,
                     began_generator_loss, discriminator_loss, ebgan_discriminator_loss,
                     ebgan_generator_loss, feature_matching_loss, generator_loss_minimax,
                     generator_loss_nonsaturating, get_loss, hinge_discriminator_loss,
                     hinge_generator_loss, lsgan_discriminator_loss, lsgan_generator_loss,
                     pulling_away_term, reconstruction_error, wasserstein_critic_loss,
                     wasserstein_generator_loss)
from .penalties import (HistoricalAverage, clip_weights_, dragan_penalty, gradient_penalty,
                        orthogonal_regularization)
from .updaters import GANUpdater, ReplayBuffer, Updater, UpdaterConfig, updater_for

__all__ = [
    "models", "families", "losses", "penalties", "LOSSES", "AUTOENCODER_LOSSES", "get_loss", "discriminator_loss",
    "generator_loss_minimax", "generator_loss_nonsaturating", "lsgan_discriminator_loss",
    "lsgan_generator_loss", "wasserstein_critic_loss", "wasserstein_generator_loss",
    "hinge_discriminator_loss", "hinge_generator_loss", "reconstruction_error",
    "ebgan_discriminator_loss", "ebgan_generator_loss", "pulling_away_term",
    "began_discriminator_loss", "began_generator_loss", "BEGANBalance", "feature_matching_loss",
    "gradient_penalty", "dragan_penalty", "clip_weights_", "orthogonal_regularization",
    "HistoricalAverage", "ReplayBuffer", "Updater", "UpdaterConfig", "GANUpdater", "updater_for",
]
