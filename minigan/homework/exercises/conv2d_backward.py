"""Exercise: the backward pass of a 2-D convolution, in NumPy, via im2col/col2im.

Mirrors ``minigan.ops.conv`` (``im2col``/``col2im``) and
``minigan.nn.functional.conv2d``. The forward pass is given; you write the
backward pass.

Shapes (PyTorch's): x (N, C, H, W), W (O, C, kh, kw), y (N, O, OH, OW) with

    OH = floor((H + 2 p - kh) / s) + 1        (OW likewise)

im2col gathers every receptive field into a column,

    cols[n, c, i, j, oh, ow] = x_pad[n, c, oh*s + i, ow*s + j],

so the convolution is one matrix product over the (c, i, j) axes:

    y[n, o, oh, ow] = sum_{c, i, j} W[o, c, i, j] cols[n, c, i, j, oh, ow].

col2im is the adjoint (transpose) of im2col: it scatters columns back onto
the image, *adding* where receptive fields overlap.
"""
from __future__ import annotations

import numpy as np


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """PyTorch's output-size rule (no dilation)."""
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """(N, C, H, W) -> (N, C, kh, kw, OH, OW): every receptive field as a column."""
    n, c, h, w = x.shape
    oh, ow = output_size(h, kh, stride, padding), output_size(w, kw, stride, padding)
    if oh < 1 or ow < 1:
        raise ValueError(f"im2col: kernel {kh}x{kw} does not fit the input {h}x{w} "
                         f"with padding {padding}")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + stride * (oh - 1) + 1:stride,
                                  j:j + stride * (ow - 1) + 1:stride]
    return cols


def col2im(cols: np.ndarray, x_shape, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The adjoint of :func:`im2col`: (N, C, kh, kw, OH, OW) -> (N, C, H, W),
    summing the contributions of overlapping receptive fields."""
    n, c, h, w = x_shape
    _, _, kh, kw, oh, ow = cols.shape
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + stride * (oh - 1) + 1:stride,
                j:j + stride * (ow - 1) + 1:stride] += cols[:, :, i, j]
    return out[:, :, padding:padding + h, padding:padding + w]


def conv2d_forward(x: np.ndarray, W: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """y = conv2d(x, W) (no bias): im2col, then one GEMM over (C kh kw)."""
    _check_shapes(x, W)
    o, c, kh, kw = W.shape
    cols = im2col(x, kh, kw, stride, padding)                 # (N, C, kh, kw, OH, OW)
    y = np.tensordot(W, cols, axes=([1, 2, 3], [1, 2, 3]))     # (O, N, OH, OW)
    return y.transpose(1, 0, 2, 3)


def conv2d_backward(x: np.ndarray, W: np.ndarray, grad_out: np.ndarray, stride: int = 1,
                    padding: int = 0):
    """Gradients of a loss L through y = conv2d(x, W, stride, padding).

    Given grad_out = dL/dy of shape (N, O, OH, OW), return (grad_x, grad_W)
    with the shapes of x and W. With cols = im2col(x):

        grad_W[o, c, i, j]          = sum_{n, oh, ow} grad_out[n, o, oh, ow] cols[n, c, i, j, oh, ow]
        grad_cols[n, c, i, j, oh, ow] = sum_o W[o, c, i, j] grad_out[n, o, oh, ow]
        grad_x                      = col2im(grad_cols)

    (both are GEMMs; col2im is the adjoint of im2col, so it sums the
    gradient of every receptive field a pixel belongs to).
    """
    _check_shapes(x, W)
    o, c, kh, kw = W.shape
    expect = (x.shape[0], o, output_size(x.shape[2], kh, stride, padding),
              output_size(x.shape[3], kw, stride, padding))
    if grad_out.shape != expect:
        raise ValueError(f"conv2d_backward: grad_out has shape {grad_out.shape}, expected {expect} "
                         f"(the output shape for x {x.shape}, W {W.shape}, stride {stride}, "
                         f"padding {padding})")
    # TASK: conv2d_backward -- grad_x and grad_W from grad_out, with im2col and col2im
    ### BEGIN SOLUTION
    cols = im2col(x, kh, kw, stride, padding)                            # (N, C, kh, kw, OH, OW)
    grad_W = np.tensordot(grad_out, cols, axes=([0, 2, 3], [0, 4, 5]))  # (O, C, kh, kw)
    grad_cols = np.tensordot(W, grad_out, axes=([0], [1]))              # (C, kh, kw, N, OH, OW)
    grad_x = col2im(grad_cols.transpose(3, 0, 1, 2, 4, 5), x.shape, stride, padding)
    return grad_x, grad_W
    ### END SOLUTION


def _check_shapes(x, W):
    if x.ndim != 4 or W.ndim != 4:
        raise ValueError(f"conv2d: expected x (N, C, H, W) and W (O, C, kh, kw), got shapes "
                         f"{x.shape} and {W.shape}")
    if x.shape[1] != W.shape[1]:
        raise ValueError(f"conv2d: x has {x.shape[1]} channels but W expects {W.shape[1]} "
                         f"(x {x.shape}, W {W.shape})")
