"""minigan's PyTorch-style Tensor methods and ops against PyTorch: the same
values, the same gradients (first and, where GAN penalties need them,
second), the same output dtypes, the same exception types for the errors
PyTorch raises.

Covers norm / vector_norm, sign, log1p, expm1, erf, rsqrt, lerp,
clamp_min/max, chunk, split, repeat, t, the *_as methods, add/sub with
alpha, div with rounding_mode, type_as, new_*, and ELU / SiLU / GELU.
Skipped where torch is not installed (CI).
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

import minigan  # noqa: E402
import minigan.nn as nn  # noqa: E402
import minigan.nn.functional as F  # noqa: E402

torch.set_num_threads(1)

INF = float("inf")


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def to_np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.detach())


def close(got, want, rtol=1e-5, atol=1e-6, what=""):
    got, want = to_np(got), to_np(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs torch {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} vs torch {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


def both(fn_m, fn_t, *arrays, grad=True, rtol=1e-5, atol=1e-6, seed=1):
    """Run fn on minigan and torch copies of ``arrays``; compare the outputs
    and, with ``grad``, the gradients of <out, g> for a random g."""
    xm = [minigan.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    xt = [torch.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ym, yt = fn_m(*xm), fn_t(*xt)
    close(ym, yt, rtol, atol, "forward")
    if grad and yt.requires_grad:
        g = randn(*yt.shape, seed=seed, dtype=to_np(yt).dtype)
        wants = torch.autograd.grad(yt, [x for x in xt if x.requires_grad], torch.tensor(g),
                                    allow_unused=True, materialize_grads=True)
        gots = minigan.grad(ym, [x for x in xm if x.requires_grad], minigan.tensor(g),
                            allow_unused=True)
        for i, (got, want) in enumerate(zip(gots, wants)):
            got = minigan.zeros_like(xm[i]) if got is None else got
            close(got, want, rtol, atol, f"gradient of input {i}")
    return ym, yt


def same_error(fn_m, fn_t):
    """Both raise, and minigan raises PyTorch's exception type."""
    with pytest.raises(Exception) as t_err:
        fn_t()
    with pytest.raises(t_err.type):
        fn_m()


# ================================================================ norm
def _with_zeros(shape, seed=0, dtype=np.float32):
    """Random values with exact zeros, a zero row and |.| ties: every
    subgradient case of the norms."""
    x = randn(*shape, seed=seed, dtype=dtype)
    x[0] = 0.0
    x.flat[-1] = 0.0
    x.flat[-2] = -x.flat[-3]  # |.| tie for the inf norms
    return x


P_VALUES = [2, "fro", None, 1, INF, -INF, 0, 3, 1.5, 0.5, -1]
DIMS = [None, 1, -1, (0, 2), ()]


@pytest.mark.parametrize("p", P_VALUES, ids=str)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm_values_and_gradients(p, dim, keepdim):
    if p is None and dim is not None:
        pytest.skip("torch.norm(p=None) with dim is the same 2-norm")
    x = _with_zeros((3, 4, 5))
    both(lambda a: a.norm(p, dim, keepdim), lambda a: a.norm(p, dim, keepdim), x,
         rtol=1e-4, atol=1e-5)
    both(lambda a: minigan.norm(a, p=p, dim=dim, keepdim=keepdim),
         lambda a: torch.norm(a, p=p, dim=dim, keepdim=keepdim), x.astype(np.float64),
         rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 3, 0.5, -2])
def test_vector_norm(ord):
    x = _with_zeros((4, 6), seed=1)
    both(lambda a: minigan.vector_norm(a, ord, dim=1, keepdim=True),
         lambda a: torch.linalg.vector_norm(a, ord, dim=1, keepdim=True), x, rtol=1e-4, atol=1e-5)
    both(lambda a: minigan.vector_norm(a, ord), lambda a: torch.linalg.vector_norm(a, ord),
         x.astype(np.float64), rtol=1e-10, atol=1e-12)


def test_norm_gradient_at_zero_is_zero():
    """PyTorch's subgradient: x / ||x|| is 0 at x = 0, for every p."""
    for p in [2, 1, INF, -INF, 0, 3, 0.5, -1]:
        x = minigan.zeros(3, 4, requires_grad=True)
        (g,) = minigan.grad(x.norm(p, dim=1).sum(), [x])
        assert np.all(np.asarray(g) == 0), p
        xt = torch.zeros(3, 4, requires_grad=True)
        (gt,) = torch.autograd.grad(xt.norm(p, dim=1).sum(), [xt], allow_unused=True,
                                    materialize_grads=True)
        close(g, gt, what=f"p={p}")


def test_norm_dtype_argument():
    x = _with_zeros((3, 4))
    for p in [2, 1, INF, 3]:
        both(lambda a: a.norm(p, dim=1, dtype=minigan.float64),
             lambda a: a.norm(p, dim=1, dtype=torch.float64), x, rtol=1e-6)
    both(lambda a: minigan.vector_norm(a, dtype=minigan.float64),
         lambda a: torch.linalg.vector_norm(a, dtype=torch.float64), x, rtol=1e-6)


@pytest.mark.parametrize("p", [2, 1.5, 3, 0.5, -1])
def test_norm_second_derivatives(p):
    """Hessian-vector products of ||x||_p away from 0, as gradient penalties need."""
    x = randn(4, 5, seed=2, dtype=np.float64)
    x[np.abs(x) < 0.2] = 0.7
    v = randn(4, 5, seed=3, dtype=np.float64)
    xm, xt = minigan.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gm,) = minigan.grad(xm.norm(p, dim=1).sum(), [xm], create_graph=True)
    (gt,) = torch.autograd.grad(xt.norm(p, dim=1).sum(), [xt], create_graph=True)
    (hm,) = minigan.grad((gm * minigan.tensor(v)).sum(), [xm])
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), [xt])
    close(hm, ht, rtol=1e-9, atol=1e-12)


def test_wgan_gp_penalty_with_norm_method():
    """The torch idiom ((grad.norm(2, dim=1) - 1) ** 2).mean(), differentiated
    to the critic's weights, with one sample whose input gradient is exactly 0."""
    torch.manual_seed(0)
    t_critic = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    t_critic = t_critic.double()
    m_critic = nn.Sequential(nn.Linear(3, 8, dtype=np.float64), nn.Tanh(),
                             nn.Linear(8, 1, dtype=np.float64))
    m_critic.load_state_dict({k: v.detach().numpy().copy()
                              for k, v in t_critic.state_dict().items()})
    x = randn(5, 3, seed=4, dtype=np.float64)

    def penalty(lib, critic, x):
        y = critic(x) * lib.tensor(np.array([[1.0], [0.0], [1.0], [2.0], [-1.0]]))
        if lib is torch:
            (g,) = torch.autograd.grad(y.sum(), [x], create_graph=True)
        else:
            (g,) = minigan.grad(y.sum(), [x], create_graph=True)
        return ((g.norm(2, dim=1) - 1) ** 2).mean()

    xm, xt = minigan.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    pm, pt = penalty(minigan, m_critic, xm), penalty(torch, t_critic, xt)
    close(pm, pt, rtol=1e-10)
    pm.backward()
    pt.backward()
    for (k, pm_), (_, pt_) in zip(m_critic.named_parameters(), t_critic.named_parameters()):
        if pt_.grad is None:  # the last bias does not reach d critic / dx
            assert pm_.grad is None or not np.any(np.asarray(pm_.grad)), k
            continue
        close(pm_.grad, pt_.grad, rtol=1e-9, atol=1e-12, what=k)
    close(xm.grad, xt.grad, rtol=1e-9, atol=1e-12, what="x")


@pytest.mark.parametrize("case", [
    "int input", "narrowing dtype", "fro over 3 dims", "unknown order", "dim out of range",
    "repeated dim", "inf norm of empty", "vector_norm int input", "vector_norm string ord",
])
def test_norm_errors(case):
    x = np.ones((2, 3, 4), np.float32)
    calls = {
        "int input": lambda lib: lib.arange(3).norm(),
        "narrowing dtype": lambda lib: lib.ones(3, dtype=lib.float64).norm(dtype=lib.float32),
        "fro over 3 dims": lambda lib: lib.tensor(x).norm("fro", dim=(0, 1, 2)),
        "unknown order": lambda lib: lib.tensor(x).norm("abc"),
        "dim out of range": lambda lib: lib.tensor(x).norm(2, dim=5),
        "repeated dim": lambda lib: lib.tensor(x).norm(2, dim=(1, 1)),
        "inf norm of empty": lambda lib: lib.ones(0, 3).norm(INF, dim=0),
        "vector_norm int input": lambda lib: (lib.linalg.vector_norm if lib is torch
                                              else lib.vector_norm)(lib.arange(3)),
        "vector_norm string ord": lambda lib: (lib.linalg.vector_norm if lib is torch
                                               else lib.vector_norm)(lib.tensor(x), "fro"),
    }
    same_error(lambda: calls[case](minigan), lambda: calls[case](torch))


def test_nuclear_norm_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="nuc"):
        minigan.ones(2, 3).norm("nuc")


# ================================================================ elementwise
@pytest.mark.parametrize("name", ["sign", "log1p", "expm1", "erf", "rsqrt", "square"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_methods(name, dtype):
    x = randn(3, 4, seed=5, dtype=dtype)
    if name == "rsqrt":
        x = np.abs(x) + dtype(0.1)
    else:
        x[0, 0] = 0.0  # sign's 0, log1p/expm1/erf's exact 0
    if name == "log1p":
        x = np.maximum(x, dtype(-0.9))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    both(lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), x, **tol)
    both(lambda a: getattr(minigan, name)(a), lambda a: getattr(torch, name)(a), x, **tol)


@pytest.mark.parametrize("name", ["sign", "log1p", "expm1", "erf", "rsqrt"])
def test_elementwise_integer_inputs(name):
    x = np.array([-2, 0, 3, 7], np.int64) if name != "rsqrt" else np.array([1, 4, 9], np.int64)
    if name == "log1p":
        x = np.array([0, 3, 7], np.int64)
    both(lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), x, grad=False)


def test_tiny_arguments_keep_precision():
    x = np.array([1e-10, -1e-12, 3e-8], np.float32)
    both(lambda a: a.log1p(), lambda a: a.log1p(), x, rtol=1e-6, atol=0)
    both(lambda a: a.expm1(), lambda a: a.expm1(), x, rtol=1e-6, atol=0)


def test_rsqrt_of_zero_is_inf():
    both(lambda a: a.rsqrt(), lambda a: a.rsqrt(), np.array([0.0, 4.0], np.float32), grad=False)


@pytest.mark.parametrize("weight", ["scalar", "tensor", "broadcast tensor", "0-d float64"])
def test_lerp(weight):
    a, b = randn(3, 4, seed=6), randn(3, 4, seed=7)
    w = {"scalar": 0.3, "tensor": randn(3, 4, seed=8), "broadcast tensor": randn(4, seed=8),
         "0-d float64": np.array(0.7)}[weight]
    if isinstance(w, float):
        both(lambda x, y: x.lerp(y, w), lambda x, y: x.lerp(y, w), a, b)
        both(lambda x, y: minigan.lerp(x, y, w), lambda x, y: torch.lerp(x, y, w), a, b)
    else:
        both(lambda x, y, z: x.lerp(y, z), lambda x, y, z: x.lerp(y, z), a, b, w)


def test_lerp_errors():
    same_error(lambda: minigan.zeros(2).lerp(minigan.ones(2, dtype=minigan.float64), 0.5),
               lambda: torch.zeros(2).lerp(torch.ones(2, dtype=torch.float64), 0.5))
    same_error(lambda: minigan.zeros(2).lerp(minigan.ones(2),
                                             minigan.ones(2, dtype=minigan.float64)),
               lambda: torch.zeros(2).lerp(torch.ones(2), torch.ones(2, dtype=torch.float64)))


@pytest.mark.parametrize("which", ["clamp_min", "clamp_max"])
def test_clamp_min_max(which):
    x = np.array([[-1.0, 0.0, 0.5], [2.0, 0.1, -0.3]], np.float32)  # 0.0 and 0.5 sit on the bounds
    for bound in [0.0, 0.5]:
        both(lambda a: getattr(a, which)(bound), lambda a: getattr(a, which)(bound), x)
        both(lambda a: getattr(minigan, which)(a, bound), lambda a: getattr(torch, which)(a, bound),
             x)
    bound = np.array([0.0, 0.5, 0.2], np.float32)  # ties with x in the first row
    both(lambda a, b: getattr(a, which)(b), lambda a, b: getattr(a, which)(b), x, bound)
    ints = np.array([-2, 0, 3], np.int64)
    for bound in [1, 0.5]:  # an integer tensor with a float bound becomes float32
        both(lambda a: getattr(a, which)(bound), lambda a: getattr(a, which)(bound), ints,
             grad=False)


# ================================================================ arithmetic methods
def test_add_sub_alpha_mul_div_methods():
    a, b = randn(3, 4, seed=9), randn(4, seed=10)
    both(lambda x, y: x.add(y, alpha=2.5), lambda x, y: x.add(y, alpha=2.5), a, b)
    both(lambda x, y: x.sub(y, alpha=-0.5), lambda x, y: x.sub(y, alpha=-0.5), a, b)
    both(lambda x, y: x.add(y), lambda x, y: x.add(y), a, b)
    both(lambda x, y: x.mul(y), lambda x, y: x.mul(y), a, b)
    both(lambda x, y: x.div(y), lambda x, y: x.div(y), a, np.abs(b) + 0.5)
    both(lambda x: x.add(2.0, alpha=3), lambda x: x.add(2.0, alpha=3), a)
    both(lambda x: x.sub(1, alpha=2), lambda x: x.sub(1, alpha=2), np.arange(4), grad=False)
    both(lambda x: x.div(2), lambda x: x.div(2), np.arange(-3, 4), grad=False)
    same_error(lambda: minigan.tensor([1]).add(minigan.tensor([2]), alpha=0.5),
               lambda: torch.tensor([1]).add(torch.tensor([2]), alpha=0.5))
    same_error(lambda: minigan.tensor([1.0]).add(minigan.tensor([2.0]), 2),
               lambda: torch.tensor([1.0]).add(torch.tensor([2.0]), 2))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode(mode):
    ints = np.array([-7, -6, 7, 5, 0, -1], np.int64)
    both(lambda x: x.div(2, rounding_mode=mode), lambda x: x.div(2, rounding_mode=mode), ints,
         grad=False)
    both(lambda x: x.div(-3, rounding_mode=mode), lambda x: x.div(-3, rounding_mode=mode), ints,
         grad=False)
    a, b = randn(3, 4, seed=11) * 5, randn(4, seed=12)
    both(lambda x, y: x.div(y, rounding_mode=mode), lambda x, y: x.div(y, rounding_mode=mode),
         a, b)  # gradients are 0, as in torch
    both(lambda x: x.div(0.0, rounding_mode=mode), lambda x: x.div(0.0, rounding_mode=mode),
         np.array([-1.0, 1.0], np.float32), grad=False)
    same_error(lambda: minigan.tensor([1, 2]).div(0, rounding_mode=mode),
               lambda: torch.tensor([1, 2]).div(0, rounding_mode=mode))


def test_div_bad_rounding_mode():
    same_error(lambda: minigan.ones(2).div(2, rounding_mode="round"),
               lambda: torch.ones(2).div(2, rounding_mode="round"))


# ================================================================ shapes
@pytest.mark.parametrize("n, chunks", [(10, 4), (10, 6), (10, 1), (3, 5), (0, 3)])
def test_chunk(n, chunks):
    x = randn(2, n, seed=13)
    pm, pt = minigan.tensor(x).chunk(chunks, 1), torch.tensor(x).chunk(chunks, 1)
    assert isinstance(pm, tuple) and [p.shape for p in pm] == [tuple(p.shape) for p in pt]
    pm = minigan.chunk(minigan.tensor(x), chunks, dim=-1)
    assert [p.shape for p in pm] == [tuple(p.shape) for p in pt]
    if n:
        both(lambda a: minigan.cat([p * (i + 1.0) for i, p in enumerate(a.chunk(chunks, 1))], 1),
             lambda a: torch.cat([p * (i + 1.0) for i, p in enumerate(a.chunk(chunks, 1))], 1), x)


@pytest.mark.parametrize("sizes", [4, 3, 10, 20, [3, 7], [0, 10], [5, 0, 5]], ids=str)
def test_split(sizes):
    x = randn(10, 3, seed=14)
    pm, pt = minigan.tensor(x).split(sizes), torch.tensor(x).split(sizes)
    assert isinstance(pm, tuple) and [p.shape for p in pm] == [tuple(p.shape) for p in pt]
    both(lambda a: minigan.cat([p * (i + 1.0) for i, p in enumerate(minigan.split(a, sizes))]),
         lambda a: torch.cat([p * (i + 1.0) for i, p in enumerate(torch.split(a, sizes))]), x)


@pytest.mark.parametrize("case", [
    "chunk 0", "chunk 0-d", "chunk dim", "split sizes sum", "split 0", "split negative",
    "repeat too few", "repeat negative", "t of 3-d",
])
def test_shape_errors(case):
    calls = {
        "chunk 0": lambda lib: lib.ones(4).chunk(0),
        "chunk 0-d": lambda lib: lib.tensor(1.0).chunk(2),
        "chunk dim": lambda lib: lib.ones(4).chunk(2, dim=3),
        "split sizes sum": lambda lib: lib.ones(10).split([3, 6]),
        "split 0": lambda lib: lib.ones(10).split(0),
        "split negative": lambda lib: lib.ones(10).split(-2),
        "repeat too few": lambda lib: lib.ones(2, 3).repeat(2),
        "repeat negative": lambda lib: lib.ones(2).repeat(-1),
        "t of 3-d": lambda lib: lib.ones(2, 3, 4).t(),
    }
    same_error(lambda: calls[case](minigan), lambda: calls[case](torch))


@pytest.mark.parametrize("shape, reps", [((3,), (2,)), ((2, 3), (2, 1)), ((2, 3), (2, 1, 3)),
                                         ((2,), (3, 2)), ((2, 3), (0, 2)), ((), (3,))])
def test_repeat(shape, reps):
    x = randn(*shape, seed=15)
    both(lambda a: a.repeat(*reps), lambda a: a.repeat(*reps), x)
    both(lambda a: a.repeat(reps), lambda a: a.repeat(reps), x)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_t(shape):
    x = randn(*shape, seed=16)
    both(lambda a: a.t(), lambda a: a.t(), x)
    both(lambda a: minigan.t(a), lambda a: torch.t(a), x)


def test_as_methods():
    x = randn(3, 1, seed=17)
    both(lambda a: a.expand_as(minigan.zeros(2, 3, 4)),
         lambda a: a.expand_as(torch.zeros(2, 3, 4)), x)
    x = randn(2, 6, seed=18)
    both(lambda a: a.view_as(minigan.zeros(3, 4)), lambda a: a.view_as(torch.zeros(3, 4)), x)
    both(lambda a: a.reshape_as(minigan.zeros(4, 3)), lambda a: a.reshape_as(torch.zeros(4, 3)), x)


# ================================================================ dtypes and factories
def test_type_as():
    x = randn(2, 3, seed=19)
    both(lambda a: a.type_as(minigan.zeros(1, dtype=minigan.float64)),
         lambda a: a.type_as(torch.zeros(1, dtype=torch.float64)), x)
    both(lambda a: a.type_as(minigan.zeros(1, dtype=minigan.int64)),
         lambda a: a.type_as(torch.zeros(1, dtype=torch.int64)), x * 3, grad=False)


@pytest.mark.parametrize("src_dtype", ["float32", "float64", "int64"])
def test_new_factories(src_dtype):
    m = minigan.zeros(2, dtype=getattr(minigan, src_dtype))
    t = torch.zeros(2, dtype=getattr(torch, src_dtype))
    pairs = [
        (m.new_zeros(2, 3), t.new_zeros(2, 3)),
        (m.new_zeros((2, 3)), t.new_zeros((2, 3))),
        (m.new_ones([4]), t.new_ones([4])),
        (m.new_ones(3, dtype=minigan.int64), t.new_ones(3, dtype=torch.int64)),
        (m.new_full((2,), 3), t.new_full((2,), 3)),
        (m.new_full((2, 2), 1.5), t.new_full((2, 2), 1.5)),
        (m.new_tensor([1.5, -2.0]), t.new_tensor([1.5, -2.0])),
        (m.new_tensor([[1, 2]]), t.new_tensor([[1, 2]])),
        (m.new_empty(3, 1), t.new_empty(3, 1)),
    ]
    for i, (got, want) in enumerate(pairs):
        if i == len(pairs) - 1:  # new_empty: only the shape and dtype are defined
            want = torch.zeros_like(want)
        close(got, want, what=f"case {i}")
    r = m.new_zeros(2, dtype=minigan.float32, requires_grad=True)
    assert r.requires_grad and r.is_leaf


def test_size_numel_dim():
    m, t = minigan.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert m.numel() == t.numel() and m.dim() == t.dim()
    assert tuple(m.size()) == tuple(t.size())
    assert m.size(-1) == t.size(-1) and m.size(1) == t.size(1)


# ================================================================ activations
ACTS = {
    "elu": (lambda lib: lib.nn.ELU(), dict()),
    "elu alpha": (lambda lib: lib.nn.ELU(alpha=0.3), dict(alpha=0.3)),
    "silu": (lambda lib: lib.nn.SiLU(), dict()),
    "gelu": (lambda lib: lib.nn.GELU(), dict()),
    "gelu tanh": (lambda lib: lib.nn.GELU(approximate="tanh"), dict(approximate="tanh")),
}


@pytest.mark.parametrize("name", list(ACTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_modules(name, dtype):
    make, kw = ACTS[name]
    x = randn(4, 5, seed=20, dtype=dtype) * 3
    x[0, :4] = [0.0, -40.0, 40.0, 1e-7]  # the kink, saturation both ways
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    both(make(minigan), make(torch), x, **tol)
    fname = name.split()[0]
    both(lambda a: getattr(F, fname)(a, **kw), lambda a: getattr(TF, fname)(a, **kw), x, **tol)
    assert repr(make(minigan)) == repr(make(torch))


def test_activation_module_reprs_with_inplace():
    assert repr(nn.ELU(0.5, True)) == repr(torch.nn.ELU(0.5, True))
    assert repr(nn.SiLU(True)) == repr(torch.nn.SiLU(True))


@pytest.mark.parametrize("name", ["elu", "silu", "gelu"])
def test_activation_second_derivatives(name):
    x = randn(3, 4, seed=21, dtype=np.float64)
    x[np.abs(x) < 0.1] = 0.5
    v = randn(3, 4, seed=22, dtype=np.float64)
    xm, xt = minigan.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gm,) = minigan.grad(getattr(F, name)(xm).sum(), [xm], create_graph=True)
    (gt,) = torch.autograd.grad(getattr(TF, name)(xt).sum(), [xt], create_graph=True)
    (hm,) = minigan.grad((gm * minigan.tensor(v)).sum(), [xm])
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), [xt])
    close(hm, ht, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["elu", "silu", "gelu"])
def test_activation_integer_input_error(name):
    same_error(lambda: getattr(F, name)(minigan.tensor([1, -1])),
               lambda: getattr(TF, name)(torch.tensor([1, -1])))


def test_gelu_bad_approximate():
    same_error(lambda: F.gelu(minigan.ones(2), approximate="foo"),
               lambda: TF.gelu(torch.ones(2), approximate="foo"))
    same_error(lambda: nn.GELU("foo")(minigan.ones(2)), lambda: torch.nn.GELU("foo")(torch.ones(2)))


def test_began_elu_is_nn_elu():
    from minigan.gan.models import ebgan

    assert ebgan.ELU is nn.ELU


# ================================================================ signatures
@pytest.mark.parametrize("mine, theirs", [
    (minigan.Tensor.norm, torch.Tensor.norm),
    (minigan.norm, torch.norm),
    (minigan.split, torch.split),
    (F.elu, TF.elu),
    (F.silu, TF.silu),
    (nn.ELU.__init__, torch.nn.ELU.__init__),
    (nn.SiLU.__init__, torch.nn.SiLU.__init__),
    (nn.GELU.__init__, torch.nn.GELU.__init__),
], ids=["Tensor.norm", "norm", "split", "elu", "silu", "ELU", "SiLU", "GELU"])
def test_signatures_match_torch(mine, theirs):
    def params(f):
        return [(p.name, p.default, p.kind) for p in inspect.signature(f).parameters.values()
                if p.name not in ("out",)]

    got, want = params(mine), params(theirs)
    # torch's first parameter is named input/tensor/self inconsistently; compare the rest by name
    assert got[1:] == want[1:], f"{got} vs torch {want}"


def test_gelu_matches_math():
    x = 0.7
    want = 0.5 * x * (1 + math.erf(x / math.sqrt(2)))
    got = F.gelu(minigan.tensor([x], dtype=minigan.float64)).item()
    assert got == pytest.approx(want, rel=1e-15)


def test_linalg_vector_norm_is_where_torch_keeps_it():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(minigan.linalg.vector_norm(minigan.tensor(x), dim=1).numpy(),
                               torch.linalg.vector_norm(torch.tensor(x), dim=1).numpy(), rtol=1e-6)


def test_top_level_add_sub_div_take_alpha_and_rounding_mode():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = (rng.standard_normal((3, 4)) + 3).astype(np.float32)
    ma = minigan.tensor(a, requires_grad=True)
    ta = torch.tensor(a, requires_grad=True)
    mb, tb = minigan.tensor(b), torch.tensor(b)
    pairs = [(minigan.add(ma, mb, alpha=2.5), torch.add(ta, tb, alpha=2.5)),
             (minigan.sub(ma, mb, alpha=-0.5), torch.sub(ta, tb, alpha=-0.5)),
             (minigan.div(ma, mb, rounding_mode="trunc"), torch.div(ta, tb, rounding_mode="trunc")),
             (minigan.div(ma, mb, rounding_mode="floor"), torch.div(ta, tb, rounding_mode="floor"))]
    for m, t in pairs:
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-6)
        assert m.dtype == minigan.float32
    (g,) = minigan.grad(pairs[1][0].sum(), [ma])
    np.testing.assert_allclose(g.numpy(), np.ones((3, 4)))
