import numpy as np
import pytest

import minigan as mg
from minigan.serialization import CheckpointError


def test_round_trip_nested(tmp_path):
    obj = {"w": mg.randn(2, 3), "arr": np.arange(4), "step": 7, "lr": 1e-3, "name": "dcgan",
           "groups": [{"lr": 0.1, "params": [0, 1]}], "none": None, "pair": (0.5, 0.9)}
    mg.save(obj, tmp_path / "c.npz")
    back = mg.load(tmp_path / "c.npz")
    assert isinstance(back["w"], mg.Tensor) and back["w"].dtype == np.float32
    np.testing.assert_array_equal(back["w"].numpy(), obj["w"].numpy())
    np.testing.assert_array_equal(back["arr"], obj["arr"])
    assert back["step"] == 7 and back["lr"] == 1e-3 and back["name"] == "dcgan"
    assert back["groups"][0]["params"] == [0, 1] and back["none"] is None and back["pair"] == (0.5, 0.9)
    assert list(back) == list(obj)


def test_refuses_arbitrary_objects(tmp_path):
    with pytest.raises(TypeError, match="pickled"):
        mg.save({"f": lambda: 0}, tmp_path / "x.npz")


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_file_is_detected(tmp_path, damage):
    path = tmp_path / "c.npz"
    mg.save({"w": mg.randn(50, 50)}, path)
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="c.npz"):
        mg.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        mg.load(tmp_path / "nope.npz")


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    mg.save({"v": 1}, path)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"v": 2}, path)
    monkeypatch.undo()
    assert mg.load(path)["v"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


# ------------------------------------------------------------------ malformed files
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tracemalloc  # noqa: E402
import zipfile  # noqa: E402


def _npy(arr):
    f = io.BytesIO()
    np.lib.format.write_array(f, np.asarray(arr), allow_pickle=True)
    return f.getvalue()


def _index(tree):
    return _npy(np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8))


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


GOOD_TREE = {"format": "minigan-state-v1", "data": {"__array__": 0, "tensor": True}}


def test_object_arrays_are_refused_at_save_time(tmp_path):
    for bad in (np.array([1, "a"], dtype=object), np.array([(1, None)], dtype=[("a", int), ("b", object)])):
        with pytest.raises(TypeError, match="objects"):
            mg.save({"x": bad}, tmp_path / "o.npz")
    assert list(tmp_path.iterdir()) == []  # nothing half-written either


def test_a_well_formed_handmade_file_loads(tmp_path):
    # the helpers below build what save builds; only the damage differs
    _write_zip(tmp_path / "ok.npz", {"a0.npy": _npy(np.arange(3, dtype=np.float32)), "__minigan__.npy":
                                     _index(GOOD_TREE)})
    np.testing.assert_array_equal(mg.load(tmp_path / "ok.npz").numpy(), [0, 1, 2])


@pytest.mark.parametrize("case", [
    "no index", "index not json", "index not a dict", "index of floats", "wrong format",
    "array ref out of range", "array ref not an int", "dict key a float", "unknown node",
    "unexpected member", "object member", "tensor of strings", "set in tree",
])
def test_malformed_checkpoints_raise_checkpoint_error_naming_the_file(tmp_path, case):
    a0 = _npy(np.arange(3, dtype=np.float32))
    members = {"a0.npy": a0, "__minigan__.npy": _index(GOOD_TREE)}
    data = lambda d: _index({"format": "minigan-state-v1", "data": d})  # noqa: E731
    if case == "no index":
        del members["__minigan__.npy"]
    elif case == "index not json":
        members["__minigan__.npy"] = _npy(np.frombuffer(b"{not json", dtype=np.uint8))
    elif case == "index not a dict":
        members["__minigan__.npy"] = _npy(np.frombuffer(b"[1, 2]", dtype=np.uint8))
    elif case == "index of floats":
        members["__minigan__.npy"] = _npy(np.zeros(4, dtype=np.float32))
    elif case == "wrong format":
        members["__minigan__.npy"] = _index({"format": "other", "data": 1})
    elif case == "array ref out of range":
        members["__minigan__.npy"] = data({"__array__": 5, "tensor": True})
    elif case == "array ref not an int":
        members["__minigan__.npy"] = data({"__array__": "0", "tensor": True})
    elif case == "dict key a float":
        members["__minigan__.npy"] = data({"__dict__": [[1.5, 0]]})
    elif case == "unknown node":
        members["__minigan__.npy"] = data({"weights": [1, 2]})
    elif case == "unexpected member":
        members["b7.npy"] = a0
    elif case == "object member":
        members["a0.npy"] = _npy(np.array([1, "a"], dtype=object))
    elif case == "tensor of strings":
        members["a0.npy"] = _npy(np.array(["a", "b"]))
    elif case == "set in tree":
        members["__minigan__.npy"] = data({"__list__": {"x": 1}})
    path = tmp_path / "bad.npz"
    _write_zip(path, members)
    with pytest.raises(CheckpointError, match="bad.npz"):
        mg.load(path)


def test_a_member_claiming_more_than_the_file_holds_allocates_nothing(tmp_path):
    # a .npy header claiming 1 GiB of float32, followed by 16 bytes
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (2 ** 28,)})
    path = tmp_path / "huge.npz"
    _write_zip(path, {"a0.npy": f.getvalue() + bytes(16), "__minigan__.npy": _index(GOOD_TREE)})
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match="huge.npz.*claims shape"):
            mg.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 24, f"reading a {path.stat().st_size}-byte file allocated {peak} bytes"


def test_paths_that_are_not_regular_files(tmp_path):
    with pytest.raises(CheckpointError, match="not a regular file"):
        mg.load(tmp_path)  # a folder
    if hasattr(os, "mkfifo"):  # a pipe would block a reader forever
        os.mkfifo(tmp_path / "pipe.npz")
        with pytest.raises(CheckpointError, match="pipe.npz.*not a regular file"):
            mg.load(tmp_path / "pipe.npz")
    if os.path.exists("/dev/zero"):
        with pytest.raises(CheckpointError, match="/dev/zero"):
            mg.load("/dev/zero")


def test_empty_and_garbage_files(tmp_path):
    for name, raw in (("empty.npz", b""), ("text.npz", b"hello world\n" * 10)):
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(CheckpointError, match=name):
            mg.load(tmp_path / name)


def test_saved_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        mg.save({"v": 1}, tmp_path / "c.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "c.npz").stat().st_mode & 0o777 == 0o644


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    import errno

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    with pytest.raises(OSError, match="No space left") as info:
        mg.save({"v": 1}, tmp_path / "c.npz")
    assert info.value.filename == str(tmp_path / "c.npz")
    assert list(tmp_path.iterdir()) == []
