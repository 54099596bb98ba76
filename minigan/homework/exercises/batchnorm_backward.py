"""Exercise: the backward pass of batch normalisation in training mode, in NumPy.

Mirrors ``minigan.nn.normalization.batch_norm`` (training=True), which is a
composition of differentiable ops. Here you derive its gradient by hand.

For an input x of shape (N, C) or (N, C, H, W), statistics are per channel c
over the m = N (x H x W) values of that channel:

    mu    = mean(x),   var = mean((x - mu)^2)        (biased, as in training)
    x_hat = (x - mu) / sqrt(var + eps)
    y     = gamma * x_hat + beta                     (gamma, beta of shape (C,))

Ioffe & Szegedy, "Batch Normalization", ICML 2015.
"""
from __future__ import annotations

import numpy as np


def _channel_axes(x: np.ndarray):
    if x.ndim < 2:
        raise ValueError(f"batch norm: expected an input (N, C, *) with at least 2 dimensions, "
                         f"got shape {x.shape}")
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(C,) -> (1, C, 1, ...) so it broadcasts against x."""
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta with this batch's statistics."""
    axes = _channel_axes(x)
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return _per_channel(gamma, x) * (x - mu) / np.sqrt(var + eps) + _per_channel(beta, x)


def batchnorm_backward(grad_out: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float = 1e-5):
    """Gradients (grad_x, grad_gamma, grad_beta) of a loss L through
    y = batchnorm_forward(x, gamma, beta, eps), given grad_out = dL/dy.

    With g = grad_out, sums and means over each channel's m values,
    and sigma = sqrt(var + eps):

        grad_beta  = sum g
        grad_gamma = sum g * x_hat
        grad_x     = gamma / sigma * (g - mean(g) - x_hat * mean(g * x_hat))

    The two subtracted terms are the paths through mu and through var: every
    input of a channel moves that channel's statistics, hence every output.
    """
    if grad_out.shape != x.shape:
        raise ValueError(f"batchnorm_backward: grad_out has shape {grad_out.shape} but x has "
                         f"shape {x.shape}; they must match")
    axes = _channel_axes(x)
    if gamma.shape != (x.shape[1],):
        raise ValueError(f"batchnorm_backward: gamma has shape {gamma.shape}, expected "
                         f"({x.shape[1]},) for an input with {x.shape[1]} channels")
    # TASK: batchnorm_backward -- grad_x, grad_gamma and grad_beta in training mode
    ### BEGIN SOLUTION
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    sigma = np.sqrt(var + eps)
    x_hat = (x - mu) / sigma
    grad_beta = grad_out.sum(axis=axes)
    grad_gamma = (grad_out * x_hat).sum(axis=axes)
    mean_g = grad_out.mean(axis=axes, keepdims=True)
    mean_gx = (grad_out * x_hat).mean(axis=axes, keepdims=True)
    grad_x = _per_channel(gamma, x) / sigma * (grad_out - mean_g - x_hat * mean_gx)
    return grad_x, grad_gamma, grad_beta
    ### END SOLUTION
