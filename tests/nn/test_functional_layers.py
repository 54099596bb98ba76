"""Linear, activations, dropout, pooling, upsampling, padding, shape layers and
losses, in module and functional form: forward against NumPy, gradcheck and
gradgradcheck (float64), float32 kept, clear errors."""
import math
import warnings

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F


def t64(rng, *shape, requires_grad=True):
    return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, requires_grad=requires_grad)


def arr(t):
    return np.asarray(t.detach())


# --------------------------------------------------------------------- linear
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_shape", [(), (1,), (4,), (2, 3)])
def test_linear_forward_and_gradients(batch_shape, bias):
    rng = np.random.default_rng(0)
    m = nn.Linear(5, 3, bias=bias).double()
    x = t64(rng, *batch_shape, 5)
    expected = arr(x) @ arr(m.weight).T + (arr(m.bias) if bias else 0)
    np.testing.assert_allclose(arr(m(x)), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(F.linear(x, m.weight, m.bias)), expected, rtol=1e-12, atol=1e-12)
    params = (m.weight, m.bias) if bias else (m.weight,)
    assert mg.gradcheck(lambda x, *p: m(x), (x,) + params)
    assert mg.gradgradcheck(lambda x, *p: m(x), (x,) + params)


def test_linear_default_init_and_repr():
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = arr(m.weight)
    assert m.weight.shape == (300, 400) and m.weight.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.std(w) == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.abs(arr(m.bias)).max() <= bound and np.abs(arr(m.bias)).max() > 0.9 * bound
    assert repr(m) == "Linear(in_features=400, out_features=300, bias=True)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    assert nn.Linear(2, 3, dtype=mg.float64).weight.dtype == np.float64


def test_linear_errors_and_float32():
    m = nn.Linear(4, 2)
    with pytest.raises(ValueError, match=r"Linear: expected input with last dimension 4 \(in_features\), got input shape \(3, 5\)"):
        m(mg.randn(3, 5))
    with pytest.raises(TypeError, match="linear: expected a floating-point input, got dtype int64"):
        m(mg.arange(8).reshape(2, 4))
    with pytest.raises(TypeError, match="input has dtype float64 but weight has dtype float32"):
        m(mg.randn(2, 4, dtype=mg.float64))
    with pytest.raises(ValueError, match="out_features must be a non-negative int"):
        nn.Linear(4, -1)
    x = mg.randn(3, 4, requires_grad=True)
    y = m(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == m.weight.grad.dtype == m.bias.grad.dtype == np.float32


def test_linear_is_one_node_with_a_contiguous_weight_gradient():
    """x W^T + b records one Linear node (not transpose, matmul and add), and
    W's gradient arrives (out, in) and C-contiguous, as W is."""
    from minigan.ops.linalg import LinearFn

    m = nn.Linear(4, 3)
    y = m(mg.randn(5, 4, requires_grad=True))
    assert isinstance(y.grad_fn, LinearFn) and all(t.grad_fn is None for t in y.grad_fn._inputs)
    y.sum().backward()
    assert m.weight.grad.shape == (3, 4) and m.weight.grad._data.flags.c_contiguous
    np.testing.assert_allclose(arr(m.bias.grad), [5.0, 5.0, 5.0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_input_gradient_keeps_a_transposed_inputs_layout(create_graph):
    """A DCGAN critic's head reads the flattened batch-innermost conv output,
    a column-major view; its gradient must come back column-major too, or
    every layer before it works on mismatched layouts in backward."""
    rng = np.random.default_rng(2)
    m = nn.Linear(5, 3).double()
    x = mg.Tensor(np.asfortranarray(rng.standard_normal((6, 5))), requires_grad=True)
    (gx,) = mg.grad((m(x) * mg.tensor(np.arange(18.0).reshape(6, 3))).sum(), x,
                    create_graph=create_graph)
    assert gx._data.flags.f_contiguous and not gx._data.flags.c_contiguous
    np.testing.assert_allclose(arr(gx), np.arange(18.0).reshape(6, 3) @ arr(m.weight), rtol=1e-12)


@pytest.mark.parametrize("bias_shape", [(), (1, 3), (5, 3)])
def test_linear_bias_broadcasts_as_in_torch(bias_shape):
    """A bias that is not (out_features,) broadcasts against x W^T (torch's
    addmm rule), with its gradient summed back to its own shape."""
    rng = np.random.default_rng(1)
    x, w, b = t64(rng, 5, 4), t64(rng, 3, 4), t64(rng, *bias_shape)
    np.testing.assert_allclose(arr(F.linear(x, w, b)), arr(x) @ arr(w).T + arr(b), rtol=1e-12)
    assert mg.gradcheck(F.linear, (x, w, b))
    with pytest.raises(ValueError, match="could not be broadcast"):
        F.linear(x, w, t64(rng, 4))


def test_linear_state_dict_round_trip():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    x = mg.randn(4, 3)
    np.testing.assert_array_equal(arr(a(x)), arr(b(x)))


# --------------------------------------------------------------------- activations
ACTIVATIONS = [
    (nn.ReLU(), F.relu, lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.LeakyReLU(), F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.Tanh(), F.tanh, np.tanh),
    (nn.Sigmoid(), F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    (nn.Softplus(), F.softplus, lambda x: np.log1p(np.exp(x))),
    (nn.Softplus(beta=2.0), lambda x: F.softplus(x, 2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, dim=1),
     lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=-1), lambda x: F.log_softmax(x, -1),
     lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    (nn.Identity(54, unused=1), lambda x: x, lambda x: x),
]


@pytest.mark.parametrize("module, fn, ref", ACTIVATIONS, ids=lambda a: repr(a)[:20])
def test_activations(module, fn, ref):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    x[np.abs(x) < 0.05] = 0.3  # keep the ReLUs' kink out of the finite differences
    xt = mg.tensor(x, requires_grad=True)
    np.testing.assert_allclose(arr(module(xt)), ref(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(arr(fn(xt)), ref(x), rtol=1e-12, atol=1e-12)
    if module.__class__ is not nn.Identity:
        assert mg.gradcheck(module, (xt,))
        assert mg.gradgradcheck(module, (xt,))
    assert module(mg.randn(2, 3)).dtype == np.float32


def test_activation_reprs_and_inplace_compatibility():
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.ReLU()) == "ReLU()" and repr(nn.ReLU(True)) == "ReLU(inplace=True)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    x = mg.randn(4)
    before = arr(x).copy()
    nn.ReLU(inplace=True)(x)
    F.leaky_relu(x, 0.2, inplace=True)
    np.testing.assert_array_equal(arr(x), before)  # minigan never overwrites inputs


def test_softmax_without_dim_warns_like_pytorch():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = nn.Softmax()(mg.randn(2, 3))
    np.testing.assert_allclose(arr(y).sum(1), 1.0, rtol=1e-6)


# --------------------------------------------------------------------- dropout
def test_dropout_statistics_scaling_and_eval():
    x = mg.ones(200, 500)
    y = arr(F.dropout(x, 0.3))
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.02)         # inverted dropout keeps the mean
    assert F.dropout(x, 0.3).dtype == np.float32
    assert F.dropout(x, 0.3, training=False) is x
    m = nn.Dropout(0.5)
    assert (arr(m(x)) == 0).any()
    m.eval()
    np.testing.assert_array_equal(arr(m(x)), arr(x))
    assert (arr(F.dropout(x, 1.0)) == 0).all() and F.dropout(x, 0.0) is x
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"


def test_dropout_is_seeded_and_differentiable():
    mg.manual_seed(5)
    a = arr(F.dropout(mg.ones(50), 0.5))
    mg.manual_seed(5)
    b = arr(F.dropout(mg.ones(50), 0.5))
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(2)
    x = t64(rng, 3, 4)

    def f(x):  # the same mask on every evaluation, so finite differences see one function
        mg.manual_seed(11)
        return F.dropout(x, 0.4)

    assert mg.gradcheck(f, (x,))
    assert mg.gradgradcheck(f, (x,))


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        F.dropout(mg.ones(3), -0.1)


# --------------------------------------------------------------------- avg_pool2d
def avg_pool_ref(x, k, s, p, include_pad=True):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    mask = np.pad(np.ones((h, w)), p)
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * s:i * s + k, j * s:j * s + k]
            count = k * k if include_pad else mask[i * s:i * s + k, j * s:j * s + k].sum()
            y[:, :, i, j] = win.sum(axis=(2, 3)) / count
    return y


@pytest.mark.parametrize("k, s, p", [(2, None, 0), (2, 1, 1), (3, 2, 1), (3, 3, 0), (1, 2, 0)])
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool2d(k, s, p, include_pad):
    rng = np.random.default_rng(3)
    x = t64(rng, 2, 3, 7, 6)
    y = F.avg_pool2d(x, k, s, p, count_include_pad=include_pad)
    np.testing.assert_allclose(arr(y), avg_pool_ref(arr(x), k, s or k, p, include_pad), atol=1e-12)
    m = nn.AvgPool2d(k, s, p, count_include_pad=include_pad)
    np.testing.assert_allclose(arr(m(x)), arr(y))
    assert mg.gradcheck(m, (x,), mode="random")
    assert mg.gradgradcheck(m, (x,), mode="random")


def test_avg_pool2d_misc():
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert F.avg_pool2d(mg.randn(3, 4, 4), 2).shape == (3, 2, 2)
    assert F.avg_pool2d(mg.randn(1, 1, 4, 4), 2).dtype == np.float32
    with pytest.raises(ValueError, match="padding should be at most half of the kernel size"):
        nn.AvgPool2d(2, padding=2)
    with pytest.raises(ValueError, match="spans 5 pixels but the padded input height is only 4"):
        F.avg_pool2d(mg.randn(1, 1, 4, 8), 5)


# --------------------------------------------------------------------- interpolate / Upsample
def test_upsample_nearest_integer_scales():
    rng = np.random.default_rng(4)
    x = t64(rng, 2, 3, 3, 4)
    expected = np.repeat(np.repeat(arr(x), 2, axis=2), 2, axis=3)
    np.testing.assert_array_equal(arr(F.interpolate(x, scale_factor=2)), expected)
    np.testing.assert_array_equal(arr(nn.Upsample(scale_factor=2)(x)), expected)
    np.testing.assert_array_equal(arr(F.upsample_nearest(x, size=(6, 8))), expected)
    y = F.interpolate(x, scale_factor=(3, 1))
    np.testing.assert_array_equal(arr(y), np.repeat(arr(x), 3, axis=2))
    assert mg.gradcheck(nn.Upsample(scale_factor=2), (x,), mode="random")
    assert mg.gradgradcheck(nn.Upsample(scale_factor=3), (x,), mode="random")
    assert nn.Upsample(scale_factor=2)(mg.randn(1, 1, 2, 2)).dtype == np.float32
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"


def test_interpolate_nearest_non_integer_follows_pytorch_rule():
    rng = np.random.default_rng(5)
    x = t64(rng, 1, 2, 5, 4)
    # PyTorch: src = min(floor(dst * in / out), in - 1)
    rows = np.minimum(np.floor(np.arange(7) * np.float32(5 / 7)).astype(int), 4)
    cols = np.minimum(np.floor(np.arange(3) * np.float32(4 / 3)).astype(int), 3)
    y = F.interpolate(x, size=(7, 3))
    np.testing.assert_array_equal(arr(y), arr(x)[:, :, rows][:, :, :, cols])
    # scale_factor 1.5: out = floor(in * 1.5), src = floor(dst / 1.5)
    y = F.interpolate(x, scale_factor=1.5)
    assert y.shape == (1, 2, 7, 6)
    np.testing.assert_array_equal(arr(y)[0, 0, :, 0], arr(x)[0, 0, [0, 0, 1, 2, 2, 3, 4], 0])
    assert mg.gradcheck(lambda x: F.interpolate(x, size=(7, 3)), (x,), mode="random")
    assert mg.gradgradcheck(lambda x: F.interpolate(x, size=(7, 3)), (x,), mode="random")
    assert F.interpolate(mg.randn(2, 3, 4), scale_factor=2).shape == (2, 3, 8)


def test_interpolate_errors():
    with pytest.raises(ValueError, match="mode 'bilinear' is not supported"):
        F.interpolate(mg.randn(1, 1, 2, 2), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(mg.randn(1, 1, 2, 2))
    with pytest.raises(ValueError, match="3-D, 4-D or 5-D input"):
        F.interpolate(mg.randn(2, 2), scale_factor=2)
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        nn.Upsample()


# --------------------------------------------------------------------- pad
@pytest.mark.parametrize("mode, np_mode", [("constant", "constant"), ("reflect", "reflect"),
                                           ("replicate", "edge"), ("circular", "wrap")])
def test_pad_modes_match_numpy(mode, np_mode):
    rng = np.random.default_rng(6)
    x = t64(rng, 2, 3, 4, 5)
    y = F.pad(x, (1, 3, 2, 0), mode=mode)   # last dim (1, 3), then dim 2 (2, 0)
    expected = np.pad(arr(x), ((0, 0), (0, 0), (2, 0), (1, 3)), mode=np_mode)
    np.testing.assert_array_equal(arr(y), expected)
    assert mg.gradcheck(lambda x: F.pad(x, (1, 3, 2, 0), mode=mode), (x,), mode="random")
    assert mg.gradgradcheck(lambda x: F.pad(x, (1, 3, 2, 0), mode=mode), (x,), mode="random")


def test_pad_constant_value_negative_crop_and_errors():
    x = mg.tensor(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(arr(F.pad(x, (1, 1), value=-1.0)),
                                  np.pad(arr(x), ((0, 0), (1, 1)), constant_values=-1))
    np.testing.assert_array_equal(arr(F.pad(x, (-1, 2, 0, -2))),
                                  np.pad(arr(x)[:1, 1:], ((0, 0), (0, 2))))
    assert F.pad(mg.randn(2, 2), (1, 1)).dtype == np.float32
    with pytest.raises(ValueError, match="even number of pad amounts"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="reflect padding must be smaller than the padded dimension"):
        F.pad(x, (4, 0), mode="reflect")
    with pytest.raises(ValueError, match="mode must be 'constant', 'reflect'"):
        F.pad(x, (1, 1), mode="symmetric")


# --------------------------------------------------------------------- shape layers
def test_flatten_unflatten_identity():
    x = mg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Unflatten(-1, (-1, 4))(mg.randn(2, 12)).shape == (2, 3, 4)
    np.testing.assert_array_equal(arr(nn.Unflatten(1, (3, 4, 5))(nn.Flatten()(x))), arr(x))
    assert nn.Identity()(x) is x
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    with pytest.raises(ValueError, match=r"cannot split dimension 1 of size 12 .* into \(5, 3\)"):
        nn.Unflatten(1, (5, 3))(mg.randn(2, 12))
    rng = np.random.default_rng(7)
    xs = t64(rng, 2, 6)
    assert mg.gradgradcheck(lambda x: nn.Unflatten(1, (2, 3))(x) * nn.Unflatten(1, (2, 3))(x), (xs,))


# --------------------------------------------------------------------- losses
def test_mse_and_l1_losses():
    rng = np.random.default_rng(8)
    x, y = t64(rng, 3, 4), t64(rng, 3, 4)
    d = arr(x) - arr(y)
    assert float(F.mse_loss(x, y)) == pytest.approx((d ** 2).mean())
    assert float(F.mse_loss(x, y, reduction="sum")) == pytest.approx((d ** 2).sum())
    np.testing.assert_allclose(arr(F.mse_loss(x, y, reduction="none")), d ** 2)
    assert float(F.l1_loss(x, y)) == pytest.approx(np.abs(d).mean())
    assert mg.gradcheck(F.mse_loss, (x, y))
    assert mg.gradgradcheck(F.mse_loss, (x, y))
    with pytest.warns(UserWarning, match="target size .* is different to the input size"):
        F.mse_loss(mg.randn(4, 1), mg.randn(4))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.mse_loss(x, y, reduction="avg")


def log_softmax_np(z, axis=1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def test_cross_entropy_and_nll_match_numpy():
    rng = np.random.default_rng(9)
    logits = t64(rng, 6, 4)
    labels = mg.tensor(np.array([0, 3, 1, 1, 2, 0]))
    lp = log_softmax_np(arr(logits))
    picked = lp[np.arange(6), arr(labels)]
    assert float(F.cross_entropy(logits, labels)) == pytest.approx(-picked.mean(), rel=1e-12)
    assert float(F.cross_entropy(logits, labels, reduction="sum")) == pytest.approx(-picked.sum())
    np.testing.assert_allclose(arr(F.cross_entropy(logits, labels, reduction="none")), -picked)
    assert float(F.nll_loss(F.log_softmax(logits, dim=1), labels)) == pytest.approx(-picked.mean())
    # class weights: mean divides by the sum of the picked weights (PyTorch)
    w = np.array([1.0, 2.0, 0.5, 3.0])
    ce_w = F.cross_entropy(logits, labels, mg.tensor(w))
    wp = w[arr(labels)]
    assert float(ce_w) == pytest.approx(-(wp * picked).sum() / wp.sum(), rel=1e-12)
    # ignore_index drops targets from both sums
    ign = mg.tensor(np.array([0, -100, 1, 1, -100, 0]))
    keep = np.array([0, 2, 3, 5])
    assert float(F.cross_entropy(logits, ign)) == pytest.approx(-picked[keep].mean(), rel=1e-12)
    assert mg.gradcheck(lambda z: F.cross_entropy(z, labels), (logits,))
    assert mg.gradgradcheck(lambda z: F.cross_entropy(z, labels), (logits,))
    wt = mg.tensor(w, requires_grad=True)
    assert mg.gradcheck(lambda z, w: F.cross_entropy(z, ign, w), (logits, wt))


def test_cross_entropy_spatial_soft_and_huge_logits():
    rng = np.random.default_rng(10)
    logits = t64(rng, 2, 3, 4, 5)  # (N, C, H, W) segmentation-style
    labels = mg.tensor(rng.integers(0, 3, size=(2, 4, 5)))
    lp = log_softmax_np(arr(logits), axis=1)
    picked = np.take_along_axis(lp, arr(labels)[:, None], axis=1)[:, 0]
    assert float(F.cross_entropy(logits, labels)) == pytest.approx(-picked.mean(), rel=1e-12)
    assert F.cross_entropy(logits, labels, reduction="none").shape == (2, 4, 5)
    probs = rng.dirichlet(np.ones(3), size=(2, 4, 5)).transpose(0, 3, 1, 2)
    soft = F.cross_entropy(logits, mg.tensor(probs))
    assert float(soft) == pytest.approx(-(probs * lp).sum(1).mean(), rel=1e-12)
    big = mg.tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    loss = F.cross_entropy(big, mg.tensor(np.array([1, 1])))
    loss.backward()
    assert float(loss) == pytest.approx(1000.0) and np.isfinite(arr(big.grad)).all()


def test_classification_loss_errors():
    logits = mg.randn(3, 4)
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(logits, mg.tensor(np.array([0, 4, 1])))
    with pytest.raises(TypeError, match="target must hold integer class indices"):
        F.nll_loss(logits, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\), got \(3, 1\)"):
        F.cross_entropy(logits, mg.tensor(np.array([[0], [1], [2]])))
    with pytest.raises(ValueError, match="float targets are class probabilities"):
        F.cross_entropy(logits, mg.rand(3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_matches_formula_and_is_stable(reduction):
    rng = np.random.default_rng(11)
    x, t = t64(rng, 5, 3), mg.tensor(rng.uniform(size=(5, 3)), requires_grad=True)
    p = 1 / (1 + np.exp(-arr(x)))
    ref = -(arr(t) * np.log(p) + (1 - arr(t)) * np.log(1 - p))
    ref = {"mean": ref.mean(), "sum": ref.sum(), "none": ref}[reduction]
    np.testing.assert_allclose(arr(F.binary_cross_entropy_with_logits(x, t, reduction=reduction)), ref,
                               rtol=1e-12)
    assert mg.gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction), (x, t))
    assert mg.gradgradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
                            (x, t))


def test_bce_with_logits_at_extreme_logits():
    x = mg.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    t = mg.tensor([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(arr(loss), [1000.0, 1000.0, 0.0, 0.0])
    F.binary_cross_entropy_with_logits(x, t).backward()
    np.testing.assert_allclose(arr(x.grad), np.array([1.0, -1.0, 0.0, 0.0]) / 4)
    assert loss.dtype == np.float32
    (g,) = mg.grad(F.binary_cross_entropy_with_logits(x, t), [x], create_graph=True)
    (gg,) = mg.grad(g.sum(), [x])
    assert np.isfinite(arr(gg)).all()


def test_bce_with_logits_weights():
    rng = np.random.default_rng(12)
    x, t = t64(rng, 4, 3), mg.tensor(rng.integers(0, 2, size=(4, 3)).astype(float))
    w, pw = np.array([0.5, 1.0, 2.0]), np.array([3.0, 1.0, 0.5])
    p = 1 / (1 + np.exp(-arr(x)))
    ref = -w * (pw * arr(t) * np.log(p) + (1 - arr(t)) * np.log(1 - p))
    out = F.binary_cross_entropy_with_logits(x, t, mg.tensor(w), pos_weight=mg.tensor(pw))
    assert float(out) == pytest.approx(ref.mean(), rel=1e-12)
    with pytest.raises(ValueError, match=r"target size \(4,\) is different to the input size \(4, 1\)"):
        F.binary_cross_entropy_with_logits(mg.randn(4, 1), mg.rand(4))
    labels = F.binary_cross_entropy_with_logits(mg.zeros(3), mg.tensor([0.0, 1.0, 1.0]))
    assert float(labels) == pytest.approx(math.log(2))
    # integer labels are refused, as in PyTorch (tests/nn/test_functional_int_input.py)


def test_binary_cross_entropy_on_probabilities():
    rng = np.random.default_rng(13)
    p = mg.tensor(rng.uniform(0.05, 0.95, size=(4, 3)), requires_grad=True)
    t = mg.tensor(rng.uniform(size=(4, 3)))
    ref = -(arr(t) * np.log(arr(p)) + (1 - arr(t)) * np.log(1 - arr(p)))
    assert float(F.binary_cross_entropy(p, t)) == pytest.approx(ref.mean(), rel=1e-12)
    assert mg.gradcheck(lambda p: F.binary_cross_entropy(p, t), (p,))
    assert mg.gradgradcheck(lambda p: F.binary_cross_entropy(p, t), (p,))
    # PyTorch clamps each log at -100: saturated probabilities give 100, not inf
    edge = mg.tensor([0.0, 1.0, 0.0], requires_grad=True)
    loss = F.binary_cross_entropy(edge, mg.tensor([1.0, 0.0, 0.0]), reduction="none")
    np.testing.assert_allclose(arr(loss), [100.0, 100.0, 0.0])
    loss.sum().backward()
    assert np.isfinite(arr(edge.grad)).all()
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))


def test_one_hot():
    y = F.one_hot(mg.tensor(np.array([2, 0, 1])), 4)
    np.testing.assert_array_equal(arr(y), np.eye(4, dtype=np.int64)[[2, 0, 1]])
    assert F.one_hot(mg.tensor(np.array([[1], [2]]))).shape == (2, 1, 3)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        F.one_hot(mg.tensor(np.array([2])), 2)


def test_functional_exports_pytorch_names():
    for name in ["linear", "conv2d", "conv_transpose2d", "dropout", "avg_pool2d", "interpolate",
                 "upsample_nearest", "pad", "relu", "leaky_relu", "sigmoid", "tanh", "softplus",
                 "softmax", "log_softmax", "mse_loss", "cross_entropy", "nll_loss",
                 "binary_cross_entropy", "binary_cross_entropy_with_logits"]:
        assert callable(getattr(F, name)), name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(mg.randn(2, 3), 1)
