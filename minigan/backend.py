"""NumPy or CuPy: the one place that decides which array module runs an op.

Every array in minigan is either a ``numpy.ndarray`` (device ``"cpu"``) or a
``cupy.ndarray`` (device ``"cuda"``). Ops ask :func:`get_array_module` for the
module of their inputs and call ``xp.exp``, ``xp.matmul`` ... on it, so the same
code runs on both. No other module in minigan imports cupy.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

GPU_INSTALL_HINT = (
    "install the GPU extra with `pip install 'minigan[gpu]'` "
    "(the CuPy wheel for CUDA 12: cupy-cuda12x; for CUDA 13: cupy-cuda13x) "
    "on a machine with an NVIDIA GPU and driver"
)

_cupy = None
_cupy_checked = False
_cupy_error: str | None = None


def _import_cupy():
    """Import cupy once; remember why it failed so error messages can say so."""
    global _cupy, _cupy_checked, _cupy_error
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy  # noqa: PLC0415 - cupy loads only when asked for

            if cupy.cuda.runtime.getDeviceCount() < 1:
                _cupy_error = "CuPy is installed but no CUDA GPU is visible"
            else:
                _cupy = cupy
        except ImportError:
            _cupy_error = "CuPy is not installed"
        except Exception as exc:  # a CUDA driver/runtime problem
            _cupy_error = f"CuPy is installed but CUDA failed to start ({exc})"
    return _cupy


def cuda_is_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    return _import_cupy() is not None


def normalize_device(device) -> str:
    """Map ``None``/``"cpu"``/``"cuda"``/``"cuda:0"`` to ``"cpu"`` or ``"cuda"``."""
    if device is None:
        return get_default_device()
    if not isinstance(device, str):
        device = str(device)
    dev = device.strip().lower()
    if dev == "cpu":
        return "cpu"
    if dev == "gpu" or dev == "cuda" or dev.startswith("cuda:"):
        return "cuda"
    raise ValueError(f"unknown device {device!r}: expected 'cpu' or 'cuda'")


def require_cuda():
    """Return the cupy module, or raise an error saying what is missing."""
    cp = _import_cupy()
    if cp is None:
        raise RuntimeError(
            f"device 'cuda' was requested but {_cupy_error}; to use a GPU, {GPU_INSTALL_HINT}. "
            "Use device='cpu' to run on NumPy."
        )
    return cp


def get_array_module(array):
    """``numpy`` or ``cupy``: the module that owns ``array``."""
    if isinstance(array, np.ndarray) or np.isscalar(array):
        return np
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return np


def device_of(array) -> str:
    return "cpu" if get_array_module(array) is np else "cuda"


def xp_for(device: str):
    """The array module for a device name."""
    return np if normalize_device(device) == "cpu" else require_cuda()


def to_device(array, device: str):
    """Copy ``array`` to ``device`` (no copy when it is already there)."""
    device = normalize_device(device)
    if device == device_of(array):
        return array
    if device == "cuda":
        return require_cuda().asarray(array)
    return array.get()


# ---------------------------------------------------------------- default device
_default_device: str | None = None


def set_default_device(device) -> str:
    """Set the device new tensors go to. ``"cuda"`` without a GPU falls back
    to ``"cpu"`` with one warning, so a notebook written for a GPU still runs."""
    global _default_device
    dev = "cpu" if device is None else normalize_device(device)
    if dev == "cuda" and not cuda_is_available():
        warnings.warn(
            f"CUDA requested as the default device but {_cupy_error}; falling back to "
            f"the CPU (NumPy). To use a GPU, {GPU_INSTALL_HINT}.",
            RuntimeWarning,
            stacklevel=2,
        )
        dev = "cpu"
    _default_device = dev
    return dev


def get_default_device() -> str:
    """The default device: set by :func:`set_default_device`, else the
    ``MINIGAN_DEVICE`` environment variable, else ``"cpu"``."""
    if _default_device is None:
        env = os.environ.get("MINIGAN_DEVICE", "").strip()
        set_default_device(env or "cpu")
    return _default_device
