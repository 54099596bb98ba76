"""DCGAN: deep convolutional generator and discriminator (Radford, Metz &
Chintala, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", ICLR 2016).

The paper's architecture guidelines, all followed here:

* no pooling: strided convolutions downsample in D, transposed convolutions
  (stride 2, kernel 4, padding 1: each doubles the resolution) upsample in G;
* BatchNorm in both networks, except on G's output layer and D's input layer;
* no fully connected hidden layers: only G's projection of z (a matrix
  product whose result is reshaped to a small feature map) and D's last
  layer (the flattened features to one logit);
* ReLU in G with Tanh on the output; LeakyReLU(0.2) in D;
* every weight drawn from N(0, 0.02); BatchNorm scale from N(1, 0.02), shift 0
  (:func:`dcgan_init`).

Shapes, for ``image_size = r0 * 2^k`` with ``r0 = 7`` (14, 28, 56, ...) or
``r0 = 4`` (8, 16, 32, 64, ...):

    G: z (N, latent_dim) -> Linear -> (N, ngf 2^(k-1), r0, r0) -> BN, ReLU
       -> k-1 x [ConvT 4/2/1 halving the channels, BN, ReLU]
       -> ConvT 4/2/1 to ``channels`` -> Tanh -> (N, channels, size, size)
    D: x (N, channels, size, size) -> Conv 4/2/1 to ndf, LeakyReLU(0.2)
       -> k-1 x [Conv 4/2/1 doubling the channels, BN, LeakyReLU(0.2)]
       -> Flatten -> Linear -> logit (N, 1)

For 28x28 and ``ngf = ndf = 64`` that is G: Linear z -> 128x7x7, BN, ReLU,
ConvT 128->64, BN, ReLU, ConvT 64->1, Tanh; D: Conv 1->64, LeakyReLU, Conv
64->128, BN, LeakyReLU, Flatten, Linear 6272->1. For 64x64 it is the paper's
network: 4x4x1024 in the paper, 4x4x512 with PyTorch's ``ngf = 64``.

Layers followed by a normalisation have no bias (the norm's shift replaces it).
D returns a logit: the losses apply the sigmoid inside a stable softplus.

Options from Salimans et al. 2016 ("Improved Techniques for Training GANs"):
``DCGANGenerator(norm='vbn')`` replaces every BatchNorm2d by
VirtualBatchNorm2d, normalising with a fixed reference batch of noise that
the generator keeps (buffer ``reference_z``) and runs first in every
forward pass; ``DCGANDiscriminator(minibatch_discrimination=True)`` inserts
MinibatchDiscrimination between the flattened features and the last Linear.
``D.features(x)`` is the flattened last conv block (N, F), ``D.head(f)`` the
rest: ``D(x) == D.head(D.features(x))``.
"""
from __future__ import annotations

from ... import nn
from ...autograd.tensor import Tensor
from ...factories import randn
from .common import SplitDiscriminator, check_images, check_latent, image_plan, positive_int
from .mlp import MBD_KERNEL_DIMS, MBD_KERNELS, VBN_REFERENCE_SIZE, check_g_norm, vbn_forward

__all__ = ["DCGANGenerator", "DCGANDiscriminator", "dcgan_init", "image_plan", "check_images",
           "dcgan_discriminator_layers"]


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation, for ``model.apply(dcgan_init)``: weights of
    Linear / Conv2d / ConvTranspose2d ~ N(0, 0.02) and biases 0; BatchNorm
    weight ~ N(1, 0.02) and bias 0. A spectrally normalised layer has its
    trained weight ``weight_orig`` initialised."""
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        weight = module._parameters.get("weight_orig")
        if weight is None:
            weight = module.weight
        nn.init.normal_(weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.VirtualBatchNorm1d,
                             nn.VirtualBatchNorm2d)) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """DCGAN generator: z (N, latent_dim) -> images (N, channels, size, size) in [-1, 1].

    Args:
        latent_dim: size of z (100 in the paper).
        channels: image channels (1 for MNIST, 3 for colour).
        image_size: 28 (7x7 start) or 8, 16, 32, 64 (the paper's 4x4 start);
            any ``7 * 2^k`` or ``4 * 2^k`` works.
        ngf: channels of the last hidden feature map; they double at each
            lower resolution (so 64 gives 128x7x7 at 28x28, 512x4x4 at 64x64).
        init: apply :func:`dcgan_init` (the paper's initialisation).
        norm: 'batch' (the paper) or 'vbn' (virtual batch norm, Salimans et
            al. 2016, with ``reference_size`` fixed noise vectors as reference).
        reference_size: size of the VBN reference batch.
    """

    def __init__(self, latent_dim: int = 100, channels: int = 1, image_size: int = 28,
                 ngf: int = 64, init: bool = True, norm: str = "batch",
                 reference_size: int = VBN_REFERENCE_SIZE):
        super().__init__()
        who = type(self).__name__
        self.norm = check_g_norm(norm, who, ("batch", "vbn"))
        bn = nn.BatchNorm2d if self.norm == "batch" else nn.VirtualBatchNorm2d
        self.latent_dim = positive_int(latent_dim, who, "latent_dim")
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        r0, k = image_plan(image_size, who)
        c = positive_int(ngf, who, "ngf") * 2 ** (k - 1)
        layers = [nn.Linear(self.latent_dim, c * r0 * r0, bias=False), nn.Unflatten(1, (c, r0, r0)),
                  bn(c), nn.ReLU()]
        for _ in range(k - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), bn(c // 2), nn.ReLU()]
            c //= 2
        layers += [nn.ConvTranspose2d(c, self.channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        if self.norm == "vbn":
            self.register_buffer("reference_z", randn(
                positive_int(reference_size, who, "reference_size"), self.latent_dim))
        if init:
            self.apply(dcgan_init)

    def forward(self, z: Tensor) -> Tensor:
        z = check_latent(z, self.latent_dim, type(self).__name__)
        if self.norm == "vbn":
            return vbn_forward(self.net, self.reference_z, z)
        return self.net(z)

    def extra_repr(self):
        extra = ", norm='vbn'" if self.norm == "vbn" else ""
        return (f"latent_dim={self.latent_dim}, "
                f"out_shape={(self.channels, self.image_size, self.image_size)}{extra}")


_NORMS = ("batch", "layer", "none")


def dcgan_discriminator_layers(channels: int, image_size: int, ndf: int, norm: str,
                               negative_slope: float, who: str) -> tuple[list, int]:
    """DCGAN's discriminator body: the conv blocks and a Flatten, as a list of
    layers, and the number F of flattened features it outputs."""
    if norm not in _NORMS:
        raise ValueError(f"{who}: norm must be one of {', '.join(map(repr, _NORMS))}, got {norm!r}")
    r0, k = image_plan(image_size, who)
    c, size = positive_int(ndf, who, "ndf"), image_size // 2
    layers = [nn.Conv2d(channels, c, 4, 2, 1), nn.LeakyReLU(negative_slope)]
    for _ in range(k - 1):
        size //= 2
        layers.append(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=norm == "none"))
        if norm == "batch":
            layers.append(nn.BatchNorm2d(2 * c))
        elif norm == "layer":
            layers.append(nn.LayerNorm((2 * c, size, size)))
        layers.append(nn.LeakyReLU(negative_slope))
        c *= 2
    layers.append(nn.Flatten())
    return layers, c * r0 * r0


class DCGANDiscriminator(SplitDiscriminator):
    """DCGAN discriminator: images (N, channels, size, size) -> logits (N, 1).

    Args:
        channels, image_size: as for :class:`DCGANGenerator`.
        ndf: channels of the first feature map; they double at each stride-2 conv.
        norm: normalisation after every conv but the first: 'batch' (the
            paper), 'layer' (LayerNorm over (C, H, W) of each sample, for
            WGAN-GP, whose penalty needs per-sample outputs) or 'none'.
        negative_slope: LeakyReLU slope (0.2 in the paper).
        init: apply :func:`dcgan_init`.
        minibatch_discrimination: insert ``MinibatchDiscrimination(F,
            MBD_KERNELS, MBD_KERNEL_DIMS)`` before the last Linear.
    """

    def __init__(self, channels: int = 1, image_size: int = 28, ndf: int = 64,
                 norm: str = "batch", negative_slope: float = 0.2, init: bool = True,
                 minibatch_discrimination: bool = False):
        super().__init__()
        who = type(self).__name__
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        self.norm = norm
        layers, width = dcgan_discriminator_layers(self.channels, image_size, ndf, norm,
                                                   negative_slope, who)
        self._n_features = len(layers)
        self.minibatch_discrimination = bool(minibatch_discrimination)
        if self.minibatch_discrimination:
            layers.append(nn.MinibatchDiscrimination(width, MBD_KERNELS, MBD_KERNEL_DIMS))
            width += MBD_KERNELS
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        if init:
            self.apply(dcgan_init)

    def check_input(self, x: Tensor) -> Tensor:
        return check_images(x, self.channels, self.image_size, type(self).__name__)

    def extra_repr(self):
        extra = ", minibatch_discrimination=True" if self.minibatch_discrimination else ""
        return (f"in_shape={(self.channels, self.image_size, self.image_size)}, "
                f"norm={self.norm!r}{extra}")
