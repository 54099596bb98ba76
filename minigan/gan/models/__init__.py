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

# the family table (minigan/gan/families.py) names the classes above; it is
# imported after them (minigan/gan/__init__.py loads this package first)
from ..families import DATA_KINDS  # noqa: E402
from ..families import FAMILIES as _TABLE  # noqa: E402
from ..families import build as _build  # noqa: E402

FAMILIES = tuple(_TABLE)

#: latent sizes when ``build`` is not given one: the papers' for images
#: (100 in DCGAN / WGAN, 128 in SNGAN / SAGAN); for toy data, 2 as in the
#: WGAN-GP authors' toy code and 8 elsewhere (easier to cover many modes);
#: BEGAN's 64 (its N_z), and 64 for the small StyleGAN
DEFAULT_LATENT_DIM = {kind: {name: f.latent[kind] for name, f in _TABLE.items() if kind in f.latent}
                      for kind in DATA_KINDS}


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
    return _build(family, data_kind, image_size, channels, latent_dim, **kw)
