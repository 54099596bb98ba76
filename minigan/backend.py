"""NumPy or CuPy: the one place that decides which array module runs an op.

Every array in minigan is either a ``numpy.ndarray`` (device ``"cpu"``) or a
``cupy.ndarray`` (device ``"cuda"``). Ops ask :func:`get_array_module` for the
module of their inputs and call ``xp.exp``, ``xp.matmul`` ... on it, so the same
code runs on both. No other module in minigan imports cupy.

``MINIGAN_CUPY`` (or :func:`use_cupy`) lets another module play CuPy: the
test suite's strict stand-in (:mod:`minigan.testing.cupy_standin`) runs the
GPU path, and counts its transfers, on a machine without a GPU.
"""
from __future__ import annotations

import importlib
import os
import warnings

import numpy as np

GPU_INSTALL_HINT = (
    "install CuPy with its CUDA libraries: from a minigan checkout, `pip install \".[gpu]\"` "
    "(CUDA 12; `pip install \".[gpu-cuda13]\"` for CUDA 13), or the wheel directly, "
    "`pip install \"cupy-cuda12x[ctk]>=14\"` (`cupy-cuda13x[ctk]` for CUDA 13), "
    "on a machine with an NVIDIA GPU and driver"
)

_cupy = None
_cupy_checked = False
_cupy_error: str | None = None

# What each first use below needs from CUDA: CuPy 14 loads these libraries
# from a CUDA toolkit (or the wheel's [ctk] extra), not from the driver, so a
# machine can count a GPU and still fail at its first op.
_SMOKE = (("an elementwise kernel", "NVRTC (CUDA's runtime compiler)",
           lambda cp: cp.ones((2, 2), dtype=cp.float32) * 2.0 + 1.0),
          ("a matrix product", "cuBLAS", lambda cp: cp.matmul(cp.ones((2, 2), dtype=cp.float32),
                                                           cp.ones((2, 2), dtype=cp.float32))),
          ("a random draw", "cuRAND", lambda cp: cp.random.default_rng(0).standard_normal(size=(2,))))


def _smoke_test(cp) -> str | None:
    """Run one kernel of each kind; say which CUDA library failed, if one did."""
    for what, library, run in _SMOKE:
        try:
            run(cp)
            cp.cuda.Device().synchronize()
        except Exception as exc:  # noqa: BLE001 - whatever CUDA raised, name the library
            return (f"CuPy sees a GPU but could not run {what}: {library} is missing or broken "
                    f"({type(exc).__name__}: {exc})")
    return None


def _import_cupy():
    """Import cupy once; check that it really runs; remember why not, for the error
    messages. ``MINIGAN_CUPY`` names another module to play CuPy (the test suite's
    stand-in, ``minigan.testing.cupy_standin``)."""
    global _cupy, _cupy_checked, _cupy_error
    if not _cupy_checked:
        _cupy_checked = True
        name = os.environ.get("MINIGAN_CUPY", "").strip() or "cupy"
        try:
            cupy = importlib.import_module(name)
            if cupy.cuda.runtime.getDeviceCount() < 1:
                _cupy_error = "CuPy is installed but no CUDA GPU is visible"
            else:
                _cupy_error = _smoke_test(cupy)
                _cupy = cupy if _cupy_error is None else None
        except ImportError:
            _cupy_error = "CuPy is not installed"
        except Exception as exc:  # a CUDA driver/runtime problem  # noqa: BLE001
            _cupy_error = (f"CuPy is installed but found no usable GPU: CUDA failed to start "
                           f"({type(exc).__name__}: {exc})")
    return _cupy


def use_cupy(module=None):
    """Make ``module`` play CuPy from now on (``None``: look again, as at start);
    return the previous state for :func:`restore_cupy`. For tests: the suite runs
    its ``cuda`` tests on :mod:`minigan.testing.cupy_standin` this way."""
    global _cupy, _cupy_checked, _cupy_error
    before = (_cupy, _cupy_checked, _cupy_error)
    _cupy, _cupy_checked, _cupy_error = module, module is not None, None
    _device_scalars.clear()
    return before


def restore_cupy(state) -> None:
    global _cupy, _cupy_checked, _cupy_error
    _cupy, _cupy_checked, _cupy_error = state
    _device_scalars.clear()


def cuda_is_available() -> bool:
    """True when CuPy imports, sees a GPU, and runs an elementwise kernel, a matrix
    product and a random draw on it (so NVRTC, cuBLAS and cuRAND are there)."""
    return _import_cupy() is not None


def cuda_unavailable_reason() -> str | None:
    """Why :func:`cuda_is_available` is False (None when it is True)."""
    _import_cupy()
    return _cupy_error


def normalize_device(device) -> str:
    """Map ``None``/``"cpu"``/``"cuda"``/``"cuda:0"`` to ``"cpu"`` or ``"cuda"``.

    minigan runs on one GPU, CuPy's current device; ``"cuda:N"`` for another N
    is refused rather than silently run on device 0."""
    if device is None:
        return get_default_device()
    if not isinstance(device, str):
        device = str(device)
    dev = device.strip().lower()
    if dev == "cpu":
        return "cpu"
    if dev == "gpu" or dev == "cuda":
        return "cuda"
    if dev.startswith("cuda:"):
        index = dev[5:]
        if index.isdigit() and int(index) == 0:
            return "cuda"
        if index.isdigit():
            raise ValueError(
                f"device {device!r}: minigan runs on one GPU, CuPy's current device ('cuda' or "
                f"'cuda:0'); to use GPU {index}, start the process with CUDA_VISIBLE_DEVICES={index}")
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:0'")


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
    if not _cupy_checked and type(array).__name__ == "ndarray":
        _import_cupy()  # a CuPy array given before anything asked for the GPU
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return np


def is_array(x) -> bool:
    """True for a NumPy or CuPy array (not for NumPy's scalars)."""
    return isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


def scipy_special(xp):
    """``scipy.special`` for NumPy arrays, its CuPy twin ``cupyx.scipy.special`` for CuPy's."""
    if xp is np:
        import scipy.special  # noqa: PLC0415 - SciPy loads only when a special function runs

        return scipy.special
    if hasattr(xp, "cupyx"):  # a stand-in carries its own
        return xp.cupyx.scipy.special
    return importlib.import_module("cupyx.scipy.special")


_device_scalars: dict = {}


def scalar_array(xp, value, dtype):
    """A 0-d array of ``dtype`` holding the Python number ``value``, for an op
    meeting ``x * 2.0``. On the CPU, ``np.asarray``. On a GPU, ``asarray`` would
    copy the number from the host (a transfer and an allocation per number per
    step), so the array is filled on the device and kept for the next step, as
    PyTorch keeps its wrapped scalars: ops never write into their inputs."""
    if xp is np:
        return np.asarray(value, dtype=dtype)
    key = (value, type(value), np.dtype(dtype).str)
    arr = _device_scalars.get(key)
    if arr is None:
        if len(_device_scalars) > 4096:  # a loop over many numbers: start again
            _device_scalars.clear()
        arr = _device_scalars[key] = xp.full((), value, dtype=dtype)
    return arr


def device_of(array) -> str:
    return "cpu" if get_array_module(array) is np else "cuda"


def check_same_device(who: str, what: str, array, like) -> None:
    """Refuse ``array`` (the data of a tensor that is not an op input: an index, a
    condition, running statistics, an assigned value) on another device than ``like``."""
    if _cupy is not None and device_of(array) != device_of(like):
        raise RuntimeError(f"{who}: {what} is on '{device_of(array)}' but the tensor is on "
                           f"'{device_of(like)}'; move it with .to('{device_of(like)}')")


def on_device_of(value, like):
    """``value`` (an array, list or number) on ``like``'s device; nothing to do
    when no GPU is in use."""
    if _cupy is None:
        return value
    dev = device_of(like)
    if is_array(value):
        return value if device_of(value) == dev else to_device(value, dev)
    return _cupy.asarray(value) if dev == "cuda" else value


def index_on_device(parts: tuple, like) -> tuple:
    """The arrays and lists in an index tuple, put on ``like``'s device: host
    indices of a GPU tensor are copied there (as PyTorch allows); a GPU index
    of a CPU tensor is refused."""
    if _cupy is None:
        return parts
    if device_of(like) == "cpu":
        if any(isinstance(p, _cupy.ndarray) for p in parts):
            raise RuntimeError("indexing a CPU tensor with a CUDA index: move the index with .cpu()")
        return parts
    return tuple(_cupy.asarray(p) if isinstance(p, (np.ndarray, list)) else p for p in parts)


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
