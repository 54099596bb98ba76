"""Convolution as a matrix product: im2col, col2im, conv2d, conv_transpose2d.

**Output size.** An input x (N, C, H, W), a kernel (kh, kw), stride s,
padding p and dilation d give OH x OW output pixels (PyTorch's rule):

    OH = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1        (OW likewise)

**im2col** gathers every receptive field of the zero-padded input into a column:

    cols[n, c, i, j, a, b] = x_pad[n, c, a s_h + i d_h, b s_w + j d_w]   (N, C, kh, kw, OH, OW)

so a convolution (a cross-correlation, as in every framework) with a kernel
W (O, C, kh, kw) is one matrix product per image:

    y[n] = W.reshape(O, C kh kw) @ cols[n].reshape(C kh kw, OH OW)

**col2im** is the adjoint (the transpose) of the linear map im2col: it
scatters columns back onto the image, *adding* where receptive fields
overlap and dropping what falls on the padding, so that
<im2col(x), c> = <x, col2im(c)> for all x and c. The derivative of a linear
map is its adjoint: each is the other's backward, to any order.

**The adjoint pair.** conv2d is linear in x, x -> W @ im2col(x); its adjoint
is y -> col2im(W^T @ y), the transposed convolution with the same W, stride,
padding and dilation: <conv2d(x, W), y> = <x, conv_transpose2d(y, W)>. So
each is the other's input gradient, and the weight gradient is one product
with the columns (g is the upstream gradient, summed over the batch n):

    y = conv2d(x, W)             dx = conv_transpose2d(g, W)   dW = sum_n g[n] @ cols(x)[n]^T
    y = conv_transpose2d(x, W)   dx = conv2d(g, W)             dW = sum_n x[n] @ cols(g)[n]^T

Every backward is written with ops, so it is differentiable again. Only x and
W are kept for backward: the columns (C kh kw times x's size) are rebuilt.

:mod:`minigan.fast.conv` swaps in faster forwards (and backwards, when no
graph is recorded) that give the same numbers; this file is their oracle.
"""
from __future__ import annotations

from ..autograd.function import Function
from ._operands import as_tensor
from .linalg import matmul
from .reduce import sum as _sum
from .shape import reshape, transpose


def _pair(v, name):
    v = (v, v) if isinstance(v, int) else tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {v}")
    return v


def conv_output_size(size, kernel, stride, padding, dilation):
    """floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _transposed_size(size, kernel, stride, padding, output_padding, dilation):
    """(size - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1,
    conv_transpose2d's output size; conv2d maps it back when output_padding < stride."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _check_fits(h, w, kernel, padding, dilation, op):
    for size, k, p, d, axis in zip((h, w), kernel, padding, dilation, ("height", "width")):
        if size + 2 * p < d * (k - 1) + 1:
            raise ValueError(
                f"{op}: the kernel (size {k}, dilation {d}) spans {d * (k - 1) + 1} pixels but the "
                f"padded input {axis} is only {size + 2 * p} (input {size} + 2 * padding {p})"
            )


def _taps(kernel, stride, dilation, out_hw):
    """For each kernel tap (i, j): the strided slices of the padded image
    that the tap reads for all OH x OW outputs (rows a s + i d, a < OH)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                         slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _im2col_array(xp, x, kernel, stride, padding, dilation):
    """im2col on arrays: (N, C, H, W) -> (N, C, kh, kw, OH, OW)."""
    (n, c, h, w), (ph, pw) = x.shape, padding
    out_hw = tuple(conv_output_size(size, k, s, p, d)
                   for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation))
    x_pad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = xp.empty((n, c) + tuple(kernel) + out_hw, dtype=x.dtype)
    for i, j, (rows, columns) in _taps(kernel, stride, dilation, out_hw):
        cols[:, :, i, j] = x_pad[:, :, rows, columns]
    return cols


def _col2im_array(xp, cols, shape, kernel, stride, padding, dilation):
    """col2im on arrays: (N, C, kh, kw, OH, OW) -> ``shape`` (N, C, H, W)."""
    (n, c, h, w), (ph, pw) = shape, padding
    out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i, j, (rows, columns) in _taps(kernel, stride, dilation, cols.shape[4:]):
        out[:, :, rows, columns] += cols[:, :, i, j]
    return out[:, :, ph:ph + h, pw:pw + w].copy()  # the padding's sums are dropped


class Im2ColFn(Function):
    """(N, C, H, W) -> columns (N, C, kh, kw, OH, OW);  backward: col2im (its adjoint)."""

    def __init__(self, kernel, stride, padding, dilation):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation

    def forward(self, x):
        return _im2col_array(self.xp, x, self.kernel, self.stride, self.padding, self.dilation)

    def backward(self, g):
        (x,) = self.inputs
        return col2im(g, x.shape, self.kernel, self.stride, self.padding, self.dilation)


class Col2ImFn(Function):
    """Columns (N, C, kh, kw, OH, OW) -> (N, C, H, W), overlaps summed;
    backward: im2col (its adjoint)."""

    def __init__(self, shape, kernel, stride, padding, dilation):
        self.shape = shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation

    def forward(self, cols):
        return _col2im_array(self.xp, cols, self.shape, self.kernel, self.stride, self.padding,
                             self.dilation)

    def backward(self, g):
        return im2col(g, self.kernel, self.stride, self.padding, self.dilation)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """Receptive fields of ``x`` (N, C, H, W) as columns (N, C, kh, kw, OH, OW)."""
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"im2col expects a 4-D input (N, C, H, W), got shape {x.shape}")
    k, s, p, d = (_pair(kernel_size, "kernel_size"), _pair(stride, "stride"),
                  _pair(padding, "padding"), _pair(dilation, "dilation"))
    _check_fits(x.shape[2], x.shape[3], k, p, d, "im2col")
    return Im2ColFn(k, s, p, d)(x)


def col2im(cols, input_shape, kernel_size, stride=1, padding=0, dilation=1):
    """The adjoint of :func:`im2col`: columns (N, C, kh, kw, OH, OW) back to
    an image of ``input_shape`` (N, C, H, W), overlapping fields added."""
    cols = as_tensor(cols)
    k, s, p, d = (_pair(kernel_size, "kernel_size"), _pair(stride, "stride"),
                  _pair(padding, "padding"), _pair(dilation, "dilation"))
    n, c, h, w = input_shape
    expect = (n, c) + k + (conv_output_size(h, k[0], s[0], p[0], d[0]),
                           conv_output_size(w, k[1], s[1], p[1], d[1]))
    if tuple(cols.shape) != expect:
        raise ValueError(f"col2im: expected columns of shape {expect} for input "
                         f"{tuple(input_shape)}, got {tuple(cols.shape)}")
    return Col2ImFn(tuple(input_shape), k, s, p, d)(cols)


class Conv2dFn(Function):
    """y = conv2d(x, W): x (N, C, H, W), W (O, C, kh, kw) -> (N, O, OH, OW),

        y[n, o, a, b] = sum_{c,i,j} W[o, c, i, j] x_pad[n, c, a s + i d, b s + j d],

    one product W (O, C kh kw) @ columns (C kh kw, OH OW) per image.
    dx = conv_transpose2d(g, W), sized back to H x W;  dW = sum_n g[n] @ cols(x)[n]^T."""

    def __init__(self, stride, padding, dilation):
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w):
        (n, c, h, wd), (o, _, kh, kw) = x.shape, w.shape
        cols = _im2col_array(self.xp, x, (kh, kw), self.stride, self.padding, self.dilation)
        oh, ow = cols.shape[4:]
        y = self.xp.matmul(w.reshape(o, c * kh * kw), cols.reshape(n, c * kh * kw, oh * ow))
        return y.reshape(n, o, oh, ow)

    def backward(self, g):
        x, w = self.inputs
        need_x, need_w = self.needs_input_grad
        (n, o, oh, ow), (kh, kw) = g.shape, w.shape[2:]
        s, p, d = self.stride, self.padding, self.dilation
        gx = gw = None
        if need_x:
            # rows (columns) at the bottom (right) that no window reached, when
            # the stride does not divide the padded size: conv_t's output_padding
            extra = tuple(x.shape[2 + a] - _transposed_size(g.shape[2 + a], k, s[a], p[a], 0, d[a])
                          for a, k in enumerate((kh, kw)))
            gx = conv_transpose2d(g, w, s, p, extra, d)
        if need_w:
            cols = reshape(im2col(x, (kh, kw), s, p, d), n, -1, oh * ow)   # (N, C kh kw, OH OW)
            gw = reshape(_sum(matmul(reshape(g, n, o, oh * ow), transpose(cols, 1, 2)), 0), w.shape)
        return gx, gw


class ConvTranspose2dFn(Function):
    """y = conv_transpose2d(x, W): x (N, C_in, H, W), W (C_in, C_out, kh, kw) ->
    (N, C_out, H_out, W_out), H_out = (H - 1) s - 2 p + d (kh - 1) + output_padding + 1:

        y[n] = col2im(W.reshape(C_in, C_out kh kw)^T @ x[n].reshape(C_in, H W)),

    each input pixel adds a copy of the kernel, scaled by its value, at stride s.
    dx = conv2d(g, W);  dW = sum_n x[n] @ cols(g)[n]^T.
    (output_padding < stride, so that conv2d maps H_out back to H.)"""

    def __init__(self, stride, padding, output_padding, dilation):
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.output_padding = output_padding

    def forward(self, x, w):
        (n, cin, h, wd), (_, cout, kh, kw) = x.shape, w.shape
        out_hw = tuple(_transposed_size(size, k, s, p, op, d) for size, k, s, p, op, d in
                       zip((h, wd), (kh, kw), self.stride, self.padding, self.output_padding,
                           self.dilation))
        cols = self.xp.matmul(w.reshape(cin, cout * kh * kw).T, x.reshape(n, cin, h * wd))
        return _col2im_array(self.xp, cols.reshape(n, cout, kh, kw, h, wd), (n, cout) + out_hw,
                             (kh, kw), self.stride, self.padding, self.dilation)

    def backward(self, g):
        x, w = self.inputs
        need_x, need_w = self.needs_input_grad
        (n, cin, h, wd), (kh, kw) = x.shape, w.shape[2:]
        s, p, d = self.stride, self.padding, self.dilation
        gx = conv2d(g, w, s, p, d) if need_x else None
        gw = None
        if need_w:
            cols = reshape(im2col(g, (kh, kw), s, p, d), n, -1, h * wd)   # (N, C_out kh kw, H W)
            gw = reshape(_sum(matmul(reshape(x, n, cin, h * wd), transpose(cols, 1, 2)), 0),
                         w.shape)
        return gx, gw


def conv2d(x, w, stride=1, padding=0, dilation=1):
    """Bias-free, ungrouped 2-D convolution as one op (``nn.functional.conv2d``
    validates its arguments, adds the bias and composes groups)."""
    s, p, d = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    return Conv2dFn(s, p, d)(as_tensor(x), as_tensor(w))


def conv_transpose2d(x, w, stride=1, padding=0, output_padding=0, dilation=1):
    """Bias-free, ungrouped transposed convolution as one op, for
    output_padding < stride (see ``nn.functional.conv_transpose2d``)."""
    s, p, d = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    op = _pair(output_padding, "output_padding")
    if any(o >= st for o, st in zip(op, s)):
        raise ValueError(f"ops.conv_transpose2d: output_padding {op} must be smaller than the "
                         f"stride {s} (use nn.functional.conv_transpose2d for the dilated case)")
    return ConvTranspose2dFn(s, p, op, d)(as_tensor(x), as_tensor(w))
