"""Every op in the spec table: forward vs NumPy, float32 kept, gradcheck, gradgradcheck."""
import numpy as np
import pytest

import minigan as mg
from minigan.testing.op_specs import OP_SPECS


def _to_np(t):
    return np.asarray(t.detach())


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_forward_matches_numpy(spec, device):
    rng = np.random.default_rng(1)
    xs = spec.inputs(rng, device=device, requires_grad=False)
    expected = spec.ref(*[_to_np(x) for x in xs])
    out = spec.fn(*xs)
    assert out.device == device
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(_to_np(out), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_float32_is_preserved(spec):
    rng = np.random.default_rng(2)
    xs = spec.inputs(rng, dtype=np.float32, requires_grad=True)
    out = spec.fn(*xs)
    assert out.dtype == np.float32, f"{spec.name} returned {out.dtype} for float32 inputs"
    g = mg.grad(out, xs, grad_outputs=mg.ones_like(out), allow_unused=True)
    assert all(gi is None or gi.dtype == np.float32 for gi in g)
    expected = spec.ref(*[_to_np(x).astype(np.float64) for x in xs])
    np.testing.assert_allclose(_to_np(out), expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_gradcheck(spec, device):
    rng = np.random.default_rng(3)
    assert mg.gradcheck(spec.fn, spec.inputs(rng, device=device))


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_gradgradcheck(spec, device):
    rng = np.random.default_rng(4)
    mode = "random" if "big" in spec.tags else "auto"
    assert mg.gradgradcheck(spec.fn, spec.inputs(rng, device=device), mode=mode)


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_non_contiguous_inputs(spec):
    rng = np.random.default_rng(5)
    xs = spec.inputs(rng, contiguous=False)
    expected = spec.ref(*[np.asarray(x._data) for x in xs])
    np.testing.assert_allclose(_to_np(spec.fn(*xs)), expected, rtol=1e-10, atol=1e-12)
    assert mg.gradcheck(spec.fn, xs, mode="random")


def test_im2col_col2im_are_adjoint():
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((2, 3, 7, 6)))
    for k, s, p, d in [(3, 1, 1, 1), (3, 2, 0, 1), (2, 2, 2, 2), (4, 3, 1, 1)]:
        cols = mg.im2col(x, k, s, p, d)
        c = mg.tensor(rng.standard_normal(cols.shape))
        lhs = float((cols * c).sum().item())
        rhs = float((x * mg.col2im(c, x.shape, k, s, p, d)).sum().item())
        assert lhs == pytest.approx(rhs, rel=1e-12)


def test_conv_kernel_larger_than_input_is_refused():
    with pytest.raises(ValueError, match="kernel"):
        mg.im2col(mg.zeros(1, 1, 2, 2), 5)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_softmax_two_threads_give_the_numbers_of_one(axis, pass_threads, monkeypatch):
    """Softmax's passes (SAGAN's attention maps) split their rows over two
    threads when BLAS may use two (minigan.fast.activation, on here even
    under MINIGAN_FAST_LAYER=0): bitwise one thread's numbers, forward and
    backward, whichever axis is normalised."""
    monkeypatch.setattr(mg.fast, "_enabled", True)
    rng = np.random.default_rng(9)
    x = (rng.standard_normal((16, 96, 50)) * 4).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    results = []
    for n_threads in (1, 2):
        threads = pass_threads(n_threads)
        xt = mg.tensor(x, requires_grad=True)
        y = mg.softmax(xt, axis=axis)
        (y * mg.tensor(g)).sum().backward()
        results.append((y.detach().numpy().copy(), xt.grad.numpy().copy()))
        assert threads.second_thread_ran == (n_threads == 2)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    e = np.exp(x.astype(np.float64) - x.max(axis=axis, keepdims=True))
    np.testing.assert_allclose(results[0][0], e / e.sum(axis=axis, keepdims=True), rtol=1e-5,
                               atol=1e-7)
