"""The GAN model families and the registry ``minigan.gan.models.build``."""
from __future__ import annotations

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.gan import models
from minigan.gan.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    SAGANDiscriminator,
    SAGANGenerator,
    SNGANDiscriminator,
    SNGANGenerator,
    WGANCritic,
    WGANGPCritic,
    build,
    spectrally_normalized_layers,
)

# small widths keep the conv nets fast; the architecture is the same
SMALL = {"dcgan": dict(ngf=8, ndf=8), "wgan": dict(ngf=8, ndf=8), "wgan-gp": dict(ngf=8, ndf=8),
         "sngan": dict(ngf=4, ndf=4), "sagan": dict(ngf=8, ndf=8), "gan": {},
         "stylegan": dict(ngf=4, ndf=8, style_dim=8, mapping_layers=2)}

# the families whose G takes z alone and whose D returns logits (N, 1); cgan,
# ebgan and began are tested in test_models_extra.py
PLAIN = ("gan", "dcgan", "wgan", "wgan-gp", "sngan", "sagan", "stylegan")
CONFIGS = ([(f, "2d", None) for f in ("gan", "wgan", "wgan-gp", "sngan")]
           + [(f, "image", s) for f in PLAIN for s in (8, 28, 32)])


def test_plain_and_extra_families_cover_the_registry():
    assert set(PLAIN) | {"cgan", "ebgan", "began"} == set(models.FAMILIES)


def _build(family, kind, size, **kw):
    extra = SMALL[family] if kind == "image" else {}
    return build(family, kind, image_size=size, **extra, **kw)


@pytest.mark.parametrize("family,kind,size", CONFIGS)
def test_registry_shapes_dtypes_and_ranges(family, kind, size):
    G, D, info = _build(family, kind, size)
    assert info["family"] == family and info["data_kind"] == kind
    latent = info["latent_dim"]
    assert latent == models.DEFAULT_LATENT_DIM[kind][family]
    assert G.latent_dim == latent
    z = minigan.randn(5, latent)
    x = G(z)
    assert x.shape == (5,) + info["output_shape"]
    assert x.dtype == np.float32
    if kind == "image":
        assert info["output_shape"] == (1, size, size)
        # Tanh output: inside [-1, 1] even for large z
        big = G(minigan.randn(5, latent) * 10.0)
        assert np.abs(big.detach().numpy()).max() <= 1.0
        assert np.abs(x.detach().numpy()).max() > 0  # not a dead network
    else:
        assert info["output_shape"] == (2,)
    out = D(x)
    assert out.shape == (5, 1) and out.dtype == np.float32
    assert np.isfinite(out.detach().numpy()).all()


@pytest.mark.parametrize("family,kind,size", CONFIGS)
def test_one_adam_step_keeps_parameters_finite_and_moves_them(family, kind, size):
    G, D, info = _build(family, kind, size)
    named = list(G.named_parameters()) + list(D.named_parameters())
    params = [p for _, p in named]
    before = [p.detach().numpy().copy() for p in params]
    opt = minigan.optim.Adam(params, lr=1e-3)
    z = minigan.randn(4, info["latent_dim"])
    loss = minigan.softplus(-D(G(z))).mean() + (D(G(z)) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    missing = [n for n, p in named if p.grad is None]
    assert not missing, f"parameters without a gradient: {missing}"
    opt.step()
    # SelfAttention starts with gamma = 0, so its query/key/value convolutions
    # get exactly zero gradient on the first step (and Adam does not move them)
    attention = (".query.", ".key.", ".value.")
    for (name, p), b in zip(named, before):
        assert np.isfinite(p.detach().numpy()).all(), name
        if not any(a in name for a in attention):
            assert not np.array_equal(p.detach().numpy(), b), f"{name} did not move"


def test_registry_errors_are_clear():
    with pytest.raises(ValueError, match="convolutional"):
        build("dcgan", "2d")
    with pytest.raises(ValueError, match="convolutional"):
        build("sagan", "2d")
    with pytest.raises(ValueError, match="unknown family"):
        build("biggan", "image")
    with pytest.raises(ValueError, match="data_kind"):
        build("gan", "audio")
    with pytest.raises(ValueError, match="image_size"):
        build("dcgan", "image", image_size=30)
    with pytest.raises(ValueError, match="image_size"):
        build("gan", "2d", image_size=28)
    with pytest.raises(TypeError, match="ndf"):
        build("gan", "image", ndf=8)
    with pytest.raises(TypeError, match="norm"):
        build("dcgan", "image", norm="layer")


def test_registry_options_reach_the_right_network():
    G, D, info = build("wgan-gp", "image", image_size=8, latent_dim=16, ngf=4, ndf=6, norm="none",
                       channels=3)
    assert info["latent_dim"] == 16 and info["output_shape"] == (3, 8, 8) and info["channels"] == 3
    assert G.net[0].in_features == 16 and G.net[0].out_features == 4 * 4 * 4
    assert D.net[0].out_channels == 6 and D.norm == "none"
    G, D, info = build("gan", "2d", latent_dim=3, data_dim=5, g_hidden=(7,), d_hidden=(9, 9))
    assert G(minigan.randn(2, 3)).shape == (2, 5)
    assert [m.out_features for m in D.modules() if isinstance(m, nn.Linear)] == [9, 9, 1]
    G, D, info = build("wgan-gp", "2d")
    assert [m.out_features for m in G.modules() if isinstance(m, nn.Linear)] == [512, 512, 512, 2]
    assert [m.out_features for m in D.modules() if isinstance(m, nn.Linear)] == [512, 512, 512, 1]
    assert not any(isinstance(m, nn.LeakyReLU) for m in D.modules())  # ReLU, as the authors'
    # GDPP's / VEEGAN's toy nets: tanh hidden layers
    for family in ("gan", "wgan", "wgan-gp"):
        G, D, _ = build(family, "2d", g_activation="tanh", d_activation="tanh", g_hidden=(6, 6))
        for net in (G, D):
            kinds = {type(m).__name__ for m in net.net}
            assert "Tanh" in kinds and not kinds & {"ReLU", "LeakyReLU"}, (family, kinds)
    G, D, _ = build("sngan", "2d", g_activation="tanh")
    assert any(isinstance(m, nn.Tanh) for m in G.modules())
    with pytest.raises(TypeError, match="d_activation"):
        build("sngan", "2d", d_activation="tanh")  # SNGAN's D is LeakyReLU(0.1)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        build("wgan-gp", "2d", g_activation="swish")


def _layers(module):
    return [(type(m).__name__, m) for m in module.net]


def test_dcgan_28_is_the_benchmark_architecture():
    G, D = DCGANGenerator(), DCGANDiscriminator()
    names = [n for n, _ in _layers(G)]
    assert names == ["Linear", "Unflatten", "BatchNorm2d", "ReLU", "ConvTranspose2d",
                     "BatchNorm2d", "ReLU", "ConvTranspose2d", "Tanh"]
    lin, _, bn0, _, ct1, bn1, _, ct2, _ = G.net
    assert (lin.in_features, lin.out_features) == (100, 128 * 7 * 7)
    assert bn0.num_features == 128 and bn1.num_features == 64
    assert (ct1.in_channels, ct1.out_channels, ct1.kernel_size, ct1.stride, ct1.padding) == \
        (128, 64, (4, 4), (2, 2), (1, 1))
    assert (ct2.in_channels, ct2.out_channels) == (64, 1)
    names = [n for n, _ in _layers(D)]
    assert names == ["Conv2d", "LeakyReLU", "Conv2d", "BatchNorm2d", "LeakyReLU", "Flatten", "Linear"]
    c1, a1, c2, _, _, _, fc = D.net
    assert (c1.in_channels, c1.out_channels, c1.stride, c1.padding) == (1, 64, (2, 2), (1, 1))
    assert (c2.in_channels, c2.out_channels) == (64, 128)
    assert a1.negative_slope == 0.2
    assert (fc.in_features, fc.out_features) == (128 * 7 * 7, 1)
    x = G(minigan.randn(3, 100))
    assert x.shape == (3, 1, 28, 28) and D(x).shape == (3, 1)


def test_dcgan_64_follows_the_paper_4x4_start():
    G = DCGANGenerator(latent_dim=100, channels=3, image_size=64, ngf=64)
    assert G.net[0].out_features == 512 * 4 * 4
    convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(512, 256), (256, 128), (128, 64), (64, 3)]
    D = DCGANDiscriminator(channels=3, image_size=64, ndf=64)
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(3, 64), (64, 128), (128, 256), (256, 512)]
    assert D.net[-1].in_features == 512 * 4 * 4
    G, D = DCGANGenerator(channels=3, image_size=64, ngf=4), DCGANDiscriminator(3, 64, ndf=4)
    assert D(G(minigan.randn(2, 100))).shape == (2, 1)
    assert G(minigan.randn(2, 100)).shape == (2, 3, 64, 64)


def test_dcgan_init_statistics():
    G, D = DCGANGenerator(), DCGANDiscriminator()
    for model in (G, D):
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                w = m.weight.detach().numpy()
                if w.size >= 1000:
                    assert abs(w.std() - 0.02) < 0.003, (m, w.std())
                    assert abs(w.mean()) < 0.003
                if m.bias is not None:
                    assert np.all(m.bias.detach().numpy() == 0)
            if isinstance(m, nn.BatchNorm2d):
                g = m.weight.detach().numpy()
                assert abs(g.mean() - 1.0) < 0.01 and 0.005 < g.std() < 0.04
                assert np.all(m.bias.detach().numpy() == 0)
    # layers followed by batch norm carry no bias (the norm's shift replaces it)
    assert G.net[0].bias is None and D.net[2].bias is None
    # and it initialises a spectrally normalised layer's weight_orig
    layer = nn.utils.spectral_norm(nn.Linear(200, 300))
    models.dcgan_init(layer)
    assert abs(layer.weight_orig.detach().numpy().std() - 0.02) < 0.002


def _sn_report(module):
    return {name: has for name, _, has in spectrally_normalized_layers(module)}


@pytest.mark.parametrize("family,kind,size", [("sngan", "image", 28), ("sngan", "image", 32),
                                              ("sngan", "2d", None), ("sagan", "image", 28),
                                              ("sagan", "image", 32)])
def test_spectral_norm_on_every_discriminator_layer(family, kind, size):
    G, D, _ = _build(family, kind, size)
    report = _sn_report(D)
    assert report and all(report.values()), report
    keys = D.state_dict().keys()
    for name in report:
        prefix = f"{name}." if name else ""
        assert {prefix + "weight_orig", prefix + "weight_u", prefix + "weight_v"} <= set(keys)
    g_report = _sn_report(G)
    if family == "sagan":
        assert all(g_report.values()), g_report  # SAGAN: spectral norm in G too
        assert any(isinstance(m, nn.ConvTranspose2d) for m in G.modules())
    else:
        assert not any(g_report.values())  # SNGAN normalises only D


def test_no_spectral_norm_where_the_papers_have_none():
    for family in ("dcgan", "wgan", "wgan-gp"):
        G, D, _ = _build(family, "image", 8)
        assert not any(_sn_report(G).values()) and not any(_sn_report(D).values())


def test_sngan_standard_cnn_layout():
    D = SNGANDiscriminator(channels=3, image_size=32, ndf=64)
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == [
        (64, 3, 1), (64, 4, 2), (128, 3, 1), (128, 4, 2), (256, 3, 1), (256, 4, 2), (512, 3, 1)]
    assert D.net[-1].in_features == 512 * 4 * 4
    slopes = {m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.1}
    G = SNGANGenerator(latent_dim=128, channels=3, image_size=32, ngf=64)
    assert G.net[0].out_features == 512 * 4 * 4
    assert [c.out_channels for c in G.modules() if isinstance(c, nn.ConvTranspose2d)] == [256, 128, 64]
    last = [m for m in G.modules() if isinstance(m, nn.Conv2d)][-1]
    assert last.kernel_size == (3, 3) and last.out_channels == 3
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())


@pytest.mark.parametrize("size,where", [(28, 14), (32, 16), (8, 4)])
def test_sagan_has_self_attention_at_the_middle_resolution(size, where):
    G, D = SAGANGenerator(16, 1, size, ngf=8), SAGANDiscriminator(1, size, ndf=8)
    for model, x in ((G, minigan.randn(2, 16)), (D, minigan.randn(2, 1, size, size))):
        blocks = [m for m in model.modules() if isinstance(m, nn.SelfAttention)]
        assert len(blocks) == 1
        seen = []
        blocks[0].register_forward_pre_hook(lambda mod, args, seen=seen: seen.append(args[0].shape[-2:]))
        model(x)
        assert seen == [(where, where)]
        assert blocks[0].gamma.item() == 0.0
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())
    assert {m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)} == {0.1}
    with pytest.raises(ValueError, match="attention_size"):
        SAGANGenerator(16, 1, size, ngf=8, attention_size=size)


def test_wgan_critics_norms():
    assert any(isinstance(m, nn.BatchNorm2d) for m in WGANCritic(1, 28, ndf=8).modules())
    layer_critic = WGANGPCritic(1, 28, ndf=8)
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in layer_critic.modules())
    assert any(isinstance(m, nn.LayerNorm) for m in layer_critic.modules())
    plain = WGANGPCritic(1, 32, ndf=8, norm="none")
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)) for m in plain.modules())
    with pytest.raises(ValueError, match="per sample"):
        WGANGPCritic(norm="batch")
    # without batch norm, a sample's score does not depend on the rest of the batch
    # (the gradient penalty needs this)
    x = minigan.randn(6, 1, 28, 28)
    for critic in (layer_critic, WGANGPCritic(1, 28, ndf=8, norm="none")):
        whole = critic(x).detach().numpy()
        alone = critic(x[:2]).detach().numpy()
        np.testing.assert_allclose(whole[:2], alone, rtol=1e-5, atol=1e-6)


def test_mlp_image_variants_reshape():
    G = MLPGenerator(100, (1, 28, 28), hidden=models.IMAGE_G_HIDDEN, out_activation="tanh")
    D = MLPDiscriminator((1, 28, 28), hidden=models.IMAGE_D_HIDDEN)
    x = G(minigan.randn(3, 100))
    assert x.shape == (3, 1, 28, 28)
    assert D(x).shape == (3, 1)
    widths = [m.out_features for m in G.modules() if isinstance(m, nn.Linear)]
    assert widths == [256, 512, 1024, 784]
    widths = [m.out_features for m in D.modules() if isinstance(m, nn.Linear)]
    assert widths == [512, 256, 1]
    assert {m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)} == {0.2}
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())  # logits, not probabilities


def test_inputs_are_checked_with_clear_errors():
    G, D = DCGANGenerator(latent_dim=10, image_size=8, ngf=4), DCGANDiscriminator(image_size=8, ndf=4)
    with pytest.raises(ValueError, match=r"\(N, 10\)"):
        G(minigan.randn(2, 11))
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\)"):
        D(minigan.randn(2, 1, 28, 28))
    with pytest.raises(TypeError, match="Tensor"):
        D(np.zeros((2, 1, 8, 8), np.float32))
    # PyTorch's DCGAN layout for z, (N, latent_dim, 1, 1), is accepted
    assert G(minigan.randn(2, 10, 1, 1)).shape == (2, 1, 8, 8)
    with pytest.raises(ValueError, match="in_dim"):
        MLPDiscriminator(0)
    with pytest.raises(ValueError, match="out_activation"):
        MLPGenerator(2, 2, out_activation="sigmoid")
    with pytest.raises(ValueError, match="norm"):
        DCGANDiscriminator(norm="group")


def test_eval_mode_is_deterministic_and_state_dict_round_trips():
    G, _, info = _build("sagan", "image", 8)
    z = minigan.randn(3, info["latent_dim"])
    G(z)  # one training-mode pass: batch-norm statistics and u, v move
    G.eval()
    a, b = G(z).detach().numpy(), G(z).detach().numpy()
    np.testing.assert_array_equal(a, b)
    G2, _, _ = _build("sagan", "image", 8)
    G2.load_state_dict(G.state_dict())
    G2.eval()
    np.testing.assert_allclose(G2(z).detach().numpy(), a, rtol=1e-6, atol=1e-6)
