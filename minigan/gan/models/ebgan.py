"""Autoencoder discriminators for EBGAN (Zhao, Mathieu & LeCun,
"Energy-based Generative Adversarial Network", ICLR 2017) and BEGAN
(Berthelot, Schumm & Metz, "BEGAN: Boundary Equilibrium Generative
Adversarial Networks", 2017).

Both read D as an energy: D is an autoencoder, and the energy of x is how
badly D reconstructs it,

    EBGAN:  E(x) = || Dec(Enc(x)) - x ||^2 (mean over the sample's entries)
    BEGAN:  L(x) = | Dec(Enc(x)) - x |     (L1, mean)

D is trained to reconstruct real data well and generated data badly; the
losses (EBGAN's margin, BEGAN's equilibrium term k_t) live in
:mod:`minigan.gan.losses` / the updaters, which compare ``D(x)`` with ``x``:
here ``D(x)`` returns the *reconstruction*, with x's shape,
``D.features(x)`` the code Enc(x) (N, code_dim) and ``D.hidden(x)`` the
encoder's last hidden layer, the one the code is computed from.

Images (``image_size = r0 * 2^k``, DCGAN's strided convs):

    Enc: x -> Conv 4/2/1 ndf, act -> k-1 x [Conv 4/2/1 doubling, norm, act]
         -> Flatten -> Linear -> code (N, code_dim)
    Dec: code -> Linear -> (N, ndf 2^(k-1), r0, r0), norm, act
         -> k-1 x [ConvT 4/2/1 halving, norm, act] -> ConvT 4/2/1 to channels

with a linear output (a reconstruction, not a probability). EBGAN uses
BatchNorm and LeakyReLU(0.2) (its DCGAN-style networks); BEGAN uses no
normalisation and ELU, as in the paper, with code size h = 64. (BEGAN's
paper upsamples with nearest neighbour + 3x3 convs and adds skip
connections; strided convs keep this small network DCGAN-shaped.)

2-D data: an MLP autoencoder 2 -> hidden -> code -> reversed hidden -> 2.
Generators are DCGAN's (images) and the MLP generator (2-D).
"""
from __future__ import annotations

from itertools import pairwise

from ... import nn
from ...autograd.tensor import Tensor
from .common import check_hidden, check_images, check_vectors, image_plan, positive_int
from .dcgan import dcgan_init
from .mlp import TOY_HIDDEN

__all__ = ["AutoencoderDiscriminator", "MLPAutoencoderDiscriminator", "ELU",
           "EBGAN_CODE_DIM", "BEGAN_CODE_DIM", "TOY_CODE_DIM"]

EBGAN_CODE_DIM = 128
BEGAN_CODE_DIM = 64
TOY_CODE_DIM = 8
_ACTS = ("leaky_relu", "elu")


# BEGAN's ELU (alpha = 1) is nn.ELU; the name stays importable from here
ELU = nn.ELU


def _activation(name, who):
    if name == "leaky_relu":
        return nn.LeakyReLU(0.2)
    if name == "elu":
        return ELU()
    raise ValueError(f"{who}: activation must be one of {', '.join(map(repr, _ACTS))}, "
                     f"got {name!r}")


class AutoencoderDiscriminator(nn.Module):
    """Convolutional autoencoder D: images (N, channels, size, size) -> reconstructions (same shape).

    Args:
        channels, image_size: input image shape.
        ndf: channels after the first conv (doubling at each stride-2 conv).
        code_dim: size of the bottleneck code.
        norm: 'batch' (EBGAN) or 'none' (BEGAN).
        activation: 'leaky_relu' (EBGAN) or 'elu' (BEGAN).
        init: DCGAN's N(0, 0.02) initialisation.
    """

    def __init__(self, channels: int = 1, image_size: int = 28, ndf: int = 64,
                 code_dim: int = EBGAN_CODE_DIM, norm: str = "batch",
                 activation: str = "leaky_relu", init: bool = True):
        super().__init__()
        who = type(self).__name__
        if norm not in ("batch", "none"):
            raise ValueError(f"{who}: norm must be 'batch' or 'none', got {norm!r}")
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        self.code_dim = positive_int(code_dim, who, "code_dim")
        self.norm, self.activation = norm, activation
        r0, k = image_plan(image_size, who)
        _activation(activation, who)  # check the name before building

        def block(conv, c_out):
            layers = [conv]
            if norm == "batch":
                layers.append(nn.BatchNorm2d(c_out))
            return layers + [_activation(activation, who)]

        c = positive_int(ndf, who, "ndf")
        enc = [nn.Conv2d(self.channels, c, 4, 2, 1), _activation(activation, who)]
        for _ in range(k - 1):
            enc += block(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=norm == "none"), 2 * c)
            c *= 2
        enc += [nn.Flatten(), nn.Linear(c * r0 * r0, self.code_dim)]
        dec = [nn.Linear(self.code_dim, c * r0 * r0, bias=norm == "none"),
               nn.Unflatten(1, (c, r0, r0))]
        if norm == "batch":
            dec.append(nn.BatchNorm2d(c))
        dec.append(_activation(activation, who))
        for _ in range(k - 1):
            dec += block(nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=norm == "none"), c // 2)
            c //= 2
        dec.append(nn.ConvTranspose2d(c, self.channels, 4, 2, 1))
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        if init:
            self.apply(dcgan_init)

    def features(self, x: Tensor) -> Tensor:
        """The code Enc(x), (N, code_dim)."""
        return self.encoder(check_images(x, self.channels, self.image_size, type(self).__name__))

    def hidden(self, x: Tensor) -> Tensor:
        """The encoder's last hidden layer, the flattened feature map the
        code is computed from, (N, C r0 r0) for the last conv's C channels."""
        return self.encoder[:-1](check_images(x, self.channels, self.image_size, type(self).__name__))

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.features(x))

    def extra_repr(self):
        return (f"in_shape={(self.channels, self.image_size, self.image_size)}, "
                f"code_dim={self.code_dim}, norm={self.norm!r}, activation={self.activation!r}")


class MLPAutoencoderDiscriminator(nn.Module):
    """Fully connected autoencoder D for 2-D data: x (N, in_dim) -> reconstruction (N, in_dim).

    Args:
        in_dim: data dimension.
        hidden: encoder widths; the decoder mirrors them.
        code_dim: bottleneck size.
        activation: 'leaky_relu' (EBGAN) or 'elu' (BEGAN).
    """

    def __init__(self, in_dim: int = 2, hidden=TOY_HIDDEN, code_dim: int = TOY_CODE_DIM,
                 activation: str = "leaky_relu"):
        super().__init__()
        who = type(self).__name__
        self.in_dim = positive_int(in_dim, who, "in_dim")
        self.code_dim = positive_int(code_dim, who, "code_dim")
        self.activation = activation
        hidden = check_hidden(hidden, who)
        enc, dec = [], []
        for a, b in pairwise((self.in_dim,) + hidden):
            enc += [nn.Linear(a, b), _activation(activation, who)]
        enc.append(nn.Linear(((self.in_dim,) + hidden)[-1], self.code_dim))
        for a, b in pairwise((self.code_dim,) + hidden[::-1]):
            dec += [nn.Linear(a, b), _activation(activation, who)]
        dec.append(nn.Linear(((self.code_dim,) + hidden[::-1])[-1], self.in_dim))
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)

    def features(self, x: Tensor) -> Tensor:
        """The code Enc(x), (N, code_dim)."""
        return self.encoder(check_vectors(x, self.in_dim, type(self).__name__))

    def hidden(self, x: Tensor) -> Tensor:
        """The encoder's last hidden layer, after its activation, (N, hidden[-1])."""
        return self.encoder[:-1](check_vectors(x, self.in_dim, type(self).__name__))

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.features(x))

    def extra_repr(self):
        return (f"in_dim={self.in_dim}, code_dim={self.code_dim}, "
                f"activation={self.activation!r}")
