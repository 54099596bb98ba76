"""IDX files, and MNIST / Fashion-MNIST read from them (downloaded once, cached,
checked).

The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/) is a header
and a flat big-endian array::

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4*d bytes   the size of each dimension, big-endian uint32
    the rest    prod(sizes) elements, big-endian, C order

:func:`read_idx` checks every part of that (magic bytes, type code, that the
data is exactly ``prod(sizes)`` elements long) and reads gzip-compressed files
transparently; :func:`write_idx` writes one, which tests use to build small
files.

:func:`load_mnist` returns MNIST (LeCun et al. 1998) or Fashion-MNIST (Xiao et
al. 2017: 28x28 greyscale clothing images in 10 classes, the same file layout)
as float32 images ``(N, 1, 28, 28)`` scaled from ``0..255`` to ``[-1, 1]``
(``x / 127.5 - 1``, the range of a tanh generator) and int64 labels ``(N,)``.
The files live in ``<data home>/<kind>/`` where the data home is ``root``, else
``$MINIGAN_DATA``, else ``~/.cache/minigan``; files placed directly in the data
home are used too. Every file's MD5 is checked before use, so a truncated or
damaged download is reported (and fetched again when ``download=True``), never
silently read. Downloads go to a temporary file in the same folder that is
renamed into place only once complete and verified, so an interrupted download
leaves nothing behind.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np

# IDX type code -> big-endian numpy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {dt.newbyteorder("=").str[1:]: code for code, dt in IDX_DTYPES.items()}

# kind -> base URLs tried in order. Each file is verified against MD5S below,
# so a mirror serving something else is rejected rather than trusted.
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
    "fashion": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ],
}

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
NUM_SAMPLES = {"train": 60_000, "test": 10_000}

# kind -> file name -> MD5 of the gzip file as published.
MD5S = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

# The folder under the data home that holds each kind's files.
SUBDIRS = {"mnist": "mnist", "fashion": "fashion-mnist"}
_KIND_ALIASES = {"mnist": "mnist", "fashion": "fashion", "fashion-mnist": "fashion",
                 "fashion_mnist": "fashion"}
_PRETTY = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}


class CorruptFileError(ValueError):
    """A data file exists but is damaged: wrong checksum, or not valid content."""


class IDXError(CorruptFileError):
    """A file is not a well-formed IDX file (bad header, wrong length, broken gzip)."""


class DownloadError(RuntimeError):
    """No mirror delivered a file with the expected checksum."""


# ------------------------------------------------------------------ IDX format
def parse_idx(buffer: bytes, source: str = "<bytes>") -> np.ndarray:
    """The array held in the uncompressed IDX bytes ``buffer``, in native byte
    order. ``source`` names the file in error messages."""
    buffer = memoryview(buffer).cast("B")
    n = len(buffer)
    if n < 4:
        raise IDXError(f"{source}: {n} bytes is too short for an IDX header (4-byte magic number)")
    if buffer[0] == 0x1F and buffer[1] == 0x8B:
        raise IDXError(f"{source}: the data is still gzip-compressed; use read_idx(path), "
                       "which decompresses it")
    magic = int.from_bytes(buffer[:4], "big")
    if buffer[0] != 0 or buffer[1] != 0:
        raise IDXError(f"{source}: bad magic number 0x{magic:08X}: an IDX file starts with "
                       "two zero bytes, then a type code and the number of dimensions")
    code, ndim = buffer[2], buffer[3]
    if code not in IDX_DTYPES:
        valid = ", ".join(f"0x{c:02X} ({IDX_DTYPES[c].newbyteorder('=').name})"
                          for c in IDX_DTYPES)
        raise IDXError(f"{source}: unknown IDX type code 0x{code:02X} in magic number "
                       f"0x{magic:08X}; valid codes are {valid}")
    if ndim == 0:
        raise IDXError(f"{source}: magic number 0x{magic:08X} declares 0 dimensions; "
                       "an IDX array has at least one")
    header = 4 + 4 * ndim
    if n < header:
        raise IDXError(f"{source}: the header declares {ndim} dimensions ({header} header "
                       f"bytes) but the file has only {n} bytes")
    dims = tuple(int.from_bytes(buffer[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    actual = n - header
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise IDXError(f"{source}: {what}: dimensions {dims} of {dtype.newbyteorder('=').name} "
                       f"need {expected} data bytes after the {header}-byte header, "
                       f"found {actual}")
    flat = np.frombuffer(buffer, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    # astype copies into native byte order, so the result is writable and
    # independent of the bytes it was read from.
    return flat.reshape(dims).astype(dtype.newbyteorder("="))


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw: told apart by the gzip magic
    bytes, not the name). Raises :class:`IDXError` naming the file if the gzip
    stream is truncated or damaged or the IDX header does not match the data."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise IDXError(
                f"{path}: truncated or corrupt gzip data ({type(exc).__name__}: {exc}); "
                "the file is incomplete or damaged: delete it and download it again") from exc
    return parse_idx(raw, source=str(path))


def write_idx(path, array) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in
    ``.gz``. Supported dtypes: uint8, int8, int16, int32, float32, float64."""
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=").str[1:]
    if key not in _CODE_OF:
        raise TypeError(f"IDX cannot store dtype {array.dtype}: expected one of "
                        "uint8, int8, int16, int32, float32, float64")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores arrays with 1 to 255 dimensions, got {array.ndim}")
    if any(s >= 2**32 for s in array.shape):
        raise ValueError(f"IDX dimension sizes must fit in 32 bits, got {array.shape}")
    code = _CODE_OF[key]
    header = bytes([0, 0, code, array.ndim]) + b"".join(s.to_bytes(4, "big") for s in array.shape)
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
    return path


# ------------------------------------------------------------------ files and downloads
def data_home(root=None) -> Path:
    """Where datasets are cached: ``root``, else ``$MINIGAN_DATA``, else
    ``~/.cache/minigan``."""
    if root is None:
        root = os.environ.get("MINIGAN_DATA") or Path.home() / ".cache" / "minigan"
    return Path(root).expanduser()


def file_md5(path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _urlopen(url: str, timeout: float):
    """Open ``url`` for reading (tests replace this to stay offline)."""
    import urllib.request  # noqa: PLC0415 - only needed when downloading

    request = urllib.request.Request(url, headers={"User-Agent": "minigan"})
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - fixed https/http mirrors


def download_url(url: str, dest, md5: str | None = None, timeout: float = 60.0,
                 chunk_size: int = 1 << 20) -> Path:
    """Download ``url`` to ``dest`` atomically: the bytes go to a temporary
    file beside ``dest``, are checked against ``md5`` (when given) and only then
    renamed to ``dest``. On any failure the temporary file is removed and
    ``dest`` is left as it was."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out:
            response = _urlopen(url, timeout)
            try:
                while chunk := response.read(chunk_size):
                    out.write(chunk)
                    digest.update(chunk)
            finally:
                response.close()
        if md5 is not None and digest.hexdigest() != md5:
            raise CorruptFileError(f"{url} delivered data with MD5 {digest.hexdigest()}, "
                                   f"expected {md5} (a partial or altered file)")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return dest


def _normalize_kind(kind) -> str:
    if kind not in _KIND_ALIASES:
        raise ValueError(f"unknown dataset kind {kind!r}: expected 'mnist' or 'fashion'")
    return _KIND_ALIASES[kind]


def _fetch(kind: str, fname: str, dest: Path, md5: str) -> Path:
    errors = []
    for base in MIRRORS[kind]:
        url = base + fname
        try:
            return download_url(url, dest, md5=md5)
        except (OSError, CorruptFileError) as exc:  # URLError, HTTPError, timeouts are OSErrors
            errors.append(f"  {url}: {type(exc).__name__}: {exc}")
    raise DownloadError(
        f"could not download {_PRETTY[kind]} file {fname}:\n" + "\n".join(errors) +
        f"\nDownload it by hand from one of those URLs and put it at {dest} "
        "(no internet: copy the files there from another machine).")


def _ensure_file(kind: str, fname: str, home: Path, download: bool) -> Path:
    """The path of a verified copy of ``fname``, downloading it if allowed."""
    folder = home / SUBDIRS[kind]
    md5 = MD5S[kind][fname]
    found = next((p for p in (folder / fname, home / fname) if p.exists()), None)
    if found is not None:
        actual = file_md5(found)
        if actual == md5:
            return found
        problem = (f"{_PRETTY[kind]} file {found} is corrupt or incomplete: its MD5 is {actual}, "
                   f"expected {md5}")
        if not download:
            raise CorruptFileError(
                f"{problem}. Delete it and call again with download=True, or replace it with "
                f"a good copy from {MIRRORS[kind][0]}{fname}")
        # Never overwrite a file outside our own folder (it could be another
        # dataset's file of the same name); the fresh copy in `folder` wins
        # next time because it is looked up first.
        warnings.warn(f"{problem}; downloading a fresh copy to {folder / fname}", RuntimeWarning,
                      stacklevel=3)
    elif not download:
        raise FileNotFoundError(
            f"{_PRETTY[kind]} file {fname} not found in {folder} (or {home}) and download=False. "
            f"Put the files {', '.join(MD5S[kind])} in {folder} (from {MIRRORS[kind][0]}), "
            "set root= or $MINIGAN_DATA to the folder that holds them, or call with "
            "download=True.")
    return _fetch(kind, fname, folder / fname, md5)


def _read_verified(path: Path, kind: str) -> np.ndarray:
    try:
        return read_idx(path)
    except IDXError as exc:
        raise IDXError(f"{exc}. ({_PRETTY[kind]} file: delete {path} and load again with "
                       "download=True.)") from exc


def load_mnist(split: str = "train", root=None, download: bool = True, kind: str = "mnist"):
    """MNIST (``kind="mnist"``) or Fashion-MNIST (``kind="fashion"``).

    Returns ``(images, labels)``: images float32 ``(N, 1, 28, 28)`` in
    ``[-1, 1]`` (``pixel / 127.5 - 1``), labels int64 ``(N,)`` in ``0..9``;
    ``N = 60000`` for ``split="train"``, ``10000`` for ``split="test"``.
    ``root`` is the data home (see the module docstring); with
    ``download=False`` missing files are an error that says where to put them.
    """
    kind = _normalize_kind(kind)
    if split not in FILES:
        raise ValueError(f"unknown split {split!r}: expected 'train' or 'test'")
    home = data_home(root)
    image_file, label_file = FILES[split]
    image_path = _ensure_file(kind, image_file, home, download)
    label_path = _ensure_file(kind, label_file, home, download)
    images = _read_verified(image_path, kind)
    labels = _read_verified(label_path, kind)

    n = NUM_SAMPLES[split]
    if images.shape != (n, 28, 28) or images.dtype != np.uint8:
        raise CorruptFileError(f"{image_path}: expected uint8 images of shape {(n, 28, 28)}, "
                               f"got {images.dtype} {images.shape}")
    if labels.shape != (n,) or labels.dtype != np.uint8 or labels.max(initial=0) > 9:
        raise CorruptFileError(f"{label_path}: expected {n} uint8 labels in 0..9, got "
                               f"{labels.dtype} {labels.shape} with max {labels.max(initial=0)}")
    x = images.astype(np.float32)[:, None] / np.float32(127.5) - np.float32(1.0)
    return x, labels.astype(np.int64)


def load_fashion_mnist(split: str = "train", root=None, download: bool = True):
    """Fashion-MNIST: ``load_mnist(split, root, download, kind="fashion")``."""
    return load_mnist(split, root=root, download=download, kind="fashion")
