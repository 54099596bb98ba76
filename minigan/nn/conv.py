"""Convolution layers: ``Conv2d`` and its adjoint ``ConvTranspose2d``.

Both keep PyTorch's argument order, attribute names (kernel_size, stride,
padding, dilation, output_padding stored as pairs) and default
initialisation: W ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
1/sqrt(fan_in)), and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), where fan_in is
read from dimension 1 of the weight (in_channels/groups * kh * kw for
Conv2d, out_channels/groups * kh * kw for ConvTranspose2d, as in PyTorch).
"""
from __future__ import annotations

import math
import numbers

from ..errors import OutOfRangeError, ShapeError
from ..ops.conv import _pair
from . import functional as F
from . import init
from .linear import _empty_parameter
from .module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _int_pair(v, name, layer, minimum):
    try:
        pair = _pair(v, name)
    except (TypeError, ValueError):
        raise ValueError(f"{layer}: {name} must be an int or a pair of ints, got {v!r}") from None
    if any(a < minimum for a in pair):
        raise ValueError(f"{layer}: {name} must be >= {minimum}, got {v!r}")
    return pair


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: hyper-parameters, weight, init, repr."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device, dtype):
        super().__init__()
        layer = type(self).__name__
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool):
                raise ValueError(f"{layer}: {name} must be a positive int, got {v!r}")
            if v < 1:  # PyTorch: RuntimeError for a negative size
                raise OutOfRangeError(f"{layer}: {name} must be a positive int, got {v!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{layer}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{layer}: padding_mode must be one of {_PADDING_MODES}, "
                             f"got {padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _int_pair(kernel_size, "kernel_size", layer, 1)
        self.stride = _int_pair(stride, "stride", layer, 1)
        if isinstance(padding, str) and not transposed:
            # kept as the string, as PyTorch does; F.conv2d resolves it
            F._string_padding(padding, self.kernel_size, self.stride, (1, 1), layer)
            self.padding = padding
        else:
            self.padding = _int_pair(padding, "padding", layer, 0)
        self.dilation = _int_pair(dilation, "dilation", layer, 1)
        self.output_padding = _int_pair(output_padding, "output_padding", layer, 0)
        self.transposed, self.groups, self.padding_mode = transposed, int(groups), padding_mode
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = _empty_parameter(shape, dtype, device)
        if bias:
            self.bias = _empty_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in != 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input):
        layer = type(self).__name__
        shape = tuple(getattr(input, "shape", ()))
        if len(shape) not in (3, 4):
            raise ShapeError(f"{layer}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                             f"got shape {shape}")
        if shape[-3] != self.in_channels:
            raise ShapeError(f"{layer}: expected input with {self.in_channels} channels, got "
                             f"{shape[-3]} (input shape {shape})")

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, " \
            f"stride={self.stride}"
        if self.padding != (0, 0):  # 'same' / 'valid' print as the string, as in PyTorch
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (N, C_in, H, W) -> (N, C_out, OH, OW):

        out[n, o] = bias[o] + sum_c weight[o, c] (*) input[n, c]
        OH = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1

    ``padding`` may also be 'valid' (0) or 'same' (stride 1: OH = H, the total
    dilation (kh - 1) split with the odd row at the bottom/right, PyTorch's
    rule). weight (out_channels, in_channels / groups, kh, kw). ``padding_mode``
    'reflect' / 'replicate' / 'circular' pads with :func:`F.pad` first."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        self._check_input(input)
        if self.padding_mode != "zeros":
            if isinstance(self.padding, str):
                (top, bottom), (left, right) = F._string_padding(
                    self.padding, self.kernel_size, self.stride, self.dilation, "Conv2d")
            else:
                (top, left), (bottom, right) = self.padding, self.padding
            input = F.pad(input, (left, right, top, bottom), mode=self.padding_mode)
            return F.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution (N, C_in, H, W) -> (N, C_out, H_out, W_out), the
    adjoint of Conv2d with the same hyper-parameters (the DCGAN generator's
    upsampling layer):

        H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1

    weight (in_channels, out_channels / groups, kh, kw). ``forward(input,
    output_size)`` may ask for a size instead of setting output_padding.
    Argument order is PyTorch's (groups and bias come before dilation)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported, "
                             f"got {padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)
        for a in range(2):
            if self.output_padding[a] >= self.stride[a] and \
                    self.output_padding[a] >= self.dilation[a]:
                raise OutOfRangeError(
                    "ConvTranspose2d: output_padding must be smaller than either stride or "
                    f"dilation, got output_padding={self.output_padding}, stride={self.stride}, "
                    f"dilation={self.dilation}")

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        output_size = tuple(int(a) for a in output_size)[-2:]
        if len(output_size) != 2:
            raise ValueError(f"ConvTranspose2d: output_size must give (H_out, W_out), "
                             f"got {output_size}")
        pads = []
        for a in range(2):
            smallest = F._conv_transpose2d_output_size(input.shape[-2 + a], self.kernel_size[a],
                                                      self.stride[a], self.padding[a], 0,
                                                      self.dilation[a])
            largest = smallest + self.stride[a] - 1
            if not smallest <= output_size[a] <= largest:
                raise ValueError(f"ConvTranspose2d: requested output size {output_size} is not "
                                 f"reachable from input shape {tuple(input.shape)}; dimension "
                                 f"{a} must lie in [{smallest}, {largest}]")
            pads.append(output_size[a] - smallest)
        return tuple(pads)

    def forward(self, input, output_size=None):
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)
