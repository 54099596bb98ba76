"""``minigan.save`` / ``minigan.load``: state dicts to disk, with no pickled code.

The file is a NumPy ``.npz`` (a zip archive, so every member has a CRC-32):
arrays are stored as members ``a0, a1, ...`` and the structure (nested dicts,
lists, numbers, strings, None) as JSON in the member ``__minigan__``. Loading
never unpickles, so a checkpoint from a stranger cannot run code.

Writes go to a temporary file in the same folder and are renamed into place
(``os.replace`` is atomic), so a run killed mid-write leaves the previous file
intact, never a half-written one.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from . import backend
from .autograd.tensor import Tensor

FORMAT = "minigan-state-v1"


class CheckpointError(RuntimeError):
    """A file that is not a readable minigan checkpoint."""


def _encode(obj, arrays):
    if isinstance(obj, Tensor):
        arrays.append(backend.to_device(obj.array, "cpu"))
        return {"__array__": len(arrays) - 1, "tensor": True}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        arrays.append(backend.to_device(obj, "cpu"))
        return {"__array__": len(arrays) - 1, "tensor": False}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)):
                raise TypeError(f"minigan.save: dict keys must be str or int, got {type(k).__name__}")
        return {"__dict__": [[k, _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [_encode(v, arrays) for v in obj], "tuple": isinstance(obj, tuple)}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"minigan.save stores tensors, arrays, numbers, strings and dicts/lists of them; "
        f"got {type(obj).__name__} (no pickled objects, by design)"
    )


def _decode(node, arrays, device):
    if isinstance(node, dict):
        if "__array__" in node:
            arr = arrays[node["__array__"]]
            if node["tensor"]:
                return Tensor(backend.to_device(arr, device) if device else arr)
            return arr
        if "__dict__" in node:
            return OrderedDict((k, _decode(v, arrays, device)) for k, v in node["__dict__"])
        if "__list__" in node:
            items = [_decode(v, arrays, device) for v in node["__list__"]]
            return tuple(items) if node.get("tuple") else items
    return node


def save(obj, path) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of tensors, arrays
    and numbers) to ``path`` atomically."""
    arrays: list = []
    tree = {"format": FORMAT, "data": _encode(obj, arrays)}
    members = {f"a{i}": a for i, a in enumerate(arrays)}
    members["__minigan__"] = np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **members)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path, map_location=None):
    """Read what :func:`save` wrote. Tensors come back on ``map_location``
    (default: the CPU). A truncated or corrupted file raises
    :class:`CheckpointError` naming the file; nothing is half-loaded."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    try:
        with open(path, "rb") as f:
            raw = f.read()
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            bad = zf.testzip()  # verifies every member's CRC
            if bad is not None:
                raise CheckpointError(
                    f"{path!r} is corrupted (member {bad!r} fails its CRC check). Delete it and "
                    "resume from an earlier checkpoint, or re-run the save.")
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            tree = json.loads(bytes(data["__minigan__"]).decode())
            n = sum(1 for k in data.files if k.startswith("a"))
            arrays = [data[f"a{i}"] for i in range(n)]
    except CheckpointError:
        raise
    # NotImplementedError / RuntimeError: zipfile's answer to a damaged header
    # that claims an unknown compression method, zip version or encryption
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError, NotImplementedError,
            RuntimeError) as exc:
        raise CheckpointError(
            f"{path!r} is not a readable minigan checkpoint (truncated or corrupted: {exc}). "
            "Delete it and resume from an earlier checkpoint, or re-run the save."
        ) from exc
    if tree.get("format") != FORMAT:
        raise CheckpointError(f"{path!r} has format {tree.get('format')!r}, expected {FORMAT!r}")
    device = backend.normalize_device(map_location) if map_location is not None else None
    return _decode(tree["data"], arrays, device)
