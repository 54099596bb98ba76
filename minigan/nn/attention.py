"""Self-attention for convolutional feature maps (SAGAN: Zhang, Goodfellow,
Metaxas & Odena, "Self-Attention Generative Adversarial Networks", ICML 2019).

A convolution only mixes nearby pixels; self-attention lets every position
look at every other one in a single layer, which helps a GAN keep distant
parts of an image consistent (both legs of a dog, both eyes of a face).
"""
from __future__ import annotations

import math

from .. import factories, ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .module import Module, Parameter

__all__ = ["Conv1x1", "SelfAttention"]


class Conv1x1(Module):
    """A 1x1 convolution applied to flattened feature maps, as a matrix product.

    Input (B, C_in, N) with N = H * W positions; output (B, C_out, N):

        y[b, :, n] = W x[b, :, n] + bias

    ``weight`` has Conv2d's shape (C_out, C_in, 1, 1) and PyTorch's default
    initialisation, U(-1/sqrt(C_in), 1/sqrt(C_in)) for weight and bias, so a
    state_dict matches ``Conv2d(C_in, C_out, 1)`` and ``spectral_norm`` applies
    unchanged (its hook runs because the product happens in ``forward``).
    """

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        bound = 1.0 / math.sqrt(in_channels)
        self.weight = Parameter(factories.zeros(out_channels, in_channels, 1, 1))
        with no_grad():
            self.weight.uniform_(-bound, bound)
        if bias:
            self.bias = Parameter(factories.zeros(out_channels))
            with no_grad():
                self.bias.uniform_(-bound, bound)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] != self.in_channels:
            raise ShapeError(f"Conv1x1: expected input (B, {self.in_channels}, N), "
                             f"got shape {x.shape}")
        # (C_out, C_in) @ (B, C_in, N) broadcasts over the batch -> (B, C_out, N)
        y = ops.matmul(self.weight.reshape(self.out_channels, self.in_channels), x)
        if self.bias is not None:
            y = y + self.bias.reshape(self.out_channels, 1)
        return y

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, bias={self.bias is not None}"


class SelfAttention(Module):
    """SAGAN's self-attention block: ``y = gamma * o + x``.

    Shapes: x (B, C, H, W) -> y (B, C, H, W); with N = H * W positions and
    x viewed as (B, C, N), three 1x1 convolutions give

        q = query(x)  (B, C/r, N)    the paper's g(x) = W_g x
        k = key(x)    (B, C/r, N)    the paper's f(x) = W_f x
        h = value(x)  (B, C_v, N)    the paper's h(x) = W_h x   (r = ``reduction``, 8 in the paper)

    The attention map, one softmax per output position i over all N
    positions j (each row sums to 1):

        beta = softmax(q^T k, over the last axis)      (B, N, N)
        beta[b, i, j] = exp(q_i . k_j) / sum_n exp(q_i . k_n)

    and the attended features o = h beta^T, that is o_i = sum_j beta[i, j] h_j
    (B, C_v, N). This is the paper's map with its indices (Zhang et al.,
    "Self-Attention Generative Adversarial Networks", ICML 2019, eq. 1):
    s_ij = f(x_i)^T g(x_j) and beta_{j,i} = exp(s_ij) / sum_i exp(s_ij), the
    weight with which output position j attends to position i; so g is
    applied at the position being synthesised (the query) and f at the
    positions it reads (the keys), and beta_{j,i} is ``beta[b, j, i]``. By
    default C_v = C. With ``output_projection=True``, C_v = C/2 and a fourth 1x1
    convolution (the paper's v) maps o back to C channels, as in the SAGAN
    and BigGAN code.

    ``gamma`` is a scalar Parameter initialised to 0, so the block starts as
    the identity and the network learns how much non-local evidence to add.

    ``forward(x, return_attention=True)`` returns ``(y, beta)`` so the map
    can be shown: ``beta[b, i]`` reshaped to (H, W) is where position i looks.
    Memory grows as B * N^2: use it on small feature maps (32x32 or less).
    """

    def __init__(self, in_channels: int, reduction: int = 8, output_projection: bool = False,
                 bias: bool = True):
        super().__init__()
        if not isinstance(in_channels, int) or in_channels <= 0:
            raise ValueError(f"SelfAttention: in_channels must be a positive int, "
                             f"got {in_channels!r}")
        if not isinstance(reduction, int) or reduction <= 0:
            raise ValueError(f"SelfAttention: reduction must be a positive int, got {reduction!r}")
        qk_channels = in_channels // reduction
        if qk_channels < 1:
            raise ValueError(f"SelfAttention: in_channels={in_channels} // reduction={reduction} "
                             f"gives 0 query/key channels; use reduction <= {in_channels}")
        v_channels = in_channels // 2 if output_projection else in_channels
        if v_channels < 1:
            raise ValueError("SelfAttention: output_projection=True needs in_channels >= 2 "
                             f"(value channels are in_channels // 2), got {in_channels}")
        self.in_channels = in_channels
        self.reduction = reduction
        self.output_projection = output_projection
        self.query = Conv1x1(in_channels, qk_channels, bias)   # the paper's g
        self.key = Conv1x1(in_channels, qk_channels, bias)     # the paper's f
        self.value = Conv1x1(in_channels, v_channels, bias)    # the paper's h
        if output_projection:
            self.output = Conv1x1(v_channels, in_channels, bias)  # the paper's v
        else:
            self.add_module("output", None)
        self.gamma = Parameter(factories.zeros(()))

    def forward(self, x: Tensor, return_attention: bool = False):
        if not isinstance(x, Tensor):
            raise TypeError(f"SelfAttention: input must be a Tensor, got {type(x).__name__}")
        if x.ndim != 4:
            raise ValueError(f"SelfAttention: expected 4-D input (B, C, H, W), got shape {x.shape}")
        if x.shape[1] != self.in_channels:
            raise ShapeError(f"SelfAttention: expected {self.in_channels} channels, got "
                             f"{x.shape[1]} (input shape {x.shape})")
        b, c, h, w = x.shape
        flat = x.reshape(b, c, h * w)
        q, k, v = self.query(flat), self.key(flat), self.value(flat)
        scores = ops.matmul(q.transpose(1, 2), k)             # (B, N, N): q_i . k_j
        beta = ops.softmax(scores, axis=-1)
        # o = v beta^T (B, C_v, N), computed as (beta v^T)^T: beta is the one
        # large operand, and BLAS reads it faster untransposed (~15% on the block)
        o = ops.matmul(beta, v.transpose(1, 2)).transpose(1, 2)
        if self.output is not None:
            o = self.output(o)
        y = self.gamma * o.reshape(b, c, h, w) + x
        return (y, beta) if return_attention else y

    def extra_repr(self):
        return (f"{self.in_channels}, reduction={self.reduction}, "
                f"output_projection={self.output_projection}")
