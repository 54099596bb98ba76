"""What the model files share: argument checks, the image-size plan of the
DCGAN-shaped networks, activations, and the features / head split of a
discriminator that feature matching reads."""
from __future__ import annotations

from ... import nn
from ...autograd.tensor import Tensor

__all__ = ["positive_int", "check_hidden", "as_shape", "check_latent", "check_vectors",
           "check_images", "image_plan", "make_activation", "run_layers", "SplitDiscriminator"]

ACTIVATIONS = ("relu", "leaky_relu", "tanh")


def positive_int(v, who: str, arg: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"{who}: {arg} must be a positive int, got {v!r}")
    return v


def check_hidden(hidden, who: str) -> tuple:
    """Hidden-layer widths as a tuple of positive ints."""
    hidden = tuple(hidden)
    if any(not isinstance(h, int) or isinstance(h, bool) or h <= 0 for h in hidden):
        raise ValueError(f"{who}: hidden must be a sequence of positive ints, got {hidden!r}")
    return hidden


def as_shape(dim, who: str, arg: str) -> tuple:
    """``dim`` (an int or a shape tuple) as a tuple of positive ints."""
    if isinstance(dim, (tuple, list)):
        shape = tuple(dim)
    elif isinstance(dim, int) and not isinstance(dim, bool):
        shape = (dim,)
    else:
        shape = ()
    if not shape or any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in shape):
        raise ValueError(f"{who}: {arg} must be a positive int or a tuple of positive ints "
                         f"(e.g. 2 or (1, 28, 28)), got {dim!r}")
    return shape


def check_latent(z, latent_dim: int, who: str) -> Tensor:
    """z as (N, latent_dim); (N, latent_dim, 1, 1), PyTorch's DCGAN layout, is accepted too."""
    if not isinstance(z, Tensor):
        raise TypeError(f"{who}: z must be a Tensor, got {type(z).__name__}")
    if z.ndim == 4 and z.shape[1:] == (latent_dim, 1, 1):
        z = z.reshape(z.shape[0], latent_dim)
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"{who}: expected z of shape (N, {latent_dim}), got {tuple(z.shape)}")
    return z


def check_vectors(x, in_dim: int, who: str) -> Tensor:
    """Check that ``x`` is a batch of points (N, in_dim) (2-D toy data)."""
    if not isinstance(x, Tensor) or x.ndim != 2 or x.shape[1] != in_dim:
        raise ValueError(f"{who}: expected input (N, {in_dim}), got "
                         f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
    return x


def check_images(x, channels: int, image_size: int, who: str) -> Tensor:
    """Check that ``x`` is a batch of images (N, channels, image_size, image_size)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim != 4 or x.shape[1:] != (channels, image_size, image_size):
        raise ValueError(f"{who}: expected images (N, {channels}, {image_size}, {image_size}), "
                         f"got shape {tuple(x.shape)}")
    return x


def image_plan(image_size, who: str) -> tuple[int, int]:
    """``(r0, k)`` with ``image_size == r0 * 2**k``, ``r0`` in {7, 4}, ``k >= 1``:
    the start resolution of a generator and how many times it doubles."""
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        for r0 in (7, 4):
            k, size = 0, image_size
            while size % 2 == 0 and size > r0:
                size //= 2
                k += 1
            if size == r0 and k >= 1:
                return r0, k
    raise ValueError(f"{who}: image_size must be 7 * 2^k or 4 * 2^k with k >= 1 "
                     f"(8, 14, 16, 28, 32, 56, 64, ...), got {image_size!r}")


def make_activation(name: str, negative_slope: float = 0.2) -> nn.Module:
    """The activation layer called ``name`` ('relu', 'leaky_relu' or 'tanh')."""
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"unknown activation {name!r}: expected one of {', '.join(ACTIVATIONS)}")


def run_layers(layers, x, start=0, stop=None):
    """Apply ``layers[start:stop]`` (a Sequential) to ``x`` in turn."""
    for m in list(layers)[start:stop]:
        x = m(x)
    return x


class SplitDiscriminator(nn.Module):
    """A discriminator whose Sequential ``net`` splits at ``self._n_features``:

        features(x) = net[:split](x)   (N, F), what feature matching compares
        head(f)     = net[split:](f)   the logits (N, 1)
        D(x)        = head(features(x))

    A subclass sets ``net``, ``_n_features`` (-1: all but the last layer)
    and ``check_input`` (the shape its inputs must have)."""

    _n_features = -1

    def check_input(self, x: Tensor) -> Tensor:
        return x

    def features(self, x: Tensor) -> Tensor:
        """D's penultimate activations, flattened: (N, F)."""
        return run_layers(self.net, self.check_input(x), 0, self._n_features)

    def head(self, features: Tensor) -> Tensor:
        """Logits (N, 1) from :meth:`features`' output."""
        return run_layers(self.net, features, self._n_features)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
