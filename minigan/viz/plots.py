"""Pictures of a GAN's training: sample grids, loss curves, and 2-D samples
over the discriminator's surface.

matplotlib is imported inside the functions that draw (``import minigan``
never loads it), and figures are drawn with its object-oriented API
(``matplotlib.figure.Figure``, rendered by the Agg backend), so no display
and no pyplot state are needed. Image grids need no matplotlib at all: they
are written by the small PNG encoder below. Every file is written to a
temporary name in the same folder and then renamed over the target, so a
reader never sees half a PNG.
"""
from __future__ import annotations

import csv
import math
import os
import secrets
import struct
import zlib

import numpy as np

__all__ = ["image_grid", "save_image_grid", "write_png", "plot_losses", "plot_2d"]


# ------------------------------------------------------------------ helpers
def _numpy(x, who: str, arg: str) -> np.ndarray:
    """A CPU NumPy array from a Tensor, a CuPy array or anything array-like."""
    from ..autograd.tensor import Tensor

    if isinstance(x, Tensor):
        x = x.detach()
    if hasattr(x, "get") and not isinstance(x, np.ndarray):  # a CuPy array
        x = x.get()
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{who}: {arg} must be numeric, got dtype {arr.dtype}")
    return arr


def _atomic_write(path, write) -> str:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then
    rename it to ``path`` (atomic on POSIX and Windows)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # open(..., "xb") rather than mkstemp: the file gets the usual permissions (umask)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


IMAGE_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}


def image_format(path) -> str:
    """'jpeg' for a path ending .jpg / .jpeg, else 'png' (what every writer
    here produces for other names)."""
    return IMAGE_FORMATS.get(os.path.splitext(os.fspath(path))[1].lower(), "png")


def _save_figure(fig, path) -> str:
    fmt = image_format(path)
    return _atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=100))


def write_jpeg(array: np.ndarray, path, quality: int = 95) -> str:
    """Write a uint8 image (H, W), (H, W, 1) or (H, W, 3) as a JPEG file
    (lossy; Pillow, which matplotlib depends on, does the encoding)."""
    from PIL import Image

    a = np.asarray(array)
    if a.dtype != np.uint8:
        raise TypeError(f"write_jpeg: expected a uint8 array, got dtype {a.dtype}")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)) or 0 in a.shape:
        raise ValueError(f"write_jpeg: expected shape (H, W), (H, W, 1) or (H, W, 3), got "
                         f"{np.asarray(array).shape}")
    image = Image.fromarray(np.ascontiguousarray(a))
    return _atomic_write(path, lambda f: image.save(f, format="JPEG", quality=quality))


# ------------------------------------------------------------------ image grids
def image_grid(images, nrow: int = 8, padding: int = 2, pad_value: float = -1.0,
               value_range=(-1.0, 1.0)) -> np.ndarray:
    """Tile a batch of images into one picture, like ``torchvision.utils.make_grid``.

    Args:
        images: (N, C, H, W) (or (N, H, W), taken as C = 1), Tensor or array,
            values in ``value_range`` (default [-1, 1], a Tanh generator's range).
        nrow: images per row; the grid has ceil(N / nrow) rows.
        padding: pixels between images and around the border.
        pad_value: the border's value, in the images' value range (-1: black).

    Returns:
        uint8 array (H', W', C) with H' = rows (H + padding) + padding and
        W' = min(nrow, N) (W + padding) + padding; value v maps to
        round(255 (v - lo) / (hi - lo)), clipped to [0, 255]. Cells past the
        last image are filled with ``pad_value``.
    """
    x = _numpy(images, "image_grid", "images").astype(np.float64)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(f"image_grid: expected images (N, C, H, W) with N >= 1, got shape {x.shape}")
    if not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"image_grid: nrow must be a positive int, got {nrow!r}")
    if not isinstance(padding, int) or padding < 0:
        raise ValueError(f"image_grid: padding must be a non-negative int, got {padding!r}")
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"image_grid: value_range must be (low, high) with high > low, got {value_range}")
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + padding) + padding, cols * (w + padding) + padding, c), pad_value)
    for i in range(n):
        top = (i // cols) * (h + padding) + padding
        left = (i % cols) * (w + padding) + padding
        grid[top:top + h, left:left + w] = x[i].transpose(1, 2, 0)
    scaled = np.rint((grid - lo) / (hi - lo) * 255.0)
    return np.clip(np.nan_to_num(scaled, nan=0.0), 0, 255).astype(np.uint8)


def write_png(array: np.ndarray, path) -> str:
    """Write a uint8 image (H, W), (H, W, 1) gray, (H, W, 3) RGB or (H, W, 4)
    RGBA as a PNG file (8 bits per channel, no filtering, zlib compressed).

    The format: the 8-byte signature, then chunks (length, type, data,
    CRC-32): IHDR (size, bit depth, colour type), IDAT (the zlib stream of
    scanlines, each prefixed by filter type 0) and IEND."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        raise TypeError(f"write_png: expected a uint8 array, got dtype {a.dtype}")
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or 0 in a.shape:
        raise ValueError(f"write_png: expected shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
                         f"got {np.asarray(array).shape}")
    h, w, c = a.shape
    color_type = {1: 0, 3: 2, 4: 6}[c]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = np.concatenate([np.zeros((h, 1), np.uint8), a.reshape(h, w * c)], axis=1)
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(np.ascontiguousarray(rows).tobytes(), 6))
           + chunk(b"IEND", b""))
    return _atomic_write(path, lambda f: f.write(png))


def save_image_grid(images, path, nrow: int = 8, padding: int = 2, pad_value: float = -1.0,
                    value_range=(-1.0, 1.0), scale: int | None = None) -> str:
    """:func:`image_grid` written to ``path`` as a PNG (a JPEG if ``path`` ends
    in .jpg or .jpeg); returns the path.

    ``scale`` enlarges every pixel to a scale x scale block (nearest
    neighbour); by default it is the smallest integer that shows each image
    at least 28 pixels high (so 8x8 digits are drawn 4 times larger)."""
    grid = image_grid(images, nrow, padding, pad_value, value_range)
    if scale is None:
        h = _numpy(images, "save_image_grid", "images").shape[-2]
        scale = max(1, math.ceil(28 / h))
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"save_image_grid: scale must be a positive int, got {scale!r}")
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    if image_format(path) == "jpeg":
        return write_jpeg(grid, path)
    return write_png(grid, path)


# ------------------------------------------------------------------ loss curves
_D_OUTPUT_KEYS = {"d_real": "D(x)", "d_fake": "D(G(z))", "D_x": "D(x)", "D_G_z": "D(G(z))"}
_STEP_KEYS = ("step", "iteration", "iter", "epoch")


def _read_records(records) -> list[dict]:
    if isinstance(records, (str, os.PathLike)):
        with open(records, newline="") as f:
            return list(csv.DictReader(f))
    if not isinstance(records, (list, tuple)) or not all(isinstance(r, dict) for r in records):
        raise TypeError("plot_losses: records must be a list of dicts or the path of a CSV file, "
                        f"got {type(records).__name__}")
    return list(records)


def _column(records, key) -> np.ndarray:
    out = []
    for r in records:
        v = r.get(key)
        try:
            out.append(float(v) if v not in (None, "") else np.nan)
        except (TypeError, ValueError):
            out.append(np.nan)
    return np.asarray(out, dtype=np.float64)


def _smooth(y: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average with bias correction (TensorBoard's
    smoothing): s_t = weight s_{t-1} + (1 - weight) y_t, divided by
    1 - weight^t so the curve starts at the data. NaNs are skipped."""
    out = np.full_like(y, np.nan)
    s, count = 0.0, 0
    for i, v in enumerate(y):
        if np.isnan(v):
            continue
        count += 1
        s = weight * s + (1.0 - weight) * v
        out[i] = s / (1.0 - weight ** count)
    return out


def plot_losses(records, path, smoothing: float = 0.6, title: str | None = None) -> str:
    """Training curves over steps; returns the path of the PNG.

    ``records``: a list of dicts (one per logged step) or the path of a CSV
    file with a header. The step is read from 'step' (or 'iteration', 'iter',
    'epoch'; else the record's index). Panels: every key containing 'loss'
    (D and G losses); the discriminator's mean outputs 'd_real' (D(x)) and
    'd_fake' (D(G(z))), if logged; any other numeric keys (gradient norms,
    penalties, Wasserstein estimate) in a third panel. Each curve is drawn
    faintly as logged and solidly after exponential smoothing with weight
    ``smoothing`` (0: none).
    """
    from matplotlib.figure import Figure

    rows = _read_records(records)
    if not rows:
        raise ValueError("plot_losses: no records to plot")
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"plot_losses: smoothing must be in [0, 1), got {smoothing}")
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    step_key = next((k for k in _STEP_KEYS if k in keys), None)
    steps = _column(rows, step_key) if step_key else np.arange(len(rows), dtype=np.float64)
    numeric = [k for k in keys if k != step_key and not np.isnan(_column(rows, k)).all()]
    loss_keys = [k for k in numeric if "loss" in k.lower()]
    d_keys = [k for k in numeric if k in _D_OUTPUT_KEYS]
    other_keys = [k for k in numeric if k not in loss_keys and k not in d_keys]
    panels = [(title or "losses", loss_keys), ("discriminator outputs", d_keys),
              ("other figures", other_keys)]
    panels = [(name, ks) for name, ks in panels if ks]
    if not panels:
        raise ValueError(f"plot_losses: no numeric columns to plot (columns: {keys})")
    fig = Figure(figsize=(7, 2.6 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (name, ks) in zip(axes, panels):
        for k in ks:
            y = _column(rows, k)
            label = f"{k} = {_D_OUTPUT_KEYS[k]}" if k in _D_OUTPUT_KEYS else k
            (line,) = ax.plot(steps, y, alpha=0.25 if smoothing > 0 else 1.0, linewidth=0.8)
            if smoothing > 0:
                ax.plot(steps, _smooth(y, smoothing), color=line.get_color(), label=label)
            else:
                line.set_label(label)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel(step_key or "record")
    return _save_figure(fig, path)


# ------------------------------------------------------------------ 2-D samples
def _points(x, who, arg) -> np.ndarray:
    a = _numpy(x, who, arg).astype(np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"{who}: {arg} must be points (N, 2), got shape {a.shape}")
    return a


class _ModuleRunner:
    """Evaluate a minigan Module on NumPy points in evaluation mode (no
    batch statistics, no spectral-norm power iteration), restoring its
    train/eval flags afterwards."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.module.modules()]
        self.module.eval()
        return self

    def __exit__(self, *exc):
        for m, mode in self.modes:
            object.__setattr__(m, "training", mode)
        return False

    def _input(self, points, requires_grad=False):
        from .. import backend
        from ..autograd.tensor import Tensor

        device, dtype = "cpu", np.float32
        for p in self.module.parameters():
            device, dtype = p.device, p.dtype
            break
        return Tensor(backend.to_device(points.astype(dtype), device), requires_grad=requires_grad)

    def values(self, points):
        from ..autograd.grad_mode import no_grad

        with no_grad():
            return _numpy(self.module(self._input(points)), "plot_2d", "critic output").reshape(-1)

    def gradients(self, points):
        from ..autograd.engine import grad

        x = self._input(points, requires_grad=True)
        (g,) = grad(self.module(x).sum(), [x])
        return _numpy(g, "plot_2d", "critic gradient").astype(np.float64)


def _critic_values(critic, points) -> np.ndarray:
    from ..nn.module import Module

    if isinstance(critic, Module):
        with _ModuleRunner(critic) as run:
            return run.values(points)
    out = _numpy(critic(points.astype(np.float32)), "plot_2d", "critic output")
    return out.astype(np.float64).reshape(-1)


def _critic_gradients(critic, points, h: float = 1e-3) -> np.ndarray:
    """grad_x critic(x) at each point: by autograd for a Module, by central
    differences (d/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h) otherwise."""
    from ..nn.module import Module

    if isinstance(critic, Module):
        with _ModuleRunner(critic) as run:
            return run.gradients(points)
    g = np.empty_like(points)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        g[:, i] = (_critic_values(critic, points + e) - _critic_values(critic, points - e)) / (2 * h)
    return g


def _auto_bounds(real) -> tuple:
    lo, hi = real.min(axis=0), real.max(axis=0)
    margin = np.maximum(0.25 * (hi - lo), 0.5)
    lo, hi = lo - margin, hi + margin
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def plot_2d(samples, real, path, critic=None, bounds=None, grad_field: bool = False,
            title: str | None = None, resolution: int = 120, max_points: int = 2000,
            critic_label: str = "D(x) (logit / critic score)") -> str:
    """Generated 2-D points over the real ones, and optionally what the
    discriminator thinks of the plane; returns the path of the PNG.

    Args:
        samples: generated points (N, 2) (Tensor or array).
        real: real points (M, 2).
        path: where to write the PNG.
        critic: None, a minigan Module taking (K, 2) Tensors, or a callable
            taking a float32 NumPy array (K, 2) and returning K values. Its
            output over a ``resolution`` x ``resolution`` grid is drawn as
            filled contours. (A Module runs in eval mode, its flags restored.)
        bounds: (xmin, xmax, ymin, ymax); default: the real data's box with a
            25% margin. The number of samples outside is given in the legend.
        grad_field: with a critic, draw grad_x D at up to 200 samples as
            arrows: the direction the generator's loss moves each sample
            (G is trained to raise D(G(z))). Exact for a Module (autograd),
            central differences for a plain callable.
        max_points: at most this many points of each set are drawn.
    """
    from matplotlib.figure import Figure

    fake = _points(samples, "plot_2d", "samples")[:max_points]
    data = _points(real, "plot_2d", "real")[:max_points]
    if bounds is None:
        bounds = _auto_bounds(data)
    if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(f"plot_2d: bounds must be (xmin, xmax, ymin, ymax) with min < max, "
                         f"got {bounds}")
    x0, x1, y0, y1 = (float(b) for b in bounds)
    if grad_field and critic is None:
        raise ValueError("plot_2d: grad_field=True needs a critic")
    fig = Figure(figsize=(6.4, 5.4) if critic is not None else (5.4, 5.4), layout="constrained")
    ax = fig.subplots()
    if critic is not None:
        gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
        surface = _critic_values(critic, grid)
        if surface.size != grid.shape[0]:
            raise ValueError(f"plot_2d: the critic returned {surface.size} values for "
                             f"{grid.shape[0]} points; expected one per point")
        cs = ax.contourf(gx, gy, surface.reshape(gx.shape), levels=20, cmap="coolwarm", alpha=0.6)
        fig.colorbar(cs, ax=ax, label=critic_label)
    ax.scatter(data[:, 0], data[:, 1], s=4, c="black", alpha=0.5, label="real", linewidths=0)
    outside = int(np.sum((fake[:, 0] < x0) | (fake[:, 0] > x1) | (fake[:, 1] < y0) | (fake[:, 1] > y1)))
    label = "generated" + (f" ({outside} outside view)" if outside else "")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, c="tab:orange", alpha=0.7, label=label, linewidths=0)
    if grad_field:
        pts = fake[:200]
        g = _critic_gradients(critic, pts)
        norm = np.linalg.norm(g, axis=1).max()
        g = g / norm if norm > 0 else g
        ax.quiver(pts[:, 0], pts[:, 1], g[:, 0], g[:, 1], angles="xy", color="tab:green",
                  width=0.003, label="grad_x D (G's push)")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small", markerscale=3)
    if title:
        ax.set_title(title)
    return _save_figure(fig, path)
