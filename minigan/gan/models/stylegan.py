"""A small style-based generator for digits (Karras, Laine & Aila, "A
Style-Based Generator Architecture for Generative Adversarial Networks",
CVPR 2019).

StyleGAN does not feed z to the first layer. Instead

1. a mapping network turns z into an intermediate latent w = f(z)
   (:class:`minigan.nn.MappingNetwork`, pixel norm + MLP with LeakyReLU(0.2));
2. the synthesis network starts from a *learned constant* (N copies of a
   C0 x r0 x r0 tensor) and, in every layer, convolves, adds per-pixel
   Gaussian noise scaled by a learned per-channel weight, applies
   LeakyReLU(0.2), and then AdaIN with a style computed from w:

       AdaIN(x, w) = y_s(w) * (x - mu(x)) / sigma(x) + y_b(w)

   (:class:`minigan.nn.AdaIN`); instance normalisation wipes the previous
   style, so each layer's style acts until the next AdaIN.

Resolution blocks (``image_size = r0 * 2^k``; for 28x28: 7, 14, 28):

    block 0:  const (C0, r0, r0) -> [noise, act, AdaIN] -> [conv 3x3, noise, act, AdaIN]
    block i:  [upsample x2, conv 3x3 halving the channels, noise, act, AdaIN]
              -> [conv 3x3, noise, act, AdaIN]
    output:   conv 1x1 to ``channels`` -> Tanh

with C0 = ngf 2^k. Each block takes one w: ``G(z)`` uses w = f(z) in all of
them, and ``G.mix(z1, z2, crossover)`` uses w1 = f(z1) in blocks
< crossover and w2 = f(z2) from there on (style mixing, Sec. 3.1 of the
paper): coarse blocks set the digit's pose and shape, fine blocks the
stroke details. Left out from the paper, to stay small: equalised learning
rate, progressive growing, the truncation trick in w, bilinear filtering.
Its discriminator is DCGAN's.
"""
from __future__ import annotations

from ... import nn
from ...autograd.tensor import Tensor
from ...factories import ones, zeros
from ...ops._operands import constant
from ...random import normal_array
from .common import check_latent, image_plan, positive_int

__all__ = ["StyleGANGenerator", "NoiseInjection", "StyleLayer", "STYLE_DIM", "MAPPING_LAYERS"]

STYLE_DIM = 64
MAPPING_LAYERS = 4


class NoiseInjection(nn.Module):
    """x + weight[c] * noise, noise ~ N(0, 1) of shape (N, 1, H, W) (one
    image shared by all channels, drawn anew on every call); ``weight`` (C,)
    starts at 0, so the network learns how much noise each channel wants."""

    def __init__(self, num_channels: int):
        super().__init__()
        self.weight = nn.Parameter(zeros(positive_int(num_channels, "NoiseInjection",
                                                      "num_channels")))

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        noise = constant(normal_array((n, 1, h, w), x.dtype, x.device))
        return x + self.weight.reshape(1, c, 1, 1) * noise


class StyleLayer(nn.Module):
    """[upsample x2] -> [conv 3x3] -> noise -> LeakyReLU(0.2) -> AdaIN(w):
    x (N, in_channels, H, W), w (N, style_dim) -> (N, out_channels, H', W')."""

    def __init__(self, in_channels: int, out_channels: int, style_dim: int,
                 upsample: bool = False, conv: bool = True, noise: bool = True):
        super().__init__()
        self.upsample = nn.Upsample(scale_factor=2) if upsample else None
        if not conv and in_channels != out_channels:
            raise ValueError("StyleLayer: without a conv, in_channels must equal out_channels")
        self.conv = nn.Conv2d(in_channels, out_channels, 3, 1, 1) if conv else None
        self.noise = NoiseInjection(out_channels) if noise else None
        self.act = nn.LeakyReLU(0.2)
        self.adain = nn.AdaIN(out_channels, style_dim)

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        if self.upsample is not None:
            x = self.upsample(x)
        if self.conv is not None:
            x = self.conv(x)
        if self.noise is not None:
            x = self.noise(x)
        return self.adain(self.act(x), w)


class StyleGANGenerator(nn.Module):
    """Style-based generator: z (N, latent_dim) -> images (N, channels, size, size) in [-1, 1].

    Args:
        latent_dim: size of z.
        channels, image_size: output shape (image_size = 7 * 2^k or 4 * 2^k).
        ngf: channels at full resolution; they double at each lower one.
        style_dim: size of w.
        mapping_layers: depth of the mapping network (8 in the paper).
        noise: add per-pixel noise in every layer.

    Attributes: ``mapping``, ``const`` (1, C0, r0, r0), ``blocks`` (a
    ModuleList of ``num_blocks`` ModuleLists of :class:`StyleLayer`),
    ``to_image``.
    """

    def __init__(self, latent_dim: int = 64, channels: int = 1, image_size: int = 28,
                 ngf: int = 16, style_dim: int = STYLE_DIM, mapping_layers: int = MAPPING_LAYERS,
                 noise: bool = True):
        super().__init__()
        who = type(self).__name__
        self.latent_dim = positive_int(latent_dim, who, "latent_dim")
        self.channels = positive_int(channels, who, "channels")
        self.style_dim = positive_int(style_dim, who, "style_dim")
        self.image_size = image_size
        r0, k = image_plan(image_size, who)
        c = positive_int(ngf, who, "ngf") * 2 ** k
        self.mapping = nn.MappingNetwork(self.latent_dim, self.style_dim, mapping_layers)
        # StyleGAN initialises the constant input to ones
        self.const = nn.Parameter(ones(1, c, r0, r0))
        blocks = [nn.ModuleList([StyleLayer(c, c, style_dim, conv=False, noise=noise),
                                 StyleLayer(c, c, style_dim, noise=noise)])]
        for _ in range(k):
            blocks.append(nn.ModuleList([
                StyleLayer(c, c // 2, style_dim, upsample=True, noise=noise),
                StyleLayer(c // 2, c // 2, style_dim, noise=noise)]))
            c //= 2
        self.blocks = nn.ModuleList(blocks)
        self.num_blocks = len(blocks)
        self.to_image = nn.Sequential(nn.Conv2d(c, self.channels, 1), nn.Tanh())

    def synthesis(self, ws) -> Tensor:
        """Images from styles: ``ws`` is one w (N, style_dim) for every block,
        or a list of ``num_blocks`` of them (block i uses ws[i])."""
        if isinstance(ws, Tensor):
            ws = [ws] * self.num_blocks
        ws = list(ws)
        if len(ws) != self.num_blocks:
            raise ValueError(f"{type(self).__name__}: expected {self.num_blocks} styles (one per "
                             f"block), got {len(ws)}")
        n = ws[0].shape[0]
        x = self.const.expand(n, *self.const.shape[1:])
        for block, w in zip(self.blocks, ws):
            for layer in block:
                x = layer(x, w)
        return self.to_image(x)

    def forward(self, z: Tensor) -> Tensor:
        return self.synthesis(self.mapping(check_latent(z, self.latent_dim, type(self).__name__)))

    def mix(self, z1: Tensor, z2: Tensor, crossover: int) -> Tensor:
        """Style mixing: blocks 0 .. crossover-1 get w1 = f(z1), the rest w2 = f(z2).

        z1 and z2 are (N, latent_dim) (row i of the output mixes z1[i] and
        z2[i]); ``crossover`` is in 0..num_blocks (0: all w2; num_blocks:
        all w1, i.e. ``G(z1)``, up to the noise)."""
        who = type(self).__name__
        z1, z2 = check_latent(z1, self.latent_dim, who), check_latent(z2, self.latent_dim, who)
        if z1.shape != z2.shape:
            raise ValueError(f"{who}.mix: z1 and z2 must have the same shape, got "
                             f"{tuple(z1.shape)} and {tuple(z2.shape)}")
        if not isinstance(crossover, int) or isinstance(crossover, bool) or \
                not 0 <= crossover <= self.num_blocks:
            raise ValueError(f"{who}.mix: crossover must be an int in 0..{self.num_blocks}, "
                             f"got {crossover!r}")
        w1, w2 = self.mapping(z1), self.mapping(z2)
        return self.synthesis([w1 if i < crossover else w2 for i in range(self.num_blocks)])

    def extra_repr(self):
        return (f"latent_dim={self.latent_dim}, style_dim={self.style_dim}, "
                f"out_shape={(self.channels, self.image_size, self.image_size)}, "
                f"num_blocks={self.num_blocks}")
