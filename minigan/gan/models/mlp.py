"""The vanilla GAN: fully connected generator and discriminator
(Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014).

Architecture (every layer a ``Linear`` followed by a nonlinearity):

    G: z (N, latent_dim) -> [Linear, ReLU] x len(hidden) -> Linear -> [Tanh] -> x
    D: x (N, in_dim)     -> [Linear, LeakyReLU(0.2)] x len(hidden) -> Linear -> logit (N, 1)

The paper's MNIST networks used maxout units and dropout in D; the ReLU /
LeakyReLU form here is the one most reimplementations use and trains
reliably with the non-saturating loss. D returns a *logit* (no sigmoid):
the losses take logits and use the stable softplus form.

Defaults:

* 2-D toy data (``TOY_HIDDEN``): three hidden layers of 128 units in both
  networks, latent size 8, linear output (the data is not bounded).
* flattened 28x28 images: G ``100 -> 256 -> 512 -> 1024 -> 784`` with Tanh
  (``IMAGE_G_HIDDEN``), D ``784 -> 512 -> 256 -> 1`` (``IMAGE_D_HIDDEN``).
  Give ``out_dim=(1, 28, 28)`` (or ``in_dim``) and the networks reshape to
  and from images themselves.
"""
from __future__ import annotations

import math
from itertools import pairwise

from ... import nn
from ...autograd.tensor import Tensor

__all__ = ["MLPGenerator", "MLPDiscriminator", "TOY_HIDDEN", "IMAGE_G_HIDDEN", "IMAGE_D_HIDDEN",
           "make_activation"]

TOY_HIDDEN = (128, 128, 128)
IMAGE_G_HIDDEN = (256, 512, 1024)
IMAGE_D_HIDDEN = (512, 256)

_ACTIVATIONS = ("relu", "leaky_relu", "tanh")


def make_activation(name: str, negative_slope: float = 0.2) -> nn.Module:
    """The activation layer called ``name`` ('relu', 'leaky_relu' or 'tanh')."""
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"unknown activation {name!r}: expected one of {', '.join(_ACTIVATIONS)}")


def _as_shape(dim, who: str, arg: str) -> tuple:
    """``dim`` (an int or a shape tuple) as a tuple of positive ints."""
    if isinstance(dim, (tuple, list)):
        shape = tuple(dim)
    elif isinstance(dim, int) and not isinstance(dim, bool):
        shape = (dim,)
    else:
        shape = ()
    if not shape or any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in shape):
        raise ValueError(f"{who}: {arg} must be a positive int or a tuple of positive ints "
                         f"(e.g. 2 or (1, 28, 28)), got {dim!r}")
    return shape


def positive_int(v, who: str, arg: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"{who}: {arg} must be a positive int, got {v!r}")
    return v


def _check_hidden(hidden, who: str) -> tuple:
    hidden = tuple(hidden)
    if any(not isinstance(h, int) or isinstance(h, bool) or h <= 0 for h in hidden):
        raise ValueError(f"{who}: hidden must be a sequence of positive ints, got {hidden!r}")
    return hidden


class MLPGenerator(nn.Module):
    """Fully connected generator: z (N, latent_dim) -> x (N, *out_shape).

    Args:
        latent_dim: size of the noise vector z.
        out_dim: an int (x is (N, out_dim)) or a shape such as (1, 28, 28)
            (the last layer has prod(shape) units, reshaped to (N, *shape)).
        hidden: widths of the hidden layers.
        activation: 'relu' (default), 'leaky_relu' or 'tanh' after each hidden layer.
        negative_slope: slope for 'leaky_relu'.
        out_activation: None (linear output, for unbounded toy data) or
            'tanh' (output in [-1, 1], for images scaled to [-1, 1]).
    """

    def __init__(self, latent_dim: int, out_dim, hidden=TOY_HIDDEN, activation: str = "relu",
                 negative_slope: float = 0.2, out_activation: str | None = None):
        super().__init__()
        self.latent_dim = positive_int(latent_dim, "MLPGenerator", "latent_dim")
        self.out_shape = _as_shape(out_dim, "MLPGenerator", "out_dim")
        hidden = _check_hidden(hidden, "MLPGenerator")
        if out_activation not in (None, "tanh"):
            raise ValueError(f"MLPGenerator: out_activation must be None or 'tanh', "
                             f"got {out_activation!r}")
        self.out_activation = out_activation
        widths = (self.latent_dim,) + hidden
        layers = []
        for a, b in pairwise(widths):
            layers += [nn.Linear(a, b), make_activation(activation, negative_slope)]
        layers.append(nn.Linear(widths[-1], math.prod(self.out_shape)))
        if out_activation == "tanh":
            layers.append(nn.Tanh())
        if len(self.out_shape) > 1:
            layers.append(nn.Unflatten(1, self.out_shape))
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(check_latent(z, self.latent_dim, type(self).__name__))

    def extra_repr(self):
        return f"latent_dim={self.latent_dim}, out_shape={self.out_shape}"


class MLPDiscriminator(nn.Module):
    """Fully connected discriminator: x (N, *in_shape) -> logit (N, 1).

    Args:
        in_dim: an int (x is (N, in_dim)) or a shape such as (1, 28, 28)
            (x is flattened to (N, prod(shape)) first).
        hidden: widths of the hidden layers.
        activation: 'leaky_relu' (default), 'relu' or 'tanh'.
        negative_slope: slope for 'leaky_relu' (0.2 as in most GAN code;
            SNGAN uses 0.1).
        spectral_norm: wrap every Linear in :func:`minigan.nn.utils.spectral_norm`
            (Miyato et al. 2018), making each layer 1-Lipschitz.

    No sigmoid at the end: the output is a logit (or, for a WGAN critic, an
    unbounded score).
    """

    def __init__(self, in_dim, hidden=TOY_HIDDEN, activation: str = "leaky_relu",
                 negative_slope: float = 0.2, spectral_norm: bool = False):
        super().__init__()
        self.in_shape = _as_shape(in_dim, type(self).__name__, "in_dim")
        hidden = _check_hidden(hidden, type(self).__name__)
        widths = (math.prod(self.in_shape),) + hidden
        layers = [nn.Flatten()] if len(self.in_shape) > 1 else []
        sn = nn.utils.spectral_norm if spectral_norm else (lambda m: m)
        for a, b in pairwise(widths):
            layers += [sn(nn.Linear(a, b)), make_activation(activation, negative_slope)]
        layers.append(sn(nn.Linear(widths[-1], 1)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if tuple(x.shape[1:]) != self.in_shape:
            raise ValueError(f"{name}: expected input (N, {', '.join(map(str, self.in_shape))}), "
                             f"got shape {tuple(x.shape)}")
        return self.net(x)

    def extra_repr(self):
        return f"in_shape={self.in_shape}"


def check_latent(z, latent_dim: int, who: str) -> Tensor:
    """z as (N, latent_dim); (N, latent_dim, 1, 1), PyTorch's DCGAN layout, is accepted too."""
    if not isinstance(z, Tensor):
        raise TypeError(f"{who}: z must be a Tensor, got {type(z).__name__}")
    if z.ndim == 4 and z.shape[1:] == (latent_dim, 1, 1):
        z = z.reshape(z.shape[0], latent_dim)
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"{who}: expected z of shape (N, {latent_dim}), got {tuple(z.shape)}")
    return z
