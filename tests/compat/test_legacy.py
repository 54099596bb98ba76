"""PyTorch's legacy names in minigan.compat.legacy: Variable, the typed tensor
classes, Tensor.type / is_cuda, device, the dtype aliases, backends.cudnn,
and grad(only_inputs=...)."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import minigan
import minigan.nn as nn
from minigan.compat import legacy

# Variable's one-time note is checked in test_variable_warns_once
pytestmark = pytest.mark.filterwarnings("ignore:Variable is deprecated:DeprecationWarning")


# ------------------------------------------------------------------ Variable
def test_variable_is_a_detached_leaf_sharing_memory():
    from minigan.autograd import Variable

    x = minigan.ones(3, requires_grad=True)
    y = x * 2
    v = Variable(y)
    assert v is not y and v.grad_fn is None and not v.requires_grad
    assert v.array is y.array  # same memory, as PyTorch's
    w = Variable(minigan.ones(2), requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_variable_warns_once(monkeypatch):
    monkeypatch.setattr(legacy, "_variable_warned", False)
    with pytest.warns(DeprecationWarning, match="Variable is deprecated"):
        legacy.Variable(minigan.ones(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        legacy.Variable(minigan.ones(1))  # no second warning


def test_variable_errors():
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        legacy.Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        legacy.Variable(minigan.LongTensor([1, 2]), requires_grad=True)


# ------------------------------------------------------------------ typed tensor classes
@pytest.mark.parametrize("cls, dtype", [
    (minigan.FloatTensor, np.float32), (minigan.DoubleTensor, np.float64),
    (minigan.LongTensor, np.int64), (minigan.IntTensor, np.int32),
    (minigan.ByteTensor, np.uint8), (minigan.BoolTensor, np.bool_)])
def test_sizes_give_zeros_of_the_dtype(cls, dtype):
    t = cls(2, 3)
    assert isinstance(t, minigan.Tensor)
    assert t.shape == (2, 3) and t.dtype == dtype and t.device == "cpu"
    assert not t.numpy().any()
    assert cls().shape == (0,)
    assert isinstance(t, cls)


def test_data_is_copied_and_cast():
    a = np.array([1.5, 2.5])
    t = minigan.FloatTensor(a)
    a[0] = 9.0
    assert t.dtype == np.float32 and t.tolist() == [1.5, 2.5]
    assert minigan.LongTensor([1.7, 2.0]).tolist() == [1, 2]  # truncation, as torch
    assert minigan.FloatTensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data, not a size
    assert minigan.FloatTensor(np.random.normal(0, 1, (4, 5))).dtype == np.float32
    assert minigan.LongTensor(np.random.randint(0, 10, 6)).dtype == np.int64
    assert minigan.FloatTensor(minigan.ones(2, dtype=minigan.float64)).dtype == np.float32
    assert minigan.BoolTensor([1, 0]).tolist() == [True, False]


def test_typed_class_errors():
    with pytest.raises(TypeError, match=r"minigan.FloatTensor\(\): data must be a sequence .* str"):
        minigan.FloatTensor("x")
    with pytest.raises(TypeError, match="got float"):
        minigan.FloatTensor(2.5)
    with pytest.raises(TypeError, match="expected sizes"):
        minigan.FloatTensor(2, 3.5)
    with pytest.raises(RuntimeError, match="negative dimension"):
        minigan.FloatTensor(-1)
    with pytest.raises(TypeError, match="numbers"):
        minigan.FloatTensor(["a", "b"])


def test_isinstance_checks_dtype_and_device():
    assert isinstance(minigan.ones(2), minigan.FloatTensor)
    assert not isinstance(minigan.ones(2), minigan.LongTensor)
    assert not isinstance(minigan.ones(2), minigan.cuda.FloatTensor)
    assert not isinstance(np.ones(2, np.float32), minigan.FloatTensor)
    assert repr(minigan.FloatTensor) == "<class 'minigan.FloatTensor'>"
    assert repr(minigan.cuda.LongTensor) == "<class 'minigan.cuda.LongTensor'>"


def test_cuda_types_can_be_named_without_a_gpu():
    cuda = False
    Tensor = minigan.cuda.FloatTensor if cuda else minigan.FloatTensor  # the collections' line
    assert Tensor is minigan.FloatTensor
    assert minigan.cuda.FloatTensor.is_cuda and not minigan.FloatTensor.is_cuda
    assert minigan.cuda.LongTensor.dtype == np.int64


@pytest.mark.skipif(minigan.cuda.is_available(), reason="needs a machine without a GPU")
def test_calling_a_cuda_type_without_a_gpu_says_what_is_missing():
    with pytest.raises(RuntimeError, match=r"minigan.cuda.FloatTensor\(...\) builds a GPU tensor: "
                                           r"device 'cuda' was requested .*pip install \"\.\[gpu\]\""):
        minigan.cuda.FloatTensor(2, 3)


@pytest.mark.cuda
def test_cuda_types_build_on_the_gpu():
    if not minigan.cuda.is_available():
        pytest.skip("CUDA not available")
    t = minigan.cuda.FloatTensor(np.ones((2, 2)))
    assert t.device == "cuda" and t.is_cuda and isinstance(t, minigan.cuda.FloatTensor)
    assert minigan.ones(2).type(minigan.cuda.LongTensor).device == "cuda"
    assert t.type() == "minigan.cuda.FloatTensor"
    assert t.type(minigan.FloatTensor).device == "cpu"


# ------------------------------------------------------------------ Tensor.type / is_cuda
def test_type_names_and_casts():
    t = minigan.ones(2, 3)
    assert t.type() == "minigan.FloatTensor"
    assert t.type(minigan.FloatTensor) is t  # nothing to change
    assert t.type(minigan.LongTensor).dtype == np.int64
    assert t.type(minigan.DoubleTensor).dtype == np.float64
    assert t.type("torch.IntTensor").dtype == np.int32
    assert t.type("minigan.LongTensor").dtype == np.int64
    assert t.type(np.float64).dtype == np.float64
    assert t.type(minigan.float64).type() == "minigan.DoubleTensor"
    assert minigan.zeros(2, dtype=minigan.int64).type() == "minigan.LongTensor"
    with pytest.raises(ValueError, match="invalid type: 'torch.Foo'"):
        t.type("torch.Foo")


def test_type_is_differentiable():
    x = minigan.ones(3, dtype=minigan.float64, requires_grad=True)
    (x.type(minigan.FloatTensor) * 2).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_is_cuda():
    assert minigan.ones(1).is_cuda is False


# ------------------------------------------------------------------ device
def test_device_fields_str_repr_eq():
    d = minigan.device("cuda:0")
    assert (d.type, d.index, str(d)) == ("cuda", 0, "cuda:0")
    assert repr(d) == "device(type='cuda', index=0)"
    assert repr(minigan.device("cpu")) == "device(type='cpu')"
    assert minigan.device("cpu").index is None
    assert minigan.device("cuda", 1) == minigan.device("cuda:1")
    assert minigan.device("cuda") != minigan.device("cuda:0")
    assert minigan.device(0) == minigan.device("cuda:0")
    assert minigan.device(d) is d
    assert pickle.loads(pickle.dumps(d)) == d and pickle.loads(pickle.dumps(d)).index == 0
    assert {d: 1}[minigan.device("cuda:0")] == 1


def test_device_is_accepted_where_device_names_are():
    cpu = minigan.device("cpu")
    t = minigan.zeros(2, 3, device=cpu)
    assert t.device == "cpu"
    assert t.to(cpu) is t
    assert minigan.randn(2, 1, 1, 1, device=cpu).shape == (2, 1, 1, 1)
    assert minigan.full((3,), 1.0, dtype=minigan.float, device=cpu).dtype == np.float32
    layer = nn.Linear(2, 2).to(cpu)
    assert layer.weight.device == "cpu"
    assert minigan.ones_like(t, device=cpu).device == "cpu"


def test_device_errors():
    with pytest.raises(RuntimeError, match="unknown device type 'tpu'.*'cpu'.*'cuda'"):
        minigan.device("tpu")
    with pytest.raises(RuntimeError, match="invalid device string 'cuda:x'"):
        minigan.device("cuda:x")
    with pytest.raises(RuntimeError, match="must not be negative"):
        minigan.device("cuda", -1)
    with pytest.raises(RuntimeError, match="already holds an index"):
        minigan.device("cuda:0", 0)
    with pytest.raises(TypeError, match="expected a string"):
        minigan.device(1.5)


def test_dtype_aliases():
    assert minigan.float is np.float32 and minigan.double is np.float64
    assert minigan.long is np.int64 and minigan.half is np.float16


# ------------------------------------------------------------------ backends
def test_cudnn_flags_are_kept_and_documented_as_no_ops():
    import minigan.backends.cudnn as cudnn

    assert minigan.backends.cudnn is cudnn
    before = cudnn.benchmark, cudnn.deterministic, cudnn.enabled
    assert before == (False, False, True)
    try:
        cudnn.benchmark = True
        minigan.backends.cudnn.deterministic = True
        assert cudnn.benchmark and cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = before
    assert cudnn.is_available() is False and cudnn.version() is None
    assert "no" in cudnn.__doc__ and "nothing" in cudnn.__doc__
    assert minigan.backends.mps.is_available() is False


# ------------------------------------------------------------------ grad(only_inputs=...)
def _linear():
    x = minigan.tensor([1.0, 2.0], requires_grad=True)
    return x, (x * 3).sum()


def test_grad_only_inputs_true_is_silent():
    from minigan import autograd

    x, y = _linear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = autograd.grad(outputs=y, inputs=x, grad_outputs=minigan.ones(()), create_graph=True,
                             retain_graph=True, only_inputs=True)
    assert g.tolist() == [3.0, 3.0]
    assert minigan.grad is autograd.grad


def test_grad_only_inputs_false_warns_and_is_ignored():
    x, y = _linear()
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated and is ignored"):
        (g,) = minigan.autograd.grad(y, x, only_inputs=False)
    assert g.tolist() == [3.0, 3.0] and x.grad is None


def test_grad_keeps_torchs_positional_order_and_options():
    x, y = _linear()
    unused = minigan.ones(2, requires_grad=True)
    # outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs, allow_unused
    g, none = minigan.autograd.grad(y, [x, unused], None, True, False, True, True)
    assert none is None and g.tolist() == [3.0, 3.0]
    g, zeros = minigan.autograd.grad(y, [x, unused], retain_graph=True, materialize_grads=True)
    assert zeros.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="allow_unused"):
        minigan.autograd.grad(y, [x], retain_graph=True, allow_unused=False, materialize_grads=True)
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        minigan.autograd.grad(y, [x], is_grads_batched=True)


# ------------------------------------------------------------------ against torch, where installed
def test_errors_and_results_match_torch():
    torch = pytest.importorskip("torch")
    from torch.autograd import Variable as TorchVariable

    for make in (lambda m: m.device("tpu"), lambda m: m.FloatTensor(-1)):
        with pytest.raises(Exception) as ours:
            make(minigan)
        with pytest.raises(Exception) as theirs:
            make(torch)
        assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
    with pytest.raises(TypeError):
        torch.FloatTensor("x")
    for args in [(2, 3), ([1.7, 2.0],), ()]:
        for name in ("FloatTensor", "LongTensor", "DoubleTensor"):
            ours, theirs = getattr(minigan, name)(*args), getattr(torch, name)(*args)
            assert ours.shape == tuple(theirs.shape)
            assert str(ours.dtype) == str(theirs.dtype).split(".")[1]
            if args and isinstance(args[0], list):  # torch's sizes give uninitialised memory
                assert ours.tolist() == theirs.tolist()
    assert repr(minigan.device("cuda", 1)) == repr(torch.device("cuda", 1))
    assert str(minigan.device("cuda:0")) == str(torch.device("cuda:0"))
    t = torch.ones(2, requires_grad=True)
    assert TorchVariable(t * 2).requires_grad is False  # what our Variable copies
    assert minigan.ones(2).type().split(".", 1)[1] == torch.ones(2).type().split(".", 1)[1]
