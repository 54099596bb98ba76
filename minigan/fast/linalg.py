"""Fast matrix products: BLAS-friendly operands and layouts.

* :func:`gemm`: a @ b on arrays, an outer product by broadcasting when the
  inner dimension is 1 (the backward of a Linear(., 1) head, or of a
  1-channel conv), which OpenBLAS runs at ~1 GFLOP/s and broadcasting at
  memory speed.
* MatMul forward: a single product in a stack of one runs as a plain 2-D
  BLAS call (which takes transposed operands for free), and stacked operands
  whose matrices BLAS cannot take are copied first (NumPy would send them
  down a loop ~10x slower than BLAS). Its backward (no graph recorded) gives
  an operand that is a transposed view (a W^T) its gradient as the
  transpose of a product laid out like its base, so that gradient arrives
  contiguous, not as a strided view.
* Linear forward with :func:`gemm` and the bias added in place; its backward
  (no graph recorded) on arrays, dx in x's own layout: a 2-D x that is a
  transposed view (a flattened batch-innermost conv output) gets
  dx = (W^T g^T)^T, so the layers before it keep their fast memory order.
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops.linalg import _column_major
from . import register


def gemm(xp, a, b):
    """a @ b on arrays; an outer product by broadcasting when the inner dimension is 1."""
    return xp.multiply(a, b) if a.shape[-1] == 1 else xp.matmul(a, b)


def _matmul_forward(fn, a, b):
    xp = fn.xp
    if a.shape[-1] == 1:
        return xp.multiply(a, b)  # see gemm()
    if (a.ndim > 2 or b.ndim > 2) and all(s == 1 for s in a.shape[:-2] + b.shape[:-2]):
        lead = (1,) * (max(a.ndim, b.ndim) - 2)
        y = xp.matmul(a.reshape(a.shape[-2:]), b.reshape(b.shape[-2:]))
        return y.reshape(lead + y.shape)
    if a.ndim > 2 or b.ndim > 2:
        a, b = _blas_ready(xp, a), _blas_ready(xp, b)
    return xp.matmul(a, b)


def _matmul_backward(fn, g):
    from ..ops.linalg import matmul
    from ..ops.shape import sum_to, swapaxes

    a, b = fn.inputs
    need_a, need_b = fn.needs_input_grad
    ga = gb = None
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


def _linear_forward(fn, x, w, *bias):
    y = gemm(fn.xp, x.reshape(-1, x.shape[-1]), w.T)
    if bias:
        y += bias[0]
    return y.reshape(x.shape[:-1] + w.shape[:1])


def _linear_backward(fn, g):
    x, w = fn.inputs[:2]
    need_x, need_w = fn.needs_input_grad[:2]
    need_b = len(fn.needs_input_grad) == 3 and fn.needs_input_grad[2]
    out, inp = w.shape
    gx = gw = gb = None
    xp, g2 = fn.xp, g._data.reshape(-1, out)
    if need_x and _column_major(x._data):
        gx = Tensor._wrap(gemm(xp, w._data.T, g2.T).T)
    elif need_x:
        gx = Tensor._wrap(gemm(xp, g2, w._data).reshape(x.shape))
    if need_w:
        gw = Tensor._wrap(gemm(xp, g2.T, x._data.reshape(-1, inp)))
    if need_b:
        gb = Tensor._wrap(g2.sum(axis=0))
    return (gx, gw) + ((gb,) if len(fn.needs_input_grad) == 3 else ())


def _transposed_2d(m, other):
    return other.ndim == 2 and _column_major(m._data)


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


def _register():
    from ..ops.linalg import LinearFn, MatMulFn

    register(MatMulFn, forward=_matmul_forward, backward=_matmul_backward)
    register(LinearFn, forward=_linear_forward, backward=_linear_backward)


_register()
