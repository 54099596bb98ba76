"""Matrix product ``a @ b`` for 1-D, 2-D and batched (broadcast) operands,
and ``x W^T + b`` as one node (PyTorch's mm / bmm / outer / einsum are in
:mod:`minigan.compat.linalg`)."""
from __future__ import annotations

from ..autograd.function import Function
from ..errors import ShapeError
from ._operands import binary_operands
from .reduce import sum as _sum
from .reduce import vector_norm  # noqa: F401 - minigan.linalg.vector_norm, as torch.linalg
from .shape import reshape, sum_to, swapaxes


class MatMulFn(Function):
    """y = a @ b for a, b with ndim >= 2 (batch axes broadcast);
    da = g @ b^T, db = a^T @ g, each summed back over broadcast batch axes."""
    saved_for = ((1,), (0,))

    def forward(self, a, b):
        return self.xp.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = sum_to(matmul(g, swapaxes(b, -1, -2)), a.shape) if need_a else None
        gb = sum_to(matmul(swapaxes(a, -1, -2), g), b.shape) if need_b else None
        return ga, gb


class LinearFn(Function):
    """y = x W^T + b: x (*, in), W (out, in), b (out,) or no bias -> (*, out).
    One node where ``x @ W.t() + b`` would be three (transpose, matmul,
    add): one product on x seen as (M, in), M = prod(*). With g seen as (M, out):

        dx = g W,    dW = g^T x,    db = sum over the M rows of g

    dW comes out (out, in), as W is, for the optimizer, and dx in x's own
    layout: a 2-D x that is a transposed view (a flattened batch-innermost
    conv output) gets dx = (W^T g^T)^T, so that a gradient penalty's
    recorded backward keeps the layers before it in their memory order."""

    def forward(self, x, w, *bias):
        y = self.xp.matmul(x.reshape(-1, x.shape[-1]), w.T)
        if bias:
            y += bias[0]
        return y.reshape(x.shape[:-1] + w.shape[:1])

    def backward(self, g):
        x, w = self.inputs[:2]
        need_x, need_w = self.needs_input_grad[:2]
        with_bias = len(self.needs_input_grad) == 3
        g2 = reshape(g, -1, w.shape[0])
        gx = None
        if need_x and _column_major(x._data):
            gx = swapaxes(matmul(swapaxes(w, 0, 1), swapaxes(g2, 0, 1)), 0, 1)
        elif need_x:
            gx = reshape(matmul(g2, w), x.shape)
        gw = matmul(swapaxes(g2, 0, 1), reshape(x, -1, w.shape[1])) if need_w else None
        if not with_bias:
            return gx, gw
        return gx, gw, (_sum(g2, axis=0) if self.needs_input_grad[2] else None)


def linear(x, w, b=None):
    """x W^T + b as one node (:class:`LinearFn`); ``nn.functional.linear``
    checks the arguments."""
    return LinearFn()(x, w) if b is None else LinearFn()(x, w, b)


def _column_major(arr):
    """Whether a 2-D array is a transposed view (F- but not C-contiguous)."""
    return arr.ndim == 2 and arr.flags.f_contiguous and not arr.flags.c_contiguous


def matmul(a, b):
    a, b = binary_operands("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both operands need at least one dimension "
                         f"(got shapes {a.shape} and {b.shape}); use * for scalars")
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} do not match: the last axis of "
                         f"the first ({a.shape[-1]}) must equal the "
                         f"{'only' if b.ndim == 1 else 'second-to-last'} axis of the second "
                         f"({b.shape[0 if b.ndim == 1 else -2]})")
    a2 = reshape(a, 1, a.shape[0]) if a.ndim == 1 else a
    b2 = reshape(b, b.shape[0], 1) if b.ndim == 1 else b
    y = MatMulFn()(a2, b2)
    if a.ndim == 1:
        y = reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        y = reshape(y, y.shape[:-1])
    return y

