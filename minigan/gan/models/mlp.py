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

Options from "Improved Techniques for Training GANs" (Salimans et al. 2016):
``MLPGenerator(norm='vbn')`` puts virtual batch norm after every hidden
Linear (the generator keeps its own fixed reference noise, see
:func:`vbn_forward`), and ``MLPDiscriminator(minibatch_discrimination=True)``
inserts :class:`minigan.nn.MinibatchDiscrimination` before the last Linear.
Every discriminator here has ``features(x)``: the last hidden activations
(N, F), the ones feature matching compares.
"""
from __future__ import annotations

import math
from itertools import pairwise

from ... import nn
from ...autograd.tensor import Tensor
from ...factories import randn
from ...nn.virtual_batch_norm import forget_reference
from .common import (SplitDiscriminator, as_shape, check_hidden, check_latent, make_activation,
                     positive_int, run_layers)

__all__ = ["MLPGenerator", "MLPDiscriminator", "TOY_HIDDEN", "IMAGE_G_HIDDEN", "IMAGE_D_HIDDEN",
           "make_activation", "MBD_KERNELS", "MBD_KERNEL_DIMS", "VBN_REFERENCE_SIZE",
           "vbn_forward", "run_layers"]

TOY_HIDDEN = (128, 128, 128)
IMAGE_G_HIDDEN = (256, 512, 1024)
IMAGE_D_HIDDEN = (512, 256)

#: minibatch discrimination's B (kernels) and C (kernel size); the authors
#: use 100 x 5 on CIFAR-10; half as many kernels keeps T small on 6,272
#: DCGAN features
MBD_KERNELS = 50
MBD_KERNEL_DIMS = 5
#: reference batch size of virtual batch norm (the authors: one minibatch)
VBN_REFERENCE_SIZE = 64
_G_NORMS = ("none", "batch", "vbn")


def vbn_forward(net, reference_z, z):
    """``net(z)`` with virtual batch norm: first ``net(reference_z)`` records
    every VBN layer's reference statistics (with gradient, at the current
    parameters), then ``z`` is normalised with them. So a sample's output
    depends on its own z and the fixed reference noise only. The cost: a
    forward pass over the reference batch every time."""
    with nn.recording_reference(net):
        net(reference_z.to(dtype=z.dtype))
    try:
        return net(z)
    finally:
        # the statistics belong to this pass: holding them would keep its
        # graph alive (and inside copies and pickles of the model)
        forget_reference(net)


def check_g_norm(norm, who: str, allowed=_G_NORMS) -> str:
    norm = "none" if norm is None else norm
    if norm not in allowed:
        raise ValueError(f"{who}: norm must be one of {', '.join(map(repr, allowed))}, got {norm!r}")
    return norm


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
        norm: 'none' (default; None is accepted too), 'batch' (BatchNorm1d
            after every hidden Linear) or 'vbn' (VirtualBatchNorm1d there,
            with a fixed reference batch ``reference_z`` of ``reference_size``
            noise vectors kept as a buffer).
        reference_size: size of the VBN reference batch.
    """

    def __init__(self, latent_dim: int, out_dim, hidden=TOY_HIDDEN, activation: str = "relu",
                 negative_slope: float = 0.2, out_activation: str | None = None,
                 norm: str | None = "none", reference_size: int = VBN_REFERENCE_SIZE):
        super().__init__()
        self.latent_dim = positive_int(latent_dim, "MLPGenerator", "latent_dim")
        self.norm = check_g_norm(norm, "MLPGenerator")
        self.out_shape = as_shape(out_dim, "MLPGenerator", "out_dim")
        hidden = check_hidden(hidden, "MLPGenerator")
        if out_activation not in (None, "tanh"):
            raise ValueError(f"MLPGenerator: out_activation must be None or 'tanh', "
                             f"got {out_activation!r}")
        self.out_activation = out_activation
        widths = (self.latent_dim,) + hidden
        layers = []
        norm_layer = {"batch": nn.BatchNorm1d, "vbn": nn.VirtualBatchNorm1d}.get(self.norm)
        for a, b in pairwise(widths):
            layers.append(nn.Linear(a, b, bias=norm_layer is None))
            if norm_layer is not None:
                layers.append(norm_layer(b))
            layers.append(make_activation(activation, negative_slope))
        layers.append(nn.Linear(widths[-1], math.prod(self.out_shape)))
        if out_activation == "tanh":
            layers.append(nn.Tanh())
        if len(self.out_shape) > 1:
            layers.append(nn.Unflatten(1, self.out_shape))
        self.net = nn.Sequential(*layers)
        if self.norm == "vbn":
            self.register_buffer("reference_z", randn(positive_int(
                reference_size, "MLPGenerator", "reference_size"), self.latent_dim))

    def forward(self, z: Tensor) -> Tensor:
        z = check_latent(z, self.latent_dim, type(self).__name__)
        if self.norm == "vbn":
            return vbn_forward(self.net, self.reference_z, z)
        return self.net(z)

    def extra_repr(self):
        extra = f", norm={self.norm!r}" if self.norm != "none" else ""
        return f"latent_dim={self.latent_dim}, out_shape={self.out_shape}{extra}"


class MLPDiscriminator(SplitDiscriminator):
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
        minibatch_discrimination: insert ``MinibatchDiscrimination(hidden[-1],
            MBD_KERNELS, MBD_KERNEL_DIMS)`` before the last Linear.

    No sigmoid at the end: the output is a logit (or, for a WGAN critic, an
    unbounded score). ``features(x)`` returns the last hidden activations
    (N, hidden[-1]) (the input of minibatch discrimination, if any), and
    ``head(features)`` the logits from them: ``forward = head . features``.
    """

    def __init__(self, in_dim, hidden=TOY_HIDDEN, activation: str = "leaky_relu",
                 negative_slope: float = 0.2, spectral_norm: bool = False,
                 minibatch_discrimination: bool = False):
        super().__init__()
        self.in_shape = as_shape(in_dim, type(self).__name__, "in_dim")
        hidden = check_hidden(hidden, type(self).__name__)
        widths = (math.prod(self.in_shape),) + hidden
        layers = [nn.Flatten()] if len(self.in_shape) > 1 else []
        sn = nn.utils.spectral_norm if spectral_norm else (lambda m: m)
        for a, b in pairwise(widths):
            layers += [sn(nn.Linear(a, b)), make_activation(activation, negative_slope)]
        self._n_features = len(layers)
        self.minibatch_discrimination = bool(minibatch_discrimination)
        width = widths[-1]
        if self.minibatch_discrimination:
            layers.append(nn.MinibatchDiscrimination(width, MBD_KERNELS, MBD_KERNEL_DIMS))
            width += MBD_KERNELS
        layers.append(sn(nn.Linear(width, 1)))
        self.net = nn.Sequential(*layers)

    def check_input(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if tuple(x.shape[1:]) != self.in_shape:
            raise ValueError(f"{name}: expected input (N, {', '.join(map(str, self.in_shape))}), "
                             f"got shape {tuple(x.shape)}")
        return x

    def extra_repr(self):
        extra = ", minibatch_discrimination=True" if self.minibatch_discrimination else ""
        return f"in_shape={self.in_shape}{extra}"
