"""Differentiable ops, grouped by kind. Each primitive is a ``Function``
subclass with its forward and backward side by side; the rest are
compositions of primitives and need no backward of their own."""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .arithmetic import add, div, mul, neg, pow, square, sub
from .conv import col2im, conv_output_size, im2col
from .elementwise import (abs, cast, clamp, clamp_max, clamp_min, clip, clone, erf, exp, expm1,
                          lerp, log, log1p, maximum, minimum, rsqrt, sign, sqrt, to_device, where)
from .indexing import (all, any, argmax, argmin, bmm, ceil, contiguous, cos, cumsum, diag, einsum,
                       eq, flip, floor, frac, gather, ge, gt, index_select, isfinite, isnan, le,
                       lt, masked_fill, mm, movedim, nan_to_num, narrow, ne, outer, prod,
                       reciprocal, repeat_interleave, roll, round, select, sin, sort, tile, topk,
                       trunc, tril, triu, unbind, unflatten)
from .linalg import matmul
from .reduce import (amax, amin, logsumexp, max, mean, min, norm, std, sum, var,
                     vector_norm)
from .shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, getitem, pad,
                    permute, repeat, reshape, split, squeeze, stack, sum_to, swapaxes, t,
                    transpose, unsqueeze, view)
