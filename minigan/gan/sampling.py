"""Drawing from a trained generator: latent noise, the truncation trick,
interpolation in latent space, batched generation, and BigGAN's standing
statistics for batch norm.

All noise is float32 and comes either from minigan's seeded stream
(``minigan.manual_seed``) or from a ``numpy.random.Generator`` you pass, so a
figure can be redrawn exactly.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..random import normal_array

__all__ = ["sample_latent", "truncated_normal", "slerp", "lerp", "interpolate", "generate",
           "standing_statistics"]


def _positive_int(v, who, arg):
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"{who}: {arg} must be a positive int, got {v!r}")
    return int(v)


def _rng(generator, who):
    """A NumPy Generator from None (a fresh one seeded from minigan's CPU
    stream, so ``manual_seed`` makes it repeatable), an int seed or a Generator."""
    if generator is None:
        from ..random import generator as cpu_stream

        return np.random.default_rng(cpu_stream("cpu").integers(2 ** 63))
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{who}: generator must be None, an int seed or a numpy.random.Generator, "
                    f"got {type(generator).__name__}")


def sample_latent(n: int, latent_dim: int, device: str = "cpu", generator=None) -> Tensor:
    """z ~ N(0, I): a float32 Tensor (n, latent_dim) on ``device``.

    With ``generator=None`` the draw comes from minigan's seeded stream for
    ``device`` (what ``minigan.randn`` uses); with an int seed or a
    ``numpy.random.Generator`` it is drawn on the CPU from that generator and
    moved to ``device`` (the same numbers on every device)."""
    n = _positive_int(n, "sample_latent", "n")
    latent_dim = _positive_int(latent_dim, "sample_latent", "latent_dim")
    device = backend.normalize_device(device)
    if generator is None:
        return Tensor(normal_array((n, latent_dim), np.float32, device))
    z = _rng(generator, "sample_latent").standard_normal((n, latent_dim), dtype=np.float32)
    return Tensor(backend.to_device(z, device))


def truncated_normal(n: int, dim: int, threshold: float, generator=None,
                     device: str = "cpu") -> Tensor:
    """The truncation trick (Brock, Donahue & Simonyan, "Large Scale GAN
    Training", ICLR 2019): z ~ N(0, I) conditioned on ``|z_i| <= threshold`` for
    every coordinate. Values outside are redrawn until they fall inside, so
    each coordinate follows the standard normal truncated to [-threshold,
    threshold]. Smaller thresholds trade variety for typical, cleaner samples.

    Returns a float32 Tensor (n, dim). ``generator``: None (seeded from
    minigan's stream), an int seed or a ``numpy.random.Generator``."""
    n = _positive_int(n, "truncated_normal", "n")
    dim = _positive_int(dim, "truncated_normal", "dim")
    if not isinstance(threshold, (int, float, np.floating, np.integer)) or not threshold > 0:
        raise ValueError(f"truncated_normal: threshold must be a positive number, got {threshold!r}")
    rng = _rng(generator, "truncated_normal")
    z = rng.standard_normal((n, dim), dtype=np.float32)
    outside = np.abs(z) > threshold
    while outside.any():  # acceptance per draw is P(|z| <= t): > 0.38 for t >= 0.5
        z[outside] = rng.standard_normal(int(outside.sum()), dtype=np.float32)
        outside = np.abs(z) > threshold
    return Tensor(backend.to_device(z, backend.normalize_device(device)))


def _as_array(x, who, arg):
    if isinstance(x, Tensor):
        return backend.to_device(x.array, "cpu")
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{who}: {arg} must be a Tensor or a numeric array, got dtype {arr.dtype}")
    return arr


def _path(z0, z1, t, who, weights):
    """Shared by lerp and slerp: checks, broadcasting of t, output type."""
    a, b = _as_array(z0, who, "z0"), _as_array(z1, who, "z1")
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(f"{who}: z0 and z1 must have the same shape (D,) or (N, D), got "
                         f"{a.shape} and {b.shape}")
    dtype = a.dtype if a.dtype.kind == "f" else np.float32
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    t_arr = np.asarray(t, dtype=np.float64)
    if t_arr.ndim > 1:
        raise ValueError(f"{who}: t must be a number or a 1-D sequence, got shape {t_arr.shape}")
    ts = t_arr.reshape(-1, *([1] * a.ndim))  # (T, 1) or (T, 1, 1): broadcast over z
    wa, wb = weights(a64, b64, ts)
    out = (wa * a64 + wb * b64).astype(dtype)
    if t_arr.ndim == 0:
        out = out[0]
    if isinstance(z0, Tensor):
        return Tensor(backend.to_device(out, z0.device))
    return out


def lerp(z0, z1, t):
    """Linear interpolation (1 - t) z0 + t z1 (see :func:`slerp` for shapes)."""
    return _path(z0, z1, t, "lerp", lambda a, b, ts: (1.0 - ts, ts))


def slerp(z0, z1, t, eps: float = 1e-6):
    """Spherical linear interpolation (Shoemake 1985; for GAN latents, White,
    "Sampling Generative Networks", 2016)::

        omega = arccos(<z0, z1> / (|z0| |z1|))
        slerp(z0, z1, t) = sin((1 - t) omega) / sin omega * z0 + sin(t omega) / sin omega * z1

    It follows the great circle from z0 to z1, so between two vectors of
    equal norm the norm stays (nearly) constant; a straight line cuts through
    the low-norm middle of the Gaussian, where latents are atypical (a
    d-dimensional N(0, I) sample has norm close to sqrt(d)). When the vectors
    are nearly parallel (sin omega < ``eps``), falls back to linear
    interpolation.

    Shapes: z0, z1 (D,) or (N, D) (each row its own path); t a number
    (result shaped like z0) or a 1-D sequence of T values (result (T, D) or
    (T, N, D)). Tensors in give a Tensor out (on z0's device, z0's dtype).
    """
    def weights(a, b, ts):
        na = np.linalg.norm(a, axis=-1, keepdims=True)
        nb = np.linalg.norm(b, axis=-1, keepdims=True)
        cos = np.clip(np.sum(a * b, axis=-1, keepdims=True) / np.maximum(na * nb, 1e-30), -1.0, 1.0)
        omega = np.arccos(cos)
        so = np.sin(omega)
        parallel = so < eps
        safe = np.where(parallel, 1.0, so)
        wa = np.where(parallel, 1.0 - ts, np.sin((1.0 - ts) * omega) / safe)
        wb = np.where(parallel, ts, np.sin(ts * omega) / safe)
        return wa, wb

    return _path(z0, z1, t, "slerp", weights)


class _showing:
    """Run a module in evaluation mode (BatchNorm uses its running statistics,
    spectral norm skips its power iteration) without gradients, then put its
    train/eval flags back as they were."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.module.modules()]
        self.module.eval()
        self.grad = no_grad()
        self.grad.__enter__()

    def __exit__(self, *exc):
        self.grad.__exit__(*exc)
        for m, mode in self.modes:
            object.__setattr__(m, "training", mode)
        return False


def _latent_dim(G, latent_dim, who):
    if latent_dim is None:
        latent_dim = getattr(G, "latent_dim", None)
    if latent_dim is None:
        raise ValueError(f"{who}: {type(G).__name__} has no latent_dim attribute; pass latent_dim=")
    return _positive_int(latent_dim, who, "latent_dim")


def _param_device(G, device):
    if device is not None:
        return backend.normalize_device(device)
    for p in G.parameters():
        return p.device
    return "cpu"


def generate(G, n: int, batch_size: int = 256, latent_dim: int | None = None,
             device: str | None = None, truncation: float | None = None,
             generator=None, labels=None) -> Tensor:
    """``n`` samples G(z), z ~ N(0, I), in batches of ``batch_size``: a
    detached Tensor ``(n, *sample_shape)``.

    G runs in evaluation mode (BatchNorm uses its running statistics) under
    ``no_grad``; its train/eval flags are restored afterwards, so this can be
    called in the middle of training. ``latent_dim`` defaults to
    ``G.latent_dim``, ``device`` to the device of G's parameters.
    ``truncation``: draw z from :func:`truncated_normal` with that threshold.
    ``generator``: None (minigan's stream), an int seed or a NumPy Generator.
    ``labels``: for a class-conditional G (one with ``num_classes``), the
    class of each sample, (n,) ints (default: 0, 1, ..., num_classes - 1 in turn).
    """
    n = _positive_int(n, "generate", "n")
    y_all = _labels_for(G, n, labels, "generate")
    batch_size = _positive_int(batch_size, "generate", "batch_size")
    latent_dim = _latent_dim(G, latent_dim, "generate")
    device = _param_device(G, device)
    rng = _rng(generator, "generate") if generator is not None or truncation is not None else None
    out = []
    with _showing(G):
        for start in range(0, n, batch_size):
            m = min(batch_size, n - start)
            if truncation is not None:
                z = truncated_normal(m, latent_dim, truncation, rng, device)
            else:
                z = sample_latent(m, latent_dim, device, rng)
            if y_all is None:
                out.append(G(z).array)
            else:
                y = Tensor(backend.to_device(y_all[start:start + m], device))
                out.append(G(z, y).array)
    xp = backend.get_array_module(out[0])
    return Tensor(xp.concatenate(out))


def _labels_for(G, n, labels, who):
    """Class labels (n,) int64 for a conditional G, None for an unconditional one."""
    num_classes = getattr(G, "num_classes", None)
    if num_classes is None:
        if labels is not None:
            raise ValueError(f"{who}: labels given but {type(G).__name__} is not class-conditional "
                             "(no num_classes)")
        return None
    if labels is None:
        return np.arange(n, dtype=np.int64) % num_classes
    y = _as_array(labels, who, "labels")
    if y.shape != (n,) or y.dtype.kind not in "iu":
        raise ValueError(f"{who}: labels must be {n} integers, shape ({n},), got shape {y.shape} "
                         f"dtype {y.dtype}")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"{who}: labels must lie in [0, {num_classes}), got values in "
                         f"[{y.min()}, {y.max()}]")
    return y.astype(np.int64)


def standing_statistics(G, n_batches: int = 100, batch_size: int = 64, latent_dim: int | None = None,
                        device: str | None = None, truncation: float | None = None,
                        generator=None, num_classes: int | None = None):
    """BigGAN's "standing statistics" (Brock, Donahue & Simonyan 2019,
    appendix C.1): batch-norm statistics for sampling, estimated from many
    batches of noise rather than carried over from training.

    Every BatchNorm of G with running statistics is reset, then G runs on
    ``n_batches`` batches of ``batch_size`` noise vectors with only its batch
    norms in training mode and their momentum set to None (PyTorch's
    cumulative average), so afterwards

        running_mean = (1/T) sum_t mean_t,     running_var = (1/T) sum_t var_t (unbiased)

    over the T = n_batches batches. Momentum is restored and G is left in
    evaluation mode: every sample is normalised by the same statistics, so its
    output no longer depends on the batch it is drawn with (in training mode
    it does; in evaluation mode with the *training* running averages, which
    lag behind G's weights, samples can be poor). Other modules (spectral
    norm's power iteration, dropout) stay in evaluation mode throughout.

    ``truncation``: draw z as :func:`generate` does, so the statistics match
    truncated sampling. ``num_classes``: for a conditional G (default
    ``G.num_classes``), labels drawn uniformly. Returns G.
    """
    from ..nn.normalization import _BatchNorm

    n_batches = _positive_int(n_batches, "standing_statistics", "n_batches")
    batch_size = _positive_int(batch_size, "standing_statistics", "batch_size")
    if batch_size < 2:
        raise ValueError("standing_statistics: batch_size must be at least 2 (a batch variance needs two "
                         "samples)")
    latent_dim = _latent_dim(G, latent_dim, "standing_statistics")
    device = _param_device(G, device)
    num_classes = getattr(G, "num_classes", None) if num_classes is None else num_classes
    norms = [m for m in G.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    if not norms:
        raise ValueError(f"standing_statistics: {type(G).__name__} has no BatchNorm layer with running "
                         "statistics (track_running_stats=True); nothing to estimate")
    rng = _rng(generator, "standing_statistics")
    momenta = [m.momentum for m in norms]
    G.eval()
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
            m.train()
        with no_grad():
            for _ in range(n_batches):
                if truncation is not None:
                    z = truncated_normal(batch_size, latent_dim, truncation, rng, device)
                else:
                    z = sample_latent(batch_size, latent_dim, device, rng)
                if num_classes is None:
                    G(z)
                else:
                    y = rng.integers(0, num_classes, batch_size).astype(np.int64)
                    G(z, Tensor(backend.to_device(y, device)))
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        G.eval()
    return G


def interpolate(G, z0, z1, steps: int = 8, method: str = "slerp") -> Tensor:
    """G's outputs along a path from z0 to z1 in ``steps`` points (both ends
    included): a detached Tensor ``(steps, *sample_shape)``.

    z0, z1: latent vectors (latent_dim,) (Tensors or arrays). ``method``:
    'slerp' (default, see :func:`slerp`) or 'lerp'. G runs as in :func:`generate`."""
    steps = _positive_int(steps, "interpolate", "steps")
    if method not in ("slerp", "lerp"):
        raise ValueError(f"interpolate: method must be 'slerp' or 'lerp', got {method!r}")
    a, b = _as_array(z0, "interpolate", "z0"), _as_array(z1, "interpolate", "z1")
    latent_dim = _latent_dim(G, None, "interpolate") if getattr(G, "latent_dim", None) else a.shape[-1]
    if a.shape != (latent_dim,) or b.shape != (latent_dim,):
        raise ValueError(f"interpolate: z0 and z1 must have shape ({latent_dim},), got "
                         f"{a.shape} and {b.shape}")
    ts = np.linspace(0.0, 1.0, steps)
    path = (slerp if method == "slerp" else lerp)(a.astype(np.float32), b.astype(np.float32), ts)
    z = Tensor(backend.to_device(path, _param_device(G, None)))
    with _showing(G):
        return Tensor(G(z).array)
