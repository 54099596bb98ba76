"""The fast convolutions: the same numbers as :mod:`minigan.ops.conv`, sooner.

The reference ops gather columns per image in one order, (N, C, kh, kw, OH,
OW), and multiply image by image. Here the forwards of ``Conv2dFn`` and
``ConvTranspose2dFn`` (and, with no graph recorded, their backwards) are
replaced by versions that

* run *one* GEMM for the whole batch. ``layout="cnl"`` orders the columns
  (C, kh, kw, N, OH, OW): reshaped to (C kh kw, N OH OW) they are the right
  operand of one GEMM, with no transposing copy in between. ``layout="cln"``,
  (C, kh, kw, OH, OW, N), is the same GEMM operand with the batch innermost,
  and what the convolutions use for batches of more than a few images:
  col2im's strided adds then run over rows of N contiguous numbers instead
  of rows of OW (7 for a DCGAN layer), which is about 3x faster in NumPy,
  where the cost is per row, not per number (:func:`conv_layout`);
* build "cln" columns a band of output rows at a time (:data:`BAND_BYTES`);
* multiply first and shift-add after when the kernel has few output channels
  (:func:`_gemm_first_pays`), and run a stride-1 transposed conv from few
  channels as a conv with the flipped kernel;
* split gathers, scatters and padding copies by channel over two threads
  (:func:`minigan.fast.parallel.in_halves`: bitwise the numbers of one);
* compute the weight gradient on arrays, band by band, when no graph is
  recorded, and give input gradients back in their input's memory order.

Each result is the reference's up to float rounding (the sums run in
another order); second derivatives always come from the reference backward.
``Im2ColFn`` and ``Col2ImFn`` get the strided-view gather and the scatter of
the reference layout.

A backward here runs under no graph (the engine's contract), where the
reference backward would record nothing anyway.

With numba installed, the "cln" gathers, scatters and layout copies run as
compiled kernels on all BLAS threads (:mod:`minigan.fast.kernels.conv`):
im2col reads a batch-innermost input directly, its padding a bounds test
instead of a padded copy, and col2im adds from the output's side. The
layouts, bands and GEMMs above stay as they are.
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops.conv import (Col2ImFn, Conv2dFn, ConvTranspose2dFn, Im2ColFn, _transposed_size,
                        conv2d, conv_output_size, conv_transpose2d)
from . import kernels, parallel, register


def _gemm(xp, a, b):
    """a @ b on arrays; an outer product by broadcasting when the inner
    dimension is 1 (the backward of a 1-channel conv), which OpenBLAS runs at
    ~1 GFLOP/s and broadcasting at memory speed."""
    return xp.multiply(a, b) if a.shape[-1] == 1 else xp.matmul(a, b)


def _im2col_array(xp, x, kernel, stride, padding, dilation, layout):
    """The reference's columns (N, C, kh, kw, OH, OW) for ``layout="ncl"``, or
    ordered (C, kh, kw, N, OH, OW) ("cnl") or (C, kh, kw, OH, OW, N) ("cln"):
    one strided view of the padded input, copied."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, sh, ph, dh)
    ow = conv_output_size(w, kw, sw, pw, dw)
    if layout == "cln":
        k = kernels.load("conv", xp)
        if k is not None and kernels.supports(x):
            return _kernel_columns(xp, k, x, kernel, stride, padding, dilation, 0, oh, ow)
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
    k = kernels.load("conv", xp)
    if k is not None and kernels.supports(out, cols) and out.flags.c_contiguous:
        kernels.pick(k.col2im, cols.size)(cols, out, r0, *kernel, *stride, *padding, *dilation)
        return

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
    """The adjoint of :func:`_im2col_array`, for columns in ``layout``: an
    (N, C, H, W) image ("cln": a view of (C, H, W, N) sums)."""
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


def conv_layout(n, ow):
    """im2col's column order for a batch of n images whose output rows have
    ow pixels: batch innermost ("cln") when that gives col2im's strided adds
    the longer contiguous rows, else output rows innermost ("cnl")."""
    return "cln" if n >= ow else "cnl"


#: "cln" columns are built a band of output rows at a time, at most this many
#: bytes per band: the blocks stay cache-sized and are reused by the
#: allocator, where one (C kh kw, OH OW N) array can reach tens of MiB
BAND_BYTES = 8 * 2**20


def _kernel_columns(xp, k, x, kernel, stride, padding, dilation, r0, r1, ow):
    """The (C, kh, kw, r1 - r0, OW, N) "cln" columns of output rows r0..r1 by
    the compiled gather, reading x itself when its batch axis is innermost
    (padding inside the gather), else a (C, H, W, N) copy of it."""
    n, c = x.shape[:2]
    x = _cln_order(xp, x).transpose(3, 0, 1, 2)
    cols = xp.empty((c, kernel[0], kernel[1], r1 - r0, ow, n), dtype=x.dtype)
    kernels.pick(k.im2col, cols.size)(x, cols, r0, *kernel, *stride, *padding, *dilation)
    return cols


def _cln_order(xp, x):
    """x (N, C, H, W) as a C-contiguous (C, H, W, N) array: a view when x is
    batch-innermost already (the output of a "cln" convolution), else a copy."""
    xt = x.transpose(1, 2, 3, 0)
    if xt.flags.c_contiguous or kernels.load("conv", xp) is None or not kernels.supports(x):
        return xp.ascontiguousarray(xt)
    return _padded_cln(xp, x, (0, 0))


def _padded_cln(xp, x, padding):
    """x (N, C, H, W) zero-padded into (C, H + 2 p_h, W + 2 p_w, N) order."""
    n, c, h, w = x.shape
    ph, pw = padding
    k = kernels.load("conv", xp)
    if k is not None and kernels.supports(x):
        xpad = xp.empty((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype)
        kernels.pick(k.to_cln, xpad.size)(x, xpad, ph, pw)
        return xpad
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
    k = kernels.load("conv", xp)
    if k is not None and kernels.supports(xpad):  # padded already: no padding in the gather
        cols = _kernel_columns(xp, k, xpad.transpose(3, 0, 1, 2), kernel, stride, (0, 0),
                               dilation, r0, r1, ow)
        return cols.reshape(c * kh * kw, (r1 - r0) * ow * n)
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
    gcf = _cln_order(xp, g).reshape(o, oh * ow * n)
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


def _conv2d_array(xp, x, w, stride, padding, dilation):
    """conv2d on arrays (see :class:`~minigan.ops.conv.Conv2dFn`): im2col then one GEMM, or, when
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


def _conv_transpose2d_forward(fn, x, w):
    """ConvTranspose2dFn's forward: W^T @ x as one GEMM for the batch, then
    col2im in the batch's layout; or, at stride 1 from few channels, a conv."""
    xp = fn.xp
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    out = tuple(_transposed_size(size, k, fn.stride[a], fn.padding[a],
                                 fn.output_padding[a], fn.dilation[a])
                for a, (size, k) in enumerate(((h, kh), (wd, kw))))
    layout = conv_layout(n, wd)
    if fn.stride == (1, 1) and layout == "cln":
        # stride 1: conv_t(x, W) = conv2d(x, W flipped, padding d (k - 1) - p);
        # its columns have C_in kh kw rows against C_out kh kw here, so
        # with few input channels (a 1-channel conv's backward) gather first
        pad = tuple(d * (k - 1) - p for d, k, p in zip(fn.dilation, (kh, kw), fn.padding))
        if min(pad) >= 0 and 2 * cin * out[0] * out[1] <= cout * h * wd:
            flipped = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
            return _conv2d_array(xp, x, flipped, (1, 1), pad, fn.dilation)
    w2t = w.reshape(cin, cout * kh * kw).T
    bands = _row_bands(h, cout * kh * kw * wd * n * x.itemsize)
    if layout == "cln" and len(bands) > 1:  # columns a band of input rows at a time
        xs = _cln_order(xp, x).reshape(cin, h * wd * n)
        y = xp.zeros((cout, out[0], out[1], n), dtype=x.dtype)
        for r0, r1 in bands:
            cols = _gemm(xp, w2t, xs[:, r0 * wd * n:r1 * wd * n])
            _scatter_add_cln(xp, y, cols.reshape(cout, kh, kw, r1 - r0, wd, n), r0, (kh, kw),
                             fn.stride, fn.padding, fn.dilation)
        return y.transpose(3, 0, 1, 2)
    xs = _cln_order(xp, x) if layout == "cln" else xp.ascontiguousarray(x.transpose(1, 0, 2, 3))
    cols = _gemm(xp, w2t, xs.reshape(cin, n * h * wd))
    cols = cols.reshape((cout, kh, kw, h, wd, n) if layout == "cln" else (cout, kh, kw, n, h, wd))
    return _col2im_array(xp, cols, (n, cout) + out, (kh, kw), fn.stride, fn.padding,
                         fn.dilation, layout)


def _in_order_of(xp, x, gx):
    """gx, copied into C order if x is C-ordered and gx (batch innermost) is
    not. The elementwise backward ops before a conv (activation masks, batch
    norm) combine gx with arrays laid out like x, and NumPy runs mixed orders
    ~3x slower than one copy costs."""
    if not x.array.flags.c_contiguous or gx.array.flags.c_contiguous:
        return gx
    return Tensor._wrap(xp.ascontiguousarray(gx.array))


def _conv2d_forward(fn, x, w):
    return _conv2d_array(fn.xp, x, w, fn.stride, fn.padding, fn.dilation)


def _conv2d_backward(fn, g):
    """Conv2dFn's backward with no graph: dx by the (fast) transposed conv,
    in x's memory order; dW on arrays, a band of rows at a time for "cln"."""
    x, w = fn.inputs
    need_x, need_w = fn.needs_input_grad
    (kh, kw), (s, p, d) = w.shape[2:], (fn.stride, fn.padding, fn.dilation)
    gx = gw = None
    if need_x:
        # the output_padding that makes conv_t's output exactly x's size
        extra = tuple(x.shape[2 + a] - _transposed_size(g.shape[2 + a], k, s[a], p[a], 0, d[a])
                      for a, k in enumerate((kh, kw)))
        gx = _in_order_of(fn.xp, x, conv_transpose2d(g, w, s, p, extra, d))
    if need_w:
        gw = _weight_grad(fn.xp, x.array, g.array, (kh, kw), s, p, d)
        gw = Tensor._wrap(gw.reshape(w.shape))
    return gx, gw


def _conv_transpose2d_backward(fn, g):
    """ConvTranspose2dFn's backward with no graph: dx = conv2d(g, W) in x's
    memory order; dW = x (C_in, N H W) @ columns(g)^T, conv2d's weight
    gradient with g and x swapped."""
    x, w = fn.inputs
    need_x, need_w = fn.needs_input_grad
    kh, kw = w.shape[2:]
    s, p, d = fn.stride, fn.padding, fn.dilation
    gx = _in_order_of(fn.xp, x, conv2d(g, w, s, p, d)) if need_x else None
    gw = None
    if need_w:
        gw = _weight_grad(fn.xp, g.array, x.array, (kh, kw), s, p, d)
        gw = Tensor._wrap(gw.reshape(w.shape[0], w.shape[1], kh, kw))
    return gx, gw


def _weight_grad(xp, x, g, kernel, stride, padding, dilation):
    """dW (O, C kh kw) = g (O, N OH OW) @ columns(x)^T for x (N, C, H, W) and
    g (N, O, OH, OW): band by band in "cln" order, else one GEMM in "cnl"."""
    n, c = x.shape[:2]
    o, oh, ow = g.shape[1:]
    layout = conv_layout(n, ow)
    if layout == "cln":
        return _conv_weight_grad_array(xp, x, g, kernel, stride, padding, dilation)
    cols = _im2col_array(xp, x, kernel, stride, padding, dilation, layout)
    gcf = g.transpose(1, 0, 2, 3).reshape(o, n * oh * ow)
    return _gemm(xp, gcf, cols.reshape(c * kernel[0] * kernel[1], n * oh * ow).T)


def _im2col_forward(fn, x):
    return _im2col_array(fn.xp, x, fn.kernel, fn.stride, fn.padding, fn.dilation, "ncl")


def _col2im_forward(fn, cols):
    return _col2im_array(fn.xp, cols, fn.shape, fn.kernel, fn.stride, fn.padding, fn.dilation,
                         "ncl")


register(Conv2dFn, forward=_conv2d_forward, backward=_conv2d_backward)
register(ConvTranspose2dFn, forward=_conv_transpose2d_forward, backward=_conv_transpose2d_backward)
register(Im2ColFn, forward=_im2col_forward)
register(Col2ImFn, forward=_col2im_forward)
