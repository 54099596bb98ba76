"""The GAN layers of issue 9: Embedding, MinibatchDiscrimination,
VirtualBatchNorm1d/2d, ConditionalBatchNorm2d, AdaIN and MappingNetwork.
Values against NumPy, each layer's defining property, first and second
derivatives (float64), and clear errors."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.nn.adain import adaptive_instance_norm, instance_norm, pixel_norm
from minigan.nn.embedding import embedding
from minigan.nn.minibatch_discrimination import minibatch_discrimination


def _t(shape, requires_grad=True, scale=1.0, seed=0):
    rng = np.random.default_rng(seed + sum(shape))
    return mg.tensor(rng.standard_normal(shape) * scale, dtype=mg.float64,
                     requires_grad=requires_grad)


def _labels(values):
    return mg.tensor(np.asarray(values, dtype=np.int64))


# ------------------------------------------------------------------ Embedding
def test_embedding_is_row_lookup_with_torch_init():
    emb = nn.Embedding(1000, 16)
    assert emb.weight.shape == (1000, 16) and emb.weight.dtype == np.float32
    w = emb.weight.detach().numpy()
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1.0) < 0.03  # N(0, 1), as torch
    idx = np.array([[3, 999], [0, 3]])
    out = emb(_labels(idx))
    assert out.shape == (2, 2, 16) and out.dtype == np.float32
    np.testing.assert_array_equal(out.detach().numpy(), w[idx])
    # the same as one_hot(idx) @ weight
    onehot = np.eye(1000, dtype=np.float32)[idx]
    np.testing.assert_allclose(out.detach().numpy(), onehot @ w, rtol=1e-6)


def test_embedding_gradient_scatter_adds_repeated_indices():
    emb = nn.Embedding(4, 3)
    g = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = emb(_labels([2, 0, 2, 2]))
    out.backward(mg.tensor(g))
    expected = np.zeros((4, 3), np.float32)
    expected[0] = g[1]
    expected[2] = g[0] + g[2] + g[3]
    np.testing.assert_array_equal(emb.weight.grad.numpy(), expected)


def test_embedding_gradcheck_and_gradgradcheck():
    idx = _labels([[1, 1], [0, 2]])
    w = _t((3, 2))
    mg.gradcheck(lambda w: embedding(idx, w) ** 2, [w])
    mg.gradgradcheck(lambda w: embedding(idx, w) ** 2, [w])


def test_embedding_padding_idx_is_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=-1)
    assert emb.padding_idx == 4
    np.testing.assert_array_equal(emb.weight.detach().numpy()[4], 0.0)
    emb(_labels([4, 1, 4])).sum().backward()
    grad = emb.weight.grad.numpy()
    np.testing.assert_array_equal(grad[4], 0.0)
    np.testing.assert_array_equal(grad[1], 1.0)
    assert "padding_idx=4" in repr(emb)


def test_embedding_errors():
    emb = nn.Embedding(5, 3)
    with pytest.raises(TypeError, match="integer"):
        emb(mg.tensor([1.0, 2.0]))
    with pytest.raises(IndexError, match=r"0\.\.4"):
        emb(_labels([0, 5]))
    with pytest.raises(TypeError, match="Tensor"):
        emb([1, 2])
    with pytest.raises(ValueError, match="embedding_dim"):
        nn.Embedding(5, 0)


# ---------------------------------------------------- minibatch discrimination
def _mbd_ref(x, T):
    n, (a, b, c) = x.shape[0], T.shape
    m = (x @ T.reshape(a, b * c)).reshape(n, b, c)
    o = np.zeros((n, b))
    for i in range(n):
        for j in range(n):
            if j != i:
                o[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=1))
    return np.concatenate([x, o], axis=1)


def test_minibatch_discrimination_matches_the_paper():
    layer = nn.MinibatchDiscrimination(6, 4, 3)
    assert layer.T.shape == (6, 4, 3) and layer.T.dtype == np.float32
    assert abs(float(layer.T.detach().numpy().std()) - 0.05) < 0.02
    x = mg.randn(5, 6)
    out = layer(x)
    assert out.shape == (5, 10) and out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(),
                               _mbd_ref(x.numpy().astype(np.float64),
                                        layer.T.detach().numpy().astype(np.float64)),
                               rtol=1e-5, atol=1e-6)
    # the self term is left out: a batch of one sample has o = 0
    np.testing.assert_array_equal(layer(x[:1]).detach().numpy()[:, 6:], 0.0)


def test_minibatch_features_react_when_another_sample_copies_one():
    """The defining property: o(x_i) rises to >= 1 in every kernel when some
    other sample of the batch becomes identical to x_i (its c_b(i, j) = 1)."""
    layer = nn.MinibatchDiscrimination(8, 5, 3)
    with mg.no_grad():
        layer.T.mul_(20.0)  # well-separated rows, so distinct samples give o near 0
    x = mg.randn(6, 8).numpy()
    before = layer(mg.tensor(x)).detach().numpy()[:, 8:]
    copied = x.copy()
    copied[4] = copied[1]
    after = layer(mg.tensor(copied)).detach().numpy()[:, 8:]
    assert (before[1] < 0.5).all()
    assert (after[1] >= 1.0 - 1e-6).all() and (after[4] >= 1.0 - 1e-6).all()
    assert not np.allclose(after[1], before[1])
    # the untouched x_0 sees only a small change (its distance to x_4 changed)
    assert np.abs(after[0] - before[0]).max() < 0.5


def test_minibatch_discrimination_gradcheck_and_gradgradcheck():
    x = _t((4, 3))
    T = _t((3, 2, 2), scale=0.5, seed=1)
    mg.gradcheck(minibatch_discrimination, [x, T])
    mg.gradgradcheck(minibatch_discrimination, [x, T])


def test_minibatch_discrimination_errors():
    layer = nn.MinibatchDiscrimination(6, 4, 3)
    with pytest.raises(ValueError, match=r"\(N, 6\)"):
        layer(mg.randn(5, 7))
    with pytest.raises(ValueError, match="kernel_dims"):
        nn.MinibatchDiscrimination(6, 4, 0)


# ------------------------------------------------------- virtual batch norm
def _vbn_ref(ref, x, weight, bias, eps=1e-5):
    """The improved-gan formulas, in NumPy."""
    axes = (0,) + tuple(range(2, ref.ndim))
    spatial = tuple(range(2, ref.ndim))
    shape = (1, ref.shape[1]) + (1,) * len(spatial)
    mu_r, sq_r = ref.mean(axis=axes, keepdims=True), (ref ** 2).mean(axis=axes, keepdims=True)
    new = 1.0 / (ref.shape[0] + 1.0)
    mu = x.mean(axis=spatial, keepdims=True) if spatial else x
    sq = (x ** 2).mean(axis=spatial, keepdims=True) if spatial else x ** 2
    mean = new * mu + (1 - new) * mu_r
    mean_sq = new * sq + (1 - new) * sq_r
    out = (x - mean) / np.sqrt(mean_sq - mean ** 2 + eps)
    ref_out = (ref - mu_r) / np.sqrt(sq_r - mu_r ** 2 + eps)
    return (out * weight.reshape(shape) + bias.reshape(shape),
            ref_out * weight.reshape(shape) + bias.reshape(shape))


@pytest.mark.parametrize("cls,shape", [(nn.VirtualBatchNorm1d, (7, 3)),
                                       (nn.VirtualBatchNorm1d, (7, 3, 4)),
                                       (nn.VirtualBatchNorm2d, (7, 3, 4, 5))])
def test_virtual_batch_norm_matches_the_authors_formulas(cls, shape):
    vbn = cls(3)
    with mg.no_grad():
        vbn.weight.copy_(np.array([0.5, 1.0, 2.0], np.float32))
        vbn.bias.copy_(np.array([0.0, -1.0, 1.0], np.float32))
    ref = mg.randn(*shape) * 2.0 + 1.0
    x = mg.randn(4, *shape[1:])
    with nn.recording_reference(vbn):
        ref_out = vbn(ref)
    out = vbn(x)
    want, want_ref = _vbn_ref(ref.numpy().astype(np.float64), x.numpy().astype(np.float64),
                              vbn.weight.detach().numpy(), vbn.bias.detach().numpy())
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ref_out.detach().numpy(), want_ref, rtol=1e-4, atol=1e-5)
    assert out.dtype == np.float32
    vbn.eval()  # no running statistics: the same in evaluation mode
    np.testing.assert_array_equal(vbn(x).detach().numpy(), out.detach().numpy())


def test_virtual_batch_norm_output_of_one_example_ignores_its_batch():
    vbn = nn.VirtualBatchNorm2d(3)
    with nn.recording_reference(vbn):
        vbn(mg.randn(8, 3, 4, 4))
    x = mg.randn(5, 3, 4, 4)
    alone = vbn(x[2:3]).detach().numpy()
    others = x.numpy().copy()
    others[[0, 1, 3, 4]] = 10 * np.random.default_rng(3).standard_normal((4, 3, 4, 4))
    np.testing.assert_allclose(vbn(mg.tensor(others)).detach().numpy()[2:3], alone, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(vbn(x).detach().numpy()[2:3], alone, rtol=1e-5, atol=1e-6)
    # whereas batch norm in training mode mixes the batch
    bn = nn.BatchNorm2d(3)
    assert not np.allclose(bn(mg.tensor(others)).detach().numpy()[2], bn(x).detach().numpy()[2])


def test_virtual_batch_norm_gradient_flows_through_the_reference_statistics():
    """d out / d reference and d out / d x are both right, to second order."""
    vbn = nn.VirtualBatchNorm2d(2).double()

    def f(ref, x):
        with nn.recording_reference(vbn):
            vbn(ref)
        return vbn(x)

    ref, x = _t((3, 2, 2, 2)), _t((2, 2, 2, 2), seed=1)
    mg.gradcheck(f, [ref, x])
    mg.gradgradcheck(f, [ref, x], mode="random")


def test_virtual_batch_norm_errors():
    vbn = nn.VirtualBatchNorm2d(3)
    with pytest.raises(RuntimeError, match="reference"):
        vbn(mg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="C=3"):
        vbn(mg.randn(2, 4, 4, 4))
    with pytest.raises(ValueError, match="4-D"):
        vbn(mg.randn(2, 3))
    with nn.recording_reference(vbn):
        vbn(mg.randn(4, 3, 2, 2))
    with pytest.raises(TypeError, match="dtype"):
        vbn(_t((2, 3, 2, 2)))


# ------------------------------------------------- conditional batch norm
def test_conditional_batch_norm_starts_as_batch_norm_and_scales_per_class():
    cbn = nn.ConditionalBatchNorm2d(3, num_classes=4)
    assert not cbn.bn.affine
    np.testing.assert_array_equal(cbn.weight.weight.detach().numpy(), 1.0)
    np.testing.assert_array_equal(cbn.bias.weight.detach().numpy(), 0.0)
    x, y = mg.randn(6, 3, 4, 4), _labels([0, 1, 2, 3, 1, 0])
    plain = nn.BatchNorm2d(3, affine=False)(x).detach().numpy()
    np.testing.assert_allclose(cbn(x, y).detach().numpy(), plain, rtol=1e-5, atol=1e-6)
    with mg.no_grad():
        cbn.weight.weight._data[1] = 2.0
        cbn.bias.weight._data[1] = 0.5
    out = cbn(x, y).detach().numpy()
    ones = np.array([1, 4])
    np.testing.assert_allclose(out[ones], 2.0 * plain[ones] + 0.5, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out[[0, 2, 3, 5]], plain[[0, 2, 3, 5]], rtol=1e-5, atol=1e-6)
    # running statistics are shared and used in evaluation mode
    assert cbn.bn.num_batches_tracked.item() == 2
    cbn.eval()
    assert cbn(x, y).shape == (6, 3, 4, 4)


def test_conditional_batch_norm_gradients():
    cbn = nn.ConditionalBatchNorm2d(2, num_classes=3).double()
    with mg.no_grad():
        cbn.weight.weight.copy_(np.random.default_rng(0).uniform(0.5, 1.5, (3, 2)))
    y = _labels([2, 0, 2])
    mg.gradcheck(lambda x: cbn(x, y), [_t((3, 2, 2, 2))])
    x = mg.randn(3, 2, 2, 2, dtype=mg.float64)
    cbn(x, y).sum().backward()
    g = cbn.bias.weight.grad.numpy()
    np.testing.assert_allclose(g, [[4, 4], [0, 0], [8, 8]])  # class 1 unused: no gradient


def test_conditional_batch_norm_errors():
    cbn = nn.ConditionalBatchNorm2d(3, num_classes=4)
    with pytest.raises(ValueError, match=r"\(2,\)"):
        cbn(mg.randn(2, 3, 4, 4), _labels([0, 1, 2]))
    with pytest.raises(IndexError, match=r"0\.\.3"):
        cbn(mg.randn(2, 3, 4, 4), _labels([0, 4]))


# ----------------------------------------------------------- AdaIN, mapping
def test_adain_formula_and_style_statistics():
    x = mg.randn(2, 3, 5, 5) * 3.0 + 2.0
    scale, bias = mg.tensor([[1.0, 2.0, 0.5], [3.0, 1.0, 1.0]]), mg.tensor([[0.0, 1.0, -1.0],
                                                                            [2.0, 0.0, 0.0]])
    out = adaptive_instance_norm(x, scale, bias).detach().numpy().astype(np.float64)
    xn = x.numpy().astype(np.float64)
    mu, var = xn.mean(axis=(2, 3), keepdims=True), xn.var(axis=(2, 3), keepdims=True)
    want = scale.numpy()[:, :, None, None] * (xn - mu) / np.sqrt(var + 1e-5) + \
        bias.numpy()[:, :, None, None]
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    # the output's per-sample, per-channel mean and std are the style's
    np.testing.assert_allclose(out.mean(axis=(2, 3)), bias.numpy(), atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(2, 3)), scale.numpy(), rtol=1e-3)


def test_adain_layer_starts_near_identity_style():
    ada = nn.AdaIN(4, style_dim=6)
    x = mg.randn(3, 4, 5, 5)
    # A(0) = its bias = (1, ..., 1, 0, ..., 0): plain instance norm
    np.testing.assert_allclose(ada(x, mg.zeros(3, 6)).detach().numpy(),
                               instance_norm(x).detach().numpy(), rtol=1e-6, atol=1e-6)
    w1, w2 = mg.randn(3, 6), mg.randn(3, 6)
    assert not np.allclose(ada(x, w1).detach().numpy(), ada(x, w2).detach().numpy())
    # instance norm removes x's own statistics: rescaled x gives the same output
    np.testing.assert_allclose(ada(x * 5.0 + 3.0, w1).detach().numpy(),
                               ada(x, w1).detach().numpy(), rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError, match=r"\(3, 6\)"):
        ada(x, mg.randn(3, 5))
    with pytest.raises(ValueError, match=r"\(N, 4, H, W\)"):
        ada(mg.randn(3, 2, 5, 5), w1)


def test_adain_gradcheck_and_gradgradcheck():
    args = [_t((2, 2, 3, 3)), _t((2, 2), seed=1), _t((2, 2), seed=2)]
    mg.gradcheck(adaptive_instance_norm, args)
    mg.gradgradcheck(adaptive_instance_norm, args, mode="random")
    ada = nn.AdaIN(2, style_dim=3).double()
    mg.gradcheck(lambda x, w: ada(x, w), [_t((2, 2, 3, 3), seed=3), _t((2, 3), seed=4)])


def test_mapping_network_layers_and_pixel_norm():
    f = nn.MappingNetwork(5, 7, num_layers=3, hidden_dim=11)
    linears = [m for m in f.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 11), (11, 11), (11, 7)]
    assert sum(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2
               for m in f.modules()) == 3
    z = mg.randn(4, 5)
    w = f(z)
    assert w.shape == (4, 7) and w.dtype == np.float32
    # pixel norm: only z's direction matters
    np.testing.assert_allclose(f(z * 3.0).detach().numpy(), w.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    rms = np.sqrt((pixel_norm(z).numpy() ** 2).mean(axis=1))
    np.testing.assert_allclose(rms, 1.0, rtol=1e-5)
    g = nn.MappingNetwork(5, 7, num_layers=2, normalize_latent=False)
    assert not np.allclose(g(z * 3.0).detach().numpy(), g(z).detach().numpy())
    assert len([m for m in nn.MappingNetwork(5, 7).modules() if isinstance(m, nn.Linear)]) == 8
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        f(mg.randn(4, 6))
