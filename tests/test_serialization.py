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
