"""``minigan.save`` / ``minigan.load``: state dicts to disk, with no pickled code.

The file is a NumPy ``.npz`` (a zip archive, so every member has a CRC-32):
arrays are stored as members ``a0, a1, ...`` and the structure (nested dicts,
lists, numbers, strings, None) as JSON in the member ``__minigan__``. Loading
never unpickles, so a checkpoint from a stranger cannot run code.

Writes go to a temporary file in the same folder and are renamed into place
(``os.replace`` is atomic), so a run killed mid-write leaves the previous file
intact, never a half-written one.

Reading trusts nothing in the file: a missing or damaged index, a node of
the wrong type, a member whose header claims more data than the member holds
(no allocation larger than the file itself), a member that is not a plain
numeric array, or a path that is not a regular file each raise
:class:`CheckpointError` naming the file.
"""
from __future__ import annotations

import io
import json
import os
import stat
import secrets
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
        if obj.dtype.hasobject:
            # NumPy would pickle it, and load (which never unpickles) could not read it back
            raise TypeError(f"minigan.save stores numeric arrays; got an array of dtype {obj.dtype} "
                            "(Python objects inside; no pickled objects, by design)")
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


class _Malformed(ValueError):
    """Raised inside :func:`_decode`; :func:`load` adds the file's name."""


def _decode(node, arrays, device):
    if isinstance(node, dict):
        if "__array__" in node:
            index, tensor = node["__array__"], node.get("tensor")
            if (type(index) is not int or not 0 <= index < len(arrays) or type(tensor) is not bool
                    or set(node) != {"__array__", "tensor"}):
                raise _Malformed(f"bad array reference {node!r} ({len(arrays)} arrays stored)")
            arr = arrays[index]
            if tensor:
                if arr.dtype.kind not in "fiub":
                    raise _Malformed(f"array {index} of dtype {arr.dtype} cannot be a tensor")
                return Tensor(backend.to_device(arr, device) if device else arr)
            return arr
        if "__dict__" in node and set(node) == {"__dict__"} and isinstance(node["__dict__"], list):
            out = OrderedDict()
            for item in node["__dict__"]:
                if not (isinstance(item, list) and len(item) == 2 and type(item[0]) in (str, int)):
                    raise _Malformed(f"bad dict entry {str(item)[:80]!r}")
                out[item[0]] = _decode(item[1], arrays, device)
            return out
        if ("__list__" in node and set(node) <= {"__list__", "tuple"} and isinstance(node["__list__"], list)
                and type(node.get("tuple", False)) is bool):
            items = [_decode(v, arrays, device) for v in node["__list__"]]
            return tuple(items) if node.get("tuple") else items
        raise _Malformed(f"unknown node with keys {sorted(node)[:5]}")
    if node is None or type(node) in (bool, int, float, str):
        return node
    raise _Malformed(f"unexpected {type(node).__name__} in the index")


def _read_member(zf, info, limit):
    """One ``.npy`` member as an array, checked against what it claims: the
    member may not be larger than the file, and its header's shape and dtype
    must account for exactly the bytes it holds (NumPy's own reader would
    allocate whatever the header claims before reading a byte)."""
    if info.file_size > limit:
        raise _Malformed(f"member {info.filename!r} claims {info.file_size} bytes, more than the whole "
                         f"file ({limit} bytes)")
    raw = zf.read(info)  # checks the member's CRC-32
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise _Malformed(f"member {info.filename!r} has .npy version {version}")
    if dtype.hasobject:
        raise _Malformed(f"member {info.filename!r} holds Python objects (dtype {dtype}); "
                         "minigan checkpoints hold numeric arrays only")
    count = 1
    for n in shape:
        count *= int(n)
    body = len(raw) - f.tell()
    if count * dtype.itemsize != body:
        raise _Malformed(f"member {info.filename!r} claims shape {tuple(shape)} of {dtype} "
                         f"({count * dtype.itemsize} bytes) but holds {body} bytes")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=f.tell())
    return arr.reshape(shape, order="F" if fortran else "C").copy()


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
    # open(..., "xb") rather than mkstemp: the file gets the usual permissions (umask), not 0600
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{secrets.token_hex(4)}.npz")
    f = open(tmp, "xb")
    try:
        with f:
            np.savez(f, **members)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, OSError) and not exc.filename:  # a full disk: say where
            raise OSError(exc.errno, exc.strerror or str(exc), path) from exc
        raise


def load(path, map_location=None):
    """Read what :func:`save` wrote. Tensors come back on ``map_location``
    (default: the CPU). A file that is truncated, corrupted or not a minigan
    checkpoint raises :class:`CheckpointError` naming the file; nothing is
    half-loaded."""
    path = os.fspath(path)
    device = backend.normalize_device(map_location) if map_location is not None else None
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {path!r}") from None
    except OSError as exc:
        raise CheckpointError(f"{path!r} cannot be read: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):  # a folder, a pipe or a device: never read it
        raise CheckpointError(f"{path!r} is not a regular file, so not a minigan checkpoint")

    def damaged(why):
        return CheckpointError(f"{path!r} is not a readable minigan checkpoint ({why}). "
                               "Delete it and resume from an earlier checkpoint, or re-run the save.")

    try:
        with open(path, "rb") as f:
            raw = f.read()
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = {}
            for info in zf.infolist():
                try:
                    members[info.filename] = _read_member(zf, info, len(raw))
                except zipfile.BadZipFile as exc:
                    if "CRC" in str(exc):
                        raise CheckpointError(
                            f"{path!r} is corrupted (member {info.filename!r} fails its CRC check). "
                            "Delete it and resume from an earlier checkpoint, or re-run the save."
                        ) from exc
                    raise
        index = members.pop("__minigan__.npy", None)
        if index is None:
            raise _Malformed("no index member __minigan__")
        if index.dtype != np.uint8 or index.ndim != 1:
            raise _Malformed(f"the index is {index.dtype} of shape {index.shape}, expected bytes")
        tree = json.loads(index.tobytes().decode())
        if not isinstance(tree, dict) or set(tree) != {"format", "data"}:
            raise _Malformed("the index is not a minigan state tree")
        if tree["format"] != FORMAT:
            raise CheckpointError(f"{path!r} has format {tree['format']!r}, expected {FORMAT!r}")
        expected = {f"a{i}.npy" for i in range(len(members))}
        if set(members) != expected:
            raise _Malformed(f"unexpected members {sorted(set(members) - expected)[:5]}")
        arrays = [members[f"a{i}.npy"] for i in range(len(members))]
    except CheckpointError:
        raise
    except _Malformed as exc:
        raise damaged(f"damaged: {exc}") from None
    # NotImplementedError / RuntimeError: zipfile's answer to a damaged header
    # that claims an unknown compression method, zip version or encryption
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError, NotImplementedError,
            RuntimeError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        raise damaged(f"truncated or corrupted: {exc}") from exc
    try:
        return _decode(tree["data"], arrays, device)
    except (_Malformed, RecursionError) as exc:
        raise damaged(f"damaged index: {exc}") from None
