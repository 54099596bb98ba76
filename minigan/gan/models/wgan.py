"""Critics for the Wasserstein GAN (Arjovsky, Chintala & Bottou, "Wasserstein
GAN", ICML 2017) and WGAN-GP (Gulrajani, Ahmed, Arjovsky, Dumoulin &
Courville, "Improved Training of Wasserstein GANs", NeurIPS 2017).

A WGAN critic f estimates W(P_r, P_g) = sup_{||f||_L <= 1} E_r[f(x)] - E_g[f(x)],
so it outputs an unbounded score, not a probability: it is the DCGAN
discriminator with no sigmoid (ours never has one). The generators are the
DCGAN generator (images) and :class:`MLPGenerator` (toy data).

* :class:`WGANCritic`: the DCGAN discriminator as used by the WGAN paper,
  BatchNorm included; the Lipschitz bound comes from clipping the weights
  (done by the training step, not by the model).
* :class:`WGANGPCritic`: no BatchNorm. The gradient penalty
  (||grad_x f(x_hat)|| - 1)^2 is taken per sample, and batch norm makes each
  output depend on the whole batch, which invalidates it (paper, Sec. 4).
  ``norm='layer'`` (the paper's recommended replacement, LayerNorm over each
  sample's (C, H, W)) or ``norm='none'`` (the authors' MNIST critic).
* :class:`MLPCritic`: the toy-data critic of the authors' code: three hidden
  layers of 512 ReLU units, one output. Use it for WGAN and WGAN-GP on 2-D
  data, with ``MLPGenerator(2, 2, hidden=(512, 512, 512))``.

The shapes and the initialisation are DCGAN's (see :mod:`.dcgan`).
"""
from __future__ import annotations

from .dcgan import DCGANDiscriminator
from .mlp import MLPDiscriminator

__all__ = ["WGANCritic", "WGANGPCritic", "MLPCritic", "WGAN_TOY_HIDDEN"]

WGAN_TOY_HIDDEN = (512, 512, 512)


class WGANCritic(DCGANDiscriminator):
    """WGAN critic: images (N, channels, size, size) -> scores (N, 1).
    The DCGAN discriminator with BatchNorm (see :class:`DCGANDiscriminator`)."""

    def __init__(self, channels: int = 1, image_size: int = 28, ndf: int = 64,
                 negative_slope: float = 0.2, init: bool = True):
        super().__init__(channels, image_size, ndf, norm="batch", negative_slope=negative_slope,
                         init=init)


class WGANGPCritic(DCGANDiscriminator):
    """WGAN-GP critic: images (N, channels, size, size) -> scores (N, 1),
    with ``norm='layer'`` (default) or ``'none'``; batch norm is refused."""

    def __init__(self, channels: int = 1, image_size: int = 28, ndf: int = 64,
                 norm: str = "layer", negative_slope: float = 0.2, init: bool = True):
        if norm == "batch":
            raise ValueError("WGANGPCritic: norm='batch' is not allowed: the gradient penalty is "
                             "per sample and batch norm mixes the samples of a batch; use "
                             "norm='layer' or norm='none'")
        super().__init__(channels, image_size, ndf, norm=norm, negative_slope=negative_slope,
                         init=init)


class MLPCritic(MLPDiscriminator):
    """Fully connected critic for toy data: x (N, in_dim) -> scores (N, 1);
    three hidden layers of 512 ReLU units by default (the authors' toy code)."""

    def __init__(self, in_dim=2, hidden=WGAN_TOY_HIDDEN, activation: str = "relu",
                 negative_slope: float = 0.2):
        super().__init__(in_dim, hidden, activation, negative_slope)
