"""The backward engine: ordering, freeing, grad(), modes, versions, anomalies."""
import warnings

import numpy as np
import pytest

import minigan as mg


def test_diamond_graph_is_ordered():
    # b = a + a; c = b + b: a node must run only after all its consumers
    a = mg.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_deep_chain_has_no_recursion_limit():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 10_000, rel=1e-3)


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [5.0, 7.0])


def test_second_backward_through_freed_graph_raises():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = np.asarray(x.grad).copy()
    y.backward()
    np.testing.assert_allclose(np.asarray(x.grad), 2 * first, rtol=1e-6)


def test_non_scalar_backward_needs_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):
        (x.reshape(2, 1) * mg.ones(2, 3)).backward()
    y = x * 2.0
    y.backward(mg.tensor([1.0, 10.0]))
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 20.0])


def test_grad_returns_and_touches_no_dot_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.grad((x ** 3).sum(), x)
    np.testing.assert_allclose(np.asarray(g), [3.0, 12.0])
    assert x.grad is None
    assert g.grad_fn is None and not g.requires_grad


def test_grad_create_graph_gives_second_derivative():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(np.asarray(h), [6.0, 12.0])


def test_grad_allow_unused():
    x = mg.tensor(1.0, requires_grad=True)
    z = mg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        mg.grad(x * 2.0, [x, z])
    gx, gz = mg.grad(x * 2.0, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_grad_wrt_intermediate_tensor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    (gh,) = mg.grad(y, h)
    np.testing.assert_allclose(np.asarray(gh), [6.0, 12.0])


def test_backward_records_nothing_without_create_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    x.grad = None
    (x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad


def test_no_grad_context_and_decorator():
    x = mg.tensor(1.0, requires_grad=True)
    with mg.no_grad():
        assert not (x * 2.0).requires_grad
        with mg.enable_grad():
            assert (x * 2.0).requires_grad

    @mg.no_grad()
    def f(t):
        return t * 2.0

    assert not f(x).requires_grad
    assert (x * 2.0).requires_grad


def test_retain_grad_on_intermediate():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(np.asarray(h.grad), [4.0, 8.0])


def test_detach_cuts_the_graph():
    x = mg.tensor(2.0, requires_grad=True)
    y = x * x.detach()
    y.backward()
    assert x.grad.item() == 2.0


def test_inplace_change_of_a_saved_tensor_is_detected():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = (h * h).sum()
    with mg.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_on_leaf_that_requires_grad_is_refused():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        x.add_(1.0)
    with mg.no_grad():
        x.add_(1.0)
    assert x.item() == 2.0


def test_detect_anomaly_names_the_op_and_user_line():
    x = mg.tensor([-1.0, 1.0], requires_grad=True)
    with pytest.raises(FloatingPointError, match="Log") as info:
        with mg.detect_anomaly():
            with np.errstate(invalid="ignore"):
                mg.log(x)
    assert "test_engine.py" in str(info.value)


def test_detect_anomaly_in_backward():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with mg.detect_anomaly():
        y = mg.sqrt(x).sum()
        with pytest.raises(FloatingPointError, match="SqrtFn.backward") as info:
            with np.errstate(divide="ignore"):
                y.backward()
    assert "test_engine.py" in str(info.value)


# ---------------------------------------------------------------- dtypes
def test_dtype_rules():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(1.5).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor(np.ones(2)).dtype == np.float64
    assert mg.tensor(np.ones(2, np.float32)).dtype == np.float32
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == np.float64
    for f in (mg.zeros, mg.ones, mg.randn, mg.rand):
        assert f(2, 3).dtype == np.float32
    assert mg.arange(5).dtype == np.int64 and mg.arange(0.0, 1.0, 0.5).dtype == np.float32
    x = mg.randn(3)
    for y in (x * 2.0, 2.0 * x, x + 1, x / 3, x ** 2, 1.0 - x, x * np.float64(2.0)):
        assert y.dtype == np.float32
    assert (mg.tensor([1, 2]) * 0.5).dtype == np.float32
    assert (mg.tensor([1, 2]) + x[:2]).dtype == np.float32
    assert (mg.tensor([1, 2]) / mg.tensor([2, 2])).dtype == np.float32


def test_mixing_float32_and_float64_raises():
    with pytest.raises(TypeError, match="float32.*float64|float64.*float32"):
        mg.ones(2) + mg.tensor(np.ones(2))
    with pytest.raises(TypeError, match="dtype"):
        mg.ones(2, 2) @ mg.tensor(np.ones((2, 2)))


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(TypeError, match="floating-point"):
        mg.tensor([1, 2], requires_grad=True)


def test_to_dtype_is_explicit_and_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 4.0])


# ---------------------------------------------------------------- tensor basics
def test_tensor_api():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.device == "cpu" and x.numel() == 4
    assert x.sum().item() == 10.0
    assert isinstance(x.numpy(), np.ndarray)
    y = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        y.numpy()
    assert "requires_grad=True" in repr(y)
    assert mg.zeros_like(x).shape == x.shape and mg.full((2,), 3.0).dtype == np.float32
    assert x.max(dim=1).indices.tolist() == [1, 1]


def test_manual_seed_repeats():
    mg.manual_seed(3)
    a = mg.randn(4).numpy().copy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(a, mg.randn(4).numpy())


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        mg.ones(2, 3) @ mg.ones(4, 5)
    with pytest.raises(ValueError, match="cannot reshape"):
        mg.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match="broadcast"):
        mg.broadcast_to(mg.ones(2, 3), (3, 3))


# ---------------------------------------------------------------- devices
def test_cuda_missing_gives_install_hint(monkeypatch):
    if mg.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="cupy|CuPy"):
        mg.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="pip install"):
        mg.zeros(2, device="cuda")


def test_default_device_falls_back_with_one_warning(monkeypatch):
    if mg.cuda.is_available():
        pytest.skip("a GPU is present")
    from minigan import backend

    monkeypatch.setattr(backend, "_default_device", None)
    monkeypatch.setenv("MINIGAN_DEVICE", "cuda")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert mg.get_default_device() == "cpu"
        assert mg.get_default_device() == "cpu"
    assert len([w for w in caught if "falling back" in str(w.message)]) == 1
    assert mg.zeros(1).device == "cpu"
    monkeypatch.setattr(backend, "_default_device", None)
    monkeypatch.delenv("MINIGAN_DEVICE")


def test_unknown_device_name():
    with pytest.raises(ValueError, match="tpu"):
        mg.zeros(1, device="tpu")


@pytest.mark.cuda
def test_mixed_devices_raise(device):
    if device != "cuda":
        pytest.skip("needs a GPU")
    with pytest.raises(RuntimeError, match="cpu.*cuda|cuda.*cpu"):
        mg.ones(2) + mg.ones(2, device="cuda")


def test_to_cuda_and_back_round_trip(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(device)
    assert y.device == device
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 4.0])


def test_grad_skips_gradients_no_requested_input_needs(monkeypatch):
    """grad(y, x) of y = sum(x @ W) runs one product, g @ W^T: the weight
    gradient x^T @ g, which nobody asked for, is never computed (the WGAN-GP
    penalty's d/dx through a critic would otherwise pay for every weight)."""
    from minigan.ops.linalg import MatMulFn

    rng = np.random.default_rng(0)
    W = mg.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    x = mg.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    y = (mg.tanh(x @ W) * 2.0).sum()
    shapes = []
    forward = MatMulFn.forward
    monkeypatch.setattr(MatMulFn, "forward",
                        lambda self, a, b: shapes.append((a.shape, b.shape)) or forward(self, a, b))
    with mg.fast.disabled():  # the reference forward, which the patch counts
        (gx,) = mg.grad(y, x, retain_graph=True)
    assert shapes == [((3, 4), (4, 5))]
    g = 2.0 * (1.0 - np.tanh(np.asarray(x) @ np.asarray(W)) ** 2)
    np.testing.assert_allclose(np.asarray(gx), g @ np.asarray(W).T, rtol=1e-12)
    # the pruning does not stick to the graph: a later backward still reaches W
    y.backward()
    np.testing.assert_allclose(np.asarray(W.grad), np.asarray(x).T @ g, rtol=1e-12)


def test_integer_and_bool_casts_leave_the_graph():
    """As in PyTorch, only floating-point tensors carry gradients: casting
    to an integer or bool type gives data; a float cast stays differentiable."""
    x = mg.tensor(np.array([1.7, -2.2, 0.0]), requires_grad=True)
    for dtype in (mg.int64, mg.bool_):
        y = x.to(dtype)
        assert not y.requires_grad and y.grad_fn is None
        np.testing.assert_array_equal(y.numpy(), x.detach().numpy().astype(dtype))
    z = x.to(mg.float32)
    assert z.requires_grad
    (z * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "abs"])
def test_piecewise_linear_gradients_stay_in_the_graph(name):
    """As PyTorch's threshold_backward / abs backward: the gradient of relu,
    leaky_relu and abs depends on x, with derivative 0, so differentiating
    it again gives zeros, not "does not require grad"; the first derivative
    is unchanged."""
    f = {"relu": mg.relu, "abs": mg.abs,
         "leaky_relu": lambda x: mg.nn.functional.leaky_relu(x, 0.2)}[name]
    xs = np.array([1.5, -0.7, 0.0, 2.0], dtype=np.float32)
    x = mg.tensor(xs, requires_grad=True)
    (g,) = mg.grad(f(x).sum(), x, create_graph=True)
    assert g.requires_grad and g.dtype == mg.float32
    expected = {"relu": (xs > 0) * 1.0, "abs": np.sign(xs),
                "leaky_relu": np.where(xs > 0, 1.0, 0.2)}[name]
    np.testing.assert_allclose(g.detach().numpy(), expected)
    (h,) = mg.grad((g * g).sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.zeros(4, np.float32))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "abs"])
def test_piecewise_linear_gradients_under_a_recorded_upstream_gradient(name):
    """f(x) * w: the upstream gradient w is itself recorded. PyTorch keeps x
    in the gradient's graph there too (threshold_backward), so d/dx of the
    gradient is zeros; d/dw is the mask. A tensor that is not in the graph
    at all still raises."""
    f = {"relu": mg.relu, "abs": mg.abs,
         "leaky_relu": lambda x: mg.nn.functional.leaky_relu(x, 0.2)}[name]
    xs = np.array([1.5, -0.7, 0.5, -2.0], dtype=np.float32)
    x, w = mg.tensor(xs, requires_grad=True), mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (g,) = mg.grad((f(x) * w).sum(), x, create_graph=True)
    mask = {"relu": (xs > 0) * 1.0, "abs": np.sign(xs), "leaky_relu": np.where(xs > 0, 1.0, 0.2)}[name]
    np.testing.assert_allclose(g.detach().numpy(), mask * [1.0, 2.0, 3.0, 4.0], rtol=1e-6)
    hx, hw = mg.grad(g.sum(), (x, w))
    np.testing.assert_array_equal(hx.numpy(), np.zeros(4, np.float32))
    assert hx.dtype == mg.float32
    np.testing.assert_allclose(hw.numpy(), mask, rtol=1e-6)
    with pytest.raises(RuntimeError, match="was not used to compute the outputs"):
        mg.grad((x * 2.0).sum(), mg.zeros(3, requires_grad=True))
    a, b = mg.chunk(x * 2.0, 2)  # b: another output of the node that made a
    with pytest.raises(RuntimeError, match="was not used to compute the outputs"):
        mg.grad(a.sum(), b)


# ------------------------------------------------------------ the engine's parts, one by one
def test_topological_order_puts_consumers_first_and_visits_each_node_once():
    from minigan.autograd.engine import topological_order

    a = mg.tensor(2.0, requires_grad=True)
    b = a * 3.0
    c = b + b  # b's node is reached twice
    d = c * b
    order = topological_order([d.grad_fn])
    assert len(order) == len({id(fn) for fn in order}) == 3
    assert order.index(d.grad_fn) < order.index(c.grad_fn) < order.index(b.grad_fn)


def test_topological_order_is_iterative_on_a_chain_deeper_than_the_recursion_limit():
    import sys

    from minigan.autograd.engine import topological_order

    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(sys.getrecursionlimit() + 500):
        y = y + 0.0
    assert len(topological_order([y.grad_fn])) == sys.getrecursionlimit() + 500


def test_run_backward_calls_on_grad_once_per_output_with_the_summed_gradient():
    from minigan.autograd.engine import run_backward

    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2.0
    y = (b * b).sum() + b.sum()  # b is used twice: its gradient is 2b + 1, summed before on_grad
    seen = []

    def on_grad(fn, i, g):
        seen.append((fn, i, np.asarray(g).copy()))
        return g

    leaves = run_backward([(y, mg.tensor(1.0))], None, False, on_grad)
    got = {id(fn): g for fn, _, g in seen}
    np.testing.assert_allclose(got[id(b.grad_fn)], [5.0, 9.0])
    assert len(seen) == len(got)  # each node output seen once
    ((leaf, ga),) = leaves.values()
    assert leaf is a and a.grad is None  # run_backward touches no .grad
    np.testing.assert_allclose(np.asarray(ga), [10.0, 18.0])


def test_run_backward_on_grad_may_replace_a_gradient():
    from minigan.autograd.engine import run_backward

    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 3.0
    y = b.sum()

    def on_grad(fn, i, g):
        return g * 0.0 if fn is b.grad_fn else g

    ((_, ga),) = run_backward([(y, mg.tensor(1.0))], None, False, on_grad).values()
    np.testing.assert_allclose(np.asarray(ga), [0.0, 0.0])


def test_run_backward_prune_masks_inputs_and_restores_needs_input_grad():
    from minigan.autograd.engine import run_backward

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    node = y.grad_fn
    leaves = run_backward([(y.sum(), mg.tensor(1.0))], True, False, lambda fn, i, g: g,
                          prune=lambda order: {node: (True, False)})
    assert [leaf for leaf, _ in leaves.values()] == [x]
    assert node.needs_input_grad == (True, True)


def test_retain_graph_defaults_to_create_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    (g,) = mg.grad(y, x, create_graph=True)
    (g2,) = mg.grad(y, x)  # the graph was kept by create_graph
    np.testing.assert_allclose(np.asarray(g), np.asarray(g2))
    with pytest.raises(RuntimeError, match="retain_graph"):
        mg.grad(y, x)


def test_hooks_run_in_order_and_replace_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    calls = []
    h.register_hook(lambda g: calls.append("first"))
    h.register_hook(lambda g: g * 10.0)
    handle = x.register_hook(lambda g: calls.append(np.asarray(g).copy()))
    h.retain_grad()
    h.sum().backward()
    assert calls[0] == "first"
    np.testing.assert_allclose(calls[1], [20.0, 20.0])
    np.testing.assert_allclose(np.asarray(h.grad), [10.0, 10.0])  # retain_grad sees the hooked one
    np.testing.assert_allclose(np.asarray(x.grad), [20.0, 20.0])
    handle.remove()
    calls.clear()
    (g,) = mg.grad((x * 2.0).sum(), x)
    assert calls == [] and np.asarray(g).tolist() == [2.0, 2.0]


def test_hook_returning_a_wrong_shape_is_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="hook on a tensor of shape"):
        (x * 2.0).sum().backward()


def test_grad_hooks_run_for_captured_inputs_and_retain_grad_is_left_alone():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    h.register_hook(lambda g: g + 1.0)
    (gh, gx) = mg.grad((h * h).sum(), [h, x])
    np.testing.assert_allclose(np.asarray(gh), [7.0, 13.0])
    np.testing.assert_allclose(np.asarray(gx), [21.0, 39.0])
    assert h.grad is None and x.grad is None


def test_grad_gives_zeros_to_an_input_no_gradient_reached():
    x = mg.tensor([-1.0, -2.0], requires_grad=True)
    (g,) = mg.grad(mg.relu(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(np.asarray(g), [0.0, 0.0])
    (h,) = mg.grad(g.sum(), x, allow_unused=True)
    np.testing.assert_allclose(np.asarray(h), [0.0, 0.0])


def test_detect_anomaly_wraps_the_engine_call_only_while_enabled(monkeypatch):
    from minigan.autograd import anomaly

    wrapped = []
    real = anomaly.checked
    monkeypatch.setattr(anomaly, "checked", lambda call: wrapped.append(call) or real(call))
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert wrapped == []
    with mg.detect_anomaly():
        (x * x).sum().backward()
    assert len(wrapped) == 1


def test_detect_anomaly_records_where_each_node_was_made():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2.0).grad_fn.creation_trace is None
    with mg.detect_anomaly():
        y = x * 2.0
    assert any(f.filename == __file__ for f in y.grad_fn.creation_trace)


def test_detect_anomaly_as_a_decorator_restores_the_previous_state():
    from minigan.autograd import anomaly

    @mg.detect_anomaly()
    def f():
        return anomaly.is_enabled()

    assert f() and f() and not anomaly.is_enabled()


def test_fast_backward_runs_only_without_create_graph(monkeypatch):
    from minigan import fast
    from minigan.ops.arithmetic import MulFn as Mul

    calls = []

    def fast_backward(fn, g):
        calls.append(fn)
        a, b = fn.inputs
        return (g * b if fn.needs_input_grad[0] else None), (g * a if fn.needs_input_grad[1] else None)

    monkeypatch.setitem(fast._overrides, Mul, fast.Override(backward=fast_backward))
    with monkeypatch.context() as m:
        m.setattr(fast, "_enabled", True)
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        (g,) = mg.grad((x * x).sum(), x)
        assert len(calls) == 1
        np.testing.assert_allclose(np.asarray(g), [2.0, 4.0])
        (g,) = mg.grad((x * x).sum(), x, create_graph=True)
        assert len(calls) == 1  # the reference backward: its graph is recorded
        assert g.requires_grad


def test_operators_are_in_the_tensor_body():
    from minigan.autograd.tensor import Tensor

    for name in ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                 "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
                 "__abs__", "__getitem__"]:
        assert name in vars(Tensor), name
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([4.0, 8.0])
    assert (2.0 - a).tolist() == [1.0, 0.0] and (2.0 / b).tolist() == [0.5, 0.25]
    assert (2.0 ** a).tolist() == [2.0, 4.0] and (-a)[1].item() == -2.0 and abs(-a).tolist() == [1.0, 2.0]


def test_engine_grad_import_path_still_works():
    from minigan.autograd.engine import backward, grad

    assert grad is mg.grad and backward is mg.autograd.backward


def test_inference_mode_forms():
    with mg.no_grad():
        with mg.inference_mode(False):
            assert not mg.is_grad_enabled()
    with mg.inference_mode():
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()

    @mg.inference_mode
    def f():
        return mg.is_grad_enabled()

    assert f() is False and mg.is_grad_enabled()


def test_parity_methods_come_from_compat_and_are_installed():
    from minigan.autograd.tensor import Tensor
    from minigan.compat import tensor_methods

    for name, method in tensor_methods.METHODS.items():
        assert name not in Tensor.__dict__ or Tensor.__dict__[name] is method, name
    for name in tensor_methods.OP_METHODS:
        assert getattr(Tensor, name) is getattr(mg.ops, name), name
    t = mg.tensor([[1.0, 2.0]])
    assert t.new_zeros(2).tolist() == [0.0, 0.0] and t.T.shape == (2, 1) and t.size(1) == 2
    assert t.type() == "minigan.FloatTensor" and t.long().dtype == np.int64


def test_autograd_fits_its_line_budget():
    from pathlib import Path

    import minigan.autograd

    files = sorted(Path(minigan.autograd.__file__).parent.glob("*.py"))
    lines = {f.name: len(f.read_text().splitlines()) for f in files}
    assert sum(lines.values()) <= 600, lines
    assert lines["engine.py"] <= 120, lines
