"""Differentiable ops, grouped by kind. Each primitive is a ``Function``
subclass named ``...Fn`` with its forward and backward side by side; the
rest are compositions of primitives and need no backward of their own.

PyTorch's parity extras (sort, cumsum, einsum, sin, ...) live in
:mod:`minigan.compat`; they are re-exported here so that ``minigan.ops.<name>``
and the Tensor methods find every op in one place."""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .arithmetic import add, div, mul, neg, pow, square, sub
from .conv import col2im, conv_output_size, im2col
from .elementwise import (abs, cast, clamp, clip, clone, exp, log, maximum, minimum, sqrt,
                          to_device, where)
from .linalg import matmul
from .reduce import (amax, amin, logsumexp, max, mean, min, norm, std, sum, var,
                     vector_norm)
from .shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, getitem, pad,
                    permute, repeat, reshape, split, squeeze, stack, sum_to, swapaxes, t,
                    transpose, unsqueeze, view)

from ..compat.elementwise import (ceil, clamp_max, clamp_min, cos, eq, erf, expm1, floor,  # noqa: E402
                                  frac, ge, gt, isfinite, isnan, le, lerp, log1p, lt, nan_to_num,
                                  ne, reciprocal, round, rsqrt, sign, sin, trunc)
from ..compat.indexing import (all, any, argmax, argmin, contiguous, cumsum, diag,  # noqa: E402
                               flip, gather, index_select, masked_fill, movedim, narrow, prod,
                               repeat_interleave, roll, select, sort, tile, topk, tril, triu,
                               unbind, unflatten)
from ..compat.linalg import bmm, einsum, mm, outer  # noqa: E402
