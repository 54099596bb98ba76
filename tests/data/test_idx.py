"""IDX parsing and MNIST / Fashion-MNIST loading, all offline: small IDX files
are built here, downloads are faked by replacing ``idx._urlopen``."""
import gzip
import io
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from minigan.data import idx
from minigan.data.idx import CorruptFileError, DownloadError, IDXError, read_idx, write_idx

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ----------------------------------------------------------------- the format
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = write_idx(tmp_path / f"a.idx{suffix}", a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative and b.shape == a.shape
    np.testing.assert_array_equal(a, b)
    b[0] = 0  # writable, not a view of the file's bytes


def test_header_layout_is_big_endian(tmp_path):
    path = write_idx(tmp_path / "x.idx", np.array([[1, 2, 3], [4, 5, 258]], dtype=np.int16))
    raw = path.read_bytes()
    assert raw[:4] == bytes([0, 0, 0x0B, 2])
    assert raw[4:12] == (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    assert raw[-2:] == (258).to_bytes(2, "big")
    assert len(raw) == 12 + 6 * 2


def test_gzip_detected_by_content_not_name(tmp_path):
    a = np.arange(10, dtype=np.uint8)
    path = tmp_path / "no_suffix"
    path.write_bytes(gzip.compress((write_idx(tmp_path / "r.idx", a)).read_bytes()))
    np.testing.assert_array_equal(read_idx(path), a)


def _raw(array):
    buf = io.BytesIO()
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}[array.dtype]
    buf.write(bytes([0, 0, code, array.ndim]))
    for s in array.shape:
        buf.write(s.to_bytes(4, "big"))
    buf.write(array.astype(array.dtype.newbyteorder(">")).tobytes())
    return buf.getvalue()


GOOD = _raw(np.arange(12, dtype=np.uint8).reshape(3, 4))


@pytest.mark.parametrize("content, message", [
    (b"\x00\x00", "too short for an IDX header"),
    (b"\x01\x00" + GOOD[2:], "bad magic number 0x01000802"),
    (GOOD[:2] + b"\x07" + GOOD[3:], "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    (GOOD[:9], "declares 2 dimensions .12 header bytes. but the file has only 9"),
    (GOOD[:-1], "truncated: dimensions .3, 4. of uint8 need 12 data bytes .* found 11"),
    (GOOD + b"\x00", "has trailing bytes: .* found 13"),
    (_raw(np.arange(6, dtype=np.int32))[:-2], "truncated: dimensions .6,. of int32 need 24"),
])
def test_header_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(IDXError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_parse_idx_rejects_compressed_bytes():
    with pytest.raises(IDXError, match="still gzip-compressed"):
        idx.parse_idx(gzip.compress(GOOD))
    np.testing.assert_array_equal(idx.parse_idx(GOOD), np.arange(12).reshape(3, 4))


def test_truncated_gzip_names_the_file(tmp_path):
    path = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz",
                     np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IDXError, match="truncated or corrupt gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value) and "download it again" in str(info.value)


def test_write_idx_rejects_unsupported(tmp_path):
    with pytest.raises(TypeError, match="cannot store dtype int64"):
        write_idx(tmp_path / "x", np.arange(3))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


# ----------------------------------------------------------------- fake MNIST
N_FAKE = 20


def _fake_split(rng, n=N_FAKE):
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[0, 0, :3] = [0, 51, 255]
    return images, rng.integers(0, 10, n).astype(np.uint8)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A data home with a small 'test' split of kind mnist in home/mnist/, its
    MD5s registered, and the mirrors served from memory (`served`)."""
    monkeypatch.setitem(idx.NUM_SAMPLES, "test", N_FAKE)
    monkeypatch.setattr(idx, "MD5S", {k: dict(v) for k, v in idx.MD5S.items()})
    images, labels = _fake_split(np.random.default_rng(1))
    folder = tmp_path / "mnist"
    folder.mkdir()
    paths = [write_idx(folder / "t10k-images-idx3-ubyte.gz", images),
             write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)]
    served = {}
    for p in paths:
        idx.MD5S["mnist"][p.name] = idx.file_md5(p)
        for base in idx.MIRRORS["mnist"]:
            served[base + p.name] = p.read_bytes()
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        if url not in served:
            raise OSError(f"offline test: no route to {url}")
        return io.BytesIO(served[url])

    monkeypatch.setattr(idx, "_urlopen", urlopen)

    return types.SimpleNamespace(home=tmp_path, images=images, labels=labels, folder=folder,
                                 paths=paths, served=served, calls=calls)


def test_load_fake_split(fake):
    x, y = idx.load_mnist("test", root=fake.home, download=False)
    assert x.shape == (N_FAKE, 1, 28, 28) and x.dtype == np.float32
    assert y.dtype == np.int64 and np.array_equal(y, fake.labels)
    np.testing.assert_allclose(x[0, 0, 0, :3], [-1.0, 51 / 127.5 - 1, 1.0], rtol=0, atol=1e-7)
    np.testing.assert_allclose(x[:, 0], fake.images / 127.5 - 1, atol=1e-6)
    assert fake.calls == []


def test_flat_home_and_env_variable(fake, monkeypatch):
    for p in fake.paths:
        p.rename(fake.home / p.name)
    monkeypatch.setenv("MINIGAN_DATA", str(fake.home))
    x, y = idx.load_mnist("test", download=False)
    assert np.array_equal(y, fake.labels)


def test_data_home_order(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "env"))
    assert idx.data_home(tmp_path / "r") == tmp_path / "r"
    assert idx.data_home() == tmp_path / "env"
    monkeypatch.delenv("MINIGAN_DATA")
    assert idx.data_home() == Path.home() / ".cache" / "minigan"


def test_md5_mismatch_offline_is_an_error(fake):
    path = fake.paths[1]
    path.write_bytes(gzip.compress(GOOD))  # a valid IDX file, but not the right one
    with pytest.raises(CorruptFileError, match="corrupt or incomplete: its MD5 is") as info:
        idx.load_mnist("test", root=fake.home, download=False)
    assert str(path) in str(info.value) and "download=True" in str(info.value)


def test_md5_mismatch_triggers_redownload(fake):
    path = fake.paths[0]
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.warns(RuntimeWarning, match="corrupt or incomplete.*downloading a fresh copy"):
        x, y = idx.load_mnist("test", root=fake.home, download=True)
    np.testing.assert_allclose(x[:, 0], fake.images / 127.5 - 1, atol=1e-6)
    assert fake.calls == [idx.MIRRORS["mnist"][0] + path.name]
    assert idx.file_md5(path) == idx.MD5S["mnist"][path.name]


def test_bad_file_outside_own_folder_is_not_overwritten(fake):
    fake.paths[0].rename(fake.home / fake.paths[0].name)
    flat = fake.home / fake.paths[0].name
    flat.write_bytes(b"another dataset's file")
    with pytest.warns(RuntimeWarning, match=str(flat)):
        idx.load_mnist("test", root=fake.home, download=True)
    assert flat.read_bytes() == b"another dataset's file"
    assert (fake.folder / flat.name).exists()


def test_truncated_gzip_through_loader_names_the_file(fake):
    path = fake.paths[0]
    path.write_bytes(path.read_bytes()[:-50])
    idx.MD5S["mnist"][path.name] = idx.file_md5(path)  # as if the checksum table were wrong
    with pytest.raises(IDXError, match="truncated or corrupt gzip") as info:
        idx.load_mnist("test", root=fake.home, download=False)
    assert str(path) in str(info.value) and "download=True" in str(info.value)


def test_wrong_content_shape_detected(fake):
    path = write_idx(fake.paths[1], np.full(N_FAKE, 12, dtype=np.uint8))
    idx.MD5S["mnist"][path.name] = idx.file_md5(path)
    with pytest.raises(CorruptFileError, match="labels in 0..9"):
        idx.load_mnist("test", root=fake.home, download=False)


def test_missing_files_offline(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        idx.load_mnist("test", root=tmp_path, download=False, kind="fashion")
    msg = str(info.value)
    assert str(tmp_path / "fashion-mnist") in msg and "t10k-images-idx3-ubyte.gz" in msg
    assert "download=True" in msg and idx.MIRRORS["fashion"][0] in msg


def test_download_into_empty_home(fake, tmp_path):
    home = tmp_path / "new_home"
    x, y = idx.load_mnist("test", root=home, download=True)
    assert np.array_equal(y, fake.labels)
    assert sorted(p.name for p in (home / "mnist").iterdir()) == sorted(idx.FILES["test"])


def test_all_mirrors_failing(fake, tmp_path):
    fake.served.clear()
    home = tmp_path / "h"
    with pytest.raises(DownloadError) as info:
        idx.load_mnist("test", root=home, download=True)
    msg = str(info.value)
    for base in idx.MIRRORS["mnist"]:
        assert base + "t10k-images-idx3-ubyte.gz" in msg
    assert str(home / "mnist" / "t10k-images-idx3-ubyte.gz") in msg
    assert list((home / "mnist").iterdir()) == []


def test_bad_mirror_falls_through_to_next(fake, tmp_path):
    first, second = idx.MIRRORS["mnist"][:2]
    name = fake.paths[0].name
    fake.served[first + name] = b"<html>moved</html>"
    dest = tmp_path / "d" / name
    idx._fetch("mnist", name, dest, idx.MD5S["mnist"][name])
    assert fake.calls == [first + name, second + name]
    assert dest.read_bytes() == fake.served[second + name]


class _DiesMidway:
    """A response that delivers `good` bytes, then the connection drops."""

    def __init__(self, good):
        self.chunks, self.closed = [good], False

    def read(self, n):
        if self.chunks:
            return self.chunks.pop()
        raise ConnectionResetError("connection reset mid-download")

    def close(self):
        self.closed = True


def test_download_is_atomic(tmp_path, monkeypatch):
    response = _DiesMidway(b"x" * 5000)
    monkeypatch.setattr(idx, "_urlopen", lambda url, timeout: response)
    dest = tmp_path / "train-images-idx3-ubyte.gz"
    with pytest.raises(ConnectionResetError):
        idx.download_url("https://example.invalid/f", dest)
    assert response.closed
    assert list(tmp_path.iterdir()) == []  # neither dest nor a .part file
    dest.write_bytes(b"old")
    monkeypatch.setattr(idx, "_urlopen", lambda url, timeout: _DiesMidway(b"y" * 10))
    with pytest.raises(ConnectionResetError):
        idx.download_url("https://example.invalid/f", dest)
    assert dest.read_bytes() == b"old" and list(tmp_path.iterdir()) == [dest]


def test_download_md5_mismatch_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "_urlopen", lambda url, timeout: io.BytesIO(b"abc"))
    with pytest.raises(CorruptFileError, match="expected 0123"):
        idx.download_url("https://example.invalid/f", tmp_path / "f", md5="0123")
    assert list(tmp_path.iterdir()) == []
    idx.download_url("https://example.invalid/f", tmp_path / "f",
                     md5="900150983cd24fb0d6963f7d28e17f72")  # md5("abc")
    assert (tmp_path / "f").read_bytes() == b"abc"


def test_bad_split_and_kind(tmp_path):
    with pytest.raises(ValueError, match="expected 'train' or 'test'"):
        idx.load_mnist("val", root=tmp_path)
    with pytest.raises(ValueError, match="expected 'mnist' or 'fashion'"):
        idx.load_mnist("test", root=tmp_path, kind="cifar")


def test_md5_table_is_complete():
    for kind in ("mnist", "fashion"):
        assert sorted(idx.MD5S[kind]) == sorted(f for fs in idx.FILES.values() for f in fs)
        assert all(len(m) == 32 and int(m, 16) >= 0 for m in idx.MD5S[kind].values())


# ----------------------------------------------------------------- real MNIST
def test_real_mnist_test_split(mnist_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, y = idx.load_mnist("test", root=mnist_dir, download=False)
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert x.min() == -1.0 and x.max() == 1.0
    assert np.bincount(y).tolist() == MNIST_TEST_COUNTS
    assert abs(float(x.mean()) - (2 * 0.1325 - 1)) < 0.01  # MNIST mean intensity 0.1325
