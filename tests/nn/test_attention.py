"""SAGAN self-attention: values against NumPy, the identity at gamma = 0, the
attention map, errors, spectral norm on its projections, and first and second
derivatives w.r.t. the input and every parameter."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.nn.attention import Conv1x1
from minigan.nn.functional import conv2d
from minigan.nn.utils import spectral_norm


def _set_gamma(attn, value):
    with mg.no_grad():
        attn.gamma.fill_(value)


def _reference(attn, x):
    """Independent NumPy SAGAN block: (y, beta)."""
    def proj(conv, z):
        w = conv.weight.detach().numpy()[:, :, 0, 0].astype(np.float64)
        out = np.einsum("oc,bcn->bon", w, z)
        return out + conv.bias.detach().numpy()[None, :, None] if conv.bias is not None else out

    b, c, h, w = x.shape
    z = x.reshape(b, c, h * w).astype(np.float64)
    f, g, v = proj(attn.query, z), proj(attn.key, z), proj(attn.value, z)
    s = np.einsum("bki,bkj->bij", f, g)
    beta = np.exp(s - s.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    o = np.einsum("bcj,bij->bci", v, beta)
    if attn.output is not None:
        o = proj(attn.output, o)
    return float(attn.gamma.item()) * o.reshape(b, c, h, w) + x, beta


@pytest.mark.parametrize("projection", [False, True])
def test_forward_matches_numpy(projection):
    attn = nn.SelfAttention(16, output_projection=projection)
    _set_gamma(attn, 0.7)
    x = mg.randn(2, 16, 3, 4)
    y, beta = attn(x, return_attention=True)
    ref_y, ref_beta = _reference(attn, x.numpy())
    assert y.dtype == np.float32 and beta.dtype == np.float32
    assert y.shape == (2, 16, 3, 4) and beta.shape == (2, 12, 12)
    np.testing.assert_allclose(y.detach().numpy(), ref_y, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(beta.detach().numpy(), ref_beta, rtol=1e-4, atol=1e-6)


def test_layout_and_initial_identity():
    attn = nn.SelfAttention(16)
    assert attn.query.weight.shape == (2, 16, 1, 1) and attn.key.weight.shape == (2, 16, 1, 1)
    assert attn.value.weight.shape == (16, 16, 1, 1) and attn.output is None
    assert isinstance(attn.gamma, nn.Parameter) and attn.gamma.shape == ()
    assert attn.gamma.item() == 0
    assert sorted(attn.state_dict()) == ["gamma", "key.bias", "key.weight", "query.bias",
                                         "query.weight", "value.bias", "value.weight"]
    proj = nn.SelfAttention(16, output_projection=True)
    assert proj.value.weight.shape == (8, 16, 1, 1) and proj.output.weight.shape == (16, 8, 1, 1)
    x = mg.randn(2, 16, 4, 4)
    y = attn(x)
    np.testing.assert_array_equal(y.detach().numpy(), x.numpy())
    _set_gamma(attn, 0.5)
    assert not np.allclose(attn(x).detach().numpy(), x.numpy(), atol=1e-3)


def test_attention_rows_are_distributions():
    attn = nn.SelfAttention(8, reduction=2)
    with mg.no_grad():
        attn.query.weight.mul_(5.0)  # sharper scores: rows far from uniform
    _, beta = attn(mg.randn(3, 8, 4, 4), return_attention=True)
    beta = beta.detach().numpy()
    assert beta.shape == (3, 16, 16) and np.all(beta >= 0)
    np.testing.assert_allclose(beta.sum(-1), 1.0, rtol=1e-5)
    assert beta.max() > 2.0 / 16  # not all uniform


def test_gradient_reaches_gamma_at_initialisation():
    attn = nn.SelfAttention(8, reduction=4)
    x = mg.randn(2, 8, 3, 3)
    (attn(x) ** 2.0).sum().backward()
    assert attn.gamma.grad is not None and abs(attn.gamma.grad.item()) > 0
    # with gamma = 0 the projections do not affect the output yet
    np.testing.assert_array_equal(attn.query.weight.grad.numpy(), 0.0)


def test_conv1x1_equals_conv2d_with_a_1x1_kernel():
    conv = Conv1x1(5, 3)
    x = mg.randn(2, 5, 3, 4)
    y = conv(x.reshape(2, 5, 12)).reshape(2, 3, 3, 4)
    ref = conv2d(x, conv.weight, conv.bias)
    np.testing.assert_allclose(y.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    bound = 1 / np.sqrt(5)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound


def test_spectral_norm_on_the_projections():
    attn = nn.SelfAttention(8, reduction=2)
    for name in ("query", "key", "value"):
        spectral_norm(getattr(attn, name))
    _set_gamma(attn, 1.0)
    x = mg.randn(2, 8, 3, 3)
    for _ in range(30):
        attn(x)
    assert "query.weight_orig" in attn.state_dict() and "value.weight_u" in attn.state_dict()
    w = attn.value.weight.detach().numpy()[:, :, 0, 0]
    assert np.linalg.svd(w, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-3)


def test_errors_are_clear():
    attn = nn.SelfAttention(16)
    with pytest.raises(ValueError,
                       match=r"expected 4-D input \(B, C, H, W\), got shape \(2, 16, 9\)"):
        attn(mg.randn(2, 16, 9))
    with pytest.raises(ValueError, match="expected 16 channels, got 8"):
        attn(mg.randn(2, 8, 3, 3))
    with pytest.raises(ValueError, match="gives 0 query/key channels; use reduction <= 4"):
        nn.SelfAttention(4)
    with pytest.raises(ValueError, match="in_channels must be a positive int"):
        nn.SelfAttention(0)


# ---------------------------------------------------------------- derivatives
@pytest.mark.parametrize("channels, reduction, projection", [(8, 4, False), (4, 2, True)])
def test_gradcheck_and_gradgradcheck(channels, reduction, projection):
    attn = nn.SelfAttention(channels, reduction=reduction, output_projection=projection).double()
    _set_gamma(attn, 0.8)
    with mg.no_grad():
        attn.query.weight.mul_(3.0)  # scores of order 1: a softmax far from uniform
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, channels, 2, 2)), requires_grad=True)
    params = list(attn.parameters())
    fn = lambda x, *p: attn(x)  # noqa: E731 - the parameters are used through the module
    mg.gradcheck(fn, (x, *params))
    mg.gradgradcheck(fn, (x, *params))
    # the attention map itself
    mg.gradcheck(lambda x, *p: attn(x, return_attention=True)[1], (x, *params), mode="random")
