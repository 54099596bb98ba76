"""minigan.nn.init: PyTorch's formulas, in place under no_grad, seeded."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan.nn import init


def arr(t):
    return np.asarray(t.detach())


def test_calculate_gain_values():
    for name in ["linear", "conv2d", "conv_transpose2d", "sigmoid"]:
        assert init.calculate_gain(name) == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.2")


def test_fans():
    assert init._calculate_fan_in_and_fan_out(mg.zeros(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(mg.zeros(8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.zeros(5))


def _stats(t):
    a = arr(t)
    return a.mean(), a.std(), np.abs(a).max()


@pytest.mark.parametrize("shape", [(200, 300), (64, 32, 4, 4)])
def test_xavier_and_kaiming_follow_the_formulas(shape):
    w = mg.zeros(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)

    std = math.sqrt(2 / (fan_in + fan_out)) * 1.5
    mean, s, mx = _stats(init.xavier_uniform_(w, gain=1.5))
    assert mx <= math.sqrt(3) * std and mx > 0.99 * math.sqrt(3) * std
    assert s == pytest.approx(std, rel=0.03) and abs(mean) < 0.03 * std
    mean, s, _ = _stats(init.xavier_normal_(w))
    assert s == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.03)

    std = math.sqrt(2) / math.sqrt(fan_in)                 # kaiming, relu, fan_in
    mean, s, mx = _stats(init.kaiming_uniform_(w, nonlinearity="relu"))
    assert mx <= math.sqrt(3) * std and mx > 0.99 * math.sqrt(3) * std
    assert s == pytest.approx(std, rel=0.03)
    _, s, _ = _stats(init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    assert s == pytest.approx(math.sqrt(2) / math.sqrt(fan_out), rel=0.03)
    # default: leaky_relu with a=0 (gain sqrt 2); a=sqrt(5) gives PyTorch's layer default 1/sqrt(fan_in)
    _, _, mx = _stats(init.kaiming_uniform_(w, a=math.sqrt(5)))
    assert mx <= 1 / math.sqrt(fan_in) and mx > 0.99 / math.sqrt(fan_in)
    _, s, _ = _stats(init.kaiming_normal_(w, a=0.2, nonlinearity="leaky_relu"))
    assert s == pytest.approx(math.sqrt(2 / 1.04) / math.sqrt(fan_in), rel=0.03)


def test_uniform_normal_constant():
    w = mg.zeros(300, 300)
    mean, s, _ = _stats(init.normal_(w, 0.0, 0.02))       # DCGAN's init
    assert abs(mean) < 1e-3 and s == pytest.approx(0.02, rel=0.02)
    mean, s, _ = _stats(init.normal_(w, 1.0, 0.5))
    assert mean == pytest.approx(1.0, abs=0.01) and s == pytest.approx(0.5, rel=0.02)
    a = arr(init.uniform_(w, -2.0, 3.0))
    assert a.min() >= -2.0 and a.max() < 3.0 and a.mean() == pytest.approx(0.5, abs=0.02)
    assert (arr(init.constant_(w, 0.7)) == np.float32(0.7)).all()
    assert (arr(init.zeros_(w)) == 0).all() and (arr(init.ones_(w)) == 1).all()


@pytest.mark.parametrize("shape", [(6, 10), (10, 6), (4, 3, 2, 2)])
def test_orthogonal(shape):
    w = mg.zeros(*shape, dtype=mg.float64)
    init.orthogonal_(w, gain=2.0)
    q = arr(w).reshape(shape[0], -1)
    if q.shape[0] <= q.shape[1]:
        np.testing.assert_allclose(q @ q.T, 4.0 * np.eye(q.shape[0]), atol=1e-10)
    else:
        np.testing.assert_allclose(q.T @ q, 4.0 * np.eye(q.shape[1]), atol=1e-10)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(mg.zeros(4))


def test_in_place_on_parameters_returns_the_tensor_and_bumps_version():
    layer = nn.Linear(4, 3)
    w = layer.weight
    version = w._version
    out = init.normal_(w, 0.0, 0.02)
    assert out is w and w._version > version
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    for fn in (init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
               init.kaiming_normal_, init.orthogonal_, init.zeros_, init.ones_):
        assert fn(w) is w
    assert init.constant_(layer.bias, 0.1) is layer.bias


def test_dtype_is_kept_and_draws_are_seeded():
    for dtype in (mg.float32, mg.float64):
        w = mg.zeros(5, 6, dtype=dtype)
        for fn in (init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_):
            assert fn(w).dtype == dtype
    mg.manual_seed(7)
    a = arr(init.kaiming_uniform_(mg.zeros(5, 6))).copy()
    mg.manual_seed(7)
    b = arr(init.kaiming_uniform_(mg.zeros(5, 6)))
    np.testing.assert_array_equal(a, b)


def test_errors():
    with pytest.raises(ValueError, match="Mode fan_avg not supported, please use one of fan_in, fan_out"):
        init.kaiming_uniform_(mg.zeros(3, 4), mode="fan_avg")
    with pytest.raises(TypeError, match="expected a floating-point tensor, got dtype int64"):
        init.normal_(mg.zeros(3, 4, dtype=mg.int64))
    with pytest.raises(TypeError, match="expected a minigan Tensor, got ndarray"):
        init.uniform_(np.zeros((2, 2)))


def test_apply_reinitialises_a_model_dcgan_style():
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 3))

    def weights_init(m):
        if isinstance(m, nn.Conv2d):
            init.normal_(m.weight, 0.0, 0.02)
            init.zeros_(m.bias)

    model.apply(weights_init)
    assert np.abs(arr(model[0].weight)).max() < 0.1
    assert (arr(model[2].bias) == 0).all()
