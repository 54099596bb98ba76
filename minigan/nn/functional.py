"""Stateless layer math with PyTorch's names: ``import minigan.nn.functional as F``.

Everything here is a composition of minigan ops, so every function is
differentiable twice (indeed any number of times) without a backward of its
own. The conv pair is the heart of it:

* ``conv2d`` gathers receptive fields with ``im2col`` and multiplies them by
  the flattened kernel in **one** GEMM;
* ``conv_transpose2d`` is the exact adjoint (transpose) of ``conv2d``: one
  GEMM with the transposed kernel, then ``col2im`` scatters the columns back.
  Hence ``<conv2d(x, W), y> == <x, conv_transpose2d(y, W)>`` and each is the
  other's backward.

Shapes follow PyTorch: images are (N, C, H, W) (or (C, H, W) unbatched),
``linear`` weights (out_features, in_features), ``conv2d`` weights
(out_channels, in_channels / groups, kh, kw), ``conv_transpose2d`` weights
(in_channels, out_channels / groups, kh, kw).
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import backend
from .. import ops
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import DtypeError, OutOfRangeError, ShapeError
from ..ops._operands import as_tensor, constant
from ..ops import activation as act_ops
from ..ops import conv as conv_ops
from ..ops import linalg as linalg_ops
from ..ops.conv import _check_fits, _pair, conv_output_size
from ..random import uniform_array

__all__ = [
    "linear", "conv2d", "conv_transpose2d", "dropout", "avg_pool2d", "interpolate",
    "upsample_nearest", "pad", "one_hot", "embedding",
    "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
    "elu", "silu", "gelu",
    "mse_loss", "l1_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


# --------------------------------------------------------------------- checks
_KIND_WORDS = {"f": "a floating-point", "fiu": "a floating-point or integer"}


def _check_float(x: Tensor, who: str, kinds: str = "f", also=()) -> None:
    """Refuse an input whose dtype PyTorch has no kernel for (integer, bool or
    complex where only floats make sense): one dtype look-up, no array pass.
    ``kinds`` widens the accepted NumPy kinds (relu, linear and conv2d also
    take integers), ``also`` adds single dtypes (nearest interpolation takes
    uint8 images)."""
    if x.dtype.kind not in kinds and x.dtype not in also:
        expected = _KIND_WORDS[kinds] + "".join(f" or {np.dtype(d).name}" for d in also)
        raise DtypeError(f"{who}: expected {expected} input, got dtype {x.dtype}; "
                         "convert it first, e.g. x.float()")


def _check_same_dtype(x: Tensor, w: Tensor, who: str) -> None:
    if x.dtype != w.dtype and w.dtype.kind == "f" and x.dtype.kind != "f":
        raise DtypeError(f"{who}: expected a floating-point input, got dtype {x.dtype} for a "
                         f"weight of dtype {w.dtype}; convert it first, e.g. x.to({w.dtype.name!r})")
    if x.dtype != w.dtype:
        raise DtypeError(f"{who}: input has dtype {x.dtype} but weight has dtype {w.dtype}; "
                         "minigan never upcasts silently. Convert one explicitly "
                         "(model.double() / model.float(), or x.double() / x.float())")


def _positive_pair(v, name, who, minimum=1):
    try:
        pair = _pair(v, name)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: {name} must be an int or a pair of ints, got {v!r}") from None
    if any(a < minimum for a in pair):
        raise ValueError(f"{who}: {name} must be >= {minimum}, got {v!r}")
    return pair


def _image_input(x, who, kinds="f"):
    """(N, C, H, W) Tensor and whether it was unbatched (C, H, W)."""
    x = as_tensor(x)
    _check_float(x, who, kinds)
    if x.ndim == 3:
        return ops.unsqueeze(x, 0), True
    if x.ndim != 4:
        raise ShapeError(f"{who}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got shape {tuple(x.shape)}")
    return x, False


# --------------------------------------------------------------------- linear
def linear(input, weight, bias=None):
    """y = x W^T + b.

    input ``(*, in_features)``, weight (out_features, in_features), bias
    (out_features,) -> ``(*, out_features)``."""
    x, w = as_tensor(input), as_tensor(weight)
    _check_float(x, "linear", kinds="fiu")  # integers give an integer product, as in PyTorch
    _check_same_dtype(x, w, "linear")
    if w.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), "
                         f"got shape {tuple(w.shape)}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ShapeError(f"linear: expected input with last dimension {w.shape[1]} (in_features), "
                         f"got input shape {tuple(x.shape)}")
    if bias is None:
        return linalg_ops.linear(x, w)
    b = as_tensor(bias)
    if b.dtype != x.dtype and x.dtype.kind != "f":
        raise DtypeError(f"linear: input and weight have dtype {x.dtype} but bias has dtype "
                         f"{b.dtype}; expected a bias of dtype {x.dtype} for an integer product")
    if b.shape == w.shape[:1] and b.dtype == x.dtype:
        return linalg_ops.linear(x, w, b)
    # any other bias broadcasts against the product (torch's addmm rule)
    return ops.matmul(x, ops.transpose(w, 0, 1)) + b


# --------------------------------------------------------------------- convolution
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (what every framework calls convolution).

    input (N, C, H, W), weight (O, C / groups, kh, kw), bias (O,) ->
    (N, O, OH, OW) with OH = floor((H + 2p - d (kh - 1) - 1) / s) + 1.

        y[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x_pad[n, c, i s + u d, j s + v d]

    Computed as one GEMM: the kernel flattened to (O, C kh kw) times the
    ``im2col`` columns arranged as (C kh kw, N OH OW) (a batch of ``groups``
    GEMMs when groups > 1)."""
    x, unbatched = _image_input(input, "conv2d", kinds="fiu")  # as PyTorch's integer kernels
    w = as_tensor(weight)
    _check_same_dtype(x, w, "conv2d")
    s = _positive_pair(stride, "stride", "conv2d")
    d = _positive_pair(dilation, "dilation", "conv2d")
    if w.ndim != 4:
        raise ShapeError(f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kh, kw), "
                         f"got shape {tuple(w.shape)}")
    if isinstance(padding, str):
        pads = _string_padding(padding, w.shape[2:], s, d, "conv2d")
        extra = [after - before for before, after in pads]
        if any(extra):  # odd total: the extra row/column goes after, as in PyTorch
            x = ops.pad(x, [(0, 0), (0, 0), (0, extra[0]), (0, extra[1])])
        padding = tuple(before for before, _ in pads)
    p = _positive_pair(padding, "padding", "conv2d", minimum=0)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    if not isinstance(groups, numbers.Integral) or groups < 1 or o % groups:
        raise ValueError(f"conv2d: groups must be a positive int dividing out_channels {o}, "
                         f"got {groups!r}")
    if c != cg * groups:
        raise ShapeError(f"conv2d: expected input with {cg * groups} channels, got {c} "
                         f"(input shape {tuple(x.shape)}, weight shape {tuple(w.shape)}, "
                         f"groups={groups})")
    _check_fits(h, wd, (kh, kw), p, d, "conv2d")
    if groups == 1:  # one node, one GEMM for the whole batch
        y = conv_ops.conv2d(x, w, s, p, d)
    else:  # per image, a batch of `groups` GEMMs, composed from im2col and matmul
        oh = conv_output_size(h, kh, s[0], p[0], d[0])
        ow = conv_output_size(wd, kw, s[1], p[1], d[1])
        cols = ops.im2col(x, (kh, kw), s, p, d)  # (N, C, kh, kw, OH, OW)
        cols = ops.reshape(cols, n, groups, cg * kh * kw, oh * ow)
        y = ops.matmul(ops.reshape(w, groups, o // groups, cg * kh * kw), cols)  # (N, G, O/G, ...)
        y = ops.reshape(y, n, o, oh, ow)
    if bias is not None:
        y = y + ops.reshape(as_tensor(bias), 1, o, 1, 1)
    return ops.squeeze(y, 0) if unbatched else y


def _string_padding(padding, kernel, stride, dilation, who):
    """(before, after) amounts per spatial axis for padding='valid' (none) or
    'same' (stride 1 only: the total d (k - 1) split in two, the odd one
    after), PyTorch's rule."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding != "same":
        raise ValueError(f"{who}: padding must be an int, a pair of ints, 'same' or 'valid', "
                         f"got {padding!r}")
    if any(a != 1 for a in stride):
        raise ValueError(f"{who}: padding='same' is not supported for strided convolutions "
                         f"(got stride={tuple(stride)})")
    totals = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in totals]


def _conv_transpose2d_output_size(size, kernel, stride, padding, output_padding, dilation):
    """PyTorch's rule: (H - 1) s - 2 p + d (k - 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution: the adjoint of :func:`conv2d` (plus a bias).

    input (N, C_in, H, W), weight (C_in, C_out / groups, kh, kw), bias (C_out,)
    -> (N, C_out, H_out, W_out) with

        H_out = (H - 1) s - 2 p + d (kh - 1) + output_padding + 1.

    Each input pixel scatters a copy of the kernel, scaled by its value, onto
    the output at stride s:  y = col2im(W^T x). With the same W, stride,
    padding and dilation, ``conv2d`` maps y's shape back to x's shape and
    <conv2d(y, W), x> = <y, conv_transpose2d(x, W)>. ``output_padding``
    (< stride or < dilation) only picks among the output sizes that conv2d
    maps to H, adding rows/columns at the bottom/right.
    Argument order is PyTorch's: groups comes before dilation."""
    who = "conv_transpose2d"
    x, unbatched = _image_input(input, who)
    w = as_tensor(weight)
    _check_same_dtype(x, w, who)
    s = _positive_pair(stride, "stride", who)
    p = _positive_pair(padding, "padding", who, minimum=0)
    op = _positive_pair(output_padding, "output_padding", who, minimum=0)
    d = _positive_pair(dilation, "dilation", who)
    if w.ndim != 4:
        raise ValueError(f"{who}: weight must be 4-D (in_channels, out_channels/groups, kh, kw), "
                         f"got shape {tuple(w.shape)}")
    n, c, h, wd = x.shape
    cin, cout_g, kh, kw = w.shape
    if not isinstance(groups, numbers.Integral) or groups < 1 or cin % groups:
        raise ValueError(f"{who}: groups must be a positive int dividing in_channels {cin}, "
                         f"got {groups!r}")
    if c != cin:
        raise ShapeError(f"{who}: expected input with {cin} channels, got {c} "
                         f"(input shape {tuple(x.shape)}, weight shape {tuple(w.shape)})")
    for a in range(2):
        if op[a] >= s[a] and op[a] >= d[a]:
            raise OutOfRangeError(f"{who}: output_padding must be smaller than either stride or "
                                  f"dilation, got output_padding={op[a]}, stride={s[a]}, "
                                  f"dilation={d[a]}")
    out_hw = [_conv_transpose2d_output_size(size, k, s[a], p[a], op[a], d[a])
              for a, (size, k) in enumerate(((h, kh), (wd, kw)))]
    if min(out_hw) < 1:
        raise ValueError(f"{who}: input {h}x{wd} with kernel {kh}x{kw}, stride {s}, padding {p}, "
                         f"dilation {d} gives a non-positive output size {tuple(out_hw)}; "
                         "reduce the padding")
    g, cout = groups, cout_g * groups
    if g == 1 and all(op[a] < s[a] for a in range(2)):  # one node
        y = conv_ops.conv_transpose2d(x, w, s, p, op, d)
    else:
        y = _conv_transpose2d_composite(x, w, s, p, d, g, out_hw)
    if bias is not None:
        y = y + ops.reshape(as_tensor(bias), 1, cout, 1, 1)
    return ops.squeeze(y, 0) if unbatched else y


def _conv_transpose2d_composite(x, w, s, p, d, g, out_hw):
    """Grouped, or output_padding >= stride: col2im(W^T x) from primitives."""
    n, _, h, wd = x.shape
    cin, cout_g, kh, kw = w.shape
    cin_g, cout = cin // g, cout_g * g
    xs = ops.reshape(x, n, g, cin_g, h * wd)
    wt = ops.transpose(ops.reshape(w, g, cin_g, cout_g * kh * kw), 1, 2)
    cols = ops.matmul(wt, xs)                               # (N, G, C_out/G kh kw, H W)
    cols = ops.reshape(cols, n, cout, kh, kw, h, wd)        # col2im's columns
    # with output_padding >= stride (allowed when dilation is larger), conv2d
    # of the output would give extra rows: they receive zero columns.
    extra = [conv_output_size(out_hw[a], k, s[a], p[a], d[a]) - size
             for a, (size, k) in enumerate(((h, kh), (wd, kw)))]
    if any(extra):
        cols = ops.pad(cols, [(0, 0)] * 4 + [(0, extra[0]), (0, extra[1])])
    return ops.col2im(cols, (n, cout, out_hw[0], out_hw[1]), (kh, kw), s, p, d)


# --------------------------------------------------------------------- pooling, resampling
def _pool_divisors(size, k, s, p, out, count_include_pad):
    """Per output index along one axis: how many of the window's positions
    count (PyTorch's rule: padding counts, positions past it never do)."""
    start = np.arange(out) * s - p
    if count_include_pad:
        return np.minimum(start + k, size + p) - start
    return np.minimum(start + k, size) - np.maximum(start, 0)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over each kh x kw window: (N, C, H, W) -> (N, C, OH, OW),
    OH = floor((H + 2p - kh) / s) + 1 (ceil with ``ceil_mode``, dropping a
    last window that would start in the right padding); ``stride`` defaults
    to ``kernel_size``. Padded zeros count towards the mean unless
    ``count_include_pad=False``; a window that runs past the padding (ceil
    mode) divides by the positions it covers; ``divisor_override`` replaces
    every divisor. PyTorch's argument order and rules."""
    x, unbatched = _image_input(input, "avg_pool2d")
    k = _positive_pair(kernel_size, "kernel_size", "avg_pool2d")
    s = k if stride is None else _positive_pair(stride, "stride", "avg_pool2d")
    p = _positive_pair(padding, "padding", "avg_pool2d", minimum=0)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"avg_pool2d: padding should be at most half of the kernel size, "
                         f"got padding={p} and kernel_size={k}")
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Integral)
                                         or divisor_override == 0):
        raise OutOfRangeError(f"avg_pool2d: divisor_override must be a non-zero int, "
                              f"got {divisor_override!r}")
    _check_fits(x.shape[2], x.shape[3], k, p, (1, 1), "avg_pool2d")
    sizes = x.shape[2:]
    outs = []
    for a in range(2):
        span = sizes[a] + 2 * p[a] - k[a]
        out = (-(-span // s[a]) if ceil_mode else span // s[a]) + 1
        if ceil_mode and (out - 1) * s[a] >= sizes[a] + p[a]:
            out -= 1
        outs.append(out)
    extra = [(outs[a] - 1) * s[a] + k[a] - (sizes[a] + 2 * p[a]) for a in range(2)]
    if max(extra) <= 0 and divisor_override is None and (count_include_pad or p == (0, 0)):
        cols = ops.im2col(x, k, s, p, 1)                         # (N, C, kh, kw, OH, OW)
        y = ops.mean(cols, axis=(2, 3))
    else:
        # explicit zero padding, wider at the bottom/right for ceil-mode windows
        xpad = ops.pad(x, [(0, 0), (0, 0), (p[0], p[0] + max(extra[0], 0)),
                           (p[1], p[1] + max(extra[1], 0))])
        y = ops.sum(ops.im2col(xpad, k, s, 0, 1), axis=(2, 3))
        if divisor_override is not None:
            y = y / float(divisor_override)
        else:
            dh, dw = (_pool_divisors(sizes[a], k[a], s[a], p[a], outs[a], count_include_pad)
                      for a in range(2))
            xp = backend.get_array_module(x.array)
            y = y / constant(xp.asarray(np.outer(dh, dw), dtype=x.dtype))
    return ops.squeeze(y, 0) if unbatched else y


def _nearest_index(in_size, out_size, scale_factor):
    """PyTorch's nearest rule: src = min(floor(dst * scale), in - 1) in float32,
    scale = 1 / scale_factor when given, else in / out."""
    if out_size == in_size:
        return np.arange(out_size)
    if out_size == 2 * in_size:
        return np.arange(out_size) >> 1
    scale = np.float32(1.0 / scale_factor) if scale_factor else np.float32(in_size / out_size)
    idx = np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(idx, in_size - 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W).

    Only ``mode='nearest'`` exists in minigan: output pixel i copies input
    pixel min(floor(i / scale_factor), in - 1) (PyTorch's rule). Give either
    ``size`` or ``scale_factor`` (a number or one per spatial axis); the output
    size is floor(in * scale_factor). With ``recompute_scale_factor=True``
    the pixels are then picked as if that size had been asked for (scale
    in / out). Integer scales are a broadcast, so the backward is a sum over
    each block; other scales gather rows/columns. ``antialias`` only applies
    to PyTorch's (bi)linear/bicubic modes, so it must stay False."""
    x = as_tensor(input)
    # PyTorch's nearest kernels take floats and uint8 images; other dtypes fail in every mode
    _check_float(x, "interpolate", also=(np.uint8,))
    if mode != "nearest":
        raise ValueError(f"interpolate: mode {mode!r} is not supported; minigan implements "
                         "mode='nearest' only")
    if align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to linear modes, "
                         "not to mode='nearest'")
    if antialias:
        raise ValueError("interpolate: antialias=True only applies to linear and cubic modes, "
                         "not to mode='nearest'")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, spatial...), "
                         f"got shape {tuple(x.shape)}")
    nsp = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size or scale_factor")
    if size is not None and recompute_scale_factor:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size")
    if size is not None:
        sizes = [int(size)] * nsp if isinstance(size, numbers.Number) else [int(a) for a in size]
        scales = [None] * nsp
    else:
        scales = ([float(scale_factor)] * nsp if isinstance(scale_factor, numbers.Number)
                  else [float(a) for a in scale_factor])
        if len(scales) != nsp:
            raise ValueError(f"interpolate: input of shape {tuple(x.shape)} has {nsp} spatial axes "
                             f"but scale_factor={scale_factor!r} gives {len(scales)}; expected one "
                             f"number or {nsp}")
        if any(sc <= 0 for sc in scales):
            raise OutOfRangeError(f"interpolate: scale_factor must be positive, "
                                  f"got {scale_factor!r}")
        sizes = [int(math.floor(n * sc)) for n, sc in zip(x.shape[2:], scales)]
        if recompute_scale_factor:
            scales = [None] * nsp
    if len(sizes) != nsp or min(sizes) < 1:
        raise ShapeError(f"interpolate: input {tuple(x.shape)} has {nsp} spatial axes, but the "
                         f"requested output size is {tuple(sizes)}")
    xp = backend.get_array_module(x.array)
    for a, (out, sc) in enumerate(zip(sizes, scales)):
        axis, n_in = a + 2, x.shape[a + 2]
        idx = _nearest_index(n_in, out, sc)
        if out % n_in == 0 and np.array_equal(idx, np.arange(out) // (out // n_in)):
            r = out // n_in
            if r == 1:
                continue
            shp = x.shape
            x = ops.reshape(x, shp[:axis + 1] + (1,) + shp[axis + 1:])
            x = ops.broadcast_to(x, shp[:axis + 1] + (r,) + shp[axis + 1:])
            x = ops.reshape(x, shp[:axis] + (out,) + shp[axis + 1:])
        else:
            x = ops.getitem(x, (slice(None),) * axis + (xp.asarray(idx),))
    return x


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(input, size, scale_factor, mode='nearest')``."""
    return interpolate(input, size=size, scale_factor=scale_factor, mode="nearest")


def _pad_index(n, before, after, mode):
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return j % n
    period = 2 * (n - 1)  # reflect: ... 2 1 [0 1 2 3] 2 1 0 ...
    m = j % period if period else np.zeros_like(j)
    return np.where(m < n, m, period - m)


def pad(input, pad, mode="constant", value=None):
    """PyTorch's ``F.pad``: ``pad`` lists (before, after) amounts starting from
    the **last** dimension: (left, right), then (top, bottom), ...

    ``mode``: 'constant' (fill with ``value``; negative amounts crop),
    'reflect' (mirror without repeating the edge; amount < size),
    'replicate' (repeat the edge), 'circular' (wrap around; amount <= size).
    Non-constant modes are gathers, so their backward adds up the copies."""
    x = as_tensor(input)
    pad = tuple(int(a) for a in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise OutOfRangeError(f"pad: expected an even number of pad amounts, at most 2 per "
                              f"dimension ({2 * x.ndim} for shape {tuple(x.shape)}), got {pad}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    pairs = {x.ndim - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)}
    for a, (b, e) in pairs.items():
        if x.shape[a] + b + e < 0:
            raise ValueError(f"pad: dimension {a} of size {x.shape[a]} padded by ({b}, {e}) "
                             "would have a negative size")
    if mode == "constant":
        value = 0.0 if value is None else value
        if any(min(be) < 0 for be in pairs.values()):  # negative amounts crop
            crop = [slice(None)] * x.ndim
            for a, (b, e) in pairs.items():
                crop[a] = slice(max(-b, 0), x.shape[a] - max(-e, 0))
            x = ops.getitem(x, tuple(crop))
        widths = [tuple(max(v, 0) for v in pairs.get(a, (0, 0))) for a in range(x.ndim)]
        return ops.pad(x, widths, value=value) if any(map(any, widths)) else x
    xp = backend.get_array_module(x.array)
    for a, (b, e) in sorted(pairs.items()):
        n = x.shape[a]
        if b < 0 or e < 0:
            raise ValueError(f"pad: negative amounts are only allowed in constant mode, got {pad}")
        if mode == "reflect" and (b >= n or e >= n):
            raise OutOfRangeError(f"pad: reflect padding must be smaller than the padded "
                                  f"dimension: got ({b}, {e}) for dimension {a} of size {n}")
        if mode == "circular" and (b > n or e > n):
            raise OutOfRangeError(f"pad: circular padding must be at most the padded "
                                  f"dimension: got ({b}, {e}) for dimension {a} of size {n}")
        if b or e:
            idx = xp.asarray(_pad_index(n, b, e, mode))
            x = ops.getitem(x, (slice(None),) * a + (idx,))
    return x


# --------------------------------------------------------------------- dropout
def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability p and scale the
    rest by 1 / (1 - p), so the expectation is unchanged and ``eval()`` needs
    no rescaling. The identity when not training. The mask comes from
    minigan's seeded generator. (``inplace`` is accepted for PyTorch
    compatibility; minigan always returns a new tensor.)"""
    x = as_tensor(input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    _check_float(x, "dropout")
    if p == 1.0:
        return x * 0.0
    keep = uniform_array(x.shape, x.dtype, x.device) >= p
    return x * constant((keep / (1.0 - p)).astype(x.dtype))


# --------------------------------------------------------------------- activations
def relu(input, inplace=False):
    """max(x, 0). (``inplace`` accepted for PyTorch compatibility; ignored.)
    Integers are fine (PyTorch's relu takes them); bool and complex are refused."""
    x = as_tensor(input)
    _check_float(x, "relu", kinds="fiu")
    return ops.relu(x)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x. (``inplace`` accepted; ignored.)"""
    x = as_tensor(input)
    _check_float(x, "leaky_relu")
    if not isinstance(negative_slope, (float, int)) and not isinstance(negative_slope, numbers.Real):
        raise TypeError(f"leaky_relu: negative_slope must be a number, "
                        f"got {type(negative_slope).__name__} {negative_slope!r}")
    return ops.leaky_relu(x, negative_slope)


def sigmoid(input):
    """1 / (1 + e^-x)."""
    return act_ops.sigmoid(input)


def tanh(input):
    """tanh x."""
    return act_ops.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""
    x = as_tensor(input)
    _check_float(x, "softplus")
    return act_ops.softplus(x, beta, threshold)


def _float_activation_input(input, who):
    x = as_tensor(input)
    _check_float(x, who)  # PyTorch has no integer kernel for these either
    return x


def elu(input, alpha=1.0, inplace=False):
    """ELU (Clevert et al. 2016): x for x > 0, alpha (e^x - 1) otherwise.
    Written as where(x > 0, x, alpha expm1(min(x, 0))): the clamp keeps the
    unused branch finite for large x (no inf * 0 in the backward), and the
    slope at exactly 0 is alpha, PyTorch's. (``inplace`` accepted; ignored.)"""
    x = _float_activation_input(input, "elu")
    negative = ops.expm1(ops.clamp_max(x, 0.0))
    if alpha != 1.0:
        negative = negative * alpha
    return ops.where(x.array > 0, x, negative)


def silu(input, inplace=False):
    """SiLU / swish: x * sigmoid(x). (``inplace`` accepted; ignored.)"""
    x = _float_activation_input(input, "silu")
    return x * act_ops.sigmoid(x)


def gelu(input, approximate="none"):
    """GELU (Hendrycks & Gimpel 2016): x * Phi(x) with Phi the standard normal
    CDF, 0.5 x (1 + erf(x / sqrt 2)); ``approximate='tanh'`` uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch does."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', "
                           f"got {approximate!r}")
    x = _float_activation_input(input, "gelu")
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * 0.5 * (act_ops.tanh(inner) + 1.0)
    return x * 0.5 * (ops.erf(x * (1.0 / math.sqrt(2.0))) + 1.0)


def _softmax_input(x, dim, dtype, who):
    x = as_tensor(x)
    if dtype is not None:  # PyTorch casts before the op (e.g. float32 logits, float64 softmax)
        x = ops.cast(x, dtype)
    _check_float(x, who)
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {who} has been deprecated. "
                      "Change the call to include dim=X as an argument.", UserWarning,
                      stacklevel=3)
        dim = 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy rule
    return x, dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along ``dim``. Without ``dim`` PyTorch's
    legacy choice applies (dim 0 for 0-, 1- and 3-D inputs, else 1), with a warning."""
    x, dim = _softmax_input(input, dim, dtype, "softmax")
    return act_ops.softmax(x, dim=dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x_i - log sum_j exp(x_j) along ``dim`` (same ``dim`` rule as :func:`softmax`)."""
    x, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return act_ops.log_softmax(x, dim=dim)


# --------------------------------------------------------------------- losses
def _reduce(loss, reduction, who):
    if reduction == "mean":
        return ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{who}: {reduction!r} is not a valid value for reduction; "
                     "use 'mean', 'sum' or 'none'")


def _same_shape(input, target, who, strict):
    if input.shape != target.shape:
        msg = (f"{who}: target size {tuple(target.shape)} is different to the input size "
               f"{tuple(input.shape)}")
        if strict:
            raise ValueError(msg + "; please ensure they have the same size")
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ShapeError(msg + ", and the two cannot be broadcast together; please ensure "
                             "they have the same size") from None
        warnings.warn(msg + "; this will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", UserWarning, stacklevel=3)


def _weighted_reduce(loss, weight, input_shape, reduction, who):
    """PyTorch's elementwise ``weight`` (input's shape): 'mean' becomes
    sum(w * loss) / sum(w)."""
    if weight is None:
        return _reduce(loss, reduction, who)
    weight = as_tensor(weight)
    if tuple(weight.shape) != tuple(input_shape):
        raise ValueError(f"{who}: weight must have the input's shape {tuple(input_shape)}, "
                         f"got {tuple(weight.shape)}")
    loss = loss * weight
    if reduction == "mean":
        return ops.sum(loss) / ops.sum(weight)
    return _reduce(loss, reduction, who)


def mse_loss(input, target, *, reduction="mean", weight=None):
    """mean((input - target)^2) (or sum, or elementwise with reduction='none');
    with ``weight``, sum(w (input - target)^2) / sum(w) for 'mean'."""
    x, t = as_tensor(input), as_tensor(target)
    _check_float(x, "mse_loss")
    _same_shape(x, t, "mse_loss", strict=False)
    d = x - t
    return _weighted_reduce(d * d, weight, x.shape, reduction, "mse_loss")


def l1_loss(input, target, *, reduction="mean", weight=None):
    """``mean(|input - target|)``; with ``weight`` as in :func:`mse_loss`."""
    x, t = as_tensor(input), as_tensor(target)
    _check_float(x, "l1_loss")
    _same_shape(x, t, "l1_loss", strict=False)
    return _weighted_reduce(ops.abs(x - t), weight, x.shape, reduction, "l1_loss")


def _class_last(x):
    """(N, C, d1, ...) -> (N d1 ..., C); (C,) -> (1, C)."""
    if x.ndim == 1:
        return ops.reshape(x, 1, x.shape[0])
    if x.ndim > 2:
        x = ops.permute(x, 0, *range(2, x.ndim), 1)
    return ops.reshape(x, -1, x.shape[-1])


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of integer class labels given log-probabilities.

    input (N, C) or (N, C, d1, ...) (or (C,)), target int (N,) or (N, d1, ...)
    (or a scalar):  loss_n = -w[t_n] input[n, t_n]. 'mean' divides the sum by
    sum_n w[t_n] (N without weights); targets equal to ``ignore_index`` count
    nowhere."""
    who = "nll_loss"
    x = as_tensor(input)
    t = target if isinstance(target, Tensor) else Tensor.from_array(np.asarray(target))
    _check_float(x, who)
    if t.dtype.kind not in "iu":
        raise DtypeError(f"{who}: target must hold integer class indices (e.g. dtype int64), "
                         f"got dtype {t.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{who}: input must have a class dimension, got a scalar")
    expect = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
    if tuple(t.shape) != expect:
        raise ValueError(f"{who}: for input of shape {tuple(x.shape)} (classes on dimension "
                         f"{1 if x.ndim >= 2 else 0}) expected target of shape {expect}, "
                         f"got {tuple(t.shape)}")
    n_classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    xp = backend.get_array_module(x.array)
    labels = xp.asarray(t.array).reshape(-1)
    valid = labels != ignore_index
    bad = labels[valid & ((labels < 0) | (labels >= n_classes))]
    if bad.size:
        raise IndexError(f"{who}: target {int(bad[0])} is out of bounds for {n_classes} classes "
                         f"(valid labels are 0..{n_classes - 1})")
    safe = xp.where(valid, labels, 0)
    logp = _class_last(x)
    picked = ops.getitem(logp, (xp.arange(labels.shape[0]), safe))
    w = constant(valid.astype(x.dtype))
    if weight is not None:
        weight = as_tensor(weight)
        if tuple(weight.shape) != (n_classes,):
            raise ValueError(f"{who}: weight must have shape ({n_classes},), "
                             f"got {tuple(weight.shape)}")
        w = ops.getitem(weight, safe) * w
    losses = -picked * w
    if reduction == "mean":
        return ops.sum(losses) / ops.sum(w)
    if reduction == "none":
        return ops.reshape(losses, t.shape)
    return _reduce(losses, reduction, who)


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy from logits: nll_loss(log_softmax(input, dim=1), target).

    input (N, C) logits (or (N, C, d1, ...), or (C,)); target holds integer
    class labels (N,), or class probabilities of input's shape (soft labels:
    loss_n = -sum_c w_c t_nc log_softmax(x)_nc, 'mean' divides by N).
    log_softmax uses log-sum-exp, so any logits are safe.

    ``label_smoothing`` eps mixes the target with the uniform distribution
    (PyTorch's rule): soft targets become (1 - eps) t + eps / C; with labels,

        loss_n = (1 - eps) nll_n + (eps / C) sum_c -w_c log_softmax(x)_nc,

    where 'mean' divides the smoothing sum by the same sum_n w[t_n] as the
    nll term, and ignored targets count in neither."""
    x = as_tensor(input)
    _check_float(x, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise OutOfRangeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, "
                              f"got {label_smoothing!r}")
    class_dim = 1 if x.ndim >= 2 else 0
    n_classes = x.shape[class_dim]
    logp = act_ops.log_softmax(x, dim=class_dim)
    t = target if isinstance(target, Tensor) else as_tensor(target)
    w_view = None
    if weight is not None:
        shape = [1] * x.ndim
        shape[class_dim] = n_classes
        w_view = ops.reshape(as_tensor(weight), *shape)
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            raise ShapeError(f"cross_entropy: float targets are class probabilities and must "
                             f"match the input shape {tuple(x.shape)}, got {tuple(t.shape)}; "
                             "for class labels pass an integer tensor")
        if label_smoothing:
            t = t * (1.0 - label_smoothing) + label_smoothing / n_classes
        prod = logp * t
        if w_view is not None:
            prod = prod * w_view
        return _reduce(-ops.sum(prod, axis=class_dim), reduction, "cross_entropy")
    loss = nll_loss(logp, t, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return loss
    xp = backend.get_array_module(x.array)
    valid = xp.asarray(t.array) != ignore_index
    smooth = -ops.sum(logp * w_view if w_view is not None else logp, axis=class_dim)
    smooth = smooth * constant(valid.astype(x.dtype))
    if reduction == "mean":
        if weight is not None:
            labels = xp.where(valid, xp.asarray(t.array), 0).reshape(-1)
            count = ops.sum(ops.getitem(as_tensor(weight), labels) *
                            constant(valid.reshape(-1).astype(x.dtype)))
        else:
            count = constant(xp.asarray(valid.sum(), dtype=x.dtype))
        smooth = ops.sum(smooth) / count
    else:
        smooth = _reduce(smooth, reduction, "cross_entropy")
    return loss * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """BCE on logits x with targets t in [0, 1], in the stable softplus form

        loss = (1 - t) x + lw softplus(-x),   lw = 1 + (pos_weight - 1) t

    (= -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] for lw = 1), finite in
    value and gradient for any logits (softplus is linear far out).
    ``weight`` rescales each element; ``pos_weight`` (per class, broadcast
    along the last dimension) weighs the positive term."""
    x, t = as_tensor(input), as_tensor(target)
    _check_float(x, "binary_cross_entropy_with_logits")
    _same_shape(x, t, "binary_cross_entropy_with_logits", strict=True)
    _check_float_target(t, x, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        loss = (1.0 - t) * x + act_ops.softplus(-x)
    else:
        lw = 1.0 + (as_tensor(pos_weight) - 1.0) * t
        loss = (1.0 - t) * x + lw * act_ops.softplus(-x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _check_float_target(t, x, who):
    """Binary cross-entropy targets are probabilities: PyTorch refuses 0/1
    integer or bool labels (a RuntimeError), so minigan does too."""
    if t.dtype.kind != "f":
        raise DtypeError(f"{who}: target has dtype {t.dtype}, expected a floating-point target "
                         f"(probabilities, like the input's {x.dtype}); convert 0/1 labels "
                         "first, e.g. target.float()")


def _clamped_log(p):
    """max(log p, -100), PyTorch's clamp, with a finite gradient at p = 0."""
    pos = p.array > 0
    safe = ops.where(pos, p, 1.0)
    return ops.where(pos, ops.clamp(ops.log(safe), min=-100.0), -100.0)


class _BinaryCrossEntropy(Function):
    """loss = -[t log p + (1 - t) log(1 - p)], each log clamped at -100, with
    PyTorch's backward

        dp = g (p - t) / max(p (1 - p), 1e-12),   dt = g (log(1 - p) - log p)

    (the clamps kept), so the gradient at p = 0 or 1 is finite (and large),
    and below p ~ 1e-12 it follows PyTorch's capped value, not -t / p."""

    def forward(self, p, t):
        xp = self.xp
        with np.errstate(divide="ignore"):
            logp = xp.maximum(xp.log(p), p.dtype.type(-100))
            log1mp = xp.maximum(xp.log1p(-p), p.dtype.type(-100))
        return -(t * logp + (1 - t) * log1mp)

    def backward(self, g):
        p, t = self.inputs
        gp = gt = None
        if self.needs_input_grad[0]:
            gp = g * (p - t) / ops.maximum(p * (1.0 - p), 1e-12)
        if self.needs_input_grad[1]:
            gt = g * (_clamped_log(1.0 - p) - _clamped_log(p))
        return gp, gt


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """BCE on probabilities p in [0, 1]:
    loss = -[t log p + (1 - t) log(1 - p)], each log clamped at -100 and the
    gradient (p - t) / max(p (1 - p), 1e-12), as in PyTorch. Prefer
    :func:`binary_cross_entropy_with_logits`: sigmoid followed by this loses
    precision where the sigmoid saturates."""
    who = "binary_cross_entropy"
    p, t = as_tensor(input), as_tensor(target)
    _check_float(p, who)
    _same_shape(p, t, who, strict=True)
    xp = backend.get_array_module(p.array)
    if bool(xp.any((p.array < 0) | (p.array > 1) | xp.isnan(p.array))):
        raise OutOfRangeError(f"{who}: all elements of input should be between 0 and 1 "
                              "(probabilities); for logits use binary_cross_entropy_with_logits")
    _check_float_target(t, p, who)
    if t.dtype != p.dtype:  # a float64 target: never upcast p
        t = ops.cast(t, p.dtype) if t.requires_grad else constant(t.array.astype(p.dtype))
    loss = _BinaryCrossEntropy()(p, t)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, who)


def one_hot(tensor, num_classes=-1):
    """Integer labels ``(*)`` -> int64 one-hot ``(*, num_classes)``; num_classes=-1
    means max(label) + 1."""
    t = tensor if isinstance(tensor, Tensor) else Tensor.from_array(np.asarray(tensor))
    if t.dtype.kind not in "iu":
        raise DtypeError(f"one_hot: expected integer class labels, got dtype {t.dtype}")
    xp = backend.get_array_module(t.array)
    n = int(t.array.max()) + 1 if num_classes == -1 else int(num_classes)
    if t.array.size and (t.array.min() < 0 or t.array.max() >= n):
        raise OutOfRangeError(f"one_hot: labels must lie in 0..{n - 1}, got values in "
                              f"{int(t.array.min())}..{int(t.array.max())}")
    return Tensor.from_array((t.array[..., None] == xp.arange(n)).astype(np.int64))


# --------------------------------------------------------------------- normalisation (defined in normalization.py)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm  # noqa: E402,F401
from .embedding import embedding  # noqa: E402,F401
