"""Generator and discriminator networks, one module per GAN family, and
:func:`build`, which picks the pair for a family and a kind of data.

========  ==================================================  ====================================
family    image data                                          2-D toy data
========  ==================================================  ====================================
gan       MLP on flattened pixels (:mod:`.mlp`)               MLP, 3 x 128 (latent 8)
dcgan     DCGAN conv nets (:mod:`.dcgan`)                     convolutional: not available
wgan      DCGAN G + BatchNorm critic (:mod:`.wgan`)           MLP G and critic, 3 x 512 (latent 2)
wgan-gp   DCGAN G + LayerNorm critic (:mod:`.wgan`)           MLP G and critic, 3 x 512 (latent 2)
sngan     standard CNN, SN in D (:mod:`.sngan`)               MLP, SN on every D layer (latent 8)
sagan     SN in G and D + self-attention (:mod:`.sagan`)      convolutional: not available
cgan      conditional DCGAN G(z, y), D(x, y) (:mod:`.cgan`)   conditional MLPs (latent 8)
ebgan     DCGAN G + autoencoder D (:mod:`.ebgan`)             MLP G + MLP autoencoder D (latent 8)
began     DCGAN G + ELU autoencoder D, no BN (:mod:`.ebgan`)  MLP G + ELU MLP autoencoder D
stylegan  mapping net + AdaIN G, DCGAN D (:mod:`.stylegan`)   convolutional: not available
========  ==================================================  ====================================

Every discriminator returns logits / critic scores of shape (N, 1), except
EBGAN's and BEGAN's, which return a reconstruction of their input (same
shape as x). Every image generator ends in Tanh, so images are in [-1, 1].
The cgan networks take labels too: ``G(z, y)``, ``D(x, y)`` with y an int64
Tensor (N,) in [0, num_classes); ``info['num_classes']`` says how many
(None for the unconditional families).

Every discriminator has ``features(x)`` (``features(x, y)`` for cgan): its
penultimate activations, flattened to (N, F), for feature matching.

Options from "Improved Techniques for Training GANs" (Salimans et al. 2016),
for the gan family (images and 2-D) and dcgan: ``minibatch_discrimination=True``
(D) and ``g_norm='vbn'`` (G: virtual batch norm with a fixed reference batch
of ``vbn_reference_size`` noise vectors, kept inside G).
"""
from __future__ import annotations

from .cgan import NUM_CLASSES, CGANDiscriminator, CGANGenerator, CGANMLPDiscriminator, CGANMLPGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator, dcgan_init
from .ebgan import (BEGAN_CODE_DIM, EBGAN_CODE_DIM, TOY_CODE_DIM, AutoencoderDiscriminator,
                    MLPAutoencoderDiscriminator)
from .mlp import (
    IMAGE_D_HIDDEN,
    IMAGE_G_HIDDEN,
    TOY_HIDDEN,
    MLPDiscriminator,
    MLPGenerator,
)
from .sagan import SAGANDiscriminator, SAGANGenerator
from .sngan import (
    SNGANDiscriminator,
    SNGANGenerator,
    SNMLPDiscriminator,
    apply_spectral_norm,
    spectrally_normalized_layers,
)
from .stylegan import StyleGANGenerator
from .wgan import WGAN_TOY_HIDDEN, MLPCritic, WGANCritic, WGANGPCritic

__all__ = [
    "FAMILIES", "DATA_KINDS", "DEFAULT_LATENT_DIM", "build",
    "MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "dcgan_init",
    "WGANCritic", "WGANGPCritic", "MLPCritic", "SNGANGenerator", "SNGANDiscriminator",
    "SNMLPDiscriminator", "SAGANGenerator", "SAGANDiscriminator", "apply_spectral_norm",
    "spectrally_normalized_layers", "CGANGenerator", "CGANDiscriminator", "CGANMLPGenerator",
    "CGANMLPDiscriminator", "AutoencoderDiscriminator", "MLPAutoencoderDiscriminator",
    "StyleGANGenerator",
]

FAMILIES = ("gan", "dcgan", "wgan", "wgan-gp", "sngan", "sagan", "cgan", "ebgan", "began",
            "stylegan")
DATA_KINDS = ("2d", "image")

#: latent sizes when ``build`` is not given one: the papers' for images
#: (100 in DCGAN / WGAN, 128 in SNGAN / SAGAN); for toy data, 2 as in the
#: WGAN-GP authors' toy code and 8 elsewhere (easier to cover many modes);
#: BEGAN's 64 (its N_z), and 64 for the small StyleGAN
DEFAULT_LATENT_DIM = {
    "2d": {"gan": 8, "wgan": 2, "wgan-gp": 2, "sngan": 8, "cgan": 8, "ebgan": 8, "began": 8},
    "image": {"gan": 100, "dcgan": 100, "wgan": 100, "wgan-gp": 100, "sngan": 128, "sagan": 128,
              "cgan": 100, "ebgan": 100, "began": 64, "stylegan": 64},
}

_CONV_ONLY = ("dcgan", "sagan", "stylegan")
#: build options -> the keyword of the network's constructor
_RENAME = {"g_norm": "norm", "vbn_reference_size": "reference_size",
           "d_conditioning": "conditioning", "g_activation": "activation",
           "d_activation": "activation"}
_IMPROVED = {"g_norm": "G", "vbn_reference_size": "G", "minibatch_discrimination": "D"}


def _take(kw: dict, allowed: dict, where: str) -> dict:
    """Split ``kw`` by ``allowed`` (key -> 'G' or 'D'); unknown keys are an error."""
    unknown = sorted(set(kw) - set(allowed))
    if unknown:
        raise TypeError(f"build: unexpected keyword(s) {', '.join(unknown)} for {where}; "
                        f"accepted: {', '.join(allowed) or 'none'}")
    return ({_RENAME.get(k, k): v for k, v in kw.items() if allowed[k] == "G"},
            {_RENAME.get(k, k): v for k, v in kw.items() if allowed[k] == "D"})


def build(family: str, data_kind: str, image_size: int | None = None, channels: int = 1,
          latent_dim: int | None = None, **kw):
    """The generator and discriminator of ``family`` for ``data_kind``.

    Args:
        family: one of ``FAMILIES`` ('gan', 'dcgan', 'wgan', 'wgan-gp',
            'sngan', 'sagan', 'cgan', 'ebgan', 'began', 'stylegan').
        data_kind: '2d' (points (N, 2)) or 'image' ((N, channels, size, size)
            in [-1, 1]).
        image_size: side of the square images (default 28); only for images.
        channels: image channels (default 1).
        latent_dim: size of z (default ``DEFAULT_LATENT_DIM[data_kind][family]``).
        **kw: architecture options, passed to the network they belong to:
            images: ``ngf``, ``ndf`` (conv families), ``norm`` (wgan-gp critic:
            'layer' or 'none'), ``attention_size`` (sagan, both networks),
            ``g_hidden``, ``d_hidden`` (gan); 2-D: ``data_dim`` (default 2),
            ``g_hidden``, ``d_hidden``, ``g_activation``, ``d_activation``
            ('relu', 'leaky_relu' or 'tanh'; gan, wgan, wgan-gp; sngan only
            ``g_activation``). gan (both kinds) and dcgan:
            ``g_norm`` ('vbn'; gan also 'none', 'batch'; dcgan 'batch'),
            ``vbn_reference_size`` (default 64), ``minibatch_discrimination``
            (bool). cgan: ``num_classes`` (default 10), ``d_conditioning``
            ('projection' or 'concat'), ``embed_dim``. ebgan / began:
            ``code_dim``. stylegan: ``ngf``, ``ndf``, ``style_dim``,
            ``mapping_layers``, ``noise``.

    Returns:
        ``(G, D, info)`` with ``info`` a dict: family, data_kind, latent_dim,
        output_shape (one sample's shape, e.g. (2,) or (1, 28, 28)),
        image_size and channels (None for 2-D data), num_classes (cgan's
        label count; None for the other families).
    """
    if family not in FAMILIES:
        raise ValueError(f"build: unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    if data_kind not in DATA_KINDS:
        raise ValueError(f"build: unknown data_kind {data_kind!r}; expected one of "
                         f"{', '.join(DATA_KINDS)}")
    if latent_dim is None:
        latent_dim = DEFAULT_LATENT_DIM[data_kind].get(family)
    if data_kind == "2d":
        return _build_2d(family, latent_dim, image_size, channels, kw)
    return _build_image(family, latent_dim, 28 if image_size is None else image_size, channels, kw)


def _build_2d(family, latent_dim, image_size, channels, kw):
    if family in _CONV_ONLY:
        two_d = ", ".join(repr(f) for f in FAMILIES if f not in _CONV_ONLY)
        raise ValueError(f"build: {family!r} is convolutional and needs data_kind='image'; for "
                         f"2-D data use one of {two_d}")
    if image_size is not None or channels != 1:
        raise ValueError("build: image_size and channels apply to data_kind='image', not '2d' "
                         f"(got image_size={image_size!r}, channels={channels!r})")
    data_dim = kw.pop("data_dim", 2)
    where = f"{family} on 2-D data"
    num_classes = None
    allowed = {"g_hidden": "G", "d_hidden": "D"}
    if family == "cgan":
        num_classes = kw.pop("num_classes", NUM_CLASSES)
        g_kw, d_kw = _take(kw, {**allowed, "embed_dim": "G", "d_conditioning": "D"}, where)
        G = CGANMLPGenerator(latent_dim, data_dim, num_classes, hidden=g_kw.pop("g_hidden",
                                                                               TOY_HIDDEN), **g_kw)
        D = CGANMLPDiscriminator(data_dim, num_classes, hidden=d_kw.pop("d_hidden", TOY_HIDDEN),
                                 **d_kw)
        return G, D, _info(family, "2d", latent_dim, (data_dim,), None, None, num_classes)
    if family in ("ebgan", "began"):
        g_kw, d_kw = _take(kw, {**allowed, "code_dim": "D"}, where)
        G = MLPGenerator(latent_dim, data_dim, hidden=g_kw.get("g_hidden", TOY_HIDDEN))
        D = MLPAutoencoderDiscriminator(
            data_dim, hidden=d_kw.pop("d_hidden", TOY_HIDDEN), **d_kw,
            activation="elu" if family == "began" else "leaky_relu")
        return G, D, _info(family, "2d", latent_dim, (data_dim,), None, None, None)
    # hidden activations: the toy nets of Unrolled GAN, VEEGAN and GDPP use tanh
    allowed.update(g_activation="G", d_activation="D")
    if family == "gan":
        allowed.update(_IMPROVED)
    if family == "sngan":
        del allowed["d_activation"]  # SNGAN's D is LeakyReLU(0.1) by definition
    g_kw, d_kw = _take(kw, allowed, where)
    wide = family in ("wgan", "wgan-gp")
    g_hidden = g_kw.pop("g_hidden", WGAN_TOY_HIDDEN if wide else TOY_HIDDEN)
    G = MLPGenerator(latent_dim, data_dim, hidden=g_hidden, **g_kw)
    if wide:
        D = MLPCritic(data_dim, hidden=d_kw.pop("d_hidden", WGAN_TOY_HIDDEN), **d_kw)
    elif family == "sngan":
        D = SNMLPDiscriminator(data_dim, hidden=d_kw.get("d_hidden", TOY_HIDDEN))
    else:
        D = MLPDiscriminator(data_dim, hidden=d_kw.pop("d_hidden", TOY_HIDDEN), **d_kw)
    return G, D, _info(family, "2d", latent_dim, (data_dim,), None, None, None)


def _info(family, data_kind, latent_dim, output_shape, image_size, channels, num_classes):
    return dict(family=family, data_kind=data_kind, latent_dim=latent_dim,
                output_shape=output_shape, image_size=image_size, channels=channels,
                num_classes=num_classes)


def _build_image(family, latent_dim, image_size, channels, kw):
    where = f"{family} on images"
    shape = (channels, image_size, image_size)
    num_classes = None
    if family == "gan":
        g_kw, d_kw = _take(kw, {"g_hidden": "G", "d_hidden": "D", **_IMPROVED}, where)
        G = MLPGenerator(latent_dim, shape, hidden=g_kw.pop("g_hidden", IMAGE_G_HIDDEN),
                         out_activation="tanh", **g_kw)
        D = MLPDiscriminator(shape, hidden=d_kw.pop("d_hidden", IMAGE_D_HIDDEN), **d_kw)
    elif family == "cgan":
        num_classes = kw.pop("num_classes", NUM_CLASSES)
        g_kw, d_kw = _take(kw, {"ngf": "G", "ndf": "D", "embed_dim": "G", "d_conditioning": "D"},
                           where)
        G = CGANGenerator(latent_dim, num_classes, channels, image_size, **g_kw)
        D = CGANDiscriminator(channels, image_size, num_classes, **d_kw)
    elif family in ("ebgan", "began"):
        g_kw, d_kw = _take(kw, {"ngf": "G", "ndf": "D", "code_dim": "D"}, where)
        G = DCGANGenerator(latent_dim, channels, image_size, **g_kw)
        if family == "ebgan":
            d_kw = {"code_dim": EBGAN_CODE_DIM, **d_kw}
        else:
            d_kw = {"code_dim": BEGAN_CODE_DIM, "norm": "none", "activation": "elu", **d_kw}
        D = AutoencoderDiscriminator(channels, image_size, **d_kw)
    elif family == "stylegan":
        g_kw, d_kw = _take(kw, {"ngf": "G", "ndf": "D", "style_dim": "G", "mapping_layers": "G",
                                "noise": "G"}, where)
        G = StyleGANGenerator(latent_dim, channels, image_size, **g_kw)
        D = DCGANDiscriminator(channels, image_size, **d_kw)
    elif family in ("dcgan", "wgan", "wgan-gp"):
        allowed = {"ngf": "G", "ndf": "D"}
        if family == "wgan-gp":
            allowed["norm"] = "D"
        if family == "dcgan":
            allowed.update(_IMPROVED)
        g_kw, d_kw = _take(kw, allowed, where)
        G = DCGANGenerator(latent_dim, channels, image_size, **g_kw)
        critic = {"dcgan": DCGANDiscriminator, "wgan": WGANCritic, "wgan-gp": WGANGPCritic}[family]
        D = critic(channels, image_size, **d_kw)
    elif family == "sngan":
        g_kw, d_kw = _take(kw, {"ngf": "G", "ndf": "D"}, where)
        G = SNGANGenerator(latent_dim, channels, image_size, **g_kw)
        D = SNGANDiscriminator(channels, image_size, **d_kw)
    else:  # sagan
        attention_size = kw.pop("attention_size", None)
        g_kw, d_kw = _take(kw, {"ngf": "G", "ndf": "D"}, where)
        G = SAGANGenerator(latent_dim, channels, image_size, attention_size=attention_size, **g_kw)
        D = SAGANDiscriminator(channels, image_size, attention_size=attention_size, **d_kw)
    return G, D, _info(family, "image", latent_dim, shape, image_size, channels, num_classes)
