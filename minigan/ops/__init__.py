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
from .shape import (broadcast_to, cat, concatenate, expand, flatten, getitem, pad, permute,
                    reshape, squeeze, stack, sum_to, swapaxes, transpose, unsqueeze, view)

from ..compat.elementwise import (ceil, clamp_max, clamp_min, cos, eq, erf, expm1, floor,  # noqa: E402
                                  frac, ge, gt, isfinite, isnan, le, lerp, log1p, lt, nan_to_num,
                                  ne, reciprocal, round, rsqrt, sign, sin, trunc)
from ..compat.indexing import (all, any, argmax, argmin, contiguous, cumsum, diag,  # noqa: E402
                               flip, gather, index_select, masked_fill, movedim, narrow, prod,
                               repeat_interleave, roll, select, sort, tile, topk, tril, triu,
                               unbind, unflatten)
from ..compat.linalg import bmm, einsum, mm, outer  # noqa: E402
from ..compat.shape import chunk, repeat, split, t  # noqa: E402

__all__ = [
    "abs", "add", "all", "amax", "amin", "any", "argmax", "argmin", "bmm", "broadcast_to",
    "cast", "cat", "ceil", "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone",
    "col2im", "concatenate", "contiguous", "conv_output_size", "cos", "cumsum", "diag", "div",
    "einsum", "eq", "erf", "exp", "expand", "expm1", "flatten", "flip", "floor", "frac",
    "gather", "ge", "getitem", "gt", "im2col", "index_select", "isfinite", "isnan", "le",
    "leaky_relu", "lerp", "log", "log1p", "log_softmax", "logsumexp", "lt", "masked_fill",
    "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "movedim", "mul", "nan_to_num",
    "narrow", "ne", "neg", "norm", "outer", "pad", "permute", "pow", "prod", "reciprocal",
    "relu", "repeat", "repeat_interleave", "reshape", "roll", "round", "rsqrt", "select",
    "sigmoid", "sign", "sin", "softmax", "softplus", "sort", "split", "sqrt", "square",
    "squeeze", "stack", "std", "sub", "sum", "sum_to", "swapaxes", "t", "tanh", "tile",
    "to_device", "topk", "transpose", "tril", "triu", "trunc", "unbind", "unflatten",
    "unsqueeze", "var", "vector_norm", "view", "where"
]
