"""Tensor methods and top-level functions added to match PyTorch 2.13:
values, gradients, output dtypes and requires_grad checked against torch."""
import numpy as np
import pytest

import minigan as mg

torch = pytest.importorskip("torch")


def _pair(a, requires_grad=True):
    a = np.asarray(a)
    return (mg.tensor(a.copy(), requires_grad=requires_grad),
            torch.tensor(a.copy(), requires_grad=requires_grad))


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach())


def _same(m, t, rtol=1e-6, atol=1e-7):
    assert tuple(m.shape) == tuple(t.shape)
    assert np.dtype(m.dtype) == np.dtype(str(t.dtype).replace("torch.", "")), (m.dtype, t.dtype)
    assert m.requires_grad == t.requires_grad
    np.testing.assert_allclose(_np(m), _np(t), rtol=rtol, atol=atol)


def _check(fn, *arrays, rtol=1e-6, atol=1e-7, grad=True):
    """fn(lib, *tensors) on minigan and torch: same values, dtype, requires_grad
    and (for float outputs) the same gradients of sum(out * weights)."""
    ms, ts = zip(*[_pair(a, requires_grad=grad) for a in arrays])
    om, ot = fn(mg, *ms), fn(torch, *ts)
    _same(om, ot, rtol, atol)
    if grad and ot.requires_grad:
        w = np.random.default_rng(0).standard_normal(tuple(ot.shape)).astype(np.asarray(_np(ot)).dtype)
        (om * mg.tensor(w)).sum().backward()
        (ot * torch.tensor(w)).sum().backward()
        for m, t in zip(ms, ts):
            if t.grad is None:
                assert m.grad is None or not np.asarray(m.grad).any()
            else:
                np.testing.assert_allclose(np.asarray(m.grad), t.grad.numpy(), rtol=rtol, atol=atol)
    return om, ot


RNG = np.random.default_rng(0)
X34 = RNG.standard_normal((3, 4)).astype(np.float32)
X234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)


# ------------------------------------------------------------ layout and casts
def test_contiguous_returns_self_or_a_differentiable_copy():
    m, t = _pair(X34)
    assert m.contiguous() is m and t.contiguous() is t
    _check(lambda lib, a: a.t().contiguous() * 2, X34)
    mt = mg.tensor(X34).t()
    assert not mt._data.flags.c_contiguous and mt.contiguous()._data.flags.c_contiguous


@pytest.mark.parametrize("method,dtype", [("long", "int64"), ("int", "int32"), ("bool", "bool"),
                                          ("half", "float16"), ("float", "float32"), ("double", "float64")])
def test_casts(method, dtype):
    om, ot = _check(lambda lib, a: getattr(a * 2, method)(), np.array([[0.0, 1.7, -2.5]], np.float32),
                    atol=1e-3)
    assert str(om.dtype) == dtype


def test_type_names_and_casts():
    assert mg.zeros(2).type() == "minigan.FloatTensor"
    assert torch.zeros(2).type() == "torch.FloatTensor"
    for dt, name in [(mg.float64, "DoubleTensor"), (mg.int64, "LongTensor"), (mg.bool_, "BoolTensor"),
                     (mg.int32, "IntTensor"), (mg.uint8, "ByteTensor"), (mg.float16, "HalfTensor")]:
        assert mg.zeros(2, dtype=dt).type() == "minigan." + name
        assert getattr(torch.zeros(2), "type")(getattr(torch, name)).type() == "torch." + name
    assert mg.zeros(2).type(mg.int64).dtype == np.int64
    assert mg.zeros(2).type("torch.DoubleTensor").dtype == np.float64
    assert mg.zeros(2).type("minigan.LongTensor").dtype == np.int64
    with pytest.raises(ValueError, match="unknown tensor type"):
        mg.zeros(2).type("minigan.NopeTensor")


def test_detach_in_place():
    for lib in (mg, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        assert y.detach_() is y
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf


# ------------------------------------------------------------ register_hook
def test_register_hook_sees_and_replaces_gradients():
    results = []
    for lib in (mg, torch):
        seen = []
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: (seen.append(g.tolist()), g * 10)[1])
        hx = x.register_hook(lambda g: seen.append(("x", g.tolist())))
        (y * y).sum().backward()
        hx.remove()
        x.grad = None
        (x * 3).sum().backward()
        results.append((x.grad.tolist(), seen))
    assert results[0] == results[1]


def test_register_hook_in_grad_and_errors():
    for lib in (mg, torch):
        grad = mg.grad if lib is mg else torch.autograd.grad
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g + 1)
        (g,) = grad((x * 3).sum(), x)
        assert g.tolist() == [4.0, 4.0]
        z = x * 1
        z.register_hook(lambda g: g * 0)
        (gz,) = grad((z * 3).sum(), z)
        assert gz.tolist() == [0.0, 0.0]
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_hook(lambda g: g)


def test_register_hook_with_create_graph():
    out = []
    for lib in (mg, torch):
        x = lib.tensor([1.5, -2.0], requires_grad=True)
        y = x ** 3
        y.register_hook(lambda g: g * x)
        grad = mg.grad if lib is mg else torch.autograd.grad
        (g,) = grad(y.sum(), x, create_graph=True)
        (gg,) = grad(g.sum(), x)
        out.append((g.tolist(), gg.tolist()))
    np.testing.assert_allclose(out[0], out[1])


# ------------------------------------------------------------ comparisons and tests
@pytest.mark.parametrize("name", ["eq", "ne", "gt", "lt", "ge", "le"])
def test_comparison_methods(name):
    a = np.array([[1.0, 2.0, 3.0]], np.float32)
    om, ot = _check(lambda lib, x: getattr(x, name)(2.0), a)
    om, ot = _check(lambda lib, x: getattr(x, name)(x.flip(1)), a)
    assert getattr(mg, name)(mg.tensor(a), 2.0).tolist() == getattr(torch, name)(torch.tensor(a), 2.0).tolist()


@pytest.mark.parametrize("name", ["any", "all"])
def test_any_all(name):
    a = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]], np.float32)
    for kw in [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": -1, "keepdim": True}]:
        _check(lambda lib, x: getattr(x, name)(**kw), a)
        _check(lambda lib, x: getattr(lib, name)(x > 0, **kw), a)


def test_isnan_isfinite_nan_to_num():
    a = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], np.float32)
    _check(lambda lib, x: x.isnan(), a)
    _check(lambda lib, x: lib.isfinite(x), a)
    _check(lambda lib, x: x.nan_to_num(), a)
    _check(lambda lib, x: lib.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-7.0), a)
    _check(lambda lib, x: x.nan_to_num().double(), a.astype(np.float64))
    _check(lambda lib, x: x.long().nan_to_num(), np.array([1.0, 2.0]), grad=False)


# ------------------------------------------------------------ scans and reductions
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim):
    _check(lambda lib, x: x.cumsum(dim), X34)
    _check(lambda lib, x: lib.cumsum(x, dim=dim), X34)


def test_cumsum_dtypes():
    _check(lambda lib, x: x.int().cumsum(0), np.array([1.0, 2.0, 3.0], np.float32))
    _check(lambda lib, x: x.bool().cumsum(0), np.array([1.0, 0.0, 3.0], np.float32))
    _check(lambda lib, x: x.cumsum(0, dtype=lib.float64), np.array([1.0, 2.0, 3.0], np.float32))


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": -1, "keepdim": False}])
def test_prod(kw):
    _check(lambda lib, x: x.prod(**kw), X34, rtol=1e-5)
    _check(lambda lib, x: lib.prod(x, **kw), X34, rtol=1e-5)


@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (2, 3)], [(1, 0), (1, 2)], [(0, 0), (1, 1), (2, 2)]])
def test_prod_gradient_with_zeros(zeros):
    a = X34.copy()
    for i, j in zeros:
        a[i, j] = 0.0
    _check(lambda lib, x: x.prod(1), a, rtol=1e-5)
    _check(lambda lib, x: x.prod(0, keepdim=True), a, rtol=1e-5)
    _check(lambda lib, x: x.prod(), a, rtol=1e-5)


@pytest.mark.parametrize("dim", [None, 0, 1])
@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 2)], [(0, 1), (1, 0), (1, 2), (2, 2)]])
def test_prod_second_derivative_with_zeros(dim, zeros):
    rng = np.random.default_rng(7)
    a = rng.uniform(0.8, 1.6, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    for z in zeros:
        a[z] = 0.0
    out = []
    for lib in (mg, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x.prod() if dim is None else x.prod(dim)
        w = lib.tensor(np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape)))
        grad = mg.grad if lib is mg else torch.autograd.grad
        (g,) = grad((y * w).sum(), x, create_graph=True)
        (gg,) = grad((g * lib.tensor(a + 1.0)).sum(), x)
        out.append((np.asarray(g.detach()), np.asarray(gg)))
    if dim is not None or len(zeros) <= 2:  # (with more zeros than 2 the full product's Hessian is 0)
        assert np.abs(out[1][1]).max() > 0.1
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12, atol=1e-12)


def test_prod_integer_dtype():
    _check(lambda lib, x: x.int().prod(), np.array([2.0, 3.0]), grad=False)
    _check(lambda lib, x: x.bool().prod(0), np.array([[2.0, 3.0]]), grad=False)


# ------------------------------------------------------------ rearranging
def test_flip_roll():
    _check(lambda lib, x: x.flip(0, 2), X234)
    _check(lambda lib, x: x.flip((1,)), X234)
    _check(lambda lib, x: lib.flip(x, [-1]), X234)
    _check(lambda lib, x: x.roll(1, 0), X234)
    _check(lambda lib, x: x.roll((1, -5), (0, 2)), X234)
    _check(lambda lib, x: lib.roll(x, 7), X234)
    _check(lambda lib, x: lib.roll(x, shifts=-2, dims=1), X234)


def test_narrow_select_unbind_movedim_unflatten():
    _check(lambda lib, x: x.narrow(2, 1, 2), X234)
    _check(lambda lib, x: x.narrow(-1, -3, 3), X234)
    _check(lambda lib, x: x.select(1, -1), X234)
    _check(lambda lib, x: lib.select(x, 0, 1), X234)
    _check(lambda lib, x: lib.stack([u * (i + 1) for i, u in enumerate(x.unbind(1))]), X234)
    _check(lambda lib, x: lib.stack(lib.unbind(x)), X234)
    _check(lambda lib, x: x.movedim(0, -1), X234)
    _check(lambda lib, x: lib.movedim(x, (0, 2), (1, 0)), X234)
    _check(lambda lib, x: x.unflatten(2, (2, 2)), X234)
    _check(lambda lib, x: x.unflatten(-1, (-1, 1, 2)), X234)


def test_tile_and_repeat_interleave():
    _check(lambda lib, x: x.tile((2,)), X34)
    _check(lambda lib, x: x.tile((2, 1, 3)), X34)
    _check(lambda lib, x: lib.tile(x, (1, 2)), X34)
    _check(lambda lib, x: x.tile(2, 1, 1), X34)
    _check(lambda lib, x: x[0].tile(3), X34)
    _check(lambda lib, x: x.repeat_interleave(2), X34)
    _check(lambda lib, x: x.repeat_interleave(3, dim=0), X34)
    _check(lambda lib, x: x.repeat_interleave(lib.tensor([1, 0, 2, 3]), dim=1), X34)
    _check(lambda lib, x: lib.repeat_interleave(x, lib.tensor([2]), dim=-1), X34)
    for lib in (mg, torch):
        r = lib.repeat_interleave(lib.tensor([1, 0, 3]))
        assert r.tolist() == [0, 2, 2, 2] and str(r.dtype).endswith("int64")


def test_functions_take_torchs_keyword_names():
    outs = {}
    for lib in (mg, torch):
        x, y = lib.tensor(X34), lib.tensor(X34.T.copy())
        outs[lib] = [
            lib.gather(input=x, dim=1, index=lib.tensor([[0], [1], [2]])),
            lib.index_select(input=x, dim=0, index=lib.tensor([1])), lib.mm(input=x, mat2=y),
            lib.outer(input=x[0], vec2=x[1]), lib.cumsum(input=x, dim=0), lib.flip(input=x, dims=(0,)),
            lib.roll(input=x, shifts=1, dims=0), lib.narrow(input=x, dim=1, start=1, length=2),
            lib.tril(input=x, diagonal=1), lib.sort(input=x, dim=0, descending=True).values,
            lib.topk(input=x, k=2, dim=1, largest=False).values, lib.eq(input=x, other=x),
            lib.nan_to_num(input=x, nan=0.0), lib.movedim(input=x, source=0, destination=1),
            lib.masked_fill(input=x, mask=x > 0, value=0.0), lib.prod(input=x, dim=1)]
    for m, t in zip(outs[mg], outs[torch]):
        np.testing.assert_allclose(np.asarray(m), t.numpy(), rtol=1e-5)


# ------------------------------------------------------------ gathering
def test_gather_and_index_select():
    idx = np.array([[0, 0, 3], [2, 1, 2], [3, 3, 3]])
    _check(lambda lib, x: x.gather(1, lib.tensor(idx)), X34)
    _check(lambda lib, x: lib.gather(x, 0, lib.tensor([[2, 0, 1, 1]])), X34)
    _check(lambda lib, x: x.index_select(1, lib.tensor([3, 0, 3])), X34)
    _check(lambda lib, x: lib.index_select(x, 0, lib.tensor([1])), X34)
    _check(lambda lib, x: lib.index_select(x, -1, lib.tensor([0, 0])), X234)


def test_gather_and_index_select_refuse_out_of_range_indices():
    for lib in (mg, torch):
        x = lib.ones(3, 4)
        for bad in (-1, 4):
            with pytest.raises(RuntimeError, match="out of bounds"):
                x.gather(1, lib.tensor([[bad]]))
        for bad in (-1, 3):
            with pytest.raises(IndexError, match="out of range"):
                x.index_select(0, lib.tensor([bad]))


def test_masked_fill_and_where():
    mask = np.array([True, False, True, False])
    _check(lambda lib, x: x.masked_fill(lib.tensor(mask), -1.5), X34)
    _check(lambda lib, x: lib.masked_fill(x, lib.tensor(mask[None, :]), float("-inf")).exp(), X34)
    _check(lambda lib, x, v: x.masked_fill(lib.tensor(mask), v.sum()), X34, np.ones(2, np.float32))
    _check(lambda lib, x, y: x.where(x > 0, y), X34, X34[0] * 2)
    _check(lambda lib, x: x.where(x > 0, 0.0), X34)
    om = mg.tensor(X34).masked_fill(mg.tensor(mask), 2)
    assert om.dtype == np.float32
    _check(lambda lib, x: x.long().masked_fill(lib.tensor(mask), 1.5), X34 * 3, grad=False)
    _check(lambda lib, x, v: x.masked_fill(lib.tensor(mask), v.sum().double()), X34, np.ones(2, np.float32))
    with pytest.raises(RuntimeError, match="boolean"):
        mg.tensor(X34).masked_fill(mg.tensor([1, 0, 1, 0]), 0.0)


# ------------------------------------------------------------ products
def test_mm_bmm_outer():
    _check(lambda lib, a, b: a.mm(b), X34, X34.T.copy(), rtol=1e-5, atol=1e-6)
    _check(lambda lib, a, b: lib.bmm(a, b), X234, X234.transpose(0, 2, 1).copy(), rtol=1e-5, atol=1e-6)
    _check(lambda lib, a, b: a.outer(b), X34[0], X34[1])
    _check(lambda lib, a, b: lib.outer(a, b), X34[0], X34[1, :2])
    with pytest.raises(RuntimeError, match="2-D"):
        mg.mm(mg.tensor(X234), mg.tensor(X34))
    with pytest.raises(RuntimeError, match="3-D"):
        mg.bmm(mg.tensor(X34), mg.tensor(X34))


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("i,j->ij", [(3,), (4,)]),
    ("ij->", [(3, 4)]), ("ij->j", [(3, 4)]), ("ij,ij->i", [(3, 4), (3, 4)]), ("ij,kj", [(2, 3), (4, 3)]),
    ("ij->ji", [(3, 4)]), ("abc,cd,a->bd", [(2, 3, 4), (4, 5), (2,)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij,j->ij", [(3, 3, 2), (2,)]), ("bii->b", [(2, 3, 3)]),
    ("iji->j", [(3, 4, 3)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(3, 2, 4)]), ("b...,b->...", [(2, 3), (2,)]), ("...", [(2, 3)]),
    ("i...j,j", [(2, 3, 4), (4,)]), ("ij...,j...->i", [(2, 3), (3, 4)]),
])
def test_einsum(eq, shapes):
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    _check(lambda lib, *xs: lib.einsum(eq, *xs), *arrays, rtol=1e-5, atol=1e-5)
    _check(lambda lib, *xs: lib.einsum(eq, list(xs)), *arrays, rtol=1e-5, atol=1e-5)


def test_einsum_twice_differentiable():
    a = mg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    b = mg.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: mg.einsum("ij,jk->ik", a, b) ** 2, [a, b])
    c = mg.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    assert mg.gradgradcheck(lambda c, b: mg.einsum("ii,ik->k", c, b[:3]) ** 2, [c, b])


def test_einsum_errors():
    with pytest.raises(RuntimeError, match="repeated"):
        mg.einsum("ii->i", mg.zeros(2, 3))
    with pytest.raises(RuntimeError, match="number of subscripts"):
        mg.einsum("ij->i", mg.zeros(2))
    with pytest.raises(ValueError, match="invalid subscript"):
        mg.einsum("i.j->i", mg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="broadcast"):
        mg.einsum("...i,...i->...", mg.zeros(2, 2), mg.zeros(3, 2))


# ------------------------------------------------------------ rounding and elementwise
@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "frac", "reciprocal", "sin", "cos"])
def test_elementwise(name):
    a = np.array([[-2.5, -1.7, -0.5, 0.3], [0.5, 1.5, 2.5, 3.9]], np.float32)
    _check(lambda lib, x: getattr(x, name)(), a)
    _check(lambda lib, x: getattr(lib, name)(x * 2), a)


def test_round_decimals_and_integer_inputs():
    _check(lambda lib, x: x.round(decimals=1), np.array([1.26, -0.35, 2.449], np.float32))
    for name in ["floor", "ceil", "round", "trunc"]:
        _check(lambda lib, x: getattr(x.long(), name)(), np.array([1.0, -2.0]), grad=False)
    _check(lambda lib, x: x.long().reciprocal(), np.array([1.0, -2.0]), grad=False)
    _check(lambda lib, x: x.long().sin(), np.array([1.0, -2.0]), grad=False)


# ------------------------------------------------------------ ordering
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"descending": True}, {"dim": 0, "descending": True}])
def test_sort(kw):
    om, ot = _check(lambda lib, x: x.sort(**kw).values, X34)
    _check(lambda lib, x: x.sort(**kw).indices, X34)
    _check(lambda lib, x: lib.sort(x, **kw)[1], X34)


def test_sort_ties_and_nan_stable():
    a = np.array([2.0, np.nan, 1.0, 2.0, 1.0, np.nan, 3.0], np.float32)
    for desc in (False, True):
        m = mg.tensor(a).sort(descending=desc, stable=True)
        t = torch.tensor(a).sort(descending=desc, stable=True)
        assert m.indices.tolist() == t.indices.tolist()
        np.testing.assert_array_equal(np.asarray(m.values), t.values.numpy())


@pytest.mark.parametrize("kw", [{"k": 2}, {"k": 3, "dim": 0}, {"k": 1, "largest": False},
                                {"k": 4, "dim": -1, "largest": False}])
def test_topk(kw):
    _check(lambda lib, x: x.topk(**kw).values, X34)
    _check(lambda lib, x: lib.topk(x, **kw).indices, X34)


def test_argmax_argmin_top_level():
    for name in ["argmax", "argmin"]:
        for kw in [{}, {"dim": 1}, {"dim": 0, "keepdim": True}]:
            _check(lambda lib, x: getattr(lib, name)(x, **kw), X34)


# ------------------------------------------------------------ matrices
def test_tril_triu_diag():
    for k in (-1, 0, 2):
        _check(lambda lib, x: x.tril(k), X234)
        _check(lambda lib, x: lib.triu(x, diagonal=k), X34)
        _check(lambda lib, x: lib.diag(x, k), X34)
        _check(lambda lib, x: x.diag(k), X34[0])
    _check(lambda lib, x: lib.diag(x.long()), X34[0] * 3, grad=False)


# ------------------------------------------------------------ conversions and small functions
def test_from_numpy_as_tensor_share_memory():
    a = np.arange(3.0)
    for lib in (mg, torch):
        t = lib.from_numpy(a)
        assert str(t.dtype).endswith("float64")
        a[0] = 5.0
        assert t[0].item() == 5.0
        a[0] = 0.0
        s = lib.as_tensor(a)
        a[1] = 7.0
        assert s[1].item() == 7.0
        a[1] = 1.0
        assert str(lib.as_tensor([1.0, 2.0]).dtype).endswith("float32")
        assert str(lib.as_tensor(a, dtype=lib.float32).dtype).endswith("float32")
        x = lib.ones(2)
        assert lib.as_tensor(x) is x
    with pytest.raises(TypeError):
        mg.from_numpy([1.0])


def test_is_tensor_numel_allclose_equal():
    for lib in (mg, torch):
        x = lib.ones(2, 3)
        assert lib.is_tensor(x) and not lib.is_tensor(np.ones(2))
        assert lib.numel(x) == 6
        assert lib.allclose(x, x + 1e-9)
        assert not lib.allclose(x, x + 1e-3)
        nan = lib.tensor([1.0, float("nan")])
        assert not lib.allclose(nan, nan) and lib.allclose(nan, nan, equal_nan=True)
        assert lib.equal(x, lib.ones(2, 3)) and not lib.equal(x, lib.ones(3))
        assert not lib.equal(x, lib.zeros(2, 3))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    for sizes in [(2, 3, 4), (2, 3), (5,)]:
        arrays = [RNG.standard_normal(n).astype(np.float32) for n in sizes]
        for i in range(len(sizes)):
            _check(lambda lib, *xs: lib.meshgrid(*xs, indexing=indexing)[i], *arrays, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ random
def test_random_factories_dtypes_shapes_and_seeding():
    mg.manual_seed(3)
    a = (mg.randint(5, (3, 4)), mg.randint(2, 5, (100,)), mg.randperm(6), mg.normal(1.0, 2.0, (2, 3)))
    mg.manual_seed(3)
    b = (mg.randint(5, (3, 4)), mg.randint(2, 5, (100,)), mg.randperm(6), mg.normal(1.0, 2.0, (2, 3)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    tv = (torch.randint(5, (3, 4)), torch.randint(2, 5, (100,)), torch.randperm(6),
          torch.normal(1.0, 2.0, (2, 3)))
    for m, t in zip(a, tv):
        assert tuple(m.shape) == tuple(t.shape) and str(m.dtype) == str(t.dtype).replace("torch.", "")
    assert 2 <= a[1].min().item() and a[1].max().item() <= 4
    assert sorted(a[2].tolist()) == list(range(6))


def test_normal_with_tensor_arguments_is_differentiable():
    mean, tm = _pair(np.zeros((3, 1)))
    std, ts = _pair(np.full((4,), 2.0))
    out, tout = mg.normal(mean, std), torch.normal(tm, ts)
    assert out.shape == tuple(tout.shape) and out.dtype == np.float64 and out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(np.asarray(mean.grad), np.full((3, 1), 4.0))
    eps = (np.asarray(out.detach()) - 0.0) / 2.0
    np.testing.assert_allclose(np.asarray(std.grad), eps.sum(0))
    assert mg.normal(mg.zeros(3), 1.0).dtype == np.float32


def test_bernoulli():
    mg.manual_seed(0)
    p = mg.tensor(np.linspace(0, 1, 1000), dtype=mg.float64)
    s = mg.bernoulli(p)
    assert s.dtype == np.float64 and set(np.unique(np.asarray(s))) <= {0.0, 1.0}
    assert s[0].item() == 0.0 and s[-1].item() == 1.0 and 400 < s.sum().item() < 600
    for lib in (mg, torch):
        x = lib.ones(2, requires_grad=True)
        y = lib.bernoulli(x * 0.5)
        assert y.requires_grad
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError):
        mg.bernoulli(mg.tensor([1.5]))


def test_inference_mode():
    for lib in (mg, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            assert not (x * 2).requires_grad
        with lib.inference_mode(False):
            assert (x * 2).requires_grad

        @lib.inference_mode()
        def f():
            return (x * 2).requires_grad

        @lib.inference_mode
        def g():
            return (x * 2).requires_grad

        assert not f() and not g() and lib.is_grad_enabled()
