"""The GAN families: for each, its networks, its updater and its published
training defaults, in one table (:data:`FAMILIES`).

``minigan.gan.models.build`` builds the networks from it, the trainer takes
the defaults and the updater from it, and the CLI lists it under ``--help``.

A family's networks, per kind of data ('image' or '2d'; a convolutional
family has no '2d' entry), are a :class:`Networks`: the build options it
accepts (each for G, D or both) and a function

    build(latent_dim, shape, g_kw, d_kw) -> (G, D)

with ``shape`` one sample's shape, (channels, size, size) or (data_dim,),
and ``g_kw`` / ``d_kw`` the options given, under the constructors' names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .models.cgan import NUM_CLASSES, CGANDiscriminator, CGANGenerator, CGANMLPDiscriminator, CGANMLPGenerator
from .models.dcgan import DCGANDiscriminator, DCGANGenerator
from .models.ebgan import BEGAN_CODE_DIM, EBGAN_CODE_DIM, AutoencoderDiscriminator, MLPAutoencoderDiscriminator
from .models.mlp import IMAGE_D_HIDDEN, IMAGE_G_HIDDEN, TOY_HIDDEN, MLPDiscriminator, MLPGenerator
from .models.sagan import SAGANDiscriminator, SAGANGenerator
from .models.sngan import SNGANDiscriminator, SNGANGenerator, SNMLPDiscriminator
from .models.stylegan import StyleGANGenerator
from .models.wgan import WGAN_TOY_HIDDEN, MLPCritic, WGANCritic, WGANGPCritic
from .updaters import BEGANUpdater, EBGANUpdater, GradientPenaltyUpdater, LogitUpdater, WGANUpdater

__all__ = ["FAMILIES", "Family", "Networks", "DATA_KINDS", "build"]

DATA_KINDS = ("2d", "image")

#: build options -> the keyword of the network's constructor
_RENAME = {"g_norm": "norm", "vbn_reference_size": "reference_size",
           "d_conditioning": "conditioning", "g_activation": "activation",
           "d_activation": "activation"}
#: "Improved Techniques for Training GANs" (Salimans et al. 2016) as build options
_IMPROVED = {"g_norm": "G", "vbn_reference_size": "G", "minibatch_discrimination": "D"}
_CONV = {"ngf": "G", "ndf": "D"}
_TOY = {"g_hidden": "G", "d_hidden": "D"}
_TOY_ACTIVATIONS = {"g_activation": "G", "d_activation": "D"}


@dataclass(frozen=True)
class Networks:
    """G and D of a family for one kind of data: ``options`` maps each build
    option to 'G', 'D' or 'both' (passed to both constructors)."""
    build: Callable
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Family:
    """One GAN family: ``defaults`` are the paper's training settings
    (objective, D steps per G step, optimiser and rates, and the family's own
    knobs: gp_weight, clip, margin, pt_weight, began_gamma, began_lambda_k);
    ``latent`` the size of z per kind of data; ``toy_defaults`` the settings
    that replace ``defaults`` on 2-D data (batch_size among them), where the
    paper's image settings do not work: each is a setting checked to spread
    samples over the ring of 8 in the default 1,000 steps."""
    paper: str
    defaults: dict
    updater: type
    image: Networks
    toy: Networks | None
    latent: dict
    toy_defaults: dict = field(default_factory=dict)


_ADAM = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))
_DCGAN_DEFAULTS = dict(loss="nonsaturating", n_disc=1, **_ADAM)


def _mlp_image(z, shape, g, d):
    return (MLPGenerator(z, shape, hidden=g.pop("g_hidden", IMAGE_G_HIDDEN), out_activation="tanh", **g),
            MLPDiscriminator(shape, hidden=d.pop("d_hidden", IMAGE_D_HIDDEN), **d))


def _mlp_toy(critic=MLPDiscriminator, hidden=TOY_HIDDEN):
    def build(z, shape, g, d):
        return (MLPGenerator(z, shape[0], hidden=g.pop("g_hidden", hidden), **g),
                critic(shape[0], hidden=d.pop("d_hidden", hidden), **d))
    return build


def _dcgan(critic=DCGANDiscriminator, generator=DCGANGenerator):
    def build(z, shape, g, d):
        return generator(z, shape[0], shape[1], **g), critic(shape[0], shape[1], **d)
    return build


def _sngan_toy(z, shape, g, d):
    # SNGAN's D is LeakyReLU(0.1) by definition: no d_activation
    return (MLPGenerator(z, shape[0], hidden=g.pop("g_hidden", TOY_HIDDEN), **g),
            SNMLPDiscriminator(shape[0], hidden=d.get("d_hidden", TOY_HIDDEN)))


def _cgan_image(z, shape, g, d):
    n = g.pop("num_classes", NUM_CLASSES)
    d.pop("num_classes", None)
    return (CGANGenerator(z, n, shape[0], shape[1], **g), CGANDiscriminator(shape[0], shape[1], n, **d))


def _cgan_toy(z, shape, g, d):
    n = g.pop("num_classes", NUM_CLASSES)
    d.pop("num_classes", None)
    return (CGANMLPGenerator(z, shape[0], n, hidden=g.pop("g_hidden", TOY_HIDDEN), **g),
            CGANMLPDiscriminator(shape[0], n, hidden=d.pop("d_hidden", TOY_HIDDEN), **d))


def _autoencoder_image(d_defaults):
    def build(z, shape, g, d):
        return (DCGANGenerator(z, shape[0], shape[1], **g),
                AutoencoderDiscriminator(shape[0], shape[1], **{**d_defaults, **d}))
    return build


def _autoencoder_toy(activation):
    def build(z, shape, g, d):
        return (MLPGenerator(z, shape[0], hidden=g.get("g_hidden", TOY_HIDDEN)),
                MLPAutoencoderDiscriminator(shape[0], hidden=d.pop("d_hidden", TOY_HIDDEN), **d,
                                            activation=activation))
    return build


def _sagan(z, shape, g, d):
    return (SAGANGenerator(z, shape[0], shape[1], **g), SAGANDiscriminator(shape[0], shape[1], **d))


_AUTOENCODER_OPTIONS = {**_CONV, "code_dim": "D"}

FAMILIES: dict[str, Family] = {
    "gan": Family(
        "Goodfellow et al. 2014, with the non-saturating generator loss they recommend",
        dict(_DCGAN_DEFAULTS), LogitUpdater,
        Networks(_mlp_image, {**_TOY, **_IMPROVED}),
        Networks(_mlp_toy(), {**_TOY, **_TOY_ACTIVATIONS, **_IMPROVED}),
        {"2d": 8, "image": 100},
        # DCGAN's Adam(2e-4, 0.5) collapses onto one mode of the ring; a larger
        # batch, a 5x rate and beta1 = 0 (as SNGAN / SAGAN / BigGAN train) spread
        # G over all 8 within 1,000 steps (tests/gan/test_toy_defaults.py)
        toy_defaults=dict(lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.9), batch_size=256)),
    "dcgan": Family(
        "Radford et al. 2016: Adam(2e-4, beta1 = 0.5)",
        dict(_DCGAN_DEFAULTS), LogitUpdater, Networks(_dcgan(), {**_CONV, **_IMPROVED}), None,
        {"image": 100}),
    "wgan": Family(
        "Arjovsky et al. 2017: RMSprop(5e-5), clip 0.01, n_critic 5",
        dict(loss="wasserstein", n_disc=5, optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, clip=0.01),
        WGANUpdater, Networks(_dcgan(WGANCritic), _CONV),
        Networks(_mlp_toy(MLPCritic, WGAN_TOY_HIDDEN), {**_TOY, **_TOY_ACTIVATIONS}),
        {"2d": 2, "image": 100}),
    "wgan-gp": Family(
        "Gulrajani et al. 2017: Adam(1e-4, 0, 0.9), lambda 10, n_critic 5",
        dict(loss="wasserstein", n_disc=5, optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9),
             gp_weight=10.0),
        GradientPenaltyUpdater, Networks(_dcgan(WGANGPCritic), {**_CONV, "norm": "D"}),
        Networks(_mlp_toy(MLPCritic, WGAN_TOY_HIDDEN), {**_TOY, **_TOY_ACTIVATIONS}),
        {"2d": 2, "image": 100}),
    "sngan": Family(
        "Miyato et al. 2018, hinge loss with their setting C (Adam 2e-4, 0.5, 0.999, n_dis 1)",
        dict(_DCGAN_DEFAULTS, loss="hinge"), LogitUpdater,
        Networks(_dcgan(SNGANDiscriminator, SNGANGenerator), _CONV),
        Networks(_sngan_toy, {**_TOY, "g_activation": "G"}),
        {"2d": 8, "image": 128},
        # setting C collapses onto 1-4 of the ring's 8 sectors in 1,000 steps;
        # SAGAN's two time-scale rates with beta1 = 0 (the hinge loss kept)
        # cover all 8 (seeds 0-4)
        toy_defaults=dict(lr_g=1e-4, lr_d=4e-4, betas=(0.0, 0.9), batch_size=256)),
    "sagan": Family(
        "Zhang et al. 2018: hinge, two time-scale rates D 4e-4 / G 1e-4, Adam(0, 0.9)",
        dict(loss="hinge", n_disc=1, optimizer="adam", lr_g=1e-4, lr_d=4e-4, betas=(0.0, 0.9)),
        LogitUpdater, Networks(_sagan, {"attention_size": "both", **_CONV}), None,
        {"image": 128}),
    "cgan": Family(
        "Mirza & Osindero 2014 with DCGAN's optimiser; --loss hinge suits the projection D",
        dict(_DCGAN_DEFAULTS), LogitUpdater,
        Networks(_cgan_image, {"num_classes": "both", **_CONV, "embed_dim": "G",
                               "d_conditioning": "D"}),
        Networks(_cgan_toy, {"num_classes": "both", **_TOY, "embed_dim": "G", "d_conditioning": "D"}),
        {"2d": 8, "image": 100}),
    "ebgan": Family(
        "Zhao et al. 2017: Adam(2e-4, 0.5), margin m on the per-sample MSE energy",
        dict(loss="ebgan", n_disc=1, **_ADAM, margin=1.0), EBGANUpdater,
        Networks(_autoencoder_image({"code_dim": EBGAN_CODE_DIM}), _AUTOENCODER_OPTIONS),
        Networks(_autoencoder_toy("leaky_relu"), {**_TOY, "code_dim": "D"}),
        {"2d": 8, "image": 100},
        # with Adam(2e-4, 0.5) and batch 64, 5-6 of the ring's 8 sectors after
        # 1,000 steps; with the GAN's toy setting 7-8 (seeds 0-4)
        toy_defaults=dict(lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.9), batch_size=256)),
    "began": Family(
        "Berthelot et al. 2017: Adam(1e-4, 0.5, 0.999), gamma 0.5, lambda_k 0.001",
        dict(loss="began", n_disc=1, optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.5, 0.999),
             began_gamma=0.5, began_lambda_k=0.001), BEGANUpdater,
        Networks(_autoencoder_image({"code_dim": BEGAN_CODE_DIM, "norm": "none", "activation": "elu"}),
                 _AUTOENCODER_OPTIONS),
        Networks(_autoencoder_toy("elu"), {**_TOY, "code_dim": "D"}),
        {"2d": 8, "image": 64},
        # BEGAN's objective has nothing that spreads G (each fake only lowers
        # its own error): with the gammas, lambda_ks and code sizes tried, G
        # sits near the origin or in 1 of the ring's 8 sectors. EBGAN's
        # pulling-away term on D's last hidden layer, with the GAN's toy
        # setting, spreads G over all 8 (seeds 0-6; weight 0.3 left G off the
        # ring, 1 gave 7-8 sectors, 2-5 gave 8). k_t stays at 0 here: the
        # fakes are reconstructed as well as the data
        toy_defaults=dict(lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.9), batch_size=256, pt_weight=2.0)),
    "stylegan": Family(
        "Karras et al. 2019's style-modulated G against a DCGAN D, trained as DCGAN",
        dict(_DCGAN_DEFAULTS), LogitUpdater,
        Networks(_dcgan(DCGANDiscriminator, StyleGANGenerator),
                 {**_CONV, "style_dim": "G", "mapping_layers": "G", "noise": "G"}),
        None, {"image": 64}),
}


def _split_options(kw: dict, allowed: dict, where: str) -> tuple[dict, dict]:
    """Split ``kw`` into G's and D's keywords by ``allowed`` (key -> 'G', 'D' or
    'both'), renamed for the constructors; an unknown key is an error."""
    unknown = sorted(set(kw) - set(allowed))
    if unknown:
        accepted = [k for k in allowed if allowed[k] != "both"]
        raise TypeError(f"build: unexpected keyword(s) {', '.join(unknown)} for {where}; "
                        f"accepted: {', '.join(accepted) or 'none'}")
    return ({_RENAME.get(k, k): v for k, v in kw.items() if allowed[k] in ("G", "both")},
            {_RENAME.get(k, k): v for k, v in kw.items() if allowed[k] in ("D", "both")})


def build(family: str, data_kind: str, image_size: int | None = None, channels: int = 1,
          latent_dim: int | None = None, **kw):
    """The networks of ``family`` for ``data_kind``: ``(G, D, info)``
    (documented at :func:`minigan.gan.models.build`)."""
    if family not in FAMILIES:
        raise ValueError(f"build: unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    if data_kind not in DATA_KINDS:
        raise ValueError(f"build: unknown data_kind {data_kind!r}; expected one of "
                         f"{', '.join(DATA_KINDS)}")
    fam = FAMILIES[family]
    if latent_dim is None:
        latent_dim = fam.latent.get(data_kind)
    if data_kind == "2d":
        if fam.toy is None:
            two_d = ", ".join(repr(f) for f in FAMILIES if FAMILIES[f].toy is not None)
            raise ValueError(f"build: {family!r} is convolutional and needs data_kind='image'; for "
                             f"2-D data use one of {two_d}")
        if image_size is not None or channels != 1:
            raise ValueError("build: image_size and channels apply to data_kind='image', not '2d' "
                             f"(got image_size={image_size!r}, channels={channels!r})")
        networks, shape = fam.toy, (kw.pop("data_dim", 2),)
        image_size = channels = None
    else:
        image_size = 28 if image_size is None else image_size
        networks, shape = fam.image, (channels, image_size, image_size)
    where = f"{family} on {'2-D data' if data_kind == '2d' else 'images'}"
    g_kw, d_kw = _split_options(kw, networks.options, where)
    G, D = networks.build(latent_dim, shape, g_kw, d_kw)
    return G, D, dict(family=family, data_kind=data_kind, latent_dim=latent_dim, output_shape=shape,
                      image_size=image_size, channels=channels,
                      num_classes=getattr(G, "num_classes", None))
