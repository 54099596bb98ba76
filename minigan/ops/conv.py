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
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor
from ..fast import parallel
from ._operands import as_tensor
from .linalg import gemm as _gemm


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
        return _im2col_array(self.xp, x, self.kernel, self.stride, self.padding, self.dilation,
                             self.layout)

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
        return _col2im_array(self.xp, cols, self.shape, self.kernel, self.stride, self.padding,
                             self.dilation, self.layout)

    def backward(self, g):
        return im2col(g, self.kernel, self.stride, self.padding, self.dilation, self.layout)


def _im2col_array(xp, x, kernel, stride, padding, dilation, layout):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    if layout == "cln":
        # pad straight into (C, H, W, N) order; free when x already is
        # the (permuted) output of a "cln" convolution
        xpad = _padded_cln(xp, x, padding)
        s1, s2, s3, s0 = xpad.strides
        view = xp.lib.stride_tricks.as_strided(
            xpad, shape=(c, kh, kw, oh, ow, n),
            strides=(s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw, s0))
        return _copy_by_channel(xp, view)
    if ph or pw:
        xpad = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        xpad[:, :, ph:ph + h, pw:pw + w] = x
        x = xpad
    x = xp.ascontiguousarray(x)
    s0, s1, s2, s3 = x.strides
    if layout == "ncl":
        shape, strides = (n, c, kh, kw, oh, ow), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw)
    else:
        shape, strides = (c, kh, kw, n, oh, ow), (s1, s2 * dh, s3 * dw, s0, s2 * sh, s3 * sw)
    view = xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)
    return xp.ascontiguousarray(view)


def _scatter_add_cln(xp, out, cols, r0, kernel, stride, padding, dilation):
    """Add "cln" columns (C, kh, kw, rows, OW, N) of output rows r0.. into the
    (C, H, W, N) image ``out``, where their receptive fields lie. What falls
    on the zero padding is dropped rather than added to a padded border and
    cropped: ``out`` stays compact, and the elementwise layers after a
    transposed conv run ~3x faster on it than on a cropped view. Channels
    are independent: two threads may take half each."""
    def channels(lo, hi):
        _scatter_add_channels(out[lo:hi], cols[lo:hi], r0, kernel, stride, padding, dilation)

    parallel.in_halves(channels, out.shape[0], cols.size, xp)


def _scatter_add_channels(out, cols, r0, kernel, stride, padding, dilation):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    rows, ow = cols.shape[3], cols.shape[4]
    for i in range(kh):
        r, (a, b) = r0 * sh + i * dh - ph, _inside(r0 * sh + i * dh - ph, sh, rows, out.shape[1])
        for j in range(kw):
            q, (c, d) = j * dw - pw, _inside(j * dw - pw, sw, ow, out.shape[2])
            if a < b and c < d:
                out[:, r + a * sh:r + (b - 1) * sh + 1:sh, q + c * sw:q + (d - 1) * sw + 1:sw] += \
                    cols[:, i, j, a:b, c:d]


def _inside(start, step, count, size):
    """The range [a, b) of the t in [0, count) with 0 <= start + step t < size."""
    a = 0 if start >= 0 else -(start // step)
    return a, max(a, min(count, (size - 1 - start) // step + 1))


def _col2im_array(xp, cols, shape, kernel, stride, padding, dilation, layout):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = shape
    if layout == "cln":
        out = xp.zeros((c, h, w, n), dtype=cols.dtype)
        _scatter_add_cln(xp, out, cols, 0, kernel, stride, padding, dilation)
        # an (N, C, H, W) view of the (C, H, W, N) sums: the next
        # convolution's im2col reads this order without a transposing copy
        return out.transpose(3, 0, 1, 2)
    oh, ow = cols.shape[4], cols.shape[5]
    if layout == "ncl":
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
    if layout == "cnl":
        out = out.transpose(1, 0, 2, 3)
    return xp.ascontiguousarray(out)


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


# ----------------------------------------------------------------------------
# Convolution as one node
#
# conv2d could be written as im2col -> reshape -> matmul -> permute (and is,
# for groups > 1), but then the graph keeps the columns, C kh kw times the
# size of the input, alive from forward to backward. As single nodes, the
# two convolutions keep only x and W; backward recomputes the columns when
# the weight gradient needs them (cheap beside the GEMMs), and each is
# written with the other, so both stay differentiable to any order:
#
#     y = conv(x, W)            dx = conv_t(g, W)    dW = g  (x)  columns(x)
#     y = conv_t(x, W)          dx = conv(g, W)      dW = x  (x)  columns(g)


def conv_layout(n, ow):
    """im2col's column order for a batch of n images whose output rows have
    ow pixels: batch innermost ("cln") when that gives col2im's strided adds
    the longer contiguous rows, else output rows innermost ("cnl")."""
    return "cln" if n >= ow else "cnl"


#: "cln" columns are built a band of output rows at a time, at most this many
#: bytes per band: the blocks stay cache-sized and are reused by the
#: allocator, where one (C kh kw, OH OW N) array can reach tens of MiB
BAND_BYTES = 8 * 2**20


def _padded_cln(xp, x, padding):
    """x (N, C, H, W) zero-padded into (C, H + 2 p_h, W + 2 p_w, N) order."""
    n, c, h, w = x.shape
    ph, pw = padding
    xpad = xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype)
    inner, xt = xpad[:, ph:ph + h, pw:pw + w], x.transpose(1, 2, 3, 0)

    def copy(lo, hi):
        inner[lo:hi] = xt[lo:hi]

    parallel.in_halves(copy, c, x.size, xp)
    return xpad


def _copy_by_channel(xp, view):
    """A C-contiguous copy of ``view`` (im2col's strided gather), its leading
    channel axis split over two threads when that pays."""
    out = xp.empty(view.shape, dtype=view.dtype)

    def copy(lo, hi):
        out[lo:hi] = view[lo:hi]

    parallel.in_halves(copy, view.shape[0], view.size, xp)
    return out


def _row_bands(rows, row_bytes):
    """(r0, r1) bands covering ``rows`` rows, each at most BAND_BYTES."""
    step = max(1, BAND_BYTES // max(1, row_bytes))
    return [(r0, min(rows, r0 + step)) for r0 in range(0, rows, step)]


def _cln_columns(xp, xpad, kernel, stride, dilation, r0, r1, ow):
    """The (C kh kw, (r1 - r0) OW N) "cln" columns of output rows r0..r1."""
    c, n = xpad.shape[0], xpad.shape[3]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    band = xpad[:, r0 * sh:]
    s1, s2, s3, s0 = band.strides
    view = xp.lib.stride_tricks.as_strided(
        band, shape=(c, kh, kw, r1 - r0, ow, n),
        strides=(s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw, s0))
    return _copy_by_channel(xp, view).reshape(c * kh * kw, (r1 - r0) * ow * n)


def _conv_weight_grad_array(xp, x, g, kernel, stride, padding, dilation):
    """dW (O, C kh kw) = g (O, OH OW N) @ columns(x)^T, a band of rows at a
    time ("cln" order; for backward passes that record no graph)."""
    n, c = x.shape[:2]
    o, oh, ow = g.shape[1:]
    xpad = _padded_cln(xp, x, padding)
    if _gemm_first_pays(o, c, kernel, x.shape[2:], (oh, ow), n, padding, x.itemsize):
        return _conv_weight_grad_gemm_first(xp, xpad, g, kernel, stride, dilation)
    gcf = xp.ascontiguousarray(g.transpose(1, 2, 3, 0)).reshape(o, oh * ow * n)
    k = c * kernel[0] * kernel[1]
    gw = None
    for r0, r1 in _row_bands(oh, k * ow * n * x.itemsize):
        cols = _cln_columns(xp, xpad, kernel, stride, dilation, r0, r1, ow)
        part = _gemm(xp, gcf[:, r0 * ow * n:r1 * ow * n], cols.T)
        gw = part if gw is None else xp.add(gw, part, out=gw)
    return gw


def _output_first(y, layout, o, n, oh, ow):
    """A GEMM result (O, N OH OW) or (O, OH OW N) as an (N, O, OH, OW) view."""
    if layout == "cln":
        return y.reshape(o, oh, ow, n).transpose(3, 0, 1, 2)
    return y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)


def _channels_first(x, layout):
    """(N, C, H, W) as the (C, ...) operand whose columns match ``layout``."""
    from .shape import permute, reshape

    n, c, h, w = x.shape
    return reshape(permute(x, 1, 2, 3, 0) if layout == "cln" else permute(x, 1, 0, 2, 3),
                   c, n * h * w)


def _conv2d_array(xp, x, w, stride, padding, dilation):
    """conv2d on arrays (see :class:`Conv2d`): im2col then one GEMM, or, when
    W has few output channels, the GEMM first (:func:`_conv2d_gemm_first`)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = conv_output_size(h, kh, stride[0], padding[0], dilation[0])
    ow = conv_output_size(wd, kw, stride[1], padding[1], dilation[1])
    layout = conv_layout(n, ow)
    if layout == "cln" and _gemm_first_pays(o, c, (kh, kw), (h, wd), (oh, ow), n, padding,
                                            x.itemsize):
        return _conv2d_gemm_first(xp, x, w, stride, padding, dilation, (oh, ow))
    w2 = w.reshape(o, c * kh * kw)
    bands = _row_bands(oh, c * kh * kw * ow * n * x.itemsize)
    if layout == "cln" and len(bands) > 1:
        xpad = _padded_cln(xp, x, padding)
        y = xp.empty((o, oh * ow * n), dtype=x.dtype)
        for r0, r1 in bands:
            cols = _cln_columns(xp, xpad, (kh, kw), stride, dilation, r0, r1, ow)
            y[:, r0 * ow * n:r1 * ow * n] = _gemm(xp, w2, cols)
    else:
        cols = _im2col_array(xp, x, (kh, kw), stride, padding, dilation, layout)
        y = _gemm(xp, w2, cols.reshape(c * kh * kw, n * oh * ow))
    return _output_first(y, layout, o, n, oh, ow)


def _gemm_first_pays(o, c, kernel, in_hw, out_hw, n, padding, itemsize):
    """Whether a convolution with ``o`` output and ``c`` input channels should
    multiply first and shift-add after (:func:`_conv2d_gemm_first`): its
    (O kh kw, padded pixels) array must be at most half the im2col columns
    (C kh kw, output pixels), and at most 4 bands in all. The output layer
    of a generator (32 or 64 channels to 1 or 3) is the case: its columns
    are 10-60x larger than the input they are gathered from."""
    hp, wp = in_hw[0] + 2 * padding[0], in_hw[1] + 2 * padding[1]
    gemm_first = o * kernel[0] * kernel[1] * hp * wp * n
    return 2 * o * hp * wp <= c * out_hw[0] * out_hw[1] and gemm_first * itemsize <= 4 * BAND_BYTES


def _conv2d_gemm_first(xp, x, w, stride, padding, dilation, out_hw):
    """conv2d for few output channels: z = W (O kh kw, C) @ x_pad (C, Hp Wp N),
    then y[o, a, b] = sum_{i,j} z[o, i, j, a s + i d, b s + j d]: the GEMM
    reads the padded input once instead of its kh kw-fold columns."""
    o, c, kh, kw = w.shape
    n = x.shape[0]
    (oh, ow), (sh, sw), (dh, dw) = out_hw, stride, dilation
    xpad = _padded_cln(xp, x, padding)  # (C, Hp, Wp, N)
    hp, wp = xpad.shape[1:3]
    wk = xp.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(o * kh * kw, c)
    z = _gemm(xp, wk, xpad.reshape(c, hp * wp * n)).reshape(o, kh, kw, hp, wp, n)
    y = xp.zeros((o, oh, ow, n), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dh, j * dw
            y += z[:, i, j, r:r + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw]
    return y.transpose(3, 0, 1, 2)


def _conv_weight_grad_gemm_first(xp, xpad, g, kernel, stride, dilation):
    """dW for few output channels: g spread to where each kernel tap read
    x_pad, gs (O, kh, kw, Hp, Wp, N), then dW (O kh kw, C) = gs @ x_pad^T."""
    c, hp, wp, n = xpad.shape
    o, oh, ow = g.shape[1:]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    gs = xp.zeros((o, kh, kw, hp, wp, n), dtype=g.dtype)
    gt = g.transpose(1, 2, 3, 0)  # (O, OH, OW, N)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dh, j * dw
            gs[:, i, j, r:r + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw] = gt
    gw = _gemm(xp, gs.reshape(o * kh * kw, hp * wp * n), xpad.reshape(c, hp * wp * n).T)
    return xp.ascontiguousarray(gw.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


class Conv2d(Function):
    """y = conv2d(x, W): x (N, C, H, W), W (O, C, kh, kw) -> (N, O, OH, OW),
    y[n, o] = sum_{c,u,v} W[o, c, u, v] x_pad[n, c, i s + u d, j s + v d];
    one GEMM W (O, C kh kw) @ columns (C kh kw, N OH OW).
    dx = conv_transpose2d(g, W) (sized back to H, W);  dW = g (O, N OH OW) @ columns^T."""

    def __init__(self, stride, padding, dilation):
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w):
        return _conv2d_array(self.xp, x, w, self.stride, self.padding, self.dilation)

    def backward(self, g):
        x, w = self.inputs
        need_x, need_w = self.needs_input_grad
        (kh, kw), (s, p, d) = w.shape[2:], (self.stride, self.padding, self.dilation)
        gx = gw = None
        if need_x:
            # the output_padding that makes conv_t's output exactly x's size
            extra = tuple(x.shape[2 + a] - _transposed_size(g.shape[2 + a], k, s[a], p[a], 0, d[a])
                          for a, k in enumerate((kh, kw)))
            gx = _in_order_of(self.xp, x, conv_transpose2d(g, w, s, p, extra, d))
        layout = conv_layout(x.shape[0], g.shape[3])
        if need_w and layout == "cln" and not is_grad_enabled():
            # no graph to record: columns built and consumed band by band
            gw = Tensor._wrap(_conv_weight_grad_array(self.xp, x._data, g._data, (kh, kw), s, p, d)
                              .reshape(w.shape))
        elif need_w:
            from .linalg import matmul
            from .shape import reshape, transpose

            cols = im2col(x, (kh, kw), s, p, d, layout)
            k = w.shape[1] * kh * kw
            gw = reshape(matmul(_channels_first(g, layout), transpose(reshape(cols, k, -1))), w.shape)
        return gx, gw


class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, W): x (N, C_in, H, W), W (C_in, C_out, kh, kw) ->
    (N, C_out, H_out, W_out), H_out = (H - 1) s - 2 p + d (kh - 1) + output_padding + 1:
    columns = W^T (C_out kh kw, C_in) @ x (C_in, N H W), then col2im.
    dx = conv2d(g, W);  dW = x (C_in, N H W) @ columns(g)^T.
    (Only for output_padding < stride, where conv2d maps H_out back to H.)"""

    def __init__(self, stride, padding, output_padding, dilation):
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.output_padding = output_padding

    def forward(self, x, w):
        xp = self.xp
        n, cin, h, wd = x.shape
        _, cout, kh, kw = w.shape
        out = tuple(_transposed_size(size, k, self.stride[a], self.padding[a],
                                     self.output_padding[a], self.dilation[a])
                    for a, (size, k) in enumerate(((h, kh), (wd, kw))))
        layout = conv_layout(n, wd)
        if self.stride == (1, 1) and layout == "cln":
            # stride 1: conv_t(x, W) = conv2d(x, W flipped, padding d (k - 1) - p);
            # its columns have C_in kh kw rows against C_out kh kw here, so
            # with few input channels (a 1-channel conv's backward) gather first
            pad = tuple(d * (k - 1) - p for d, k, p in zip(self.dilation, (kh, kw), self.padding))
            if min(pad) >= 0 and 2 * cin * out[0] * out[1] <= cout * h * wd:
                flipped = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
                return _conv2d_array(xp, x, flipped, (1, 1), pad, self.dilation)
        w2t = w.reshape(cin, cout * kh * kw).T
        bands = _row_bands(h, cout * kh * kw * wd * n * x.itemsize)
        if layout == "cln" and len(bands) > 1:  # columns a band of input rows at a time
            xs = xp.ascontiguousarray(x.transpose(1, 2, 3, 0)).reshape(cin, h * wd * n)
            y = xp.zeros((cout, out[0], out[1], n), dtype=x.dtype)
            for r0, r1 in bands:
                cols = _gemm(xp, w2t, xs[:, r0 * wd * n:r1 * wd * n])
                _scatter_add_cln(xp, y, cols.reshape(cout, kh, kw, r1 - r0, wd, n), r0, (kh, kw),
                                 self.stride, self.padding, self.dilation)
            return y.transpose(3, 0, 1, 2)
        xs = xp.ascontiguousarray(x.transpose(1, 2, 3, 0) if layout == "cln" else x.transpose(1, 0, 2, 3))
        cols = _gemm(xp, w2t, xs.reshape(cin, n * h * wd))
        cols = cols.reshape((cout, kh, kw, h, wd, n) if layout == "cln" else (cout, kh, kw, n, h, wd))
        return _col2im_array(xp, cols, (n, cout) + out, (kh, kw), self.stride, self.padding,
                             self.dilation, layout)

    def backward(self, g):
        x, w = self.inputs
        need_x, need_w = self.needs_input_grad
        kh, kw = w.shape[2:]
        s, p, d = self.stride, self.padding, self.dilation
        gx = _in_order_of(self.xp, x, conv2d(g, w, s, p, d)) if need_x else None
        gw = None
        layout = conv_layout(x.shape[0], x.shape[3])
        if need_w and layout == "cln" and not is_grad_enabled():
            # dW = x (C_in, H W N) @ columns(g)^T: conv2d's weight gradient with g and x swapped
            gw = _conv_weight_grad_array(self.xp, g._data, x._data, (kh, kw), s, p, d)
            gw = Tensor._wrap(gw.reshape(w.shape[0], w.shape[1], kh, kw))
        elif need_w:
            from .linalg import matmul
            from .shape import reshape, transpose

            cols = im2col(g, (kh, kw), s, p, d, layout)  # (C_out, kh, kw, ...) over x's pixels
            k = w.shape[1] * kh * kw
            gw = reshape(matmul(_channels_first(x, layout), transpose(reshape(cols, k, -1))), w.shape)
        return gx, gw


def _in_order_of(xp, x, gx):
    """gx, copied into C order if x is C-ordered and gx (batch innermost) is
    not, when no graph is recorded. The elementwise backward ops before a
    conv (activation masks, batch norm) combine gx with arrays laid out like
    x, and NumPy runs mixed orders ~3x slower than one copy costs."""
    if is_grad_enabled() or not x._data.flags.c_contiguous or gx._data.flags.c_contiguous:
        return gx
    return Tensor._wrap(xp.ascontiguousarray(gx._data))


def _transposed_size(size, kernel, stride, padding, output_padding, dilation):
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv2d(x, w, stride=1, padding=0, dilation=1):
    """Bias-free, ungrouped 2-D convolution as one op (``nn.functional.conv2d``
    validates its arguments and adds the bias)."""
    s, p, d = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    return Conv2d(s, p, d)(as_tensor(x), as_tensor(w))


def conv_transpose2d(x, w, stride=1, padding=0, output_padding=0, dilation=1):
    """Bias-free, ungrouped transposed convolution as one op, for
    output_padding < stride (see ``nn.functional.conv_transpose2d``)."""
    s, p, d = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    op = _pair(output_padding, "output_padding")
    if any(o >= st for o, st in zip(op, s)):
        raise ValueError(f"ops.conv_transpose2d: output_padding {op} must be smaller than the "
                         f"stride {s} (use nn.functional.conv_transpose2d for the dilated case)")
    return ConvTranspose2d(s, p, op, d)(as_tensor(x), as_tensor(w))
