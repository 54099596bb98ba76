"""The CuPy stand-in keeps CuPy's rules, and minigan's GPU path keeps them too:
moves between devices, indices and other non-input tensors on the right
device, ``cuda:N``, and ``cuda.is_available()`` naming the missing library."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import backend, nn
from minigan.testing import cupy_standin as cs

pytestmark = pytest.mark.cuda


@pytest.fixture
def on_standin():
    if backend.require_cuda() is not cs:
        pytest.skip("checks of the stand-in itself (a GPU is in use)")


def test_standin_refuses_what_cupy_refuses(on_standin):
    x = cs.asarray(np.ones((2, 3), np.float32))
    assert not isinstance(x, np.ndarray)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(x)
    with pytest.raises(TypeError, match="Unsupported type"):
        x + np.ones(3, np.float32)
    with pytest.raises(TypeError, match="initial"):
        cs.sum(x, initial=0.0)  # NumPy has it, CuPy 14 does not
    with pytest.raises(AttributeError, match="normal"):
        cs.random.default_rng(0).normal(size=2)  # CuPy's Generator has standard_normal only
    with pytest.raises(AttributeError, match="not in it"):
        x.itemset  # noqa: B018
    assert isinstance(cs.sum(x), cs.ndarray) and cs.sum(x).shape == ()  # 0-d, not a scalar


def test_standin_counts_transfers_with_their_line(on_standin):
    x = cs.asarray(np.arange(4.0))
    with cs.count_transfers() as log:
        y = x * 2.0 + 1  # Python scalars are kernel arguments: no copy
        assert log.transfers == []
        float(y.sum())
        y.get()
        cs.asarray(3.0)
    assert [t.what for t in log.d2h] == ["float()", ".get()"]
    assert [t.what for t in log.h2d] == ["asarray(float)"]
    assert all(t.where.startswith(os.path.join("tests", "cuda", "test_standin.py:")) or
               "test_standin.py:" in t.where for t in log.transfers)


def test_to_cuda_cpu_round_trip_and_numpy():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert y.device == "cuda" and y.to("cpu").device == "cpu"
    np.testing.assert_array_equal(y.detach().cpu().numpy(), [1.0, -2.0, 3.0])
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_sort_topk_repeat_interleave_gather_on_the_device():
    x = mg.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], device="cuda")
    assert x.sort(1).values.cpu().tolist() == [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]]
    assert x.topk(1, 1).indices.cpu().tolist() == [[0], [1]]
    assert x.repeat_interleave(2, dim=0).shape == (4, 3)
    cp = backend.require_cuda()
    assert x.gather(1, cp.asarray(np.array([[0], [2]]))).cpu().tolist() == [[3.0], [4.0]]
    assert x.index_select(1, cp.asarray(np.array([2]))).cpu().tolist() == [[2.0], [4.0]]


def test_tensors_that_are_not_op_inputs_must_be_on_the_device():
    x = mg.randn(2, 3, device="cuda")
    with pytest.raises(RuntimeError, match="gather: index is on 'cpu'"):
        x.gather(1, mg.tensor([[0], [1]]))
    with pytest.raises(RuntimeError, match="where: the condition is on 'cpu'"):
        mg.where(mg.tensor([True, False, True]), x, x)
    with pytest.raises(RuntimeError, match="__setitem__: the value is on 'cpu'"):
        x[0] = mg.zeros(3)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(RuntimeError, match="running_mean is on 'cpu'"):
        bn(x)
    bn.to("cuda")
    assert bn(x).device == "cuda"
    x[mg.tensor([0])] = 1.0  # a host index of a GPU tensor is copied there, as PyTorch allows
    assert x[np.array([1, 0])].shape == (2, 3)


def test_cuda_n_is_honoured_or_refused():
    assert mg.zeros(1, device="cuda:0").device == "cuda"
    with pytest.raises(ValueError, match="CUDA_VISIBLE_DEVICES=1"):
        mg.zeros(1, device="cuda:1")


def _fails(*args, **kwargs):
    raise RuntimeError("CUDA library not found")


@pytest.mark.parametrize("name, broken, library", [
    ("ones", lambda *a, **k: _Broken(), "NVRTC"),  # x * 2.0 + 1.0: the elementwise kernel
    ("matmul", _fails, "cuBLAS"),
    ("random", type("R", (), {"default_rng": staticmethod(_fails)}), "cuRAND")])
def test_is_available_names_the_missing_library(monkeypatch, on_standin, name, broken, library):
    monkeypatch.setenv("MINIGAN_CUPY", "minigan.testing.cupy_standin")
    monkeypatch.setattr(cs, name, broken)
    state = backend.use_cupy(None)
    try:
        assert not mg.cuda.is_available()
        assert library in backend.cuda_unavailable_reason()
        with pytest.raises(RuntimeError, match=library):
            mg.zeros(1, device="cuda")
    finally:
        backend.restore_cupy(state)


class _Broken:
    def __mul__(self, other):
        raise RuntimeError("nvrtc: CUDA library not found")


def test_no_gpu_and_no_driver_say_so(monkeypatch, on_standin):
    monkeypatch.setenv("MINIGAN_CUPY", "minigan.testing.cupy_standin")
    for count, says in ((0, "no CUDA GPU is visible"), (-1, "no usable GPU: CUDA failed to start")):
        monkeypatch.setattr(cs.cuda, "DEVICE_COUNT", count)
        state = backend.use_cupy(None)
        try:
            assert not mg.cuda.is_available() and says in backend.cuda_unavailable_reason()
        finally:
            backend.restore_cupy(state)


def _run(code, **env):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, **env})
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_a_cupy_array_as_the_first_gpu_call():
    """minigan.tensor(cupy_array) before anything asked for the GPU (a fresh process)."""
    out = _run("import numpy as np, minigan; from minigan.testing import cupy_standin as cp\n"
               "t = minigan.tensor(cp.asarray(np.ones(3, np.float32)))\n"
               "print(t.device, (t * 2).sum().item())", MINIGAN_CUPY="minigan.testing.cupy_standin")
    assert out.split() == ["cuda", "6.0"]
