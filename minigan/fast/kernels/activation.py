"""Activations and their backwards as one pass each, on flat arrays (the
callers in :mod:`minigan.fast.activation` pass arrays laid out alike).

A backward with its mask fused: dx = g * s(x) reads g and x and writes dx
once, where NumPy makes the boolean mask, casts it, scales it and
multiplies (four passes and three temporaries for LeakyReLU). No tanh or
sigmoid forward: NumPy's are vectorised, while a compiled loop here calls
libm's scalar tanh / exp per element.
"""
from __future__ import annotations

from numba import prange

from ._jit import kernel


@kernel
def relu(x, y):
    """y = max(x, 0) (NaN stays NaN, as np.maximum)."""
    for i in prange(x.size):
        v = x[i]
        y[i] = v if (v > 0 or v != v) else 0


@kernel
def leaky_relu(x, y, slope):
    """y = x if x > 0 else slope x."""
    for i in prange(x.size):
        v = x[i]
        y[i] = v if v > 0 else v * slope


@kernel
def times_slope(g, x, out, slope):
    """out = g if x > 0 else slope g: ReLU's (slope 0) and LeakyReLU's backward."""
    for i in prange(x.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


@kernel
def tanh_backward(g, y, out, one):
    """out = g (1 - y^2)."""
    for i in prange(y.size):
        out[i] = g[i] * (one - y[i] * y[i])


@kernel
def sigmoid_backward(g, y, out, one):
    """out = g y (1 - y)."""
    for i in prange(y.size):
        out[i] = g[i] * y[i] * (one - y[i])
