"""Batch norm as two passes forward and two backward, parallel over channels.

The arrays arrive as (C, A, B) views of the (N, C, *) tensors (the caller,
:mod:`minigan.fast.normalization`, orders A and B so that B is the one with
the smaller stride), so one thread owns one channel and walks its numbers
in memory order, whatever the layout (a conv's batch-innermost output is the
common case). Sums accumulate in float64 over four independent partial
sums: a float32 running sum over 400K numbers would drift, and one chain
of dependent additions would be latency-bound (without fastmath the
compiler may not split it itself).

Forward: pass 1 the sum (mean), pass 2 the centred squares (biased
variance), then y = ((x - mean) invstd) w + b in pass 3 (the statistics of
one channel are then in cache), as y = x scale + shift with the per-channel
scale = invstd w and shift = b - mean scale. With fixed statistics only
pass 3 runs. Backward (first derivative, forward's mean and invstd): pass
1 db = sum g and dw = sum g xhat, pass 2 dx = w invstd (g - xhat dw / m -
db / m), expanded the same way into g a + x b + c per channel (dx = g w
invstd with fixed statistics). Those rearrangements round differently from
the reference's order, within float32 rounding of the result.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import kernel


@kernel
def forward(x, y, w, b, has_w, has_b, fixed, mean, var, invstd, eps):
    """y = ((x - mean) invstd) w + b per channel c = axis 0 of x (C, A, B);
    mean, var (biased) and invstd (C,) are written (or, ``fixed``, mean and
    var are read)."""
    nc, na, nb = x.shape
    m = na * nb
    for c in prange(nc):
        if not fixed:
            s0 = s1 = s2 = s3 = 0.0
            for a in range(na):
                j = 0
                while j + 4 <= nb:
                    s0 += x[c, a, j]
                    s1 += x[c, a, j + 1]
                    s2 += x[c, a, j + 2]
                    s3 += x[c, a, j + 3]
                    j += 4
                while j < nb:
                    s0 += x[c, a, j]
                    j += 1
            mean[c] = (s0 + s1 + s2 + s3) / m
            mu = mean[c]
            q0 = q1 = q2 = q3 = 0.0
            for a in range(na):
                j = 0
                while j + 4 <= nb:
                    d0 = x[c, a, j] - mu
                    d1 = x[c, a, j + 1] - mu
                    d2 = x[c, a, j + 2] - mu
                    d3 = x[c, a, j + 3] - mu
                    q0 += d0 * d0
                    q1 += d1 * d1
                    q2 += d2 * d2
                    q3 += d3 * d3
                    j += 4
                while j < nb:
                    d0 = x[c, a, j] - mu
                    q0 += d0 * d0
                    j += 1
            var[c] = (q0 + q1 + q2 + q3) / m
        mu = mean[c]
        invstd[c] = 1 / np.sqrt(var[c] + eps)
        inv = invstd[c]
        # y = x scale + shift: two operations per number, no branch in the loop
        scale = inv * w[c] if has_w else inv
        shift = (b[c] if has_b else 0) - mu * scale
        for a in range(na):
            xa, ya = x[c, a], y[c, a]
            for j in range(nb):
                ya[j] = xa[j] * scale + shift


@kernel
def backward(x, g, dx, w, has_w, need_x, fixed, mean, invstd, gw, gb):
    """gb = sum g, gw = sum g xhat per channel (C,), and, ``need_x``,
    dx = ((g - xhat gw / m) - gb / m) w invstd (``fixed``: dx = g w invstd)."""
    nc, na, nb = x.shape
    m = na * nb
    for c in prange(nc):
        mu, inv = mean[c], invstd[c]
        s0 = s1 = t0 = t1 = 0.0
        for a in range(na):
            j = 0
            while j + 2 <= nb:
                g0, g1 = g[c, a, j], g[c, a, j + 1]
                s0 += g0
                s1 += g1
                t0 += g0 * ((x[c, a, j] - mu) * inv)
                t1 += g1 * ((x[c, a, j + 1] - mu) * inv)
                j += 2
            if j < nb:
                g0 = g[c, a, j]
                s0 += g0
                t0 += g0 * ((x[c, a, j] - mu) * inv)
        gb[c] = s0 + s1
        gw[c] = t0 + t1
        if need_x:
            scale = inv * w[c] if has_w else inv
            k_w, k_b = gw[c] / m, gb[c] / m
            # dx = g scale - x (inv k_w scale) + (mu inv k_w - k_b) scale
            cx = 0 if fixed else inv * k_w * scale
            c0 = 0 if fixed else (mu * inv * k_w - k_b) * scale
            for a in range(na):
                xa, ga, da = x[c, a], g[c, a], dx[c, a]
                for j in range(nb):
                    da[j] = ga[j] * scale - xa[j] * cx + c0
