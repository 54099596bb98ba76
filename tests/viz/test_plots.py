"""Image grids, the PNG writer, loss curves and 2-D plots."""
from __future__ import annotations

import csv
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.viz import image_grid, plot_2d, plot_losses, save_image_grid, write_png
from minigan.viz.plots import _critic_gradients

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def read_png(path) -> np.ndarray:
    """Decode the PNGs ``write_png`` makes (8-bit, unfiltered) back to (H, W, C)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == PNG_MAGIC
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, _depth, color = header[:4]
    channels = {0: 1, 2: 3, 6: 4}[color]
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * channels)
    assert np.all(rows[:, 0] == 0)  # filter type "none" on every line
    return rows[:, 1:].reshape(h, w, channels)


def is_png(path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == PNG_MAGIC


def _no_temp_files(folder):
    return [f for f in os.listdir(folder) if f.endswith(".tmp")] == []


def test_image_grid_layout_and_values():
    values = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    images = np.ones((5, 1, 2, 3), np.float32) * values[:, None, None, None]
    grid = image_grid(images, nrow=3, padding=1)
    # 2 rows of 3: H' = 2 (2 + 1) + 1, W' = 3 (3 + 1) + 1
    assert grid.shape == (7, 13, 1) and grid.dtype == np.uint8
    expected = np.rint((values + 1) / 2 * 255).astype(np.uint8)  # 0, 64, 128, 191, 255
    for i, v in enumerate(expected):
        top, left = 1 + (i // 3) * 3, 1 + (i % 3) * 4
        assert np.all(grid[top:top + 2, left:left + 3] == v)
    # borders and the unused sixth cell hold pad_value (-1 -> 0, black)
    assert np.all(grid[0] == 0) and np.all(grid[:, 0] == 0)
    assert np.all(grid[4:6, 9:12] == 0)
    assert grid.sum() == sum(int(v) * 6 for v in expected)


def test_image_grid_accepts_tensors_rgb_and_clips():
    x = minigan.full((3, 3, 4, 4), 2.0)  # out of range: clipped to white
    grid = image_grid(x, nrow=8, padding=0)
    assert grid.shape == (4, 12, 3) and np.all(grid == 255)
    assert image_grid(np.zeros((2, 5, 5)), nrow=1, padding=0).shape == (10, 5, 1)
    g = image_grid(np.full((1, 1, 2, 2), 0.5), padding=0, value_range=(0, 1))
    assert np.all(g == 128)
    with pytest.raises(ValueError, match="N, C, H, W"):
        image_grid(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="nrow"):
        image_grid(np.zeros((2, 1, 2, 2)), nrow=0)


def test_write_png_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    for shape in [(5, 7), (5, 7, 3), (4, 3, 4)]:
        a = rng.integers(0, 256, size=shape, dtype=np.uint8)
        path = write_png(a, tmp_path / "x.png")
        back = read_png(path)
        np.testing.assert_array_equal(back, a.reshape(back.shape))
    with pytest.raises(TypeError, match="uint8"):
        write_png(np.zeros((2, 2)), tmp_path / "y.png")
    assert _no_temp_files(tmp_path)


def test_save_image_grid_writes_the_grid(tmp_path):
    images = minigan.rand(10, 1, 28, 28) * 2 - 1
    path = save_image_grid(images, tmp_path / "sub" / "grid.png", nrow=5)
    np.testing.assert_array_equal(read_png(path), image_grid(images, nrow=5))
    # 8x8 images are enlarged to at least 28 pixels (4x) unless told otherwise
    small = np.zeros((4, 1, 8, 8), np.float32)
    big = read_png(save_image_grid(small, tmp_path / "small.png", nrow=2))
    assert big.shape == ((2 * 10 + 2) * 4, (2 * 10 + 2) * 4, 1)
    same = read_png(save_image_grid(small, tmp_path / "small1.png", nrow=2, scale=1))
    assert same.shape == (22, 22, 1)
    assert _no_temp_files(tmp_path / "sub") and _no_temp_files(tmp_path)


def _records(n=30):
    rng = np.random.default_rng(0)
    return [dict(step=10 * i, d_loss=1.3 + 0.1 * rng.standard_normal(), g_loss=0.7,
                 d_real=0.6, d_fake=0.4, gp=0.01) for i in range(n)]


def test_plot_losses_from_records_and_csv(tmp_path):
    path = plot_losses(_records(), tmp_path / "losses.png")
    assert is_png(path)
    csv_path = tmp_path / "metrics.csv"
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(_records()[0]))
        w.writeheader()
        w.writerows(_records())
    path2 = plot_losses(str(csv_path), tmp_path / "losses2.png", smoothing=0.0)
    assert is_png(path2)
    assert _no_temp_files(tmp_path)
    with pytest.raises(ValueError, match="no records"):
        plot_losses([], tmp_path / "x.png")
    with pytest.raises(TypeError, match="list of dicts"):
        plot_losses(42, tmp_path / "x.png")


def test_plot_2d_with_module_and_callable_critics(tmp_path):
    rng = np.random.default_rng(0)
    real = rng.standard_normal((300, 2)).astype(np.float32)
    fake = minigan.randn(200, 2)
    D = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    D.train()
    stats = D[1].running_mean.numpy().copy()
    path = plot_2d(fake, real, tmp_path / "a.png", critic=D, grad_field=True, title="step 0")
    assert is_png(path)
    assert D.training and D[1].training  # flags restored
    np.testing.assert_array_equal(D[1].running_mean.numpy(), stats)  # evaluated in eval mode
    path = plot_2d(fake.numpy(), real, tmp_path / "b.png",
                   critic=lambda p: np.sin(p[:, 0]) + p[:, 1], grad_field=True, bounds=(-3, 3, -3, 3))
    assert is_png(path)
    assert is_png(plot_2d(fake, real, tmp_path / "c.png"))
    assert _no_temp_files(tmp_path)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_2d(np.zeros((5, 3)), real, tmp_path / "d.png")
    with pytest.raises(ValueError, match="grad_field"):
        plot_2d(fake, real, tmp_path / "d.png", grad_field=True)
    with pytest.raises(ValueError, match="one per point"):
        plot_2d(fake, real, tmp_path / "d.png", critic=lambda p: np.zeros(3))


def test_critic_gradients_autograd_and_finite_differences_agree():
    lin = nn.Linear(2, 1)
    pts = np.random.default_rng(1).standard_normal((7, 2))
    g = _critic_gradients(lin, pts)
    np.testing.assert_allclose(g, np.tile(lin.weight.detach().numpy(), (7, 1)), rtol=1e-6)
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))

    def f(p):
        with minigan.no_grad():
            return mlp(minigan.tensor(p.astype(np.float32))).numpy().reshape(-1)

    np.testing.assert_allclose(_critic_gradients(f, pts, h=1e-2), _critic_gradients(mlp, pts),
                               rtol=2e-2, atol=2e-3)


def test_import_minigan_does_not_load_matplotlib():
    code = ("import sys, minigan, minigan.viz, minigan.gan.models, minigan.gan.sampling; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
