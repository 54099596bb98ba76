"""Assignment 4: convolution by im2col, and its adjoint (minigan/ops/conv.py).

* 4.1 _im2col_array and _col2im_array: the columns, and their adjoint
* 4.2 Conv2dFn: forward as one matrix product, backward with conv_transpose2d
* 4.3 ConvTranspose2dFn: forward by col2im, backward with conv2d

Each backward is the other op: so both are twice differentiable for free.
"""
import numpy as np
import pytest
from _reference import conv2d, conv_transpose2d

from minigan.homework.harness import student

lib = student("minigan", instance="4")
RNG = np.random.default_rng(4)


def _im2col(mg, x, k, s, p, d, c):
    """im2col(x), col2im(c) and the gradient of <im2col(x), c> with respect to x."""
    xt = mg.tensor(x, requires_grad=True)
    cols = mg.ops.im2col(xt, k, s, p, d)
    (gx,) = mg.grad(cols, xt, grad_outputs=mg.tensor(c))
    back = mg.ops.col2im(mg.tensor(c), x.shape, k, s, p, d)
    return cols.detach().numpy(), back.detach().numpy(), gx.detach().numpy()


def _conv(mg, transposed, x, w, s, p, v, U):
    """y = conv(x, W); dx, dW for upstream v; then d<dx, U>/dW."""
    F = mg.nn.functional
    xt, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    if transposed:
        y = F.conv_transpose2d(xt, wt, stride=s, padding=p)
    else:
        y = F.conv2d(xt, wt, stride=s, padding=p)
    gx, gw = mg.grad(y, [xt, wt], grad_outputs=mg.tensor(v), create_graph=True)
    (gxw,) = mg.grad(gx, wt, grad_outputs=mg.tensor(U))
    return y.detach().numpy(), gx.detach().numpy(), gw.detach().numpy(), gxw.detach().numpy()


def _im2col_reference(x, k, s, p, d):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh, ow = (h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1
    cols = np.zeros((n, c, k, k, oh, ow))
    for i in range(k):
        for j in range(k):
            for a in range(oh):
                for b in range(ow):
                    cols[:, :, i, j, a, b] = xp[:, :, a * s + i * d, b * s + j * d]
    return cols


def _col2im_reference(cols, shape, k, s, p, d):
    n, c, h, w = shape
    out = np.zeros((n, c, h + 2 * p, w + 2 * p))
    for i in range(k):
        for j in range(k):
            for a in range(cols.shape[4]):
                for b in range(cols.shape[5]):
                    out[:, :, a * s + i * d, b * s + j * d] += cols[:, :, i, j, a, b]
    return out[:, :, p:p + h, p:p + w]


@pytest.mark.task("4.1", points=2)
@pytest.mark.parametrize("k, s, p, d", [(3, 1, 0, 1), (3, 2, 1, 1), (2, 2, 0, 1), (3, 1, 2, 2)],
                         ids=["3x3", "stride-2-pad-1", "2x2-stride-2", "dilation-2-pad-2"])
def test_im2col_and_col2im(k, s, p, d):
    x = RNG.standard_normal((2, 3, 6, 5))
    cols_ref = _im2col_reference(x, k, s, p, d)
    c = RNG.standard_normal(cols_ref.shape)
    cols, back, gx = lib.run(_im2col, x, k, s, p, d, c)
    np.testing.assert_allclose(cols, cols_ref, rtol=1e-12, err_msg="im2col: the columns")
    back_ref = _col2im_reference(c, x.shape, k, s, p, d)
    np.testing.assert_allclose(back, back_ref, rtol=1e-12, atol=1e-12,
                               err_msg="col2im: overlaps must add up, the padding is dropped")
    np.testing.assert_allclose(gx, back_ref, rtol=1e-12, atol=1e-12,
                               err_msg="im2col's gradient is col2im (its adjoint)")


CASES = [(5, 1, 0), (5, 2, 1), (6, 2, 1)]
IDS = ["5x5-stride-1", "5x5-stride-2-pad-1", "6x6-stride-2-pad-1 (a row no window reaches)"]


def _conv_weight_grad(x, v, k, s, p):
    """dW[o, c, i, j] = sum_{n, a, b} v[n, o, a, b] x_pad[n, c, a s + i, b s + j]."""
    cols = _im2col_reference(x, k, s, p, 1)
    return np.einsum("noab,ncijab->ocij", v, cols)


@pytest.mark.task("4.2", points=3)
@pytest.mark.parametrize("h, s, p", CASES, ids=IDS)
def test_conv2d_forward_backward_and_second_derivative(h, s, p):
    x, w = RNG.standard_normal((2, 2, h, h)), RNG.standard_normal((3, 2, 3, 3))
    y_ref = conv2d(x, w, s, p)
    v, U = RNG.standard_normal(y_ref.shape), RNG.standard_normal(x.shape)
    y, gx, gw, gxw = lib.run(_conv, False, x, w, s, p, v, U)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12, err_msg="conv2d forward")
    extra = h - ((y_ref.shape[2] - 1) * s - 2 * p + 3)  # rows no window's last tap reaches
    gx_ref = conv_transpose2d(v, w, s, p, output_padding=extra)
    assert gx.shape == x.shape, f"dx has shape {gx.shape}, expected {x.shape}"
    np.testing.assert_allclose(gx, gx_ref, rtol=1e-10, atol=1e-12,
                               err_msg="dx = conv_transpose2d(g, W)")
    np.testing.assert_allclose(gw, _conv_weight_grad(x, v, 3, s, p), rtol=1e-10, atol=1e-12,
                               err_msg="dW = sum_n g[n] @ cols(x)[n]^T")
    # <dx, U> = <conv_transpose2d(v, W), U> = <v, conv2d(U, W)>: its W-gradient is dW with x -> U
    np.testing.assert_allclose(gxw, _conv_weight_grad(U, v, 3, s, p), rtol=1e-10, atol=1e-12,
                               err_msg="second derivative d<dx, U>/dW: is dx made with ops?")


@pytest.mark.task("4.3", points=3)
@pytest.mark.parametrize("h, s, p", [(3, 1, 0), (3, 2, 1), (4, 2, 1)],
                         ids=["3x3-stride-1", "3x3-stride-2-pad-1", "4x4-stride-2-pad-1"])
def test_conv_transpose2d_forward_backward_and_second_derivative(h, s, p):
    x, w = RNG.standard_normal((2, 3, h, h)), RNG.standard_normal((3, 2, 4, 4))
    y_ref = conv_transpose2d(x, w, s, p)
    v, U = RNG.standard_normal(y_ref.shape), RNG.standard_normal(x.shape)
    y, gx, gw, gxw = lib.run(_conv, True, x, w, s, p, v, U)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12, err_msg="conv_transpose2d forward")
    # conv_transpose2d(., W) is the adjoint of conv2d(., W^T-swapped): dx = conv2d(g, W)
    gx_ref = conv2d(v, w, s, p)  # W (C_in, C_out, k, k) read as conv2d's (O, C, k, k)
    np.testing.assert_allclose(gx, gx_ref, rtol=1e-10, atol=1e-12, err_msg="dx = conv2d(g, W)")
    gw_ref = np.einsum("ncab,noijab->coij", x, _im2col_reference(v, 4, s, p, 1))
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-10, atol=1e-12,
                               err_msg="dW = sum_n x[n] @ cols(g)[n]^T")
    gxw_ref = np.einsum("ncab,noijab->coij", U, _im2col_reference(v, 4, s, p, 1))
    np.testing.assert_allclose(gxw, gxw_ref, rtol=1e-10, atol=1e-12,
                               err_msg="second derivative d<dx, U>/dW: is dx made with ops?")
