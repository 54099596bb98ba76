"""Minibatch discrimination (Salimans, Goodfellow, Zaremba, Cheung, Radford &
Chen, "Improved Techniques for Training GANs", NeurIPS 2016, Sec. 3.2).

A discriminator that looks at one sample at a time cannot tell that the
generator has collapsed: every sample may look real on its own. This layer
gives each sample features that measure how close it is to the *other*
samples of its batch, so a batch of near-copies is easy to spot.

For features x (N, A) and a learned tensor T (A, B, C):

    M_i      = x_i T                                   (N, B, C): B rows of size C
    c_b(i,j) = exp(-|| M_{i,b} - M_{j,b} ||_1)         (N, N, B)
    o(x_i)_b = sum_{j != i} c_b(i, j)                  (N, B)
    output   = concat([x, o(x)], dim=1)                (N, A + B)

The self term j = i is left out, as in the authors' code (they add 1e6 to
the diagonal distances before the exp): it would add the constant
exp(0) = 1 to every o_b. Here the full sum is taken and 1 subtracted, which
is the same value and the same gradient. o_b(x_i) lies in [0, N - 1]; it
grows as other samples of the batch come close to x_i.

The layer costs N^2 B C: use it on a narrow feature vector (the authors' B
= 100 kernels of C = 5 dims). Its output depends on the whole batch, so a
per-sample gradient penalty (WGAN-GP) is not meaningful through it.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor
from . import init
from .linear import _empty_parameter
from .module import Module

__all__ = ["MinibatchDiscrimination", "minibatch_discrimination"]


def minibatch_discrimination(x: Tensor, T: Tensor) -> Tensor:
    """concat([x, o(x)], dim=1) for x (N, A) and T (A, B, C); see the module docstring."""
    if not isinstance(x, Tensor) or not isinstance(T, Tensor):
        raise TypeError("minibatch_discrimination: x and T must be Tensors")
    if T.ndim != 3 or x.ndim != 2 or x.shape[1] != T.shape[0]:
        raise ValueError(f"minibatch_discrimination: expected x (N, A) and T (A, B, C), "
                         f"got x {tuple(x.shape)} and T {tuple(T.shape)}")
    n, (a, b, c) = x.shape[0], T.shape
    m = (x @ T.reshape(a, b * c)).reshape(n, b, c)
    # (N, 1, B, C) - (1, N, B, C): every pair (i, j) of rows, per kernel
    l1 = ops.sum(ops.abs(m.unsqueeze(1) - m.unsqueeze(0)), axis=3)   # (N, N, B)
    o = ops.sum(ops.exp(-l1), axis=1) - 1.0                           # drop j = i: exp(0) = 1
    return ops.concatenate([x, o], axis=1)


class MinibatchDiscrimination(Module):
    """x (N, in_features) -> concat([x, o(x)]) (N, in_features + out_features).

    Args:
        in_features: A, the size of each input feature vector.
        out_features: B, the number of kernels (one closeness feature each).
        kernel_dims: C, the size of each kernel's rows M_{i,b}.
        device, dtype: of ``T`` (float32 by default).

    ``T`` (in_features, out_features, kernel_dims) ~ N(0, 0.05^2), the
    initialisation of the authors' code (``init.Normal(0.05)``).
    """

    def __init__(self, in_features, out_features, kernel_dims, device=None, dtype=None):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features),
                        ("kernel_dims", kernel_dims)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"MinibatchDiscrimination: {name} must be a positive int, "
                                 f"got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.kernel_dims = int(kernel_dims)
        self.T = _empty_parameter((self.in_features, self.out_features, self.kernel_dims),
                                  dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.T, 0.0, 0.05)

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"MinibatchDiscrimination: input must be a Tensor, "
                            f"got {type(x).__name__}")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"MinibatchDiscrimination: expected input (N, {self.in_features}), "
                             f"got shape {tuple(x.shape)}")
        return minibatch_discrimination(x, self.T)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"kernel_dims={self.kernel_dims}")
