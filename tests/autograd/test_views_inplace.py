"""Views and in-place ops give PyTorch's values, gradients and errors.

Each pattern runs twice, once on minigan and once on torch (the reference),
through the same code (``lib`` is ``minigan`` or ``torch``), and the values,
gradients and error types are compared.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigan

torch = pytest.importorskip("torch")


def _np(t):
    if t is None:
        return None
    if isinstance(t, (list, tuple)):
        return [_np(u) for u in t]
    if isinstance(t, (bool, int, float)):
        return t
    return np.asarray(t.detach()) if hasattr(t, "detach") else np.asarray(t)


def both(fn):
    """fn(lib) on minigan and on torch: the same results (arrays, compared to 1e-5)."""
    ours, theirs = fn(minigan), fn(torch)
    ours, theirs = _np(ours), _np(theirs)
    if not isinstance(ours, list):
        ours, theirs = [ours], [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                       rtol=1e-5, atol=1e-6)
    return ours


def raises_in_both(fn, match=None):
    """fn(lib) raises a RuntimeError in both; ``match`` in both messages."""
    for lib in (minigan, torch):
        with pytest.raises(RuntimeError, match=match):
            fn(lib)


def _x(lib, n=4, grad=False):
    return lib.tensor([1.0, -2.0, 3.0, 0.5, -1.5, 2.5][:n], requires_grad=grad)


# ------------------------------------------------------------ views share memory and the counter
VIEWS = {
    "slice": lambda x: x[1:3],
    "int": lambda x: x[1],
    "int-int": lambda x: x[1, 2],
    "none-ellipsis": lambda x: x[None, ..., 1:],
    "step": lambda x: x[::2],
    "view": lambda x: x.view(12),
    "reshape": lambda x: x.reshape(2, 6),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "permute": lambda x: x.permute(1, 0),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(1, 2),
    "unbind": lambda x: x.unbind(0)[1],
    "split": lambda x: x.split(2, dim=1)[1],
    "chunk": lambda x: x.chunk(2, 0)[0],
    "squeeze": lambda x: x[None].squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "flatten": lambda x: x.flatten(),
    "movedim": lambda x: x.movedim(0, 1),
    "detach": lambda x: x.detach(),
    "view-of-view": lambda x: x.t()[1:3].unsqueeze(0),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_an_in_place_op_on_a_view_changes_the_base(name):
    def run(lib):
        x = lib.arange(12, dtype=lib.float32).reshape(3, 4)
        v = VIEWS[name](x)
        v.mul_(10).add_(1)
        return [x, v]

    both(run)
    x = minigan.arange(12, dtype=minigan.float32).reshape(3, 4)
    v = VIEWS[name](x)
    v.add_(1)
    assert x._version == v._version == 1


@pytest.mark.parametrize("index", [[0, 2], "mask", "tensor"])
def test_advanced_indexing_copies(index):
    def run(lib):
        x = lib.arange(4, dtype=lib.float32)
        i = {"mask": x > 1, "tensor": lib.tensor([3, 0])}[index] if isinstance(index, str) else index
        y = x[i]
        y.add_(100)
        return [x, y]

    both(run)


def test_expand_is_a_read_only_view():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        e = x.expand(2, 3)
        x.add_(1)
        return e

    both(run)
    raises_in_both(lambda lib: lib.ones(3).expand(2, 3).add_(1), "more than one element")


def test_the_issue_patterns_change_the_base():
    def run(lib):
        x = lib.zeros(4)
        x[1:3].add_(1.0)
        lib.manual_seed(0)
        lin, emb = lib.nn.Linear(3, 2), lib.nn.Embedding(5, 2)
        with lib.no_grad():
            lin.weight[0].zero_()
            emb.weight[1:3].fill_(7)
        w = lib.zeros(2, 3)
        lib.nn.init.ones_(w[0])
        v = lib.zeros(4)
        v.view(4)[0] = 9
        return [x, lin.weight[0], emb.weight[1:3], w, v, lin.weight.is_leaf, emb.weight.requires_grad]

    both(run)


# ------------------------------------------------------------ augmented assignment is in place
@pytest.mark.parametrize("op, dtype, other", [
    ("+=", "float32", 1.5), ("-=", "float32", 0.5), ("*=", "float32", 3.0), ("/=", "float32", 4.0),
    ("**=", "float32", 2.0), ("//=", "float32", 2.0), ("%=", "float32", 1.5),
    ("+=", "int64", 2), ("*=", "int64", 3), ("//=", "int64", 2), ("%=", "int64", 3),
    ("&=", "int64", 6), ("|=", "int64", 8), ("^=", "int64", 5), ("&=", "bool", True),
    ("+=", "float32", "tensor"),
])
def test_every_augmented_assignment_is_in_place(op, dtype, other):
    def run(lib):
        x = lib.tensor([1, 2, 5, 7], dtype=getattr(lib, dtype)) if dtype != "bool" else \
            lib.tensor([True, False, True, False])
        y = x
        o = lib.tensor([1.0, -1.0, 2.0, 0.5]) if other == "tensor" else other
        namespace = {"x": x, "o": o}
        exec(f"x {op} o", namespace)
        assert namespace["x"] is y
        return y

    both(run)


def test_matmul_assignment_rebinds_as_in_torch():
    def run(lib):
        a = lib.ones(2, 2)
        b = a
        a @= lib.ones(2, 2) * 2
        return [a, b, a is b]

    both(run)


def test_in_place_keeps_the_dtype_and_refuses_what_torch_refuses():
    def run(lib):
        a = lib.ones(3)
        a += lib.ones(3, dtype=lib.float64) * 0.5  # cast into a's dtype
        i = lib.ones(3, dtype=lib.int32)
        i += lib.ones(3, dtype=lib.int64)
        return [a, i], [str(t.dtype).split(".")[-1] for t in (a, i)]

    assert run(minigan)[1] == run(torch)[1] == ["float32", "int32"]
    both(lambda lib: run(lib)[0])

    def int_plus_float(lib):
        i = lib.ones(3, dtype=lib.int64)
        i += 1.5

    def bool_plus_int(lib):
        b = lib.ones(3, dtype=torch.bool if lib is torch else minigan.bool_)
        b += 1

    def wrong_shape(lib):
        a = lib.ones(3)
        a += lib.ones(2, 3)

    raises_in_both(int_plus_float, "can't be cast")
    raises_in_both(bool_plus_int, "can't be cast")
    raises_in_both(wrong_shape, "doesn't match the broadcast shape")


def test_manual_sgd_changes_the_weights_and_keeps_leaves():
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        model.weight.data.copy_(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]))
        model.bias.data.copy_(lib.tensor([0.1, -0.2]))
        x = lib.tensor([[1.0, 2.0, -1.0]])
        for _ in range(3):
            model.zero_grad()
            (model(x) ** 2).sum().backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.01 * p.grad
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
        return [model.weight, model.bias, w, w.is_leaf, w.requires_grad, model.weight.is_leaf,
                model.weight.requires_grad]

    both(run)


# ------------------------------------------------------------ leaves refuse, outside no_grad
def test_in_place_on_a_leaf_that_requires_grad_raises_as_in_torch():
    raises_in_both(lambda lib: _x(lib, grad=True).add_(1), "a leaf Variable that requires grad")
    raises_in_both(lambda lib: _x(lib, grad=True)[1:3].mul_(2), "a view of a leaf Variable")

    def augmented(lib):
        x = _x(lib, grad=True)
        x += 1

    def setitem(lib):
        x = _x(lib, grad=True)
        x[0] = 1.0

    def weight_row(lib):
        lib.nn.Linear(3, 2).weight[0].zero_()

    raises_in_both(augmented, "leaf Variable")
    raises_in_both(setitem, "leaf Variable")
    raises_in_both(weight_row, "leaf Variable")


# ------------------------------------------------------------ autograd through in-place ops and views
def _grads(*ts):
    return [t.grad for t in ts]


INPLACE_GRAPHS = {
    "mul_ on a non-leaf": lambda lib, x, w: (x * 2).mul_(w),
    "add_ then use": lambda lib, x, w: (x * 2).add_(w) * x,
    "sin_": lambda lib, x, w: (x * w).sin_(),
    "exp_": lambda lib, x, w: (x * w).exp_(),
    "zero_": lambda lib, x, w: (x * w).zero_() + x,
    "copy_": lambda lib, x, w: (x * 1).copy_(w * 3),
    "clamp_": lambda lib, x, w: (x * w).clamp_(-1.0, 2.0),
    "augmented": lambda lib, x, w: _aug(x * 1, w),
    "slice mul_": lambda lib, x, w: _slice_op(x * 1, w),
    "slice of a leaf-free base": lambda lib, x, w: _fresh_base(lib, x, w),
    "setitem basic": lambda lib, x, w: _setitem(x * 1, slice(1, 3), w[:2] * 2),
    "setitem int": lambda lib, x, w: _setitem(x * 1, 0, w[3]),
    "setitem mask": lambda lib, x, w: _setitem(x * 1, x > 0.7, w[0]),
    "setitem index": lambda lib, x, w: _setitem(x * 1, lib.tensor([2, 0]), w[1:3]),
    "setitem duplicates +=": lambda lib, x, w: _dup_add(lib, x * w),
    "view of view": lambda lib, x, w: _view_of_view(x * 1, w),
    "base changed under a view": lambda lib, x, w: _stale_view(x * 1, w),
    "two views": lambda lib, x, w: _two_views(x * 1, w),
    "transpose view": lambda lib, x, w: _transposed(lib, x, w),
    "unbind": lambda lib, x, w: _unbind(x * 1, w),
}


def _aug(y, w):
    y += w
    y *= w
    y -= 1.0
    y /= 2.0
    return y ** 2


def _slice_op(b, w):
    b[1:3].mul_(w[:2])
    return b * b


def _fresh_base(lib, x, w):
    b = lib.zeros(4)
    b[1:3].add_(x[:2] * w[:2])
    return b * (b + 1)


def _setitem(b, index, value):
    b[index] = value
    return b * b


def _dup_add(lib, b):
    b[lib.tensor([0, 0, 2])] += 1
    return b * b


def _view_of_view(b, w):
    v = b.view(2, 2)[1]
    v.mul_(w[:2])
    return b * b


def _stale_view(b, w):
    v = b[:2]
    b.mul_(w)
    return (v * 3).sum() + b


def _two_views(b, w):
    u, v = b[:3], b[1:]
    u.mul_(w[:3])
    v.add_(w[1:])
    return u.sum() * v.sum() + b


def _transposed(lib, x, w):
    m = (x * w).view(2, 2)
    m.t()[0].mul_(2.0)
    return m.sum(0) * m[1]


def _unbind(b, w):  # torch refuses in-place on unbind()'s outputs: select them one by one
    a, c = b.select(0, 0), b.select(0, 1)
    a.mul_(w[0])
    c.add_(a)
    return b * b


@pytest.mark.parametrize("name", list(INPLACE_GRAPHS))
def test_gradients_through_in_place_ops_match_torch(name):
    def run(lib):
        x = lib.tensor([0.3, -1.2, 0.9, 2.0], requires_grad=True)
        w = lib.tensor([1.5, -0.5, 2.0, 0.25], requires_grad=True)
        y = INPLACE_GRAPHS[name](lib, x, w)
        y.sum().backward()
        return [y, x.grad, w.grad]

    both(run)


@pytest.mark.parametrize("fast", [True, False])
def test_in_place_ops_and_views_are_twice_differentiable(fast):
    def f(x, w):
        b = x * 1
        b[1:3] = x[2:] * w[:2]
        b[0] += w[3]
        v = b.view(2, 2).t()
        v.mul_(x.view(2, 2))
        return (b ** 2).sum(0, keepdim=True) * b

    x = minigan.tensor([0.3, -1.2, 0.9, 2.0], dtype=minigan.float64, requires_grad=True)
    w = minigan.tensor([1.5, -0.5, 2.0, 0.25], dtype=minigan.float64, requires_grad=True)
    with minigan.fast.disabled() if not fast else _nothing():
        assert minigan.gradcheck(f, (x, w))
        assert minigan.gradgradcheck(f, (x, w))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_create_graph_through_in_place_matches_torch():
    def run(lib):
        x = lib.tensor([0.3, -1.2, 0.9], requires_grad=True)
        y = x * 1
        y[1:].mul_(x[:2])
        y.exp_()
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (g * g).sum().backward()
        return [g, x.grad]

    both(run)


# ------------------------------------------------------------ the version counter
def test_detach_shares_the_version_counter():
    def run(lib):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = x.exp()
        y.detach().mul_(10)
        y.sum().backward()

    raises_in_both(run, "modified by an inplace operation")


SAVED = {  # op, and whether the input (True) or the output (False) is changed afterwards
    "mul": (lambda lib, a, w: a * w, True),
    "matmul": (lambda lib, a, w: a.view(2, 2) @ w.view(2, 2), True),
    "einsum": (lambda lib, a, w: lib.einsum("i,i->", a, w), True),
    "sin": (lambda lib, a, w: a.sin() * w, True),
    "cos": (lambda lib, a, w: a.cos() * w, True),
    "exp": (lambda lib, a, w: a.exp(), False),
    "sigmoid": (lambda lib, a, w: a.sigmoid(), False),
    "tanh": (lambda lib, a, w: a.tanh(), False),
}


@pytest.mark.parametrize("name", list(SAVED))
@pytest.mark.parametrize("how", ["add_", "setitem", "view", "detach"])
def test_a_saved_tensor_changed_in_place_makes_backward_raise(name, how):
    op, change_input = SAVED[name]

    def run(lib):
        x = lib.tensor([0.3, -1.2, 0.9, 2.0], requires_grad=True)
        w = lib.tensor([1.5, -0.5, 2.0, 0.25], requires_grad=True)
        a = x * 1
        y = op(lib, a, w)
        target = a if change_input else y
        with lib.no_grad():
            if how == "add_":
                target.add_(1)
            elif how == "setitem":
                target[0] = 5.0
            elif how == "view":
                target.view(-1)[1:].mul_(2)
            else:
                target.detach().zero_()
        y.sum().backward()

    raises_in_both(run, "modified by an inplace operation")


def _unread(lib):  # backward reads only what a gradient needs: these change nothing it reads
    x = lib.tensor([0.3, -1.2, 0.9, 2.0], requires_grad=True)
    h = x * 1
    for i in range(3):
        h[i] = h[i] * 2  # h[i] is saved by the product, but only the constant's gradient reads it
    a = x * 1
    y = a * 3.0 + (a / 4.0) + (a.view(2, 2) @ lib.eye(2)).flatten()
    a.add_(1)
    (h * y).sum().backward()
    return [h, x.grad]


def test_a_change_to_a_value_no_gradient_reads_does_not_raise():
    both(_unread)


def test_the_error_names_the_op_and_the_versions():
    x = minigan.tensor([0.3, -1.2], requires_grad=True)
    a = x * 1
    y = a.sin()
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"input 0 of SinFn, is at version 1; expected version 0"):
        y.sum().backward()


# ------------------------------------------------------------ every result holds an array
def test_zero_d_results_print_and_give_items():
    t = minigan.tensor([1.0, 3.0, 3.0])
    results = [t.argmax(), t.argmin(), t[0] == 1, t[0] < 2, t.sum(), t.max(), t.mean(),
               (t == 3).any(), t.prod(), t.norm(), minigan.argmax(t), t[1], t.std(), t[0] != t[1]]
    ref = torch.tensor([1.0, 3.0, 3.0])
    expected = [ref.argmax(), ref.argmin(), ref[0] == 1, ref[0] < 2, ref.sum(), ref.max(), ref.mean(),
                (ref == 3).any(), ref.prod(), ref.norm(), torch.argmax(ref), ref[1], ref.std(),
                ref[0] != ref[1]]
    for r, e in zip(results, expected):
        assert isinstance(r.array, np.ndarray) and r.array.ndim == 0
        assert r.item() == pytest.approx(e.item(), rel=1e-6)
        assert "tensor(" in repr(r) and str(r)
    s, ref_s = t[1], ref[1]
    for name in ("eq", "ne", "gt", "lt", "ge", "le"):
        r, e = getattr(minigan, name)(s, 3), getattr(torch, name)(ref_s, 3)
        assert isinstance(r.array, np.ndarray) and r.item() == e.item() and repr(r)
    for name in ("isnan", "isfinite"):
        r = getattr(minigan, name)(s)
        assert isinstance(r.array, np.ndarray) and r.item() == getattr(torch, name)(ref_s).item()


# ------------------------------------------------------------ .grad accumulation and the setters
def test_grad_accumulates_into_the_same_tensor():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        return [g, g is x.grad]

    both(run)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_gives_a_new_grad_tensor():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(create_graph=True)
        g = x.grad
        (x * x).sum().backward(create_graph=True)
        return [g, x.grad, g is x.grad, x.grad.requires_grad]

    both(run)


def test_setters_validate_as_in_torch():
    def non_leaf_false(lib):
        (_x(lib, grad=True) * 2).requires_grad = False

    def non_leaf_true(lib):
        (_x(lib, grad=True) * 2).requires_grad = True

    def integer(lib):
        lib.tensor([1, 2]).requires_grad = True

    def retain(lib):
        lib.ones(2).retain_grad()

    def wrong_size(lib):
        _x(lib, grad=True).grad = lib.ones(5)

    def wrong_dtype(lib):
        _x(lib, grad=True).grad = lib.ones(4, dtype=lib.float64)

    for fn, match in ((non_leaf_false, "leaf variables"), (non_leaf_true, "leaf variables"),
                      (integer, "floating point"), (retain, "retain_grad"), (wrong_size, "size"),
                      (wrong_dtype, "dtype")):
        raises_in_both(fn, match)
    for lib in (minigan, torch):
        with pytest.raises(TypeError, match="Tensor or None"):
            _x(lib, grad=True).grad = [1.0, 2.0, 3.0, 4.0]
        x = _x(lib, grad=True)
        x.grad = lib.ones(4)
        x.grad = None
        x.requires_grad = False
        lib.tensor([1, 2]).requires_grad = False
        (x * 2).requires_grad_(True)  # a no-op on a non-leaf, as in torch
        (_x(lib, grad=True) * 2).retain_grad()


def test_a_view_joins_the_graph_with_its_base():
    def run(lib):
        b = lib.zeros(4)
        v = b[:2]
        w = lib.ones(4, requires_grad=True)
        b.add_(w * 2)
        out = [v.requires_grad, b.requires_grad, b.is_leaf]
        (v * v).sum().backward()
        return out + [w.grad]

    both(run)


# ------------------------------------------------------------ more patterns, values and gradients
def _retain(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.add_(1)  # retain_grad follows the tensor: its grad is that of the new value
    (y * y).sum().backward()
    return [y.grad, x.grad]


def _grad_wrt_views(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = (x * 1)[1:]
    return list(lib.autograd.grad((v * v).sum(), [v, x]))


def _setitem_grad(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0] = 10.0
    return [y, lib.autograd.grad(y.sum(), x)[0]]


def _index_put(lib):
    x = lib.zeros(4)
    x[lib.tensor([0, 0, 2])] += 1  # index_put_: repeated indices do not add up
    m = lib.arange(5.0)
    m[m > 2] = -1
    m[lib.tensor([True, False, False, False, False])] = lib.tensor(7.0)
    return [x, m]


def _rows_and_columns(lib):
    x = lib.zeros(3, 2)
    r = x[1]
    r[0] = 5
    c = x[:, 1]
    c += 2
    return x


def _joins_the_graph(lib):
    a = lib.zeros(3)
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a.mul_(2).add_(w * w)
    a.sum().backward()
    return [a, a.requires_grad, a.is_leaf, w.grad]


def _param_view_after_step(lib):
    lin = lib.nn.Linear(2, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    wt = lin.weight.t()
    with lib.no_grad():
        lin.weight.sub_(1.0)
    (wt * wt).sum().backward()
    return [wt, lin.weight.grad, wt.is_leaf]


def _deep_view(lib):
    x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1
    v = y.view(2, 2).unsqueeze(0)[0, :, 1]
    v.mul_(10)
    y.sum().backward()
    return [y, x.grad]


def _grad_setter_then_backward(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.grad = lib.tensor([5.0, 5.0])
    g = x.grad
    (x * x).sum().backward()
    return [g, g is x.grad]


def _double_backward_through_views(lib):
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 1
    y[1:] *= x[:2]
    (g,) = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
    g.sum().backward()
    return [g, x.grad]


MORE = [_retain, _grad_wrt_views, _setitem_grad, _index_put, _rows_and_columns, _joins_the_graph,
        _param_view_after_step, _deep_view, _grad_setter_then_backward, _double_backward_through_views]


@pytest.mark.parametrize("pattern", MORE, ids=[f.__name__.strip("_") for f in MORE])
def test_more_patterns_match_torch(pattern):
    both(pattern)
