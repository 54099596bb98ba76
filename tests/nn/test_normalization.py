"""BatchNorm1d/2d, LayerNorm and their functional forms: values against NumPy,
running statistics, modes, errors, and first and second derivatives
(including w.r.t. a layer upstream of the norm, the DeZero trap)."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.nn import functional as F
from minigan.nn.normalization import batch_norm, layer_norm
from minigan.ops._operands import constant


def _t(shape, requires_grad=True, scale=1.0, shift=0.0):
    rng = np.random.default_rng(sum(shape) + len(shape))
    return mg.tensor(rng.standard_normal(shape) * scale + shift, dtype=mg.float64,
                     requires_grad=requires_grad)


def _bn_ref(x, weight=None, bias=None, eps=1e-5, mean=None, var=None):
    """Independent NumPy batch norm over every axis but 1."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1] * x.ndim
    shape[1] = x.shape[1]
    if mean is None:
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _randomise_affine(bn):
    with mg.no_grad():
        bn.weight.copy_(np.random.default_rng(1).uniform(0.5, 1.5, bn.weight.shape))
        bn.bias.copy_(np.random.default_rng(2).standard_normal(bn.bias.shape))


# ---------------------------------------------------------------- forward values
@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (6, 4)), (nn.BatchNorm1d, (5, 4, 3)),
                                        (nn.BatchNorm2d, (3, 4, 5, 2))])
def test_batchnorm_training_forward_matches_numpy(cls, shape):
    bn = cls(4)
    _randomise_affine(bn)
    x = mg.randn(*shape) * 3.0 + 2.0
    y = bn(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    ref = _bn_ref(x.numpy().astype(np.float64), bn.weight.detach().numpy(),
                  bn.bias.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("memory_order", ["nchw", "batch_innermost"])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_two_threads_give_the_numbers_of_one(training, memory_order, pass_threads,
                                                      monkeypatch):
    """With two BLAS threads allowed, batch norm's passes split the channels
    over two threads (minigan.fast.normalization, on here even under
    MINIGAN_FAST_LAYER=0): output, input and affine gradients and the running
    statistics must be bitwise one thread's, and the second thread must
    really have worked."""
    monkeypatch.setattr(mg.fast, "_enabled", True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32, 8, 8)).astype(np.float32) * 3 + 1
    if memory_order == "batch_innermost":  # as the conv layers lay out their outputs
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    g = rng.standard_normal(x.shape).astype(np.float32)
    weight = rng.standard_normal(32).astype(np.float32)
    results = []
    for n_threads in (1, 2):
        threads = pass_threads(n_threads)
        layer = nn.BatchNorm2d(32)
        layer.weight.data = mg.tensor(weight)
        layer.train(training)
        xt = mg.Tensor(x, requires_grad=True)
        y = layer(xt)
        (y * mg.tensor(g)).sum().backward()
        results.append([a.detach().numpy().copy() for a in (y, xt.grad, layer.weight.grad,
                                                              layer.bias.grad,
                                                              layer.running_mean, layer.running_var)])
        assert threads.second_thread_ran == (n_threads == 2)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


def test_batchnorm_running_stats_after_several_steps_match_numpy():
    bn = nn.BatchNorm2d(3, momentum=0.2)
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(5):
        x = mg.randn(4, 3, 3, 2) * (step + 1.0) + step
        bn(x)
        xn = x.numpy().astype(np.float64)
        m = xn.shape[0] * xn.shape[2] * xn.shape[3]
        rm = 0.8 * rm + 0.2 * xn.mean(axis=(0, 2, 3))
        rv = 0.8 * rv + 0.2 * xn.var(axis=(0, 2, 3)) * m / (m - 1)  # unbiased
    np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), rv, rtol=1e-5, atol=1e-6)
    assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert int(bn.num_batches_tracked.item()) == 5


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    xs = [mg.randn(8, 2) * (k + 1.0) + k for k in range(4)]
    for x in xs:
        bn(x)
    means = [x.numpy().astype(np.float64).mean(axis=0) for x in xs]
    variances = [x.numpy().astype(np.float64).var(axis=0, ddof=1) for x in xs]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0),
                               rtol=1e-5, atol=1e-6)
    # running_var starts at 1, which the first batch (weight 1/1) replaces entirely
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean(variances, axis=0), rtol=1e-5)


def test_batchnorm_eval_uses_running_stats_and_leaves_them_alone():
    bn = nn.BatchNorm2d(3)
    _randomise_affine(bn)
    for _ in range(3):
        bn(mg.randn(4, 3, 2, 2) * 2.0 + 1.0)
    rm, rv = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    bn.eval()
    x = mg.randn(2, 3, 2, 2)
    y = bn(x)
    ref = _bn_ref(x.numpy().astype(np.float64), bn.weight.detach().numpy(),
                  bn.bias.detach().numpy(), mean=rm, var=rv)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(bn.running_mean.numpy(), rm)
    np.testing.assert_array_equal(bn.running_var.numpy(), rv)
    assert int(bn.num_batches_tracked.item()) == 3
    # evaluation works on a single sample (no batch statistics needed)
    assert bn(mg.randn(1, 3, 1, 1)).shape == (1, 3, 1, 1)


def test_batchnorm_affine_false_has_no_parameters():
    bn = nn.BatchNorm1d(3, affine=False)
    assert list(bn.parameters()) == [] and bn.weight is None and bn.bias is None
    x = mg.randn(5, 3)
    np.testing.assert_allclose(bn(x).numpy(), _bn_ref(x.numpy().astype(np.float64)),
                               rtol=1e-4, atol=1e-5)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval_too():
    bn = nn.BatchNorm2d(2, track_running_stats=False)
    assert bn.running_mean is None and bn.running_var is None
    assert sorted(bn.state_dict()) == ["bias", "weight"]
    bn.eval()
    x = mg.randn(3, 2, 2, 2) * 4.0 - 1.0
    np.testing.assert_allclose(bn(x).detach().numpy(), _bn_ref(x.numpy().astype(np.float64)),
                               rtol=1e-4, atol=1e-5)


def test_batchnorm_state_dict_round_trip():
    a = nn.BatchNorm2d(3)
    _randomise_affine(a)
    for _ in range(2):
        a(mg.randn(4, 3, 2, 2) + 1.0)
    assert sorted(a.state_dict()) == ["bias", "num_batches_tracked", "running_mean",
                                      "running_var", "weight"]
    b = nn.BatchNorm2d(3)
    b.load_state_dict(a.state_dict())
    a.eval()
    b.eval()
    x = mg.randn(2, 3, 2, 2)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_batchnorm_repr_and_reset():
    bn = nn.BatchNorm2d(16)
    assert repr(bn) == ("BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                        "track_running_stats=True)")
    bn(mg.randn(2, 16, 2, 2) + 3.0)
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(16))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(16))
    assert int(bn.num_batches_tracked.item()) == 0


# ---------------------------------------------------------------- errors
def test_batchnorm_errors_are_clear():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4-D input \(N, C, H, W\), "
                                         r"got shape \(4, 16, 3\)"):
        nn.BatchNorm2d(16)(mg.randn(4, 16, 3))
    with pytest.raises(ValueError, match="BatchNorm2d: expected 16 channels, got 8"):
        nn.BatchNorm2d(16)(mg.randn(2, 8, 3, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2-D input \(N, C\) or 3-D"):
        nn.BatchNorm1d(3)(mg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))
    with pytest.raises(TypeError, match="float64.*float32.*double"):
        nn.BatchNorm1d(3)(mg.randn(4, 3, dtype=mg.float64))
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(0)
    with pytest.raises(ValueError, match=r"running_mean has shape \(3,\).*expected shape \(2,\)"):
        batch_norm(mg.randn(4, 2), mg.zeros(3), mg.ones(3))
    with pytest.raises(ValueError, match="needs running_mean"):
        batch_norm(mg.randn(4, 2), None, None, training=False)


def test_layer_norm_errors_are_clear():
    with pytest.raises(ValueError, match=r"normalized_shape=\[5\] expects an input of shape "
                                         r"\(\*, 5\), got input of shape \(2, 4\)"):
        nn.LayerNorm(5)(mg.randn(2, 4))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(())


# ---------------------------------------------------------------- layer norm values
def test_layer_norm_forward_matches_numpy():
    ln = nn.LayerNorm((3, 4))
    with mg.no_grad():
        ln.weight.copy_(np.random.default_rng(3).uniform(0.5, 1.5, (3, 4)))
        ln.bias.copy_(np.random.default_rng(4).standard_normal((3, 4)))
    x = mg.randn(2, 5, 3, 4) * 2.0 + 1.0
    y = ln(x)
    xn = x.numpy().astype(np.float64)
    mean = xn.mean(axis=(2, 3), keepdims=True)
    var = xn.var(axis=(2, 3), keepdims=True)
    ref = (xn - mean) / np.sqrt(var + 1e-5) * ln.weight.detach().numpy() + ln.bias.detach().numpy()
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-5)
    # identical in eval mode: no running statistics
    ln.eval()
    np.testing.assert_array_equal(ln(x).detach().numpy(), y.detach().numpy())


def test_layer_norm_without_affine():
    ln = nn.LayerNorm(6, elementwise_affine=False)
    assert list(ln.parameters()) == []
    x = mg.randn(3, 6)
    xn = x.numpy().astype(np.float64)
    ref = (xn - xn.mean(-1, keepdims=True)) / np.sqrt(xn.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(ln(x).numpy(), ref, rtol=1e-4, atol=1e-5)
    assert nn.LayerNorm(6, bias=False).bias is None


# ---------------------------------------------------------------- derivatives
@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 3, 2)])
def test_batch_norm_functional_training_grads(shape):
    x = _t(shape, scale=2.0, shift=1.0)
    w = mg.tensor(np.array([1.3, 0.7, 1.1][:shape[1]]), requires_grad=True)
    b = mg.tensor(np.array([0.2, -0.4, 0.1][:shape[1]]), requires_grad=True)
    fn = lambda x, w, b: batch_norm(x, None, None, w, b, training=True)  # noqa: E731
    mg.gradcheck(fn, (x, w, b))
    mg.gradgradcheck(fn, (x, w, b))


def test_batch_norm_functional_eval_grads():
    x = _t((4, 3, 2))
    rm = mg.tensor(np.array([0.5, -1.0, 0.2]))
    rv = mg.tensor(np.array([2.0, 0.5, 1.5]))
    w = mg.tensor(np.array([1.3, 0.7, 1.1]), requires_grad=True)
    b = mg.tensor(np.array([0.2, -0.4, 0.1]), requires_grad=True)
    fn = lambda x, w, b: batch_norm(x, rm, rv, w, b, training=False)  # noqa: E731
    mg.gradcheck(fn, (x, w, b))
    mg.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("cls, shape, train", [(nn.BatchNorm1d, (5, 3), True),
                                               (nn.BatchNorm1d, (4, 3, 2), True),
                                               (nn.BatchNorm2d, (3, 3, 2, 2), True),
                                               (nn.BatchNorm2d, (3, 3, 2, 2), False)])
def test_batchnorm_module_grads(cls, shape, train):
    bn = cls(3).double()
    _randomise_affine(bn)
    bn(_t(shape, requires_grad=False, shift=1.0))  # non-trivial running stats for eval
    bn.train(train)
    x = _t(shape, scale=1.5)
    fn = lambda x, w, b: mg.tanh(bn(x))  # noqa: E731 - tanh: a curved loss on top
    mg.gradcheck(fn, (x, bn.weight, bn.bias))
    mg.gradgradcheck(fn, (x, bn.weight, bn.bias))


def test_gradgrad_through_batchnorm_reaches_upstream_weights():
    """Second derivatives w.r.t. a Linear layer *before* the norm: a backward
    that treated the batch statistics as cached constants gets these wrong
    (see the next test), and WGAN-GP needs exactly these."""
    linear = nn.Linear(4, 3).double()
    bn = nn.BatchNorm1d(3).double()
    _randomise_affine(bn)
    x = mg.tensor(np.random.default_rng(5).standard_normal((6, 4)))
    fn = lambda w, b, gamma: mg.tanh(bn(linear(x)))  # noqa: E731
    inputs = (linear.weight, linear.bias, bn.weight)
    mg.gradcheck(fn, inputs)
    mg.gradgradcheck(fn, inputs)
    # the gradient-penalty shape: d/dW of ||d D(x) / dx||^2 with D = tanh . bn . linear
    x = mg.tensor(np.random.default_rng(6).standard_normal((6, 4)), requires_grad=True)

    def penalty(w, x):
        (gx,) = mg.grad(mg.tanh(bn(linear(x))).sum(), [x], create_graph=True)
        return (gx * gx).sum()
    mg.gradcheck(penalty, (linear.weight, x))


class _CachedStatsBatchNorm(mg.Function):
    """DeZero's batch norm: the first derivative is right, but backward reuses
    the cached raw arrays x_hat and 1/std, so the second derivative is not."""

    def forward(self, x):
        mean = x.mean(axis=0)
        self.inv_std = 1.0 / np.sqrt(x.var(axis=0) + 1e-5)
        self.xhat = (x - mean) * self.inv_std
        return self.xhat

    def backward(self, gy):
        xhat, inv_std = constant(self.xhat), constant(self.inv_std)
        return (gy - gy.mean(axis=0) - xhat * (gy * xhat).mean(axis=0)) * inv_std


def test_gradgradcheck_catches_a_cached_array_batchnorm():
    """The test above can fail: the same check rejects DeZero's backward."""
    x = mg.tensor(np.random.default_rng(5).standard_normal((6, 4)))
    w_up = _t((3, 4))

    def fn(w_up):
        return mg.tanh(_CachedStatsBatchNorm()(mg.matmul(x, w_up.transpose(0, 1))))

    def composite(w_up):
        return mg.tanh(batch_norm(mg.matmul(x, w_up.transpose(0, 1)), None, None, training=True))

    mg.gradcheck(fn, (w_up,))  # first order is fine
    np.testing.assert_allclose(fn(w_up).detach().numpy(), composite(w_up).detach().numpy(),
                               atol=1e-12)
    with pytest.raises(mg.GradcheckError):
        mg.gradgradcheck(fn, (w_up,))
    mg.gradgradcheck(composite, (w_up,))


def test_layer_norm_grads():
    x = _t((3, 2, 4), scale=2.0)
    w = _t((2, 4), shift=1.0)
    b = _t((2, 4))
    fn = lambda x, w, b: layer_norm(x, (2, 4), w, b)  # noqa: E731
    mg.gradcheck(fn, (x, w, b))
    mg.gradgradcheck(fn, (x, w, b))
    ln = nn.LayerNorm(4).double()
    x = _t((5, 4))
    mg.gradcheck(lambda x, w, b: mg.tanh(ln(x)), (x, ln.weight, ln.bias))
    mg.gradgradcheck(lambda x, w, b: mg.tanh(ln(x)), (x, ln.weight, ln.bias))


@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_array_and_graph_backwards_agree_in_float32(train):
    """BatchNorm's backward has an array path (no graph recorded) and an op
    path (create_graph=True); both must give the same gradients, in float32."""
    bn = nn.BatchNorm2d(3)
    _randomise_affine(bn)
    bn(mg.randn(4, 3, 5, 5) * 2 + 1)  # non-trivial running statistics
    bn.train(train)
    x = (mg.randn(4, 3, 5, 5) * 1.5 - 0.5).requires_grad_()
    g = mg.randn(4, 3, 5, 5)
    inputs = [x, bn.weight, bn.bias]
    fast = mg.grad(bn(x), inputs, g)
    graph = mg.grad(bn(x), inputs, g, create_graph=True)
    for a, b in zip(fast, graph):
        assert a.dtype == b.dtype == mg.float32
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_norm_layers_take_device_dtype_and_bias_as_pytorch():
    """PyTorch 2.13's signatures: BatchNorm(..., device, dtype, *, bias),
    LayerNorm(..., bias, device, dtype); bias=False keeps the scale only."""
    bn = nn.BatchNorm2d(3, 1e-5, 0.1, True, True, "cpu", np.float64, bias=False)
    assert list(bn.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]
    assert bn.bias is None and bn.weight.dtype == bn.running_var.dtype == mg.float64
    _randomise_affine_weight = np.array([2.0, 0.5, 1.0])
    with mg.no_grad():
        bn.weight.copy_(_randomise_affine_weight)
    x = mg.randn(4, 3, 2, 2).double() * 3 + 1
    y = bn(x).detach().numpy()
    xn = x.numpy()
    ref = (xn - xn.mean((0, 2, 3), keepdims=True)) / np.sqrt(xn.var((0, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, ref * _randomise_affine_weight[None, :, None, None], atol=1e-10)
    bn.reset_parameters()
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(3))
    ln = nn.LayerNorm(4, 1e-5, True, False, "cpu", np.float64)
    assert ln.bias is None and ln.weight.dtype == mg.float64
    assert repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=False)"
    with pytest.raises(TypeError, match="floating point"):
        nn.BatchNorm1d(3, dtype=np.int64)


def test_instance_and_group_norm_match_numpy_and_pass_gradchecks():
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((3, 4, 3, 2)) * 2 + 1, requires_grad=True)
    w = mg.tensor(rng.uniform(0.5, 1.5, 4), requires_grad=True)
    b = mg.tensor(rng.standard_normal(4), requires_grad=True)
    xn = x.detach().numpy()
    inst = (xn - xn.mean((2, 3), keepdims=True)) / np.sqrt(xn.var((2, 3), keepdims=True) + 1e-5)
    g = xn.reshape(3, 2, -1)
    grp = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(xn.shape)
    affine = (lambda y: y * w.detach().numpy()[None, :, None, None]
              + b.detach().numpy()[None, :, None, None])
    inst_fn = lambda x, w, b: F.instance_norm(x, weight=w, bias=b)  # noqa: E731
    group_fn = lambda x, w, b: F.group_norm(x, 2, w, b)  # noqa: E731
    np.testing.assert_allclose(inst_fn(x, w, b).detach().numpy(), affine(inst), atol=1e-10)
    np.testing.assert_allclose(group_fn(x, w, b).detach().numpy(), affine(grp), atol=1e-10)
    for fn in (inst_fn, group_fn):
        mg.gradcheck(fn, (x, w, b))
        mg.gradgradcheck(fn, (x, w, b))


def test_instance_norm_running_statistics_and_errors():
    m = nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.5)
    x = mg.randn(4, 3, 5, 5) * 2 + 3
    m(x)
    xn = x.numpy()
    np.testing.assert_allclose(m.running_mean.numpy(), 0.5 * xn.mean((2, 3)).mean(0), rtol=1e-5)
    np.testing.assert_allclose(m.running_var.numpy(),
                               0.5 + 0.5 * xn.var((2, 3), ddof=1).mean(0), rtol=1e-4)
    m.eval()
    ref = (xn - m.running_mean.numpy()[None, :, None, None]) / np.sqrt(
        m.running_var.numpy()[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(m(x).numpy(), ref, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(mg.ShapeError, match="4"):
        nn.GroupNorm(2, 4)(mg.randn(2, 6, 3))
    with pytest.raises(mg.ShapeError, match="4-D"):
        nn.InstanceNorm2d(3)(mg.randn(2, 3))
