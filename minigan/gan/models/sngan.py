"""SNGAN: spectral normalisation of the discriminator (Miyato, Kataoka,
Koyama & Yoshida, "Spectral Normalization for Generative Adversarial
Networks", ICLR 2018), with the paper's "standard CNN" (Table 3).

Every conv and linear layer of D computes with W / sigma(W) (its largest
singular value, estimated by one power-iteration step per training step).
The linear layer is then 1-Lipschitz; a conv layer only approximately (its
reshaped kernel matrix has norm 1, the convolution operator up to
sqrt(ceil(k/s)^2) times that: see ``minigan/nn/spectral_norm.py``), so D's
Lipschitz constant is bounded by a modest constant rather than by 1 (LeakyReLU
adds nothing). Unlike weight
clipping this keeps the rank of W; unlike a gradient penalty it costs one
matrix-vector product per layer.

Generator (Table 3a; BatchNorm, ReLU, Tanh; ``image_size = r0 * 2^k`` with
r0 = 4 for 8, 16, 32 and r0 = 7 for 14, 28):

    z (N, latent_dim=128) -> Linear -> (N, ngf 2^k, r0, r0), BN, ReLU
      -> k x [ConvT 4/2/1 halving the channels, BN, ReLU]
      -> Conv 3/1/1 to ``channels`` -> Tanh

(for 32x32 and ngf = 64: 4x4x512 -> 256 -> 128 -> 64 -> 3, as in the paper).

Discriminator (Table 3b; LeakyReLU(0.1) after every conv, spectral norm on
every layer):

    x -> Conv 3/1/1 ndf, Conv 4/2/1 ndf
      -> Conv 3/1/1 2ndf, Conv 4/2/1 2ndf
      -> Conv 3/1/1 4ndf, Conv 4/2/1 4ndf
      -> Conv 3/1/1 8ndf -> Flatten -> Linear -> logit (N, 1)

(three halvings: 32 -> 4, 28 -> 3). :class:`SNMLPDiscriminator` is the same
idea for 2-D toy data.
"""
from __future__ import annotations

from ... import nn
from ...autograd.tensor import Tensor
from ...nn.attention import Conv1x1
from .common import SplitDiscriminator, check_images, check_latent, image_plan, positive_int
from .mlp import TOY_HIDDEN, MLPDiscriminator

__all__ = ["SNGANGenerator", "SNGANDiscriminator", "SNMLPDiscriminator", "apply_spectral_norm",
           "spectrally_normalized_layers"]

_WEIGHTED = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, Conv1x1)


def spectrally_normalized_layers(module: nn.Module):
    """``(name, layer, has_sn)`` for every Linear / conv layer inside ``module``
    (including SelfAttention's 1x1 convolutions)."""
    for name, m in module.named_modules():
        if isinstance(m, _WEIGHTED):
            yield name, m, "weight_orig" in m._parameters


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Wrap every Linear / conv layer inside ``module`` that is not yet
    normalised in :func:`minigan.nn.utils.spectral_norm`; returns ``module``."""
    for _, layer, has_sn in list(spectrally_normalized_layers(module)):
        if not has_sn:
            nn.utils.spectral_norm(layer)
    return module


class SNGANGenerator(nn.Module):
    """SNGAN's standard-CNN generator: z (N, latent_dim) -> (N, channels, size, size).

    Args:
        latent_dim: size of z (128 in the paper).
        channels: image channels.
        image_size: 32 (the paper's CIFAR-10 size) or 28, 8, 16, ...
        ngf: channels of the last upsampled feature map (64 in the paper);
            they double at each lower resolution.
    """

    def __init__(self, latent_dim: int = 128, channels: int = 1, image_size: int = 32,
                 ngf: int = 64):
        super().__init__()
        who = type(self).__name__
        self.latent_dim = positive_int(latent_dim, who, "latent_dim")
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        r0, k = image_plan(image_size, who)
        c = positive_int(ngf, who, "ngf") * 2 ** k
        layers = [nn.Linear(self.latent_dim, c * r0 * r0, bias=False), nn.Unflatten(1, (c, r0, r0)),
                  nn.BatchNorm2d(c), nn.ReLU()]
        for _ in range(k):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2),
                       nn.ReLU()]
            c //= 2
        layers += [nn.Conv2d(c, self.channels, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(check_latent(z, self.latent_dim, type(self).__name__))

    def extra_repr(self):
        return f"latent_dim={self.latent_dim}, out_shape={(self.channels, self.image_size, self.image_size)}"


class SNGANDiscriminator(SplitDiscriminator):
    """SNGAN's standard-CNN discriminator, spectral norm on every layer:
    images (N, channels, size, size) -> logits (N, 1).

    Args:
        channels, image_size: as for :class:`SNGANGenerator`.
        ndf: channels of the first block (64 in the paper; 512 at the end).
        negative_slope: LeakyReLU slope (0.1 in the paper).
    """

    def __init__(self, channels: int = 1, image_size: int = 32, ndf: int = 64,
                 negative_slope: float = 0.1):
        super().__init__()
        who = type(self).__name__
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        image_plan(image_size, who)
        ndf = positive_int(ndf, who, "ndf")
        layers, c_in, size = [], self.channels, image_size
        for c in (ndf, 2 * ndf, 4 * ndf):
            layers += [nn.Conv2d(c_in, c, 3, 1, 1), nn.LeakyReLU(negative_slope),
                       nn.Conv2d(c, c, 4, 2, 1), nn.LeakyReLU(negative_slope)]
            c_in, size = c, size // 2
        layers += [nn.Conv2d(c_in, 8 * ndf, 3, 1, 1), nn.LeakyReLU(negative_slope),
                   nn.Flatten(), nn.Linear(8 * ndf * size * size, 1)]
        self.net = apply_spectral_norm(nn.Sequential(*layers))

    def check_input(self, x: Tensor) -> Tensor:
        return check_images(x, self.channels, self.image_size, type(self).__name__)

    def extra_repr(self):
        return f"in_shape={(self.channels, self.image_size, self.image_size)}"


class SNMLPDiscriminator(MLPDiscriminator):
    """Fully connected discriminator with spectral norm on every Linear and
    LeakyReLU(0.1), for 2-D toy data: x (N, in_dim) -> logits (N, 1)."""

    def __init__(self, in_dim=2, hidden=TOY_HIDDEN, negative_slope: float = 0.1):
        super().__init__(in_dim, hidden, "leaky_relu", negative_slope, spectral_norm=True)
