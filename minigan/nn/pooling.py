"""Resampling layers: ``AvgPool2d`` shrinks an image, ``Upsample`` grows it.

Both are compositions of differentiable ops (im2col + mean; broadcast or
gather), so they need no backward of their own."""
from __future__ import annotations

from . import functional as F
from .module import Module


class AvgPool2d(Module):
    """Mean over kh x kw windows: (N, C, H, W) -> (N, C, OH, OW),
    OH = floor((H + 2 padding - kh) / stride) + 1 (ceil with ``ceil_mode``),
    stride defaulting to kernel_size. Padded zeros count towards the mean
    unless ``count_include_pad=False``; ``divisor_override`` fixes the
    divisor. PyTorch's argument order (see :func:`F.avg_pool2d`)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override
        k = F._positive_pair(kernel_size, "kernel_size", "AvgPool2d")
        F._positive_pair(self.stride, "stride", "AvgPool2d")
        p = F._positive_pair(padding, "padding", "AvgPool2d", minimum=0)
        if p[0] > k[0] // 2 or p[1] > k[1] // 2:
            raise ValueError(f"AvgPool2d: padding should be at most half of the kernel size, "
                             f"got padding={padding} and kernel_size={kernel_size}")

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Upsample(Module):
    """Nearest-neighbour upsampling by ``scale_factor`` (or to ``size``): each
    pixel becomes a scale x scale block. ``Upsample(scale_factor=2)`` followed
    by a Conv2d is the checkerboard-free alternative to ConvTranspose2d
    (Odena et al. 2016, "Deconvolution and Checkerboard Artifacts")."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: mode {mode!r} is not supported; minigan implements "
                             "mode='nearest' only")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size or scale_factor")
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"
