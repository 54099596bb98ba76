"""Style modulation: adaptive instance normalisation and StyleGAN's mapping
network.

AdaIN (Huang & Belongie, "Arbitrary Style Transfer in Real-time with Adaptive
Instance Normalization", ICCV 2017) replaces the per-sample, per-channel
statistics of content features x by those of a style:

    AdaIN(x, y) = sigma(y) * (x - mu(x)) / sigma(x) + mu(y)

with mu, sigma taken over the spatial axes of each sample and channel
(instance normalisation). StyleGAN (Karras, Laine & Aila, "A Style-Based
Generator Architecture for Generative Adversarial Networks", CVPR 2019)
predicts the style's scale and bias from an intermediate latent w with a
learned affine map A:

    (y_s, y_b) = A(w)                                  (N, C) each
    AdaIN(x, w)_{n,c} = y_s[n,c] * (x_{n,c} - mu_{n,c}(x)) / sigma_{n,c}(x) + y_b[n,c]

mu_{n,c} and sigma_{n,c}^2 = mean over (H, W) of x[n, c] and its biased
variance (+ eps). Normalising first removes every trace of the previous
style, so each AdaIN layer's style controls only the layers up to the next.

The mapping network f: z -> w is an MLP (8 layers of LeakyReLU(0.2) in the
paper) after "pixel norm" of z, z / sqrt(mean(z^2) + 1e-8). Styles taken from
w rather than from z need not follow z's fixed Gaussian density, which the
paper argues makes w's factors of variation less entangled.
Initialisation. StyleGAN's equalised learning rate is left out, but its
*effective* initial weights are kept, because PyTorch's default Linear
initialisation (std 1/sqrt(3 fan_in)) shrinks the signal by about sqrt(6)
per LeakyReLU layer (the Linear divides its mean square by 3, the
LeakyReLU(0.2) keeps (1 + 0.2^2) / 2 = 0.52 of it: 3 / 0.52 = 5.8, so the
rms falls by about 2.4): after a few mapping layers w would be tiny, every
style would be close to (1, 0), and G would start (and tend to stay)
ignoring z. So the mapping's Linear layers get He initialisation,
N(0, 2 / fan_in) (the paper's gain sqrt(2)), biases 0, keeping w at unit
scale; AdaIN's affine map gets N(0, 1 / style_dim) weights (gain 1), so
y_s - 1 and y_b have unit scale too.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np

from .. import ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .activation import LeakyReLU
from . import init
from .containers import Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaIN", "MappingNetwork", "adaptive_instance_norm", "instance_norm", "pixel_norm"]


def instance_norm(x: Tensor, eps: float = 1e-5) -> Tensor:
    """(x - mu) / sqrt(var + eps), mu and biased var over the spatial axes
    (2, 3, ...) of each sample and channel: x (N, C, *) -> same shape."""
    if not isinstance(x, Tensor) or x.ndim < 3:
        raise ValueError(f"instance_norm: expected a Tensor (N, C, H, W) with spatial axes, got "
                         f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
    axes = tuple(range(2, x.ndim))
    centred = x - ops.mean(x, axis=axes, keepdims=True)
    var = ops.mean(centred * centred, axis=axes, keepdims=True)
    return centred * (1.0 / ops.sqrt(var + eps))


def adaptive_instance_norm(x: Tensor, style_scale: Tensor, style_bias: Tensor,
                           eps: float = 1e-5) -> Tensor:
    """y_s * instance_norm(x) + y_b for x (N, C, H, W) and y_s, y_b (N, C)."""
    n, c = x.shape[:2]
    for name, t in (("style_scale", style_scale), ("style_bias", style_bias)):
        if not isinstance(t, Tensor) or tuple(t.shape) != (n, c):
            raise ValueError(f"adaptive_instance_norm: {name} must have shape ({n}, {c}) for "
                             f"x of shape {tuple(x.shape)}, got "
                             f"{tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__}")
    expand = (n, c) + (1,) * (x.ndim - 2)
    return instance_norm(x, eps) * style_scale.reshape(expand) + style_bias.reshape(expand)


def pixel_norm(z: Tensor, eps: float = 1e-8) -> Tensor:
    """z / sqrt(mean(z^2, dim=1) + eps): each row rescaled to unit RMS
    (Karras et al. 2018, ProGAN; StyleGAN's normalisation of z)."""
    return z * (1.0 / ops.sqrt(ops.mean(z * z, axis=1, keepdims=True) + eps))


class AdaIN(Module):
    """Adaptive instance norm with the style predicted from w:
    x (N, C, H, W), w (N, style_dim) -> (N, C, H, W).

    Args:
        num_features: C.
        style_dim: size of w.
        eps: added to the instance variance.

    ``affine`` = Linear(style_dim, 2C): the first C outputs are y_s, the last C
    are y_b. Its bias starts at (1, ..., 1, 0, ..., 0), StyleGAN's choice,
    so that y_s is centred on 1 and y_b on 0; its weight ~ N(0, 1/style_dim)
    (StyleGAN's effective initialisation, see the module docstring).
    """

    def __init__(self, num_features, style_dim, eps=1e-5):
        super().__init__()
        for name, v in (("num_features", num_features), ("style_dim", style_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"AdaIN: {name} must be a positive int, got {v!r}")
        self.num_features, self.style_dim, self.eps = int(num_features), int(style_dim), eps
        self.affine = Linear(self.style_dim, 2 * self.num_features)
        init.normal_(self.affine.weight, 0.0, self.style_dim ** -0.5)
        with no_grad():
            self.affine.bias[:self.num_features] = 1.0
            self.affine.bias[self.num_features:] = 0.0

    def forward(self, x, w):
        if not isinstance(x, Tensor) or x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"AdaIN: expected x of shape (N, {self.num_features}, H, W), got "
                             f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        if not isinstance(w, Tensor) or w.ndim != 2 or w.shape != (x.shape[0], self.style_dim):
            raise ValueError(f"AdaIN: expected w of shape ({x.shape[0]}, {self.style_dim}), got "
                             f"{tuple(w.shape) if isinstance(w, Tensor) else type(w).__name__}")
        style = self.affine(w)
        c = self.num_features
        return adaptive_instance_norm(x, style[:, :c], style[:, c:], self.eps)

    def extra_repr(self):
        return f"{self.num_features}, style_dim={self.style_dim}, eps={self.eps}"


class MappingNetwork(Module):
    """StyleGAN's mapping network f: z (N, latent_dim) -> w (N, style_dim).

    Args:
        latent_dim: size of z.
        style_dim: size of w.
        num_layers: Linear layers (8 in the paper), each followed by
            LeakyReLU(negative_slope).
        hidden_dim: width of the inner layers (default ``style_dim``).
        negative_slope: 0.2 in the paper.
        normalize_latent: apply :func:`pixel_norm` to z first (the paper does).

    Weights ~ N(0, 2 / fan_in), biases 0 (see the module docstring).
    """

    def __init__(self, latent_dim, style_dim, num_layers=8, hidden_dim=None,
                 negative_slope=0.2, normalize_latent=True):
        super().__init__()
        hidden_dim = style_dim if hidden_dim is None else hidden_dim
        for name, v in (("latent_dim", latent_dim), ("style_dim", style_dim),
                        ("num_layers", num_layers), ("hidden_dim", hidden_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"MappingNetwork: {name} must be a positive int, got {v!r}")
        self.latent_dim, self.style_dim = int(latent_dim), int(style_dim)
        self.num_layers, self.normalize_latent = int(num_layers), normalize_latent
        widths = [self.latent_dim] + [int(hidden_dim)] * (self.num_layers - 1) + [self.style_dim]
        layers = []
        for a, b in pairwise(widths):
            layer = Linear(a, b)
            init.normal_(layer.weight, 0.0, (2.0 / a) ** 0.5)
            init.zeros_(layer.bias)
            layers += [layer, LeakyReLU(negative_slope)]
        self.net = Sequential(*layers)

    def forward(self, z):
        if not isinstance(z, Tensor) or z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"MappingNetwork: expected z of shape (N, {self.latent_dim}), got "
                             f"{tuple(z.shape) if isinstance(z, Tensor) else type(z).__name__}")
        return self.net(pixel_norm(z) if self.normalize_latent else z)

    def extra_repr(self):
        return (f"latent_dim={self.latent_dim}, style_dim={self.style_dim}, "
                f"num_layers={self.num_layers}, normalize_latent={self.normalize_latent}")
