"""im2col's gather, col2im's scatter-add and the batch-innermost layout
copy of :mod:`minigan.fast.conv`, compiled and split over all threads.

Shapes follow that module's "cln" layout: an image is read as (N, C, H, W)
with any strides (the callers pass either a batch-innermost view, the
output of the previous "cln" convolution, or a (C, H, W, N) copy seen as
(N, C, H, W)); columns are (C, kh, kw, rows, OW, N), rows being a band of
output rows starting at ``r0``. The innermost loop always runs over the
batch, N contiguous numbers.

* :func:`im2col`: cols[c, i, j, a, b, n] = x[n, c, (r0 + a) s_h + i d_h - p_h,
  b s_w + j d_w - p_w], 0 where that falls on the padding: the padding is a
  bounds test in the loop, never a padded copy of x. Threads split the
  (c, i, j, a) rows of the columns.
* :func:`col2im`: the adjoint, out[c, r, q, n] += cols[...] over the taps
  that read (r, q). It is written from the output's side (each thread owns
  whole output rows (c, r) and looks up which taps and column rows land
  there) so that no two threads add into one pixel; per pixel the taps are
  added in the order (i, j) ascending, the NumPy path's order, so the sums
  round alike.
* :func:`to_cln`: x (N, C, H, W) into a zero-padded (C, H + 2 p_h, W + 2 p_w,
  N) array, rows split over threads.
"""
from __future__ import annotations

from numba import prange

from ._jit import kernel


@kernel
def im2col(x, cols, r0, kh, kw, sh, sw, ph, pw, dh, dw):
    n, _, h, w = x.shape
    nc, rows, ow = cols.shape[0], cols.shape[3], cols.shape[4]
    for task in prange(nc * kh * kw * rows):
        a = task % rows
        j = (task // rows) % kw
        i = (task // (rows * kw)) % kh
        c = task // (rows * kw * kh)
        r = (r0 + a) * sh + i * dh - ph
        for b in range(ow):
            q = b * sw + j * dw - pw
            if 0 <= r < h and 0 <= q < w:
                for m in range(n):
                    cols[c, i, j, a, b, m] = x[m, c, r, q]
            else:
                for m in range(n):
                    cols[c, i, j, a, b, m] = 0


@kernel
def col2im(cols, out, r0, kh, kw, sh, sw, ph, pw, dh, dw):
    nc, h, w, n = out.shape
    rows, ow = cols.shape[3], cols.shape[4]
    for task in prange(nc * h):
        c, r = task // h, task % h
        for i in range(kh):
            t = r + ph - i * dh            # = (r0 + a) s_h for the column row a that lands here
            if t % sh != 0:
                continue
            a = t // sh - r0
            if a < 0 or a >= rows:
                continue
            for j in range(kw):
                for b in range(ow):
                    q = b * sw + j * dw - pw
                    if 0 <= q < w:
                        for m in range(n):
                            out[c, r, q, m] += cols[c, i, j, a, b, m]


@kernel
def to_cln(x, out, ph, pw):
    n, _, h, w = x.shape
    nc, hp, wp = out.shape[0], out.shape[1], out.shape[2]
    for task in prange(nc * hp):
        c, r = task // hp, task % hp
        for q in range(wp):
            if ph <= r < ph + h and pw <= q < pw + w:
                for m in range(n):
                    out[c, r, q, m] = x[m, c, r - ph, q - pw]
            else:
                for m in range(n):
                    out[c, r, q, m] = 0
