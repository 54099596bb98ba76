"""The model families and options of issue 9: cgan (label embedding +
conditional BN in G; projection or concatenation in D), ebgan / began
(autoencoder discriminators), stylegan (mapping network + AdaIN, style
mixing), every discriminator's ``features``, and the Salimans et al. 2016
options (minibatch discrimination, virtual batch norm)."""
from __future__ import annotations

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.gan import models
from minigan.gan.models import build


def _labels(values):
    return minigan.tensor(np.asarray(values, dtype=np.int64))


def _adam_step(G, D, loss_fn):
    named = list(G.named_parameters()) + list(D.named_parameters())
    before = [p.detach().numpy().copy() for _, p in named]
    opt = minigan.optim.Adam([p for _, p in named], lr=1e-3)
    opt.zero_grad()
    loss = loss_fn()
    assert np.isfinite(loss.item())
    loss.backward()
    missing = [n for n, p in named if p.grad is None]
    assert not missing, f"parameters without a gradient: {missing}"
    opt.step()
    for (name, p), b in zip(named, before):
        assert np.isfinite(p.detach().numpy()).all(), name
        assert not np.array_equal(p.detach().numpy(), b), f"{name} did not move"


# ---------------------------------------------------------------------- cgan
CGAN_CONFIGS = [("2d", None, c) for c in ("projection", "concat")] + \
    [("image", s, c) for s in (8, 28) for c in ("projection", "concat")]


@pytest.mark.parametrize("kind,size,conditioning", CGAN_CONFIGS)
def test_cgan_shapes_labels_and_one_step(kind, size, conditioning):
    small = dict(ngf=8, ndf=8, image_size=size) if kind == "image" else {}
    G, D, info = build("cgan", kind, d_conditioning=conditioning, num_classes=5, **small)
    assert info["num_classes"] == 5 and G.num_classes == 5 and D.num_classes == 5
    assert D.conditioning == conditioning
    n = 6
    z, y = minigan.randn(n, info["latent_dim"]), _labels([0, 1, 2, 3, 4, 0])
    x = G(z, y)
    assert x.shape == (n,) + info["output_shape"] and x.dtype == np.float32
    logits = D(x, y)
    assert logits.shape == (n, 1) and np.isfinite(logits.detach().numpy()).all()
    feats = D.features(x, y)
    assert feats.ndim == 2 and feats.shape[0] == n
    # the label changes G's output for the same z, and D's verdict on the same x
    y2 = _labels([1, 2, 3, 4, 0, 1])
    assert not np.allclose(G(z, y2).detach().numpy(), x.detach().numpy())
    assert not np.allclose(D(x, y2).detach().numpy(), logits.detach().numpy())
    _adam_step(G, D, lambda: minigan.softplus(-D(G(z, y), y)).mean()
               + minigan.softplus(D(x.detach(), y)).mean())


def test_cgan_projection_is_linear_head_plus_inner_product():
    _, D, _ = build("cgan", "image", image_size=8, ngf=4, ndf=4, num_classes=3)
    x, y = minigan.randn(4, 1, 8, 8), _labels([0, 2, 1, 2])
    D.eval()
    phi = D.features(x, y).detach().numpy()
    head = D.body.net[-1]
    psi = phi @ head.weight.detach().numpy().T + head.bias.detach().numpy()
    proj = (D.embed.weight.detach().numpy()[y.numpy()] * phi).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(D(x, y).detach().numpy(), psi + proj, rtol=1e-4, atol=1e-5)


def test_cgan_concat_adds_label_channels_and_generator_uses_conditional_bn():
    G, D, _ = build("cgan", "image", image_size=8, ngf=4, ndf=4, d_conditioning="concat")
    assert D.body.net[0].in_channels == 1 + 10 and not hasattr(D, "embed")
    assert sum(isinstance(m, nn.ConditionalBatchNorm2d) for m in G.modules()) == 1
    assert not any(isinstance(m, nn.BatchNorm2d) and m.affine for m in G.modules())
    G28, _, _ = build("cgan", "image", ngf=4, ndf=4)
    assert sum(isinstance(m, nn.ConditionalBatchNorm2d) for m in G28.modules()) == 2


def test_cgan_errors():
    G, D, info = build("cgan", "image", image_size=8, ngf=4, ndf=4)
    z = minigan.randn(2, info["latent_dim"])
    with pytest.raises(TypeError):
        G(z)  # the label is required
    with pytest.raises(IndexError, match=r"0\.\.9"):
        G(z, _labels([0, 10]))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        G(z, _labels([0, 1, 2]))
    with pytest.raises(TypeError, match="integer"):
        D(minigan.randn(2, 1, 8, 8), minigan.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="conditioning"):
        build("cgan", "image", d_conditioning="both")
    with pytest.raises(TypeError, match="minibatch_discrimination"):
        build("cgan", "image", minibatch_discrimination=True)


# ---------------------------------------------------------- ebgan and began
@pytest.mark.parametrize("family", ["ebgan", "began"])
@pytest.mark.parametrize("kind,size", [("2d", None), ("image", 8), ("image", 28)])
def test_autoencoder_discriminators_reconstruct(family, kind, size):
    small = dict(ngf=8, ndf=8, image_size=size) if kind == "image" else {}
    G, D, info = build(family, kind, **small)
    assert info["num_classes"] is None
    z = minigan.randn(5, info["latent_dim"])
    x = G(z)
    recon = D(x)
    assert recon.shape == x.shape == (5,) + info["output_shape"] and recon.dtype == np.float32
    code = D.features(x)
    assert code.shape == (5, D.code_dim)
    hidden = D.hidden(x)  # the layer the code is computed from
    assert hidden.shape == (5, D.encoder[-1].in_features)
    np.testing.assert_allclose(D.encoder[-1](hidden).detach().numpy(), code.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    has_bn = any(isinstance(m, nn.BatchNorm2d) for m in D.modules())
    elu = any(isinstance(m, models.ebgan.ELU) for m in D.modules())
    if kind == "image":
        assert has_bn == (family == "ebgan")
        assert D.code_dim == (128 if family == "ebgan" else 64)
    assert elu == (family == "began")
    real = x.detach() + 0.1

    def energy_loss():  # EBGAN's margin form, enough to check every parameter learns
        e_real = ((D(real) - real) ** 2).mean()
        e_fake = ((D(G(z)) - G(z)) ** 2).mean()
        return e_real + minigan.relu(1.0 - e_fake)

    _adam_step(G, D, energy_loss)


def test_autoencoder_options():
    _, D, _ = build("began", "image", image_size=8, ngf=4, ndf=4, code_dim=5)
    assert D.code_dim == 5
    _, D, _ = build("ebgan", "2d", d_hidden=(16,), code_dim=3)
    assert [m.out_features for m in D.modules() if isinstance(m, nn.Linear)] == [16, 3, 16, 2]
    with pytest.raises(TypeError, match="num_classes"):
        build("ebgan", "image", num_classes=3)
    elu = models.ebgan.ELU()
    x = minigan.tensor([-50.0, -1.0, 0.0, 2.0])
    np.testing.assert_allclose(elu(x).numpy(), [np.expm1(-50.0), np.expm1(-1.0), 0.0, 2.0],
                               rtol=1e-6)


# ------------------------------------------------------------------ stylegan
def _stylegan(**kw):
    G, D, info = build("stylegan", "image", ngf=4, ndf=4, style_dim=8, mapping_layers=2, **kw)
    return G, D, info


def test_stylegan_structure_and_shapes():
    G, D, info = _stylegan()
    assert info["latent_dim"] == 64 and isinstance(D, models.DCGANDiscriminator)
    assert G.num_blocks == 3  # 7x7, 14x14, 28x28
    assert isinstance(G.mapping, nn.MappingNetwork)
    assert sum(isinstance(m, nn.AdaIN) for m in G.modules()) == 2 * G.num_blocks
    assert G.const.shape == (1, 16, 7, 7)
    x = G(minigan.randn(3, 64))
    assert x.shape == (3, 1, 28, 28) and np.abs(x.detach().numpy()).max() <= 1.0
    with pytest.raises(ValueError, match="convolutional"):
        build("stylegan", "2d")


def test_stylegan_style_mixing():
    G, _, _ = _stylegan(noise=False)
    G.eval()
    z1, z2 = minigan.randn(4, 64), minigan.randn(4, 64)
    a, b = G(z1).detach().numpy(), G(z2).detach().numpy()
    np.testing.assert_allclose(G.mix(z1, z2, G.num_blocks).detach().numpy(), a, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(G.mix(z1, z2, 0).detach().numpy(), b, rtol=1e-5, atol=1e-6)
    mixed = G.mix(z1, z2, 1).detach().numpy()
    assert not np.allclose(mixed, a, atol=1e-4) and not np.allclose(mixed, b, atol=1e-4)
    # the same mix from explicit per-block styles
    w1, w2 = G.mapping(z1), G.mapping(z2)
    np.testing.assert_allclose(G.synthesis([w1, w2, w2]).detach().numpy(), mixed, rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="crossover"):
        G.mix(z1, z2, 4)
    with pytest.raises(ValueError, match="same shape"):
        G.mix(z1, z2[:2], 1)
    with pytest.raises(ValueError, match="3 styles"):
        G.synthesis([w1, w2])


def test_stylegan_starts_with_styles_that_depend_on_z():
    """With PyTorch's default Linear init, w shrinks ~sqrt(3)x per mapping
    layer and every style sits near (1, 0): G starts ignoring z (and, in
    practice, collapses). The He-initialised mapping keeps w at unit scale."""
    G, _, _ = build("stylegan", "image", image_size=16)
    z = minigan.randn(128, 64)
    w = G.mapping(z).detach().numpy()
    assert 0.3 < np.sqrt((w ** 2).mean()) < 3.0
    assert w.std(axis=0).mean() > 0.3
    x = G(z).detach().numpy()
    assert x.std(axis=0).mean() > 0.15  # samples differ from each other at initialisation


def test_stylegan_noise_is_per_pixel_and_learned():
    G, _, _ = _stylegan()
    z = minigan.randn(2, 64)
    # noise weights start at 0: the output does not depend on the noise yet
    np.testing.assert_allclose(G(z).detach().numpy(), G(z).detach().numpy(), atol=1e-6)
    with minigan.no_grad():
        for m in G.modules():
            if isinstance(m, models.stylegan.NoiseInjection):
                m.weight.fill_(1.0)
    assert not np.allclose(G(z).detach().numpy(), G(z).detach().numpy())
    G2, D2, _ = _stylegan()
    _adam_step(G2, D2, lambda: minigan.softplus(-D2(G2(z))).mean())


# ----------------------------------------------------- features() everywhere
FEATURE_CONFIGS = ([(f, "2d", None) for f in ("gan", "wgan", "wgan-gp", "sngan")]
                   + [(f, "image", 8) for f in ("gan", "dcgan", "wgan", "wgan-gp", "sngan",
                                                "sagan", "stylegan")])
SMALL = dict(ngf=4, ndf=4)


@pytest.mark.parametrize("family,kind,size", FEATURE_CONFIGS)
def test_features_are_the_penultimate_activations(family, kind, size):
    extra = SMALL if kind == "image" and family != "gan" else {}
    G, D, info = build(family, kind, image_size=size, **extra)
    D.eval()  # batch norm from running statistics: the two passes agree exactly
    x = G(minigan.randn(4, info["latent_dim"])).detach()
    feats = D.features(x)
    assert feats.ndim == 2 and feats.shape[0] == 4 and feats.dtype == np.float32
    last = [m for m in D.modules() if isinstance(m, nn.Linear)][-1]
    assert feats.shape[1] == last.in_features
    np.testing.assert_allclose(D.head(feats).detach().numpy(), D(x).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    (g,) = minigan.grad(D.features(x.requires_grad_()).sum(), x)
    assert np.isfinite(g.numpy()).all()


# --------------------------------------- minibatch discrimination and VBN
@pytest.mark.parametrize("family,kind,size", [("gan", "2d", None), ("gan", "image", 8),
                                              ("dcgan", "image", 8), ("dcgan", "image", 28)])
def test_minibatch_discrimination_option(family, kind, size):
    extra = SMALL if family == "dcgan" else {}
    G, D, info = build(family, kind, image_size=size, minibatch_discrimination=True, **extra)
    mbd = [m for m in D.modules() if isinstance(m, nn.MinibatchDiscrimination)]
    assert len(mbd) == 1
    z = minigan.randn(5, info["latent_dim"])
    x = G(z)
    assert D(x).shape == (5, 1)
    assert D.features(x).shape == (5, mbd[0].in_features)
    # D's verdict on a sample now depends on the rest of its batch
    D.eval()
    xs = x.detach().numpy().copy()
    before = D(minigan.tensor(xs)).detach().numpy()[0]
    xs[3] = xs[0]
    assert not np.allclose(D(minigan.tensor(xs)).detach().numpy()[0], before)
    _adam_step(G, D, lambda: minigan.softplus(-D(G(z))).mean())
    _, plain, _ = build(family, kind, image_size=size, **extra)
    assert not any(isinstance(m, nn.MinibatchDiscrimination) for m in plain.modules())


@pytest.mark.parametrize("family,kind,size", [("gan", "2d", None), ("gan", "image", 8),
                                              ("dcgan", "image", 8)])
def test_virtual_batch_norm_generator_is_self_contained(family, kind, size):
    extra = SMALL if family == "dcgan" else {}
    G, D, info = build(family, kind, image_size=size, g_norm="vbn", vbn_reference_size=16,
                       **extra)
    assert any(isinstance(m, (nn.VirtualBatchNorm1d, nn.VirtualBatchNorm2d))
               for m in G.modules())
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in G.modules())
    assert G.reference_z.shape == (16, info["latent_dim"])
    assert "reference_z" in G.state_dict()
    z = minigan.randn(6, info["latent_dim"])
    full = G(z).detach().numpy()
    # a sample's output depends on its own z (and the fixed reference) only
    np.testing.assert_allclose(G(z[2:3]).detach().numpy(), full[2:3], rtol=1e-4, atol=1e-5)
    other = minigan.tensor(np.concatenate([z.numpy()[2:3], 5 * np.ones((3, z.shape[1]),
                                                                        np.float32)]))
    np.testing.assert_allclose(G(other).detach().numpy()[:1], full[2:3], rtol=1e-4, atol=1e-5)
    _adam_step(G, D, lambda: minigan.softplus(-D(G(z))).mean())
    # the state dict (reference noise included) reproduces the generator
    G2, _, _ = build(family, kind, image_size=size, g_norm="vbn", vbn_reference_size=16, **extra)
    G2.load_state_dict(G.state_dict())
    np.testing.assert_allclose(G2(z).detach().numpy(), G(z).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_improved_gan_options_are_refused_elsewhere():
    with pytest.raises(TypeError, match="g_norm"):
        build("wgan", "image", g_norm="vbn")
    with pytest.raises(TypeError, match="minibatch_discrimination"):
        build("sngan", "2d", minibatch_discrimination=True)
    with pytest.raises(ValueError, match="norm"):
        build("dcgan", "image", g_norm="layer")
    G, _, _ = build("gan", "2d", g_norm="batch")
    assert sum(isinstance(m, nn.BatchNorm1d) for m in G.modules()) == 3


def test_vbn_generator_keeps_no_graph_between_calls_and_deep_copies():
    import copy
    import pickle

    G, _, info = build("dcgan", "image", image_size=8, g_norm="vbn", vbn_reference_size=8,
                       **SMALL)
    z = minigan.randn(3, info["latent_dim"])
    out = G(z)
    vbns = [m for m in G.modules() if isinstance(m, nn.VirtualBatchNorm2d)]
    assert vbns and all(m.reference_mean is None for m in vbns)
    twin = copy.deepcopy(G)
    pickle.loads(pickle.dumps(G))
    np.testing.assert_allclose(twin(z).detach().numpy(), out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
