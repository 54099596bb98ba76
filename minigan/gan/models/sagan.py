"""SAGAN: self-attention and spectral norm in both networks (Zhang,
Goodfellow, Metaxas & Odena, "Self-Attention Generative Adversarial
Networks", ICML 2019).

Two changes to a DCGAN-style pair, both in G *and* D:

* spectral normalisation on every conv and linear layer (including the
  attention block's 1x1 convolutions); the paper finds that normalising G
  too makes training steadier (fewer sudden escalations of G's gradients);
* one :class:`minigan.nn.SelfAttention` block at a middle resolution, so that
  each position can use features from anywhere in the image. Its ``gamma``
  starts at 0: the network begins purely convolutional.

A small version, meant to train on a CPU (``ngf = ndf = 32``). With
``image_size = r0 * 2^k`` (r0 = 7 for 14, 28; r0 = 4 for 8, 16, 32):

    G: z (N, 128) -> SN Linear -> (N, ngf 2^k, r0, r0), BN, ReLU
       -> k x [SN ConvT 4/2/1 halving the channels, BN, ReLU]
          (SelfAttention after the block that reaches ``attention_size``)
       -> SN Conv 3/1/1 to ``channels`` -> Tanh
    D: x -> k x [SN Conv 4/2/1 doubling the channels (first: to ndf), LeakyReLU(0.1)]
          (SelfAttention after the conv that reaches ``attention_size``)
       -> Flatten -> SN Linear -> logit (N, 1)

``attention_size`` defaults to ``image_size // 2``: 14x14 for 28x28 images,
16x16 for 32x32. Attention costs memory N^2 per sample (N = positions).
"""
from __future__ import annotations

from ... import nn
from ...autograd.tensor import Tensor
from .common import SplitDiscriminator, check_images, check_latent, image_plan, positive_int
from .sngan import apply_spectral_norm

__all__ = ["SAGANGenerator", "SAGANDiscriminator"]


def _attention_size(attention_size, image_size, r0, k, who):
    """The resolution for attention, checked against the ones the network has."""
    sizes = [r0 * 2 ** i for i in range(k + 1)]  # resolutions of G's feature maps
    if attention_size is None:
        attention_size = image_size // 2
    if attention_size not in sizes[:-1]:
        raise ValueError(f"{who}: attention_size must be one of the inner feature-map sizes "
                         f"{sizes[:-1]} for image_size={image_size}, got {attention_size!r}")
    return attention_size


def _attention(channels: int) -> nn.SelfAttention:
    # the paper's channel reduction 8 for queries and keys, less for the
    # narrow feature maps of tiny test networks (at least one channel)
    return nn.SelfAttention(channels, reduction=min(8, channels))


class SAGANGenerator(nn.Module):
    """SAGAN generator: z (N, latent_dim) -> images (N, channels, size, size) in [-1, 1].

    Args:
        latent_dim: size of z (128 as in the paper).
        channels, image_size: output image shape.
        ngf: channels of the last upsampled feature map (doubling at each
            lower resolution).
        attention_size: the feature-map resolution that gets self-attention
            (default ``image_size // 2``).
    """

    def __init__(self, latent_dim: int = 128, channels: int = 1, image_size: int = 32,
                 ngf: int = 32, attention_size: int | None = None):
        super().__init__()
        who = type(self).__name__
        self.latent_dim = positive_int(latent_dim, who, "latent_dim")
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        r0, k = image_plan(image_size, who)
        self.attention_size = _attention_size(attention_size, image_size, r0, k, who)
        c, size = positive_int(ngf, who, "ngf") * 2 ** k, r0
        layers = [nn.Linear(self.latent_dim, c * r0 * r0, bias=False), nn.Unflatten(1, (c, r0, r0)),
                  nn.BatchNorm2d(c), nn.ReLU()]
        for _ in range(k):
            if size == self.attention_size:
                layers.append(_attention(c))
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2),
                       nn.ReLU()]
            c, size = c // 2, size * 2
        layers += [nn.Conv2d(c, self.channels, 3, 1, 1), nn.Tanh()]
        self.net = apply_spectral_norm(nn.Sequential(*layers))

    def forward(self, z: Tensor) -> Tensor:
        return self.net(check_latent(z, self.latent_dim, type(self).__name__))

    def extra_repr(self):
        return (f"latent_dim={self.latent_dim}, out_shape="
                f"{(self.channels, self.image_size, self.image_size)}, "
                f"attention_size={self.attention_size}")


class SAGANDiscriminator(SplitDiscriminator):
    """SAGAN discriminator: images (N, channels, size, size) -> logits (N, 1).

    Args:
        channels, image_size: input image shape.
        ndf: channels after the first conv (doubling at each stride-2 conv).
        attention_size: the feature-map resolution that gets self-attention
            (default ``image_size // 2``).
        negative_slope: LeakyReLU slope (0.1, as in the paper's code).
    """

    def __init__(self, channels: int = 1, image_size: int = 32, ndf: int = 32,
                 attention_size: int | None = None, negative_slope: float = 0.1):
        super().__init__()
        who = type(self).__name__
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        r0, k = image_plan(image_size, who)
        self.attention_size = _attention_size(attention_size, image_size, r0, k, who)
        c_in, c, size = self.channels, positive_int(ndf, who, "ndf"), image_size
        layers = []
        for _ in range(k):
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(negative_slope)]
            size //= 2
            if size == self.attention_size:
                layers.append(_attention(c))
            c_in, c = c, 2 * c
        layers += [nn.Flatten(), nn.Linear(c_in * r0 * r0, 1)]
        self.net = apply_spectral_norm(nn.Sequential(*layers))

    def check_input(self, x: Tensor) -> Tensor:
        return check_images(x, self.channels, self.image_size, type(self).__name__)

    def extra_repr(self):
        return (f"in_shape={(self.channels, self.image_size, self.image_size)}, "
                f"attention_size={self.attention_size}")
