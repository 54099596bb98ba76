"""Matrix product ``a @ b`` for 1-D, 2-D and batched (broadcast) operands."""
from __future__ import annotations

from ..autograd.function import Function
from ..errors import ShapeError
from ._operands import binary_operands
from .reduce import vector_norm  # noqa: F401 - minigan.linalg.vector_norm, as torch.linalg
from .shape import reshape, sum_to, swapaxes


class MatMul(Function):
    """y = a @ b for a, b with ndim >= 2 (batch axes broadcast);
    da = g @ b^T, db = a^T @ g, each summed back over broadcast batch axes."""

    def forward(self, a, b):
        xp = self.xp
        if a.shape[-1] == 1:
            # an outer product (the backward of a Linear(., 1) head, or of a
            # 1-channel conv): OpenBLAS runs inner dimension 1 at ~1 GFLOP/s,
            # broadcasting runs it at memory speed
            return xp.multiply(a, b)
        if (a.ndim > 2 or b.ndim > 2) and all(s == 1 for s in a.shape[:-2] + b.shape[:-2]):
            # a single product in a stack of one: plain 2-D BLAS, which takes
            # transposed operands for free
            lead = (1,) * (max(a.ndim, b.ndim) - 2)
            y = xp.matmul(a.reshape(a.shape[-2:]), b.reshape(b.shape[-2:]))
            return y.reshape(lead + y.shape)
        if a.ndim > 2 or b.ndim > 2:
            # NumPy sends stacked products whose matrices BLAS cannot take
            # down a loop ~10x slower than BLAS: copy those first
            a, b = _blas_ready(self.xp, a), _blas_ready(self.xp, b)
        return self.xp.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        # An operand that is a transposed view (Linear's W^T) gets its
        # gradient as the transpose of a product laid out like its base, so
        # the weight gradient arrives contiguous, not as a strided view
        if need_a:
            if _transposed_2d(a, b):
                ga = swapaxes(matmul(b, swapaxes(g, -1, -2)), -1, -2)
            else:
                ga = sum_to(matmul(g, swapaxes(b, -1, -2)), a.shape)
        if need_b:
            if _transposed_2d(b, a):
                gb = swapaxes(matmul(swapaxes(g, -1, -2), a), -1, -2)
            else:
                gb = sum_to(matmul(swapaxes(a, -1, -2), g), b.shape)
        return ga, gb


def _transposed_2d(m, other):
    arr = m._data
    return (arr.ndim == 2 and other.ndim == 2 and arr.flags.f_contiguous
            and not arr.flags.c_contiguous)


def _blas_ready(xp, m):
    """m, or a C-contiguous copy of m if its matrices are not BLAS operands.
    BLAS takes a matrix whose rows or whose columns are contiguous (a
    transposed view is free); a view with no unit stride, such as a
    batch-innermost ("cln") conv output seen as (B, C, N), is not one."""
    if m.ndim <= 2 or m.flags.c_contiguous:
        return m
    (rows, cols), (s_row, s_col), size = m.shape[-2:], m.strides[-2:], m.itemsize
    if (s_col == size and s_row >= cols * size) or (s_row == size and s_col >= rows * size):
        return m
    return xp.ascontiguousarray(m)


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
    y = MatMul()(a2, b2)
    if a.ndim == 1:
        y = reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        y = reshape(y, y.shape[:-1])
    return y
