"""Class-conditional GAN: G(z, y) and D(x, y) for labels y in [0, num_classes)
(Mirza & Osindero, "Conditional Generative Adversarial Nets", 2014).

Generator: the label enters twice,

* its learned embedding e(y) (``embed_dim`` numbers) is concatenated to z
  before the first layer, and
* every BatchNorm is a :class:`minigan.nn.ConditionalBatchNorm2d`, whose
  scale and shift are looked up per class (de Vries et al. 2017; Miyato &
  Koyama 2018), so the label modulates every layer.

Images, for ``image_size = r0 * 2^k`` (DCGAN's layout, see :mod:`.dcgan`):

    G: [z, e(y)] -> Linear -> (N, ngf 2^(k-1), r0, r0) -> CBN(y), ReLU
       -> k-1 x [ConvT 4/2/1 halving the channels, CBN(y), ReLU]
       -> ConvT 4/2/1 to ``channels`` -> Tanh

Discriminator, two ways to show it y (``conditioning``):

* ``'projection'`` (default; Miyato & Koyama, "cGANs with Projection
  Discriminator", ICLR 2018): with phi(x) the (N, F) features of an
  unconditional body and psi a Linear(F, 1),

      D(x, y) = psi(phi(x)) + < v_y, phi(x) >,     v = Embedding(num_classes, F)

  the form the log density ratio log q(y|x) + log q(x) / p(...) takes when
  the class posterior is a softmax over linear functions of phi(x);
* ``'concat'`` (Mirza & Osindero): the one-hot label as ``num_classes``
  constant feature maps (images) or extra inputs (2-D data), concatenated
  to x before the first layer.

The image body phi is DCGAN's discriminator (see :mod:`.dcgan`), the 2-D one
the MLP discriminator of :mod:`.mlp`; ``D.features(x, y)`` returns phi.
Labels are int64 Tensors of shape (N,).
"""
from __future__ import annotations

from ... import nn, ops
from ...autograd.tensor import Tensor
from ...nn.embedding import check_labels
from ...nn.functional import one_hot
from .common import check_images, check_latent, check_vectors, image_plan, positive_int
from .dcgan import DCGANDiscriminator, dcgan_init
from .mlp import TOY_HIDDEN, MLPDiscriminator, MLPGenerator

__all__ = ["CGANGenerator", "CGANDiscriminator", "CGANMLPGenerator", "CGANMLPDiscriminator",
           "CONDITIONINGS", "NUM_CLASSES", "EMBED_DIM"]

NUM_CLASSES = 10
#: size of the label embedding concatenated to z
EMBED_DIM = 32
CONDITIONINGS = ("projection", "concat")


def _labels(y, n: int, num_classes: int, who: str) -> Tensor:
    check_labels(y, num_classes, who)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{who}: expected labels y of shape ({n},) (one per sample), "
                         f"got {tuple(y.shape)}")
    return y


def _one_hot(y: Tensor, num_classes: int, like: Tensor) -> Tensor:
    """One-hot labels (N, num_classes) in ``like``'s float dtype; a constant."""
    return ops.cast(one_hot(y, num_classes), like.dtype)


def _check_conditioning(conditioning, who):
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"{who}: conditioning must be one of "
                         f"{', '.join(map(repr, CONDITIONINGS))}, got {conditioning!r}")
    return conditioning


def _conditional_logits(D, phi, y):
    """D's logit from features phi: psi(phi), plus <embed(y), phi> for the
    projection discriminator (Miyato & Koyama 2018)."""
    out = D.body.head(phi)
    if D.conditioning == "projection":
        out = out + ops.sum(D.embed(y) * phi, axis=1, keepdims=True)
    return out


class CGANGenerator(nn.Module):
    """Conditional DCGAN generator: z (N, latent_dim), y (N,) -> images (N, channels, size, size).

    Args:
        latent_dim, channels, image_size, ngf: as for :class:`DCGANGenerator`.
        num_classes: number of labels.
        embed_dim: size of the label embedding concatenated to z.
        init: DCGAN's N(0, 0.02) initialisation of the Linear and conv weights.
    """

    def __init__(self, latent_dim: int = 100, num_classes: int = NUM_CLASSES, channels: int = 1,
                 image_size: int = 28, ngf: int = 64, embed_dim: int = EMBED_DIM,
                 init: bool = True):
        super().__init__()
        who = type(self).__name__
        self.latent_dim = positive_int(latent_dim, who, "latent_dim")
        self.num_classes = positive_int(num_classes, who, "num_classes")
        self.channels = positive_int(channels, who, "channels")
        self.image_size = image_size
        r0, k = image_plan(image_size, who)
        c = positive_int(ngf, who, "ngf") * 2 ** (k - 1)
        self.embed = nn.Embedding(self.num_classes, positive_int(embed_dim, who, "embed_dim"))
        self.fc = nn.Linear(self.latent_dim + embed_dim, c * r0 * r0, bias=False)
        self.start_shape = (c, r0, r0)
        self.norms = nn.ModuleList([nn.ConditionalBatchNorm2d(c, self.num_classes)])
        self.convs = nn.ModuleList()
        for _ in range(k - 1):
            self.convs.append(nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False))
            self.norms.append(nn.ConditionalBatchNorm2d(c // 2, self.num_classes))
            c //= 2
        self.out = nn.ConvTranspose2d(c, self.channels, 4, 2, 1)
        if init:
            self.apply(dcgan_init)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        who = type(self).__name__
        z = check_latent(z, self.latent_dim, who)
        y = _labels(y, z.shape[0], self.num_classes, who)
        h = self.fc(ops.concatenate([z, self.embed(y)], axis=1))
        h = ops.relu(self.norms[0](h.reshape((z.shape[0],) + self.start_shape), y))
        for conv, norm in zip(self.convs, self.norms[1:]):
            h = ops.relu(norm(conv(h), y))
        return ops.tanh(self.out(h))

    def extra_repr(self):
        return (f"latent_dim={self.latent_dim}, num_classes={self.num_classes}, "
                f"out_shape={(self.channels, self.image_size, self.image_size)}")


class CGANDiscriminator(nn.Module):
    """Conditional DCGAN discriminator: images (N, channels, size, size), y (N,) -> logits (N, 1).

    Args:
        channels, image_size, ndf, norm, negative_slope: as for
            :class:`DCGANDiscriminator` (its body is phi).
        num_classes: number of labels.
        conditioning: 'projection' (default) or 'concat'.

    ``body`` is the unconditional DCGANDiscriminator (with ``channels +
    num_classes`` input channels for 'concat'); ``embed`` (projection only)
    is v, initialised N(0, 0.02) like the other weights, so the projection
    term starts as small as psi's output.
    """

    def __init__(self, channels: int = 1, image_size: int = 28, num_classes: int = NUM_CLASSES,
                 ndf: int = 64, conditioning: str = "projection", norm: str = "batch",
                 negative_slope: float = 0.2, init: bool = True):
        super().__init__()
        who = type(self).__name__
        self.conditioning = _check_conditioning(conditioning, who)
        self.channels = positive_int(channels, who, "channels")
        self.num_classes = positive_int(num_classes, who, "num_classes")
        self.image_size = image_size
        extra = self.num_classes if conditioning == "concat" else 0
        self.body = DCGANDiscriminator(self.channels + extra, image_size, ndf, norm,
                                       negative_slope, init)
        if conditioning == "projection":
            width = self.body.net[-1].in_features
            self.embed = nn.Embedding(self.num_classes, width)
            if init:
                nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def features(self, x: Tensor, y: Tensor) -> Tensor:
        """phi: the body's flattened last conv block (N, F) (for 'concat', of x
        with the label maps)."""
        who = type(self).__name__
        x = check_images(x, self.channels, self.image_size, who)
        y = _labels(y, x.shape[0], self.num_classes, who)
        if self.conditioning == "concat":
            n, s = x.shape[0], self.image_size
            maps = _one_hot(y, self.num_classes, x).reshape(n, self.num_classes, 1, 1)
            x = ops.concatenate([x, ops.broadcast_to(maps, (n, self.num_classes, s, s))], axis=1)
        return self.body.features(x)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return _conditional_logits(self, self.features(x, y), y)

    def extra_repr(self):
        return (f"in_shape={(self.channels, self.image_size, self.image_size)}, "
                f"num_classes={self.num_classes}, conditioning={self.conditioning!r}")


class CGANMLPGenerator(nn.Module):
    """Conditional MLP generator for 2-D data: [z, e(y)] -> MLPGenerator -> x (N, out_dim).

    Args:
        latent_dim, out_dim, hidden: as for :class:`MLPGenerator`.
        num_classes, embed_dim: labels and the size of their embedding.
    """

    def __init__(self, latent_dim: int, out_dim=2, num_classes: int = NUM_CLASSES,
                 hidden=TOY_HIDDEN, embed_dim: int = EMBED_DIM):
        super().__init__()
        who = type(self).__name__
        self.latent_dim = positive_int(latent_dim, who, "latent_dim")
        self.num_classes = positive_int(num_classes, who, "num_classes")
        self.embed = nn.Embedding(self.num_classes, positive_int(embed_dim, who, "embed_dim"))
        self.mlp = MLPGenerator(self.latent_dim + embed_dim, out_dim, hidden=hidden)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        who = type(self).__name__
        z = check_latent(z, self.latent_dim, who)
        y = _labels(y, z.shape[0], self.num_classes, who)
        return self.mlp(ops.concatenate([z, self.embed(y)], axis=1))

    def extra_repr(self):
        return f"latent_dim={self.latent_dim}, num_classes={self.num_classes}"


class CGANMLPDiscriminator(nn.Module):
    """Conditional MLP discriminator for 2-D data: x (N, in_dim), y (N,) -> logits (N, 1).

    phi is the last hidden layer of an :class:`MLPDiscriminator` (whose input
    is [x, one_hot(y)] for 'concat'); 'projection' adds < v_y, phi(x) >.
    """

    def __init__(self, in_dim=2, num_classes: int = NUM_CLASSES, hidden=TOY_HIDDEN,
                 conditioning: str = "projection"):
        super().__init__()
        who = type(self).__name__
        self.conditioning = _check_conditioning(conditioning, who)
        self.num_classes = positive_int(num_classes, who, "num_classes")
        self.in_dim = positive_int(in_dim, who, "in_dim")
        extra = self.num_classes if conditioning == "concat" else 0
        self.body = MLPDiscriminator(self.in_dim + extra, hidden)
        if conditioning == "projection":
            self.embed = nn.Embedding(self.num_classes, self.body.net[-1].in_features)
            # psi's weights are U(+-1/sqrt(F)); v alike keeps both terms of the same size
            nn.init.uniform_(self.embed.weight, -self.body.net[-1].in_features ** -0.5,
                             self.body.net[-1].in_features ** -0.5)

    def features(self, x: Tensor, y: Tensor) -> Tensor:
        """phi: the last hidden activations (N, hidden[-1])."""
        who = type(self).__name__
        x = check_vectors(x, self.in_dim, who)
        y = _labels(y, x.shape[0], self.num_classes, who)
        if self.conditioning == "concat":
            x = ops.concatenate([x, _one_hot(y, self.num_classes, x)], axis=1)
        return self.body.features(x)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return _conditional_logits(self, self.features(x, y), y)

    def extra_repr(self):
        return (f"in_dim={self.in_dim}, num_classes={self.num_classes}, "
                f"conditioning={self.conditioning!r}")
