"""One-pass optimizer updates (see :mod:`minigan.fast.optim` for the calls).

Each kernel walks the flattened parameter once, reading and writing its
state in the same iteration, where the NumPy path makes about ten passes
through scratch arrays. Every scalar arrives in the parameter's dtype and
every operation is the reference's, in its order and rounded in that dtype
(numba compiles ``float32 * float32`` to a float32 product, and without
fastmath it neither reassociates nor fuses a multiply-add), so the numbers
are bitwise those of :mod:`minigan.optim`; ``tests/optim/test_fast_optim.py``
checks that with the kernels on.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import kernel


@kernel
def sgd(theta, d, buf, maximize, wd, momentum, damp, use_damp, nesterov, lr):
    """theta -= lr * d, d = (g or -g) + wd theta, through the momentum
    buffer buf (``momentum != 0``): buf = momentum buf + (1 - dampening) d."""
    for i in prange(theta.size):
        di = d[i]
        if maximize:
            di = -di
        if wd != 0:
            di = di + wd * theta[i]
        if momentum != 0:
            b = buf[i] * momentum
            b = b + (damp * di if use_damp else di)
            buf[i] = b
            di = di + momentum * b if nesterov else b
        theta[i] = theta[i] - lr * di


@kernel
def adam(theta, g, m, v, amax, use_amax, maximize, decay, wd, shrink, small, w1, beta2,
         one_minus_beta2, bias2_sqrt, eps, neg_step):
    """Adam / AdamW for one parameter; ``decay`` 0 none, 1 L2 (g += wd
    theta), 2 decoupled (theta *= shrink = 1 - lr wd); the first moment's
    lerp in torch's two forms (``small``: m += w1 (g - m), else
    m = g - w1 (g - m)); the AMSGrad maximum when ``use_amax``."""
    for i in prange(theta.size):
        gi = g[i]
        if maximize:
            gi = -gi
        th = theta[i]
        if decay == 2:
            th = th * shrink
        elif decay == 1:
            gi = gi + wd * th
        mi = m[i]
        diff = (gi - mi) * w1
        mi = mi + diff if small else gi - diff
        m[i] = mi
        work = gi * one_minus_beta2
        vi = v[i] * beta2 + work * gi
        v[i] = vi
        if use_amax:
            a = amax[i]
            if not (a >= vi or a != a):  # np.maximum: a NaN on either side wins
                a = vi
            amax[i] = a
            vi = a
        denom = np.sqrt(vi) / bias2_sqrt + eps
        theta[i] = th + (mi * neg_step) / denom


@kernel
def rmsprop(theta, g, v, gbar, buf, maximize, wd, alpha, one_minus_alpha, centered, small, w1,
            eps, momentum, lr, neg_lr):
    """RMSprop for one parameter: v = alpha v + (1 - alpha) g^2, the
    centred average gbar (lerp as in Adam), s = sqrt(v - gbar^2) + eps,
    then theta -= lr g / s, or through the momentum buffer."""
    for i in prange(theta.size):
        gi = g[i]
        if maximize:
            gi = -gi
        th = theta[i]
        if wd != 0:
            gi = gi + wd * th
        work = gi * one_minus_alpha
        vi = v[i] * alpha + work * gi
        v[i] = vi
        if centered:
            ga = gbar[i]
            diff = (gi - ga) * w1
            ga = ga + diff if small else gi - diff
            gbar[i] = ga
            s = np.sqrt(vi - ga * ga)
        else:
            s = np.sqrt(vi)
        s = s + eps
        if momentum > 0:
            b = buf[i] * momentum + gi / s
            buf[i] = b
            theta[i] = th - b * lr
        else:
            theta[i] = th + (gi * neg_lr) / s
