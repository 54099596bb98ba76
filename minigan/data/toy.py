"""2-D toy distributions: the standard mode-collapse benchmarks.

A GAN that covers only some modes of a mixture of Gaussians is easy to see on
a scatter plot and easy to measure (count the modes that get samples). These
are the distributions used for that since Unrolled GAN (Metz et al. 2017),
VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018):

``ring8``
    8 Gaussians with equal weight, centres on a circle of radius 2.0 at angles
    ``2*pi*k/8`` (k = 0..7), each with standard deviation 0.02 per axis.
``grid25``
    25 Gaussians with equal weight, centres on the grid ``{-4,-2,0,2,4}^2``,
    each with standard deviation 0.05 per axis.
``swiss_roll``
    The 2-D Swiss roll of the WGAN-GP toy experiments (Gulrajani et al. 2017):
    ``t = 1.5*pi*(1 + 2u)`` with ``u ~ U(0, 1)``, point ``(t cos t, t sin t)``
    plus ``N(0, 0.25^2)`` noise per axis, everything divided by 7.5 so the roll
    lies in about ``[-1.9, 1.9]^2`` (radius from 0.63 to 1.89). This is
    ``sklearn.datasets.make_swiss_roll(noise=0.25)[0][:, [0, 2]] / 7.5``.
``spiral``
    Two interleaved spiral arms, the shape of FFJORD's ``2spirals``
    (Grathwohl et al. 2019): ``theta = 3*pi*sqrt(u)``, arm one at
    ``theta * (-cos theta, sin theta)``, arm two its mirror image through the
    origin, both divided by 3, plus ``N(0, 0.1^2)`` noise per axis. The arms
    reach radius pi (about 3.14); ``sqrt(u)`` spreads points evenly along the
    arm length rather than crowding the centre. (FFJORD also adds a uniform
    ``[0, 0.5)`` jitter before scaling, which shifts the arms off-centre; we
    leave it out.)

``sample(name, n, rng_or_seed)`` draws points; ``mode_centers(name)`` gives the
mixture centres and the per-mode standard deviation of ``ring8`` and
``grid25``, which mode-coverage metrics need; :class:`ToyDataset` is a fixed
set of samples that :class:`minigan.data.DataLoader` can batch.
"""
from __future__ import annotations

import numpy as np

from .loader import ArrayDataset

TOY_NAMES = ("ring8", "grid25", "swiss_roll", "spiral")
_MIXTURES = ("ring8", "grid25")


def _check_name(name, valid=TOY_NAMES) -> str:
    if not isinstance(name, str) or name not in valid:
        raise ValueError(
            f"unknown toy distribution {name!r}: expected one of {', '.join(valid)}")
    return name


def as_generator(rng_or_seed=None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None`` (minigan's seeded CPU stream,
    so ``minigan.manual_seed`` makes the draw repeatable), an int seed, or a
    Generator (used as is)."""
    if rng_or_seed is None:
        from .. import random as mg_random  # noqa: PLC0415 - avoid a cycle at import time

        return mg_random.generator("cpu")
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    if isinstance(rng_or_seed, (int, np.integer)) and not isinstance(rng_or_seed, bool):
        if rng_or_seed < 0:
            raise ValueError(f"seed must be non-negative, got {rng_or_seed}")
        return np.random.default_rng(int(rng_or_seed))
    raise TypeError(
        "rng_or_seed must be None, a non-negative int seed or a numpy.random.Generator, "
        f"got {type(rng_or_seed).__name__}")


def mode_centers(name: str) -> tuple[np.ndarray, float]:
    """The centres (float64, shape ``(K, 2)``) and per-axis standard deviation
    of the Gaussian mixture ``"ring8"`` (K = 8) or ``"grid25"`` (K = 25).

    ``swiss_roll`` and ``spiral`` are not mixtures and have no modes to count.
    """
    _check_name(name, _MIXTURES)
    if name == "ring8":
        angles = 2.0 * np.pi * np.arange(8) / 8
        return 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.02
    ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    xs, ys = np.meshgrid(ticks, ticks, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05


def _mixture(name, n, rng):
    centers, std = mode_centers(name)
    modes = rng.integers(0, len(centers), size=n)
    return centers[modes] + std * rng.standard_normal((n, 2))


def _swiss_roll(n, rng):
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    points = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    return (points + 0.25 * rng.standard_normal((n, 2))) / 7.5


def _spiral(n, rng):
    theta = 3.0 * np.pi * np.sqrt(rng.random(n))
    arm = np.stack([-theta * np.cos(theta), theta * np.sin(theta)], axis=1)
    sign = np.where(rng.random(n) < 0.5, 1.0, -1.0)[:, None]  # which arm
    return sign * arm / 3.0 + 0.1 * rng.standard_normal((n, 2))


def sample(name: str, n: int, rng_or_seed=None) -> np.ndarray:
    """``n`` points from the toy distribution ``name``: float32, shape ``(n, 2)``.

    ``rng_or_seed``: ``None`` (minigan's seeded stream), an int seed, or a
    ``numpy.random.Generator``. The same seed gives the same points.
    """
    _check_name(name)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    rng = as_generator(rng_or_seed)
    if name in _MIXTURES:
        points = _mixture(name, int(n), rng)
    elif name == "swiss_roll":
        points = _swiss_roll(int(n), rng)
    else:
        points = _spiral(int(n), rng)
    return points.astype(np.float32)


class ToyDataset(ArrayDataset):
    """A fixed set of ``n`` samples from a toy distribution, for the loader.

    Attributes: ``data`` (float32 ``(n, 2)``), ``labels`` (None: the toy sets
    are unconditional), ``shape == (2,)``, ``kind == "2d"``, ``name``; and for
    ``ring8``/``grid25`` also ``centers`` and ``std`` (see :func:`mode_centers`).
    ``sample(n)`` draws fresh points from the same distribution.

    A GAN sees ``n // batch_size`` batches per epoch; with the default 100,000
    points a generator cannot profit from memorising them.
    """

    kind = "2d"

    def __init__(self, name: str, n: int = 100_000, seed=None):
        _check_name(name)
        super().__init__(sample(name, n, seed), labels=None, name=name)
        if name in _MIXTURES:
            self.centers, self.std = mode_centers(name)
        else:
            self.centers, self.std = None, None

    def sample(self, n: int, rng_or_seed=None) -> np.ndarray:
        """``n`` fresh points (float32 ``(n, 2)``), not drawn from ``data``."""
        return sample(self.name, n, rng_or_seed)
