"""Differentiable ops, grouped by kind. Each primitive is a ``Function``
subclass with its forward and backward side by side; the rest are
compositions of primitives and need no backward of their own."""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .arithmetic import add, div, mul, neg, pow, square, sub
from .conv import col2im, conv_output_size, im2col
from .elementwise import (abs, cast, ceil, clamp, clamp_max, clamp_min, clip, clone, cos, eq, erf,
                          exp, expm1, floor, frac, ge, gt, isfinite, isnan, le, lerp, log, log1p,
                          lt, maximum, minimum, nan_to_num, ne, reciprocal, round, rsqrt, sign,
                          sin, sqrt, to_device, trunc, where)
from .indexing import (all, any, argmax, argmin, contiguous, cumsum, diag, flip, gather,
                       index_select, masked_fill, movedim, narrow, prod, repeat_interleave, roll,
                       select, sort, tile, topk, tril, triu, unbind, unflatten)
from .linalg import bmm, einsum, matmul, mm, outer
from .reduce import (amax, amin, logsumexp, max, mean, min, norm, std, sum, var,
                     vector_norm)
from .shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, getitem, pad,
                    permute, repeat, reshape, split, squeeze, stack, sum_to, swapaxes, t,
                    transpose, unsqueeze, view)
