"""im2col and col2im: the adjoint pair that turns convolution into a GEMM.

For an input x of shape (N, C, H, W), a kernel (kh, kw), stride s, padding p
and dilation d, the output size is (PyTorch's rule)

    OH = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1     (OW likewise)

``im2col`` gathers every receptive field into a column:

    cols[n, c, i, j, oh, ow] = x_padded[n, c, oh*s + i*d, ow*s + j*d]

so a convolution is ``W.reshape(O, C*kh*kw) @ cols.reshape(N, C*kh*kw, OH*OW)``.
``col2im`` is its adjoint (transpose): it scatters columns back, *adding* where
receptive fields overlap, so <im2col(x), c> = <x, col2im(c)> for all x, c.
Each is the other's backward, hence both are differentiable to any order.
The gather is one strided view plus a copy; the scatter loops over the kh*kw
kernel offsets only (never over pixels or batch items).

``layout="cnl"`` orders the columns (C, kh, kw, N, OH, OW) instead: reshaped
to (C kh kw, N OH OW) they are the right operand of *one* GEMM for the whole
batch, with no transposing copy in between. ``layout="cln"``,
(C, kh, kw, OH, OW, N), is the same GEMM operand with the batch innermost,
and what the conv layers use for batches of more than a few images: col2im's
strided adds then run over rows of N contiguous numbers instead of rows of
OW (7 for a DCGAN layer), which is about 3x faster in NumPy, where the cost
is per row, not per number.
"""
from __future__ import annotations

from ..autograd.function import Function
from ._operands import as_tensor


def _pair(v, name):
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {v}")
    return v


def conv_output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


LAYOUTS = ("ncl", "cnl", "cln")


class Im2Col(Function):
    """(N, C, H, W) -> (N, C, kh, kw, OH, OW) (or "cnl" / "cln");  backward: col2im."""

    def __init__(self, kernel, stride, padding, dilation, layout="ncl"):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.layout = layout

    def forward(self, x):
        xp = self.xp
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.kernel, self.stride, self.padding, self.dilation
        n, c, h, w = x.shape
        oh = conv_output_size(h, kh, sh, ph, dh)
        ow = conv_output_size(w, kw, sw, pw, dw)
        if self.layout == "cln":
            # pad straight into (C, H, W, N) order; free when x already is
            # the (permuted) output of a "cln" convolution
            xpad = xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype)
            xpad[:, ph:ph + h, pw:pw + w] = x.transpose(1, 2, 3, 0)
            s1, s2, s3, s0 = xpad.strides
            view = xp.lib.stride_tricks.as_strided(
                xpad, shape=(c, kh, kw, oh, ow, n),
                strides=(s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw, s0))
            return xp.ascontiguousarray(view)
        if ph or pw:
            xpad = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
            xpad[:, :, ph:ph + h, pw:pw + w] = x
            x = xpad
        x = xp.ascontiguousarray(x)
        s0, s1, s2, s3 = x.strides
        if self.layout == "ncl":
            shape, strides = (n, c, kh, kw, oh, ow), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw)
        else:
            shape, strides = (c, kh, kw, n, oh, ow), (s1, s2 * dh, s3 * dw, s0, s2 * sh, s3 * sw)
        view = xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)
        return xp.ascontiguousarray(view)

    def backward(self, g):
        (x,) = self._inputs
        return col2im(g, x.shape, self.kernel, self.stride, self.padding, self.dilation, self.layout)


class Col2Im(Function):
    """(N, C, kh, kw, OH, OW) (or "cnl" / "cln") -> (N, C, H, W), summing overlaps;
    backward: im2col."""

    def __init__(self, shape, kernel, stride, padding, dilation, layout="ncl"):
        self.shape = shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.layout = layout

    def forward(self, cols):
        xp = self.xp
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.kernel, self.stride, self.padding, self.dilation
        n, c, h, w = self.shape
        if self.layout == "cln":
            oh, ow = cols.shape[3], cols.shape[4]
            out = xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=cols.dtype)
            for i in range(kh):
                for j in range(kw):
                    r, q = i * dh, j * dw
                    out[:, r:r + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw] += cols[:, i, j]
            # an (N, C, H, W) view of the (C, H, W, N) sums: the next
            # convolution's im2col reads this order without a transposing copy
            return out[:, ph:ph + h, pw:pw + w].transpose(3, 0, 1, 2)
        oh, ow = cols.shape[4], cols.shape[5]
        if self.layout == "ncl":
            out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
            patch = lambda i, j: cols[:, :, i, j]  # noqa: E731
        else:  # accumulate as (C, N, H, W), matching the columns' order
            out = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
            patch = lambda i, j: cols[:, i, j]  # noqa: E731
        for i in range(kh):
            for j in range(kw):
                r, q = i * dh, j * dw
                out[:, :, r:r + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw] += patch(i, j)
        out = out[:, :, ph:ph + h, pw:pw + w]
        if self.layout == "cnl":
            out = out.transpose(1, 0, 2, 3)
        return xp.ascontiguousarray(out)

    def backward(self, g):
        return im2col(g, self.kernel, self.stride, self.padding, self.dilation, self.layout)


def _check_fits(h, w, kernel, padding, dilation, op):
    for size, k, p, d, axis in ((h, kernel[0], padding[0], dilation[0], "height"),
                                (w, kernel[1], padding[1], dilation[1], "width")):
        if size + 2 * p < d * (k - 1) + 1:
            raise ValueError(
                f"{op}: the kernel (size {k}, dilation {d}) spans {d * (k - 1) + 1} pixels but the "
                f"padded input {axis} is only {size + 2 * p} (input {size} + 2 * padding {p})"
            )


def _check_layout(layout):
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, layout="ncl"):
    """Receptive fields of ``x`` (N, C, H, W) as columns (N, C, kh, kw, OH, OW),
    or (C, kh, kw, N, OH, OW) with ``layout="cnl"``, or (C, kh, kw, OH, OW, N)
    with ``layout="cln"``."""
    _check_layout(layout)
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"im2col expects a 4-D input (N, C, H, W), got shape {x.shape}")
    k, s, p, d = (_pair(kernel_size, "kernel_size"), _pair(stride, "stride"),
                  _pair(padding, "padding"), _pair(dilation, "dilation"))
    _check_fits(x.shape[2], x.shape[3], k, p, d, "im2col")
    return Im2Col(k, s, p, d, layout)(x)


def col2im(cols, input_shape, kernel_size, stride=1, padding=0, dilation=1, layout="ncl"):
    """The adjoint of :func:`im2col`: columns back to an (N, C, H, W) image."""
    _check_layout(layout)
    cols = as_tensor(cols)
    k, s, p, d = (_pair(kernel_size, "kernel_size"), _pair(stride, "stride"),
                  _pair(padding, "padding"), _pair(dilation, "dilation"))
    n, c, h, w = input_shape
    expect = (n, c, k[0], k[1], conv_output_size(h, k[0], s[0], p[0], d[0]),
              conv_output_size(w, k[1], s[1], p[1], d[1]))
    if layout == "cnl":
        expect = expect[1:4] + expect[:1] + expect[4:]
    elif layout == "cln":
        expect = expect[1:] + expect[:1]
    if tuple(cols.shape) != expect:
        raise ValueError(f"col2im: columns of shape {cols.shape} do not match input shape "
                         f"{tuple(input_shape)} with this kernel/stride/padding (expected {expect})")
    return Col2Im(tuple(input_shape), k, s, p, d, layout)(cols)
