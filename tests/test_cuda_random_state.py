"""The GPU random stream is saved and restored like the CPU one: a resumed
run, and a second ``Trainer.run()``, continue it exactly.

No GPU needed: ``fake_cupy`` puts a small CuPy look-alike behind
``minigan.backend``. Like ``cupy.random.Generator`` over ``XORWOW``, its
generator keeps its whole state in a device array ``bit_generator._state``
that every draw updates in place; its arrays refuse implicit conversion to
NumPy, as CuPy's do. Only what minigan.random needs is there.
"""
from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan import random as mg_random
from minigan.gan.trainer import TrainConfig, Trainer


class _DeviceArray:
    """A 'device' array: NumPy inside, no implicit conversion out."""

    def __init__(self, data):
        self._host = np.array(data)

    shape = property(lambda self: self._host.shape)
    dtype = property(lambda self: self._host.dtype)

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def copy(self):
        return _DeviceArray(self._host.copy())

    def get(self):
        return self._host.copy()

    def __setitem__(self, key, value):
        if not isinstance(value, _DeviceArray):
            raise TypeError("expected a device array")
        self._host[key] = value._host


class _XORWOW:
    """State: 16 bytes on the device, (key, number of draws so far); draw n
    comes from ``default_rng([key, n])``, so the state fully fixes the stream."""

    def __init__(self, seed=None, *, size=-1):
        key = np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]
        self._state = _DeviceArray(np.array([key, 0], dtype=np.uint64).view(np.int8))
        self._size = size

    def _next(self):
        key, n = self._state._host.view(np.uint64)
        self._state._host.view(np.uint64)[1] = n + 1
        return np.random.default_rng([int(key), int(n)])


class _Generator:
    def __init__(self, bit_generator):
        self.bit_generator = bit_generator

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return _DeviceArray(self.bit_generator._next().standard_normal(size, dtype=dtype))

    def random(self, size=None, dtype=np.float64, out=None):
        return _DeviceArray(self.bit_generator._next().random(size, dtype=dtype))


def _make_fake_cupy():
    cp = types.ModuleType("cupy")
    cp.ndarray = _DeviceArray
    cp.asarray = lambda a, dtype=None: _DeviceArray(np.asarray(a, dtype=dtype))
    cp.random = types.SimpleNamespace(Generator=_Generator, XORWOW=_XORWOW,
                                      default_rng=lambda seed=None: _Generator(_XORWOW(seed)))
    return cp


@pytest.fixture
def fake_cupy(monkeypatch):
    cp = _make_fake_cupy()
    monkeypatch.setattr(backend, "_cupy", cp)
    monkeypatch.setattr(backend, "_cupy_checked", True)
    monkeypatch.setattr(backend, "_cupy_error", None)
    yield cp
    mg.manual_seed(0)  # drop the fake generator before the fixture removes its module


def _gpu_draw(n=5):
    return mg_random.normal_array((n,), np.float32, "cuda").get()


def test_the_gpu_state_round_trips(fake_cupy):
    mg.manual_seed(3)
    _gpu_draw()
    state = mg_random.get_rng_state()
    assert isinstance(state["cuda"], fake_cupy.ndarray)  # kept on the device: no transfer
    expected = [_gpu_draw() for _ in range(3)]
    mg_random.set_rng_state(state)
    np.testing.assert_array_equal(np.stack(expected), np.stack([_gpu_draw() for _ in range(3)]))


def test_restoring_a_state_continues_the_gpu_stream_instead_of_restarting_it(fake_cupy):
    # what Trainer.run() does at its start: before, this restarted the GPU stream from the seed
    mg.manual_seed(3)
    first = _gpu_draw()
    mg_random.set_rng_state(mg_random.get_rng_state())
    second = _gpu_draw()
    assert not np.array_equal(first, second)
    mg.manual_seed(3)
    np.testing.assert_array_equal(first, _gpu_draw())
    np.testing.assert_array_equal(second, _gpu_draw())


def test_a_cpu_only_state_never_loads_the_gpu(monkeypatch):
    monkeypatch.setattr(backend, "_import_cupy", lambda: pytest.fail("CuPy was loaded"))
    mg.manual_seed(1)
    state = mg_random.get_rng_state()
    assert "cuda" not in state
    mg_random.set_rng_state({**state, "cuda": np.zeros(16, np.int8)})  # kept until the GPU is used
    assert mg_random.get_rng_state()["cuda"].shape == (16,)


def test_a_state_of_the_wrong_size_is_refused(fake_cupy):
    mg.manual_seed(1)
    mg_random.set_rng_state({**mg_random.get_rng_state(), "cuda": np.zeros(48, np.int8)})
    with pytest.raises(ValueError, match="saved GPU random state has shape"):
        _gpu_draw()


def test_a_cupy_without_a_readable_state_warns_once_and_leaves_the_gpu_out(fake_cupy, monkeypatch):
    monkeypatch.setattr(mg_random, "_warned_unreadable", False)
    mg.manual_seed(1)
    _gpu_draw()
    del mg_random.generator("cuda").bit_generator._state
    with pytest.warns(RuntimeWarning, match="restarts it from the seed"):
        state = mg_random.get_rng_state()
    assert "cuda" not in state
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mg_random.get_rng_state()
    assert not caught  # one warning per process


def _cuda_draws_each_step(monkeypatch):
    """Make every training step also draw from the GPU stream, as a step on
    "cuda" draws its noise there; returns the list of those draws."""
    draws = []
    update_ema = Trainer.update_ema

    def drawing(self):
        draws.append(_gpu_draw(3))
        update_ema(self)

    monkeypatch.setattr(Trainer, "update_ema", drawing)
    return draws


def _config(out, **kw):
    # 100 planned steps, 6 run: the end-of-run evaluation and plots are not what this tests
    return TrainConfig(model="gan", data="ring8", steps=100, batch_size=8, seed=4, out=str(out),
                       progress=False, log_every=1, sample_every=1000, checkpoint_every=3, **kw)


def test_a_resumed_run_continues_the_gpu_stream_exactly(tmp_path, fake_cupy, monkeypatch):
    draws = _cuda_draws_each_step(monkeypatch)
    Trainer(_config(tmp_path / "a")).run(until=6)
    full = np.stack(draws)
    draws.clear()
    part = Trainer(_config(tmp_path / "b"))
    part.run(until=2)
    part.run(until=3)  # a second run() continues, and the checkpoint at 3 is the last write
    del part
    mg_random.generator("cuda").standard_normal(size=(7,))  # another user of the stream meanwhile
    resumed = Trainer.resume(str(tmp_path / "b"))
    assert resumed.step == 3
    resumed.run(until=6)
    np.testing.assert_array_equal(full, np.stack(draws))


def test_the_stream_round_trips_on_each_device(device):
    # on "cuda" this runs on real CuPy (pytest -m cuda, benchmarks/gpu_check.py): the saved
    # cuRAND state, copied to the host and back, must continue the stream exactly
    mg.manual_seed(3)
    mg_random.normal_array((1000,), np.float32, device)
    state = mg_random.get_rng_state()
    if "cuda" in state:
        state["cuda"] = backend.to_device(state["cuda"], "cpu")  # as a checkpoint holds it
    after = [backend.to_device(mg_random.normal_array((1000,), np.float32, device), "cpu"),
             backend.to_device(mg_random.uniform_array((7, 3), np.float32, device), "cpu")]
    mg_random.set_rng_state(state)
    again = [backend.to_device(mg_random.normal_array((1000,), np.float32, device), "cpu"),
             backend.to_device(mg_random.uniform_array((7, 3), np.float32, device), "cpu")]
    for a, b in zip(after, again):
        np.testing.assert_array_equal(a, b)
