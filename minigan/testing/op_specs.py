"""One table drives every op test: forward against NumPy, gradcheck, gradgradcheck.

Adding an op means adding one :class:`OpSpec` here. ``sample`` draws the
inputs and is where kinks are avoided (relu away from 0, no ties in max,
positive arguments to log and sqrt); ``note`` says why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import minigan as mg


def normal(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def positive(*shapes, lo=0.5, hi=2.0):
    return lambda rng: [rng.uniform(lo, hi, s) for s in shapes]


def away_from_zero(*shapes, margin=0.2):
    def draw(rng):
        out = []
        for s in shapes:
            a = rng.uniform(margin, 2.0, s) * rng.choice([-1.0, 1.0], s)
            out.append(a)
        return out

    return draw


def distinct(*shapes):
    """Values with gaps of at least 0.1: no ties for max/min/maximum."""
    def draw(rng):
        total = int(sum(np.prod(s) for s in shapes))
        vals = rng.permutation(total) * 0.1 - total * 0.05
        out, start = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(vals[start:start + n].reshape(s))
            start += n
        return out

    return draw


def _with_zeros(shape, zeros):
    """Normal values with exact zeros at ``zeros`` (prod's special case)."""
    def draw(rng):
        a = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        for z in zeros:
            a[z] = 0.0
        return [a]

    return draw


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_im2col(x, k, s, p, d):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh = (h + 2 * p - d * (k - 1) - 1) // s + 1
    ow = (w + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((n, c, k, k, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            for a in range(oh):
                for b in range(ow):
                    out[:, :, i, j, a, b] = xp[:, :, a * s + i * d, b * s + j * d]
    return out


def _np_col2im(cols, shape, k, s, p, d):
    n, c, h, w = shape
    out = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            for a in range(cols.shape[4]):
                for b in range(cols.shape[5]):
                    out[:, :, a * s + i * d, b * s + j * d] += cols[:, :, i, j, a, b]
    return out[:, :, p:p + h, p:p + w]


def _np_conv2d(x, w, s, p, d):
    """y[n, o, a, b] = sum_{c,i,j} w[o, c, i, j] x_pad[n, c, a s + i d, b s + j d]."""
    return np.einsum("ocij,ncijab->noab", w, _np_im2col(x, w.shape[2], s, p, d))


def _np_conv_transpose2d(x, w, s, p, op, d):
    """The adjoint of conv2d: each pixel of x adds w, scaled, at stride s."""
    (n, _, h, wd), (_, cout, k, _) = x.shape, w.shape
    out = [(size - 1) * s - 2 * p + d * (k - 1) + op + 1 for size in (h, wd)]
    return _np_col2im(np.einsum("coij,nchw->noijhw", w, x), (n, cout, *out), k, s, p, d)


def _np_batch_norm(x, w, b, mean=None, var=None, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape)
            + b.reshape(shape))


_BN_MEAN, _BN_VAR = np.array([0.3, -0.2, 0.1]), np.array([0.5, 1.5, 2.0])


def _bn_eval(x, w, b):
    return mg.nn.functional.batch_norm(x, mg.tensor(_BN_MEAN, dtype=x.dtype, device=x.device),
                                       mg.tensor(_BN_VAR, dtype=x.dtype, device=x.device), w, b, training=False)


def _np_norm(a, p, axis=None, keepdims=False):
    axis = tuple(range(a.ndim)) if axis is None else axis
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    if np.isinf(p):
        return (np.max if p > 0 else np.min)(np.abs(a), axis=axis, keepdims=keepdims)
    return np.sum(np.abs(a) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _np_erf(a):
    from scipy.special import erf

    return erf(a)


def _np_gelu(a):
    return 0.5 * a * (1 + _np_erf(a / np.sqrt(2)))


def _np_gelu_tanh(a):
    return 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3)))


def _np_elu(a, alpha=1.0):
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))


_F = mg.nn.functional


_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
_IDX = np.array([2, 0, 2, 1])  # repeated index: gradients must add up


@dataclass
class OpSpec:
    name: str
    fn: Callable  # minigan tensors -> tensor
    ref: Callable  # numpy arrays -> array
    sample: Callable  # rng -> list of float64 arrays
    note: str = ""
    tags: tuple = field(default_factory=tuple)

    def inputs(self, rng, dtype=np.float64, device="cpu", contiguous=True, requires_grad=True):
        arrays = [a.astype(dtype) for a in self.sample(rng)]
        if not contiguous:
            arrays = [np.asfortranarray(a) if a.ndim >= 2 else a[::-1].copy()[::-1] for a in arrays]
        return [mg.tensor(a, device=device, requires_grad=requires_grad) if contiguous
                else mg.Tensor(a, requires_grad=requires_grad) for a in arrays]

    def __repr__(self):
        return self.name


OP_SPECS = [
    # arithmetic, with broadcasting and Python scalars on either side
    OpSpec("add", lambda a, b: a + b, np.add, normal((3, 4), (3, 4))),
    OpSpec("add_broadcast", lambda a, b: a + b, np.add, normal((3, 1), (4,))),
    OpSpec("sub_broadcast", lambda a, b: a - b, np.subtract, normal((2, 3, 4), (3, 1))),
    OpSpec("mul_broadcast", lambda a, b: a * b, np.multiply, normal((4,), (2, 3, 4))),
    OpSpec("div", lambda a, b: a / b, np.divide, positive((2, 3), (2, 3)), "denominator in [0.5, 2]"),
    OpSpec("div_broadcast", lambda a, b: a / b, np.divide,
           lambda rng: [rng.standard_normal((2, 3)), rng.uniform(0.5, 2, (3,))]),
    OpSpec("scalar_ops", lambda a: 2.5 * a - 1.0 + a / 4.0, lambda a: 2.5 * a - 1.0 + a / 4.0, normal((3, 2))),
    OpSpec("rsub_rdiv", lambda a: 3.0 - 1.0 / a, lambda a: 3.0 - 1.0 / a, positive((4,))),
    OpSpec("neg", lambda a: -a, np.negative, normal((2, 3))),
    OpSpec("pow_const", lambda a: a ** 3, lambda a: a ** 3, normal((2, 3))),
    OpSpec("pow_half", lambda a: a ** 0.5, np.sqrt, positive((5,)), "positive base"),
    OpSpec("pow_tensor", lambda a, b: a ** b, np.power, positive((2, 3), (3,)), "positive base"),
    OpSpec("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, normal((4,))),
    OpSpec("square", lambda a: mg.square(a), np.square, normal((3,))),
    # elementwise math
    OpSpec("exp", mg.exp, np.exp, normal((2, 3))),
    OpSpec("log", mg.log, np.log, positive((2, 3)), "positive argument"),
    OpSpec("sqrt", mg.sqrt, np.sqrt, positive((2, 3)), "positive argument"),
    OpSpec("abs", mg.abs, np.abs, away_from_zero((2, 3)), "kink at 0"),
    OpSpec("maximum", mg.maximum, np.maximum, distinct((3, 4), (3, 4)), "ties split the gradient"),
    OpSpec("minimum_broadcast", mg.minimum, np.minimum, distinct((3, 4), (4,))),
    OpSpec("clip", lambda a: mg.clip(a, -0.55, 0.65), lambda a: np.clip(a, -0.55, 0.65),
           lambda rng: [rng.choice([-1.2, -0.3, 0.1, 0.4, 1.1], (3, 4)) + rng.uniform(-0.05, 0.05, (3, 4))],
           "values kept 0.05 away from the bounds"),
    OpSpec("clip_lower", lambda a: a.clamp(min=0.1), lambda a: np.maximum(a, 0.1), away_from_zero((6,))),
    OpSpec("where", lambda a, b: mg.where(_MASK, a, b), lambda a, b: np.where(_MASK, a, b),
           normal((3, 4), (4,))),
    # activations
    OpSpec("relu", mg.relu, lambda a: np.maximum(a, 0), away_from_zero((3, 4)), "kink at 0"),
    OpSpec("leaky_relu", lambda a: mg.leaky_relu(a, 0.2), lambda a: np.where(a > 0, a, 0.2 * a),
           away_from_zero((3, 4))),
    OpSpec("sigmoid", mg.sigmoid, lambda a: 1 / (1 + np.exp(-a)), normal((3, 4))),
    OpSpec("tanh", mg.tanh, np.tanh, normal((3, 4))),
    OpSpec("softplus", mg.softplus, lambda a: np.log1p(np.exp(a)), normal((3, 4))),
    OpSpec("softplus_beta", lambda a: mg.softplus(a, beta=2.0), lambda a: np.log1p(np.exp(2 * a)) / 2,
           normal((5,))),
    OpSpec("softmax", lambda a: mg.softmax(a, axis=-1), lambda a: _np_softmax(a, -1), normal((3, 4))),
    OpSpec("softmax_middle_axis", lambda a: mg.softmax(a, dim=1), lambda a: _np_softmax(a, 1),
           normal((2, 3, 4))),
    OpSpec("log_softmax_axis0", lambda a: mg.log_softmax(a, axis=0),
           lambda a: np.log(_np_softmax(a, 0)), normal((3, 4))),
    OpSpec("logsumexp", lambda a: mg.logsumexp(a, axis=1), lambda a: _np_logsumexp(a, 1), normal((3, 4))),
    OpSpec("logsumexp_keepdims_neg", lambda a: mg.logsumexp(a, axis=-1, keepdims=True),
           lambda a: _np_logsumexp(a, -1, True), normal((2, 3, 4))),
    OpSpec("logsumexp_all", lambda a: mg.logsumexp(a), lambda a: _np_logsumexp(a), normal((2, 3))),
    # matmul
    OpSpec("matmul_2d", lambda a, b: a @ b, np.matmul, normal((3, 4), (4, 2))),
    OpSpec("matmul_1d_1d", lambda a, b: a @ b, np.matmul, normal((4,), (4,))),
    OpSpec("matmul_2d_1d", lambda a, b: a @ b, np.matmul, normal((3, 4), (4,))),
    OpSpec("matmul_1d_2d", lambda a, b: a @ b, np.matmul, normal((4,), (4, 2))),
    OpSpec("matmul_batched", lambda a, b: a @ b, np.matmul, normal((2, 3, 4), (4, 2))),
    OpSpec("matmul_broadcast", lambda a, b: mg.matmul(a, b), np.matmul, normal((2, 1, 3, 4), (3, 4, 2))),
    # inner dimension 1 takes the broadcasting (outer product) path
    OpSpec("matmul_inner_dim_1", lambda a, b: mg.matmul(a, b), np.matmul, normal((2, 3, 1), (1, 4))),
    # linear (one node: x W^T + b), every batch layout and the inner-dimension-1 cases
    OpSpec("linear", _F.linear, lambda x, w, b: x @ w.T + b, normal((3, 4), (5, 4), (5,))),
    OpSpec("linear_no_bias", _F.linear, lambda x, w: x @ w.T, normal((3, 4), (5, 4))),
    OpSpec("linear_1d_input", _F.linear, lambda x, w, b: w @ x + b, normal((4,), (5, 4), (5,))),
    OpSpec("linear_3d_input", _F.linear, lambda x, w, b: x @ w.T + b, normal((2, 3, 4), (5, 4), (5,))),
    OpSpec("linear_one_input_feature", _F.linear, lambda x, w, b: x @ w.T + b,
           normal((3, 1), (5, 1), (5,))),
    OpSpec("linear_one_output", _F.linear, lambda x, w, b: x @ w.T + b, normal((3, 4), (1, 4), (1,))),
    OpSpec("linear_one_row", _F.linear, lambda x, w, b: x @ w.T + b, normal((1, 4), (5, 4), (5,))),
    # reductions
    OpSpec("sum_all", lambda a: a.sum(), np.sum, normal((2, 3))),
    OpSpec("sum_axis_keepdims", lambda a: a.sum(axis=1, keepdims=True),
           lambda a: a.sum(axis=1, keepdims=True), normal((2, 3, 4))),
    OpSpec("sum_axes_tuple", lambda a: a.sum(axis=(0, 2)), lambda a: a.sum(axis=(0, 2)), normal((2, 3, 4))),
    OpSpec("sum_torch_names", lambda a: a.sum(dim=-1, keepdim=True), lambda a: a.sum(-1, keepdims=True),
           normal((3, 4))),
    OpSpec("mean", lambda a: a.mean(axis=-2), lambda a: a.mean(axis=-2), normal((2, 3, 4))),
    OpSpec("var_unbiased", lambda a: a.var(axis=0), lambda a: a.var(axis=0, ddof=1), normal((4, 3))),
    OpSpec("var_biased_keepdims", lambda a: mg.var(a, axis=1, keepdims=True, correction=0),
           lambda a: a.var(axis=1, keepdims=True), normal((3, 5))),
    OpSpec("std", lambda a: a.std(), lambda a: a.std(ddof=1), normal((3, 4))),
    OpSpec("max_axis", lambda a: a.max(axis=1), lambda a: a.max(axis=1), distinct((3, 4)), "no ties"),
    OpSpec("min_keepdims_neg", lambda a: a.min(axis=-1, keepdims=True),
           lambda a: a.min(axis=-1, keepdims=True), distinct((2, 3, 4)), "no ties"),
    OpSpec("max_all", lambda a: a.max(), np.max, distinct((3, 4)), "no ties"),
    OpSpec("max_dim_values", lambda a: a.max(dim=0).values, lambda a: a.max(axis=0), distinct((3, 4))),
    # shapes
    OpSpec("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), normal((2, 3, 2))),
    OpSpec("transpose_swap", lambda a: a.transpose(0, 2), lambda a: a.swapaxes(0, 2), normal((2, 3, 4))),
    OpSpec("T", lambda a: a.T, lambda a: a.T, normal((2, 3))),
    OpSpec("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), normal((2, 3, 4))),
    OpSpec("flatten", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), normal((2, 3, 2))),
    OpSpec("squeeze_unsqueeze", lambda a: a.squeeze(1).unsqueeze(0), lambda a: a.squeeze(1)[None],
           normal((3, 1, 2))),
    OpSpec("getitem_slices", lambda a: a[1:, ::2, -1], lambda a: a[1:, ::2, -1], normal((3, 4, 2))),
    OpSpec("getitem_negative_step", lambda a: a[::-1, 1], lambda a: a[::-1, 1], normal((3, 4))),
    OpSpec("getitem_int_array_repeats", lambda a: a[_IDX], lambda a: a[_IDX], normal((3, 2)),
           "repeated indices accumulate"),
    OpSpec("getitem_bool_mask", lambda a: a[_MASK], lambda a: a[_MASK], normal((3, 4))),
    OpSpec("getitem_mixed", lambda a: a[:, _IDX[:2]], lambda a: a[:, _IDX[:2]], normal((2, 3))),
    OpSpec("concatenate", lambda a, b: mg.concatenate([a, b], axis=1),
           lambda a, b: np.concatenate([a, b], axis=1), normal((2, 3), (2, 2))),
    OpSpec("stack", lambda a, b: mg.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], axis=-1),
           normal((2, 3), (2, 3))),
    OpSpec("pad", lambda a: mg.pad(a, ((1, 0), (2, 1)), value=0.5),
           lambda a: np.pad(a, ((1, 0), (2, 1)), constant_values=0.5), normal((2, 3))),
    OpSpec("broadcast_to", lambda a: mg.broadcast_to(a, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)),
           normal((3, 1))),
    OpSpec("sum_to", lambda a: mg.sum_to(a, (3, 1)), lambda a: a.sum(axis=(0, 2), keepdims=True)[0],
           normal((2, 3, 4))),
    # convolution building blocks (an adjoint pair)
    OpSpec("im2col", lambda a: mg.im2col(a, 2, stride=1, padding=0),
           lambda a: _np_im2col(a, 2, 1, 0, 1), normal((1, 2, 3, 3))),
    OpSpec("im2col_stride_pad_dilation", lambda a: mg.im2col(a, 2, stride=2, padding=1, dilation=2),
           lambda a: _np_im2col(a, 2, 2, 1, 2), normal((2, 1, 5, 4)), tags=("big",)),
    OpSpec("col2im", lambda c: mg.col2im(c, (1, 2, 3, 3), 2, stride=1, padding=0),
           lambda c: _np_col2im(c, (1, 2, 3, 3), 2, 1, 0, 1), normal((1, 2, 2, 2, 2, 2))),
    OpSpec("col2im_stride_pad", lambda c: mg.col2im(c, (1, 1, 5, 5), 3, stride=2, padding=1),
           lambda c: _np_col2im(c, (1, 1, 5, 5), 3, 2, 1, 1), normal((1, 1, 3, 3, 3, 3))),
    # the convolution pair, each the other's backward. Batches of 4 and more
    # take the fast layer's batch-innermost layout, and one-channel kernels
    # its GEMM-first (conv) and gather-first (transposed conv) routes
    OpSpec("conv2d", lambda x, w: mg.nn.functional.conv2d(x, w),
           lambda x, w: _np_conv2d(x, w, 1, 0, 1), normal((2, 2, 4, 4), (3, 2, 2, 2))),
    OpSpec("conv2d_stride_pad", lambda x, w: mg.nn.functional.conv2d(x, w, stride=2, padding=1),
           lambda x, w: _np_conv2d(x, w, 2, 1, 1), normal((2, 2, 5, 5), (2, 2, 3, 3))),
    OpSpec("conv2d_dilation_batch_4", lambda x, w: mg.nn.functional.conv2d(x, w, padding=1, dilation=2),
           lambda x, w: _np_conv2d(x, w, 1, 1, 2), normal((4, 2, 5, 4), (2, 2, 2, 2)), tags=("big",)),
    OpSpec("conv2d_to_one_channel", lambda x, w: mg.nn.functional.conv2d(x, w, padding=1),
           lambda x, w: _np_conv2d(x, w, 1, 1, 1), normal((5, 8, 3, 3), (1, 8, 3, 3)), tags=("big",)),
    OpSpec("conv_transpose2d", lambda x, w: mg.nn.functional.conv_transpose2d(x, w),
           lambda x, w: _np_conv_transpose2d(x, w, 1, 0, 0, 1), normal((2, 2, 3, 3), (2, 3, 2, 2))),
    OpSpec("conv_transpose2d_stride_pad_output_padding",
           lambda x, w: mg.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
           lambda x, w: _np_conv_transpose2d(x, w, 2, 1, 1, 1), normal((2, 2, 3, 3), (2, 2, 3, 3))),
    OpSpec("conv_transpose2d_dilation_batch_4",
           lambda x, w: mg.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1,
                                                          dilation=2),
           lambda x, w: _np_conv_transpose2d(x, w, 2, 1, 1, 2), normal((4, 2, 3, 3), (2, 2, 2, 2)),
           tags=("big",)),
    OpSpec("conv_transpose2d_from_one_channel", lambda x, w: mg.nn.functional.conv_transpose2d(x, w),
           lambda x, w: _np_conv_transpose2d(x, w, 1, 0, 0, 1), normal((5, 1, 3, 3), (1, 4, 2, 2)),
           tags=("big",)),
    # PyTorch's Tensor methods and their functional forms (see tests/reference/test_tensor_methods.py)
    OpSpec("add_alpha", lambda a, b: a.add(b, alpha=2.5), lambda a, b: a + 2.5 * b, normal((3, 4), (4,))),
    OpSpec("sub_alpha", lambda a, b: a.sub(b, alpha=-0.5), lambda a, b: a + 0.5 * b, normal((3, 1), (3, 4))),
    OpSpec("mul_div_methods", lambda a, b: a.mul(b).div(b.mul(b) + 1.0), lambda a, b: a * b / (b * b + 1),
           normal((2, 3), (3,))),
    OpSpec("norm_default", lambda a: a.norm(), np.linalg.norm, normal((3, 4))),
    OpSpec("norm_2_dim", lambda a: a.norm(2, dim=1), lambda a: _np_norm(a, 2, 1), normal((4, 3, 2)),
           "WGAN-GP's grad.norm(2, dim=1)"),
    OpSpec("norm_fro_dims_keepdim", lambda a: mg.norm(a, "fro", dim=(0, 2), keepdim=True),
           lambda a: _np_norm(a, 2, (0, 2), True), normal((2, 3, 4))),
    OpSpec("norm_1", lambda a: a.norm(1, dim=-1), lambda a: _np_norm(a, 1, -1), away_from_zero((3, 4)),
           "kink at 0"),
    OpSpec("norm_inf", lambda a: a.norm(float("inf"), dim=0), lambda a: _np_norm(a, np.inf, 0),
           away_from_zero((3, 4)), "kink at 0; random values, so no ties in |a|"),
    OpSpec("norm_neg_inf", lambda a: a.norm(-float("inf"), dim=1), lambda a: _np_norm(a, -np.inf, 1),
           away_from_zero((3, 4))),
    OpSpec("norm_0", lambda a: a.norm(0, dim=1), lambda a: _np_norm(a, 0, 1), away_from_zero((3, 4)),
           "gradient 0"),
    OpSpec("norm_3", lambda a: a.norm(3, dim=(0, 2)), lambda a: _np_norm(a, 3, (0, 2)), normal((2, 3, 4))),
    OpSpec("norm_1_5", lambda a: a.norm(1.5), lambda a: _np_norm(a, 1.5), away_from_zero((5,))),
    OpSpec("norm_half", lambda a: a.norm(0.5, dim=1), lambda a: _np_norm(a, 0.5, 1), away_from_zero((2, 3))),
    OpSpec("norm_neg_1", lambda a: a.norm(-1, dim=1), lambda a: _np_norm(a, -1, 1), away_from_zero((2, 3))),
    OpSpec("vector_norm", lambda a: mg.vector_norm(a, 4, dim=-1, keepdim=True),
           lambda a: _np_norm(a, 4, -1, True), normal((3, 4))),
    OpSpec("sign", lambda a: a.sign() * a, lambda a: np.sign(a) * a, away_from_zero((3, 4)),
           "sign's own gradient is 0"),
    OpSpec("log1p", mg.log1p, np.log1p, positive((3, 4), lo=-0.5, hi=2.0), "argument above -1"),
    OpSpec("expm1", lambda a: a.expm1(), np.expm1, normal((3, 4))),
    OpSpec("erf", mg.erf, _np_erf, normal((3, 4))),
    OpSpec("rsqrt", lambda a: a.rsqrt(), lambda a: 1 / np.sqrt(a), positive((3, 4)), "positive argument"),
    OpSpec("lerp_scalar", lambda a, b: a.lerp(b, 0.3), lambda a, b: a + 0.3 * (b - a), normal((3, 4), (4,))),
    OpSpec("lerp_tensor_weight", mg.lerp, lambda a, b, w: a + w * (b - a), normal((3, 4), (3, 4), (4,))),
    OpSpec("clamp_min", lambda a: a.clamp_min(0.1), lambda a: np.maximum(a, 0.1), away_from_zero((3, 4))),
    OpSpec("clamp_max_tensor", mg.clamp_max, np.minimum, distinct((3, 4), (4,)), "no ties"),
    OpSpec("chunk", lambda a: mg.cat([c * (i + 1.0) for i, c in enumerate(a.chunk(3, dim=1))], 1),
           lambda a: np.concatenate([c * (i + 1.0) for i, c in enumerate(np.split(a, [3, 6], 1))], 1),
           normal((2, 7)), "chunks of 3, 3, 1, each scaled differently"),
    OpSpec("split_sizes", lambda a: a.split([1, 3], dim=-1)[1] * a.split(2)[0].sum(),
           lambda a: a[..., 1:] * a[:2].sum(), normal((3, 4))),
    OpSpec("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), normal((3, 2))),
    OpSpec("t", lambda a: a.t(), lambda a: a.T, normal((2, 3))),
    OpSpec("as_shapes", lambda a: a.expand_as(mg.zeros(2, 3, 4)).reshape_as(mg.zeros(6, 4)).view_as(
        mg.zeros(4, 6)), lambda a: np.broadcast_to(a, (2, 3, 4)).reshape(4, 6), normal((3, 1))),
    OpSpec("elu", _F.elu, _np_elu, away_from_zero((3, 4)), "second derivative jumps at 0"),
    OpSpec("elu_alpha", lambda a: _F.elu(a, alpha=0.5), lambda a: _np_elu(a, 0.5), away_from_zero((3, 4))),
    OpSpec("silu", _F.silu, lambda a: a / (1 + np.exp(-a)), normal((3, 4))),
    OpSpec("gelu", _F.gelu, _np_gelu, normal((3, 4))),
    OpSpec("gelu_tanh", lambda a: _F.gelu(a, approximate="tanh"), _np_gelu_tanh, normal((3, 4))),
    # PyTorch's indexing, ordering and scan ops (minigan.compat.indexing), its elementwise
    # additions (compat.elementwise) and named products (compat.linalg)
    OpSpec("contiguous_of_transpose", lambda a: a.t().contiguous() * 2.0, lambda a: a.T * 2.0, normal((3, 4))),
    OpSpec("cumsum", lambda a: a.cumsum(1), lambda a: np.cumsum(a, 1), normal((3, 4))),
    OpSpec("cumsum_neg_dim", lambda a: mg.cumsum(a, dim=-3), lambda a: np.cumsum(a, 0), normal((2, 3, 2))),
    OpSpec("prod_all", lambda a: a.prod(), np.prod, away_from_zero((2, 3), margin=0.5)),
    OpSpec("prod_dim", lambda a: a.prod(1), lambda a: np.prod(a, 1), away_from_zero((3, 4), margin=0.5),
           "second derivatives are exact only away from zeros"),
    OpSpec("prod_with_zeros", lambda a: a.prod(1) + a.prod(),
           lambda a: np.prod(a, 1) + np.prod(a), _with_zeros((3, 4), [(0, 1), (1, 0), (1, 2)]),
           "one zero in row 0, two in row 1: exact gradients and gradients of gradients there"),
    OpSpec("prod_keepdim", lambda a: mg.prod(a, -1, keepdim=True), lambda a: np.prod(a, -1, keepdims=True),
           away_from_zero((2, 3), margin=0.5)),
    OpSpec("flip", lambda a: a.flip(0, 2) * mg.arange(4, device=a.device), lambda a: a[::-1, :, ::-1] * np.arange(4.0),
           normal((2, 3, 4))),
    OpSpec("roll", lambda a: a.roll((1, -2), (0, 1)) * mg.arange(4, device=a.device), lambda a: np.roll(a, (1, -2), (0, 1))
           * np.arange(4.0), normal((3, 4))),
    OpSpec("roll_flat", lambda a: mg.roll(a, 5) * mg.arange(4, device=a.device), lambda a: np.roll(a, 5) * np.arange(4.0),
           normal((3, 4))),
    OpSpec("gather", lambda a: a.gather(1, mg.tensor([[0, 0, 3], [2, 1, 2]], device=a.device)),
           lambda a: np.take_along_axis(a, np.array([[0, 0, 3], [2, 1, 2]]), 1), normal((2, 4)),
           "repeated indices: the gradient adds up"),
    OpSpec("index_select", lambda a: a.index_select(0, mg.tensor([2, 0, 2], device=a.device)), lambda a: a[[2, 0, 2]],
           normal((3, 2))),
    OpSpec("masked_fill", lambda a: a.masked_fill(mg.tensor([True, False, True, False], device=a.device), -1.5) * a,
           lambda a: np.where([True, False, True, False], -1.5, a) * a, normal((3, 4))),
    OpSpec("masked_fill_tensor_value", lambda a, v: a.masked_fill(mg.tensor([[True], [False]], device=a.device), v.sum()),
           lambda a, v: np.where([[True], [False]], v.sum(), a), normal((2, 3), (2,))),
    OpSpec("tensor_where", lambda a, b: a.where(a > 0, b), lambda a, b: np.where(a > 0, a, b),
           away_from_zero((3, 4), (4,))),
    OpSpec("mm", mg.mm, np.matmul, normal((3, 4), (4, 2))),
    OpSpec("bmm", lambda a, b: a.bmm(b), np.matmul, normal((2, 3, 4), (2, 4, 2))),
    OpSpec("outer", mg.outer, np.outer, normal((3,), (4,))),
    OpSpec("tile", lambda a: a.tile((2,)), lambda a: np.tile(a, 2), normal((2, 3))),
    OpSpec("repeat_interleave", lambda a: a.repeat_interleave(mg.tensor([1, 0, 3], device=a.device), dim=1),
           lambda a: np.repeat(a, [1, 0, 3], 1), normal((2, 3))),
    OpSpec("repeat_interleave_flat", lambda a: mg.repeat_interleave(a, 2), lambda a: np.repeat(a, 2),
           normal((2, 3))),
    OpSpec("unbind", lambda a: mg.stack([u * (i + 1.0) for i, u in enumerate(a.unbind(1))]),
           lambda a: np.stack([a[:, i] * (i + 1.0) for i in range(a.shape[1])]), normal((2, 3))),
    OpSpec("narrow_select", lambda a: a.narrow(1, -3, 2).select(0, -1), lambda a: a[-1, 1:3], normal((3, 4))),
    OpSpec("movedim", lambda a: a.movedim((0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)),
           normal((2, 3, 4))),
    OpSpec("unflatten", lambda a: a.unflatten(1, (2, -1)), lambda a: a.reshape(3, 2, 3), normal((3, 6))),
    OpSpec("rounding", lambda a: a.floor() * a + a.ceil() * a + a.round() * a + a.trunc() * a,
           lambda a: (np.floor(a) + np.ceil(a) + np.round(a) + np.trunc(a)) * a, positive((3, 4), lo=0.1, hi=0.4),
           "their own gradient is 0; away from integers and halves"),
    OpSpec("frac", lambda a: a.frac(), lambda a: a - np.trunc(a), positive((3, 4), lo=1.1, hi=1.9)),
    OpSpec("reciprocal", lambda a: a.reciprocal(), lambda a: 1 / a, away_from_zero((3, 4), margin=0.5)),
    OpSpec("sin", lambda a: a.sin(), np.sin, normal((3, 4))),
    OpSpec("cos", mg.cos, np.cos, normal((3, 4))),
    OpSpec("nan_to_num_finite", lambda a: a.nan_to_num() * a, lambda a: a * a, normal((3, 4))),
    OpSpec("sort_values", lambda a: a.sort(1, descending=True).values, lambda a: -np.sort(-a, 1),
           distinct((3, 4)), "no ties"),
    OpSpec("topk_values", lambda a: mg.topk(a, 2, dim=0, largest=False).values, lambda a: np.sort(a, 0)[:2],
           distinct((4, 3)), "no ties"),
    OpSpec("tril_triu", lambda a: a.tril(-1) + mg.triu(a, 1) * 2.0,
           lambda a: np.tril(a, -1) + np.triu(a, 1) * 2.0, normal((2, 3, 4))),
    OpSpec("diag_1d", lambda a: mg.diag(a, 1), lambda a: np.diag(a, 1), normal((3,))),
    OpSpec("diag_2d", lambda a: a.diag(-1), lambda a: np.diag(a, -1), normal((4, 3))),
    OpSpec("einsum_matmul", lambda a, b: mg.einsum("ij,jk->ik", a, b), np.matmul, normal((3, 4), (4, 2))),
    OpSpec("einsum_batch_trace_like", lambda a, b, c: mg.einsum("bij,bj,k->bik", a, b, c),
           lambda a, b, c: np.einsum("bij,bj,k->bik", a, b, c), normal((2, 3, 4), (2, 4), (2,))),
    OpSpec("einsum_sum_and_implicit", lambda a, b: mg.einsum("ij,kj", a, b) + mg.einsum("ij->", a),
           lambda a, b: a @ b.T + a.sum(), normal((2, 3), (4, 3))),
    OpSpec("einsum_trace_diagonal", lambda a, b: mg.einsum("ii", a) * mg.einsum("iij,j->i", b, a[0]),
           lambda a, b: np.trace(a) * np.einsum("iij,j->i", b, a[0]), normal((3, 3), (3, 3, 3))),
    OpSpec("einsum_ellipsis_broadcast", lambda a, b: mg.einsum("...ij,...jk->...ik", a, b),
           np.matmul, normal((2, 1, 3, 4), (3, 4, 2))),
    # batch norm: one node (minigan.ops.normalization), batch or fixed statistics
    OpSpec("batch_norm_train",
           lambda x, w, b: mg.nn.functional.batch_norm(x, None, None, w, b, training=True),
           _np_batch_norm, normal((4, 3, 2, 2), (3,), (3,))),
    OpSpec("batch_norm_eval", _bn_eval, lambda x, w, b: _np_batch_norm(x, w, b, _BN_MEAN, _BN_VAR),
           normal((3, 3, 2), (3,), (3,))),
]
