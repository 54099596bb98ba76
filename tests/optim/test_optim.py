"""minigan.optim against hand-written NumPy recurrences (float64 references),
plus parameter groups, zero_grad, saving/reloading and argument checking."""
from __future__ import annotations

import inspect
import io
import pickle

import numpy as np
import pytest

import minigan
from minigan.nn import Parameter
from minigan.optim import SGD, Adam, AdamW, Optimizer, RMSprop, lr_scheduler

# A quadratic f(x) = 0.5 * sum(A * x**2) + sum(B * x): grad = A * x + B.
A = np.array([[1.0, 3.0, 0.5], [2.0, 0.2, 4.0]])
B = np.array([[0.3, -1.0, 0.7], [-0.2, 0.5, 0.1]])
X0 = np.array([[1.5, -2.0, 0.25], [-0.7, 3.0, 1.2]])
N_STEPS = 6


def quad_grad(x):
    return A * x + B


def run_minigan(cls, kwargs, device="cpu", steps=N_STEPS, x0=X0):
    p = Parameter(minigan.tensor(x0.astype(np.float32), device=device))
    a = minigan.tensor(A.astype(np.float32), device=device)
    b = minigan.tensor(B.astype(np.float32), device=device)
    opt = cls([p], **kwargs)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * (a * p * p).sum() + (b * p).sum()
        loss.backward()
        opt.step()
        trajectory.append(np.asarray(p).copy())
    return np.array(trajectory), p, opt


# ---------------------------------------------------------------- references
# Written from the update formulas in PyTorch's documentation, in float64 and
# without sharing any code with minigan.optim.

def sgd_ref(x, steps, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
            nesterov=False, maximize=False):
    out, buf = [], None
    for _ in range(steps):
        g = quad_grad(x)
        if maximize:
            g = -g
        g = g + weight_decay * x
        if momentum != 0:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        x = x - lr * g
        out.append(x)
    return np.array(out)


def adam_ref(x, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
             amsgrad=False, maximize=False, decoupled=False):
    b1, b2 = betas
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    vmax = np.zeros_like(x)
    out = []
    for t in range(1, steps + 1):
        g = quad_grad(x)
        if maximize:
            g = -g
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(x)
    return np.array(out)


def rmsprop_ref(x, steps, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False, maximize=False):
    v = np.zeros_like(x)
    gbar = np.zeros_like(x)
    buf = np.zeros_like(x)
    out = []
    for _ in range(steps):
        g = quad_grad(x)
        if maximize:
            g = -g
        g = g + weight_decay * x
        v = alpha * v + (1 - alpha) * g ** 2
        if centered:
            gbar = alpha * gbar + (1 - alpha) * g
            s = np.sqrt(v - gbar ** 2) + eps
        else:
            s = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / s
            x = x - lr * buf
        else:
            x = x - lr * g / s
        out.append(x)
    return np.array(out)


SGD_CASES = [
    dict(lr=0.1),
    dict(),  # PyTorch 2.x default lr=1e-3
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, weight_decay=0.5),
    dict(lr=0.05, momentum=0.7, weight_decay=0.1, nesterov=True),
    dict(lr=0.02, maximize=True),
    dict(lr=0.05, momentum=0.5, dampening=0.5, weight_decay=0.2, maximize=True),
]
ADAM_CASES = [
    dict(lr=0.1),
    dict(),
    dict(lr=0.1, betas=(0.5, 0.999)),
    dict(lr=0.1, betas=(0.0, 0.9)),
    dict(lr=0.1, betas=(0.3, 0.6)),  # 1 - beta1 >= 0.5: lerp's second formula
    dict(lr=0.05, weight_decay=0.5),
    dict(lr=0.5, betas=(0.9, 0.5), amsgrad=True),
    dict(lr=0.1, eps=0.5),
    dict(lr=0.05, maximize=True),
    dict(lr=0.3, betas=(0.8, 0.7), weight_decay=0.1, amsgrad=True, maximize=True),
]
RMSPROP_CASES = [
    dict(),
    dict(lr=0.05, alpha=0.9),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, alpha=0.8, centered=True, momentum=0.5),
    dict(lr=0.02, weight_decay=0.3),
    dict(lr=0.01, eps=0.3),
    dict(lr=0.01, maximize=True),
]


def _check(cls, ref, kwargs, device, base):
    got, p, _ = run_minigan(cls, kwargs, device)
    want = ref(X0, N_STEPS, **kwargs)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    assert p.dtype == np.float32
    if set(kwargs) - {"lr"}:  # every option must actually change the trajectory
        other, _, _ = run_minigan(cls, base, device)
        assert not np.allclose(got, other, rtol=1e-4, atol=1e-6), f"{kwargs} had no effect"


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_reference(kwargs, device):
    _check(SGD, sgd_ref, kwargs, device, dict(lr=kwargs.get("lr", 1e-3)))


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_reference(kwargs, device):
    _check(Adam, adam_ref, kwargs, device, dict(lr=kwargs.get("lr", 1e-3)))


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, weight_decay=0.5),
                                    dict(lr=0.1, weight_decay=0.5, amsgrad=True,
                                         betas=(0.9, 0.5))], ids=str)
def test_adamw_matches_reference(kwargs, device):
    kwargs = dict(kwargs)
    got, _, _ = run_minigan(AdamW, kwargs, device)
    want = adam_ref(X0, N_STEPS, decoupled=True, **{"weight_decay": 1e-2, **kwargs})
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_adamw_differs_from_adam_only_through_weight_decay():
    a, _, _ = run_minigan(Adam, dict(lr=0.1, weight_decay=0.5))
    w, _, _ = run_minigan(AdamW, dict(lr=0.1, weight_decay=0.5))
    assert not np.allclose(a, w)
    a0, _, _ = run_minigan(Adam, dict(lr=0.1))
    w0, _, _ = run_minigan(AdamW, dict(lr=0.1, weight_decay=0.0))
    np.testing.assert_array_equal(a0, w0)
    assert AdamW([Parameter(minigan.zeros(1))]).defaults["weight_decay"] == 1e-2


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_reference(kwargs, device):
    _check(RMSprop, rmsprop_ref, kwargs, device, dict(lr=kwargs.get("lr", 1e-2)))


def test_defaults_match_pytorch():
    """PyTorch 2.13's defaults, keys in its order (its state_dict shows them)."""
    p = [Parameter(minigan.zeros(2))]
    flags = dict(foreach=None, differentiable=False, fused=None)
    assert SGD(p).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                                   nesterov=False, maximize=False, **flags)
    assert list(Adam(p).defaults) == ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize",
                                      "foreach", "capturable", "differentiable", "fused",
                                      "decoupled_weight_decay"]
    assert Adam(p).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                                    amsgrad=False, maximize=False, capturable=False,
                                    decoupled_weight_decay=False, **flags)
    assert list(RMSprop(p).defaults) == ["lr", "momentum", "alpha", "eps", "centered",
                                         "weight_decay", "capturable", "foreach", "maximize",
                                         "differentiable"]
    assert RMSprop(p).defaults == dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
                                       momentum=0, centered=False, maximize=False,
                                       capturable=False, foreach=None, differentiable=False)


# ---------------------------------------------------------------- the step itself
def _param_with_grad(values, grad, dtype=np.float32):
    p = Parameter(minigan.tensor(np.asarray(values, dtype=dtype)))
    p.grad = minigan.tensor(np.asarray(grad, dtype=dtype))
    return p


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True, maximize=True),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True, maximize=True),
    lambda ps: AdamW(ps, lr=0.1),
    lambda ps: RMSprop(ps, lr=0.1, momentum=0.5, centered=True, weight_decay=0.1),
], ids=["SGD", "Adam", "AdamW", "RMSprop"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_is_in_place_keeps_dtype_and_leaves_grad_alone(make, dtype):
    p = _param_with_grad([1.0, -2.0, 3.0], [0.5, 0.25, -1.0], dtype)
    array, version, grad_before = p._data, p._version, p.grad._data.copy()
    opt = make([p])
    opt.step()
    opt.step()
    assert p._data is array, "the update must write into the parameter's own array"
    assert p._version == version + 2, "each in-place update must bump the version counter"
    assert p.dtype == dtype and not np.array_equal(p._data, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(p.grad._data, grad_before)  # gradients may be shared arrays
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype and value.shape == p.shape


def test_hyperparameters_given_as_numpy_float64_do_not_upcast():
    p = _param_with_grad([1.0, 2.0], [0.3, -0.1])
    opt = Adam([p], lr=np.float64(0.1), betas=(np.float64(0.9), np.float64(0.99)),
               eps=np.float64(1e-8), weight_decay=np.float64(0.1))
    opt.step()
    assert p.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if hasattr(v, "dtype"))


def test_params_without_grad_are_skipped():
    p = _param_with_grad([1.0, 2.0], [1.0, 1.0])
    q = Parameter(minigan.tensor([5.0, 6.0]))
    for opt in (SGD([p, q], lr=0.1, momentum=0.9), Adam([p, q]), RMSprop([p, q], momentum=0.1)):
        opt.step()
        np.testing.assert_array_equal(q._data, [5.0, 6.0])
        assert q not in opt.state and len(opt.state[p]) > 0


def test_adam_step_count_is_per_parameter():
    """A parameter that starts getting gradients later gets its own bias correction."""
    p = Parameter(minigan.tensor(X0.astype(np.float32)))
    q = Parameter(minigan.tensor(X0.astype(np.float32)))
    opt = Adam([p, q], lr=0.1)
    for i in range(N_STEPS):
        for t in (p, q):
            t.grad = None
        p.grad = minigan.tensor(quad_grad(p._data.astype(np.float64)).astype(np.float32))
        if i >= 2:
            q.grad = minigan.tensor(quad_grad(q._data.astype(np.float64)).astype(np.float32))
        opt.step()
    assert opt.state[p]["step"] == N_STEPS and opt.state[q]["step"] == N_STEPS - 2
    np.testing.assert_allclose(q._data, adam_ref(X0, N_STEPS - 2, lr=0.1)[-1], rtol=2e-5,
                               atol=2e-6)


def test_closure_is_evaluated_with_grad_and_its_loss_returned():
    p = Parameter(minigan.tensor([3.0]))
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with minigan.no_grad():  # the closure must still record its graph
        loss = opt.step(closure)
    assert float(loss) == 9.0
    np.testing.assert_allclose(p._data, [3.0 - 0.25 * 6.0])


def test_adam_minimises_rosenbrock():
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 has its minimum 0 at (1, 1)."""
    xy = Parameter(minigan.tensor([-1.5, 2.0]))
    opt = Adam([xy], lr=0.05)

    def f():
        x, y = xy[0], xy[1]
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    start = float(f())
    for _ in range(2000):
        opt.zero_grad()
        loss = f()
        loss.backward()
        opt.step()
    assert float(f()) < 1e-8 * start
    np.testing.assert_allclose(xy._data, [1.0, 1.0], atol=1e-3)


# ---------------------------------------------------------------- groups and zero_grad
def test_param_groups_use_their_own_options():
    p = Parameter(minigan.tensor(X0.astype(np.float32)))
    q = Parameter(minigan.tensor(X0.astype(np.float32)))
    opt = SGD([{"params": [p]}, {"params": q, "lr": 0.01, "momentum": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0.9
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.5
    assert opt.param_groups[1]["dampening"] == 0  # filled in from the defaults
    for _ in range(N_STEPS):
        opt.zero_grad()
        for t in (p, q):
            t.grad = minigan.tensor(quad_grad(t._data.astype(np.float64)).astype(np.float32))
        opt.step()
    np.testing.assert_allclose(p._data, sgd_ref(X0, N_STEPS, lr=0.1, momentum=0.9)[-1], rtol=2e-5)
    np.testing.assert_allclose(q._data, sgd_ref(X0, N_STEPS, lr=0.01, momentum=0.5)[-1], rtol=2e-5)


def test_changing_lr_in_a_group_takes_effect():
    p = _param_with_grad([1.0], [1.0])
    opt = SGD([p], lr=0.1)
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    np.testing.assert_allclose(p._data, [1.0 - 0.1 - 0.5], rtol=1e-6)


def test_add_param_group():
    p = _param_with_grad([1.0], [1.0])
    q = _param_with_grad([2.0], [1.0])
    opt = Adam([p], lr=0.1, betas=(0.5, 0.9))
    opt.add_param_group({"params": [q], "lr": 0.2})
    assert opt.param_groups[1]["betas"] == (0.5, 0.9) and opt.param_groups[1]["lr"] == 0.2
    opt.step()
    # Adam's first step moves each coordinate by about lr (m_hat / sqrt(v_hat) = sign(g)).
    np.testing.assert_allclose([p._data[0], q._data[0]], [0.9, 1.8], rtol=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="'params' key"):
        opt.add_param_group({"lr": 0.1})


def test_zero_grad():
    p = _param_with_grad([1.0, 2.0], [3.0, 4.0])
    q = Parameter(minigan.tensor([1.0]))
    opt = SGD([p, q], lr=0.1)
    shared = p.grad._data
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.dtype == np.float32 and p.grad.shape == (2,)
    np.testing.assert_array_equal(p.grad._data, [0.0, 0.0])
    np.testing.assert_array_equal(shared, [3.0, 4.0])  # a fresh array, not a fill of a shared one
    assert q.grad is None
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # nothing has a gradient: nothing moves
    np.testing.assert_array_equal(p._data, [1.0, 2.0])


def test_gradients_accumulate_until_zero_grad():
    p = Parameter(minigan.tensor([1.0]))
    opt = SGD([p], lr=0.1)
    for _ in range(2):
        (3 * p).sum().backward()
    opt.step()
    np.testing.assert_allclose(p._data, [1.0 - 0.1 * 6.0], rtol=1e-6)


# ---------------------------------------------------------------- saving and reloading
def _model():
    """Two parameters: a weight matrix and a bias."""
    w = Parameter(minigan.tensor(X0.astype(np.float32)))
    b = Parameter(minigan.tensor(np.array([0.5, -0.25, 1.0], dtype=np.float32)))
    return [w, b]


def _train(params, opt, steps):
    a = minigan.tensor(A.astype(np.float32))
    w, b = params
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * (a * w * w).sum() + ((w + b) ** 2).sum() * 0.1 + (b * b * b).sum() * 0.05
        loss.backward()
        opt.step()


MAKERS = {
    "SGD": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.9), amsgrad=True),
    "AdamW": lambda ps: AdamW(ps, lr=0.05),
    "RMSprop": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "groups": lambda ps: Adam([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.2}], lr=0.05),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_save_and_reload_continues_bit_identically(name):
    make = MAKERS[name]
    straight = _model()
    opt = make(straight)
    _train(straight, opt, 8)

    first = _model()
    opt1 = make(first)
    _train(first, opt1, 4)
    saved_params = [np.array(t._data, copy=True) for t in first]
    blob = pickle.dumps(opt1.state_dict())
    _train(first, opt1, 3)  # whatever happens after saving must not leak into the checkpoint

    # A fresh model and optimizer (new objects), as after restarting Python.
    second = _model()
    with minigan.no_grad():
        for t, arr in zip(second, saved_params):
            t.copy_(arr)
    opt2 = make(second)
    opt2.load_state_dict(pickle.loads(blob))
    _train(second, opt2, 4)
    for t_straight, t_resumed in zip(straight, second):
        np.testing.assert_array_equal(t_resumed._data, t_straight._data)
    # and the resumed optimizer's state is its own copy
    for p in second:
        for v in opt2.state[p].values():
            if isinstance(v, np.ndarray):
                assert not any(np.shares_memory(v, w) for q in first
                               for w in opt1.state[q].values() if isinstance(w, np.ndarray))


def _assert_plain(obj, where="state_dict"):
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert isinstance(k, (str, int)), f"{where} has a key of type {type(k).__name__}"
            _assert_plain(v, f"{where}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _assert_plain(v, f"{where}[{i}]")
    else:
        assert obj is None or isinstance(obj, (bool, int, float, str, np.ndarray)), \
            f"{where} holds a {type(obj).__name__}"


@pytest.mark.parametrize("name", list(MAKERS))
def test_state_dict_is_plain_data_with_pytorch_layout(name):
    params = _model()
    opt = MAKERS[name](params)
    _train(params, opt, 2)
    sd = opt.state_dict()
    _assert_plain(sd)
    assert set(sd) == {"state", "param_groups"}
    assert [i for g in sd["param_groups"] for i in g["params"]] == [0, 1]
    assert set(sd["state"]) == {0, 1}
    for g, saved in zip(opt.param_groups, sd["param_groups"]):
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in saved.items() if k != "params"}
    arrays = [v for s in sd["state"].values() for v in s.values() if isinstance(v, np.ndarray)]
    live = [v for s in opt.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    assert arrays and not any(np.shares_memory(a, b) for a in arrays for b in live)
    # np.savez stores it without pickling any objects
    flat = {f"{i}.{k}": v for i, s in sd["state"].items() for k, v in s.items()}
    np.savez(io.BytesIO(), allow_pickle=False, **flat)


def test_load_state_dict_restores_hyperparameters_and_casts_to_the_parameter_dtype():
    params = _model()
    opt = Adam(params, lr=0.05)
    _train(params, opt, 2)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.123
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].astype(np.float64)
    opt2 = Adam(_model(), lr=1.0)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.123
    p0 = opt2.param_groups[0]["params"][0]
    assert opt2.state[p0]["exp_avg"].dtype == np.float32
    assert opt2.state[p0]["step"] == 2


def test_load_state_dict_rejects_mismatches():
    params = _model()
    opt = SGD(params, lr=0.1, momentum=0.9)
    _train(params, opt, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="parameter group"):
        SGD([{"params": [params[0]]}, {"params": [params[1]]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="has 2 parameters"):
        SGD([params[0]], lr=0.1).load_state_dict(sd)
    other = [Parameter(minigan.zeros(4, 4)), Parameter(minigan.zeros(3))]
    with pytest.raises(ValueError, match="momentum_buffer.*shape"):
        SGD(other, lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        SGD(params, lr=0.1).load_state_dict({"lr": 0.1})


# ---------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("cls,kwargs,match", [
    (SGD, dict(lr=-0.1), "learning rate.*lr"),
    (SGD, dict(momentum=-0.5), "momentum"),
    (SGD, dict(dampening=-1.0), "dampening"),
    (SGD, dict(weight_decay=-1e-4), "weight_decay"),
    (SGD, dict(nesterov=True), "Nesterov momentum requires a momentum"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "zero dampening"),
    (Adam, dict(lr=-1e-3), "learning rate.*lr"),
    (Adam, dict(eps=-1e-8), "epsilon.*eps"),
    (Adam, dict(betas=(1.0, 0.999)), r"beta parameter at index 0.*\[0, 1\)"),
    (Adam, dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    (Adam, dict(betas=(0.9,)), "betas must be a pair"),
    (Adam, dict(weight_decay=-0.1), "weight_decay"),
    (AdamW, dict(weight_decay=-0.1), "weight_decay"),
    (RMSprop, dict(lr=-0.01), "learning rate.*lr"),
    (RMSprop, dict(alpha=-0.5), "alpha"),
    (RMSprop, dict(eps=-1.0), "eps"),
    (RMSprop, dict(momentum=-0.9), "momentum"),
    (RMSprop, dict(weight_decay=-0.9), "weight_decay"),
    (SGD, dict(lr=float("nan")), "learning rate"),
])
def test_invalid_hyperparameters_raise(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([Parameter(minigan.zeros(2))], **kwargs)


def test_invalid_params_raise():
    p = Parameter(minigan.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        SGD([p, np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([p], lr="0.1")
    with pytest.raises(NotImplementedError, match="step"):
        Optimizer([p], {}).step()


def test_repr_lists_groups():
    text = repr(SGD([{"params": [Parameter(minigan.zeros(1))], "lr": 0.5}], momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text
    assert "lr: 0.5" in text and "momentum: 0.9" in text


# ---------------------------------------------------------------- PyTorch, if present
@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.9), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, betas=(0.3, 0.6), maximize=True)),
    ("AdamW", dict(lr=0.1, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9)),
])
def test_matches_torch_optim(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, _, _ = run_minigan(getattr(minigan.optim, name), kwargs)
    x = torch.tensor(X0, dtype=torch.float32, requires_grad=True)
    a = torch.tensor(A, dtype=torch.float32)
    b = torch.tensor(B, dtype=torch.float32)
    opt = getattr(torch.optim, name)([x], **kwargs)
    theirs = []
    for _ in range(N_STEPS):
        opt.zero_grad()
        (0.5 * (a * x * x).sum() + (b * x).sum()).backward()
        opt.step()
        theirs.append(x.detach().numpy().copy())
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- learning-rate schedules
from minigan.optim import lr_scheduler  # noqa: E402


def _opt(lr=1.0, groups=1):
    return SGD([{"params": [Parameter(minigan.zeros(1))]} for _ in range(groups)], lr=lr)


def _lrs(sched, epochs):
    out = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
        assert sched.optimizer.param_groups[0]["lr"] == out[-1]
    return out


def test_step_lr():
    sched = lr_scheduler.StepLR(_opt(1.0), step_size=3, gamma=0.5)
    assert sched.last_epoch == 0
    np.testing.assert_allclose(_lrs(sched, 9), [1, 1, 1, .5, .5, .5, .25, .25, .25, .125])


def test_multistep_and_exponential_lr():
    sched = lr_scheduler.MultiStepLR(_opt(1.0), milestones=[5, 2, 5], gamma=0.1)
    np.testing.assert_allclose(_lrs(sched, 6), [1, 1, .1, .1, .1, 1e-3, 1e-3])
    sched = lr_scheduler.ExponentialLR(_opt(2.0), gamma=0.9)
    np.testing.assert_allclose(_lrs(sched, 5), 2.0 * 0.9 ** np.arange(6))


def test_lambda_lr_per_group_and_jump_to_epoch():
    opt = _opt(1.0, groups=2)
    opt.param_groups[1]["lr"] = 0.5
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 1 - e / 10, lambda e: 0.5 ** e])
    sched.step()
    sched.step()
    np.testing.assert_allclose(sched.get_last_lr(), [0.8, 0.125])
    step = lr_scheduler.StepLR(_opt(1.0), step_size=2, gamma=0.1)
    step.step(5)  # jumps use the closed form
    np.testing.assert_allclose(step.get_last_lr(), [1e-2])


@pytest.mark.parametrize("make", [
    lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    lambda o: lr_scheduler.MultiStepLR(o, milestones=[1, 3], gamma=0.5),
    lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8),
    lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e)),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR"])
def test_scheduler_resumes_from_state_dict(make):
    straight = make(_opt(1.0))
    want = _lrs(straight, 7)

    first = make(_opt(1.0))
    _lrs(first, 3)
    blob = pickle.dumps((first.optimizer.state_dict(), first.state_dict()))
    opt_sd, sched_sd = pickle.loads(blob)
    _assert_plain(opt_sd)
    _assert_plain({k: v for k, v in sched_sd.items()}, "scheduler state_dict")

    opt = _opt(123.0)
    opt.load_state_dict(opt_sd)
    resumed = make(opt)
    resumed.load_state_dict(sched_sd)
    assert resumed.get_last_lr() == [want[3]]
    np.testing.assert_allclose(_lrs(resumed, 4), want[3:], rtol=1e-12)


def test_scheduler_errors():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(_opt(groups=2), [lambda e: 1.0])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(_opt(), gamma=0.5, last_epoch=3)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop])
def test_pytorch_implementation_flags(cls):
    """foreach / fused pick PyTorch kernels computing the same update: accepted
    and recorded in the param groups (as PyTorch's state_dict shows them);
    capturable / differentiable have no minigan equivalent: True raises."""
    p = Parameter(minigan.zeros(3))
    names = [n for n in ("foreach", "fused", "capturable", "differentiable")
             if n in inspect.signature(cls.__init__).parameters]
    assert "foreach" in names and "differentiable" in names
    opt = cls([p], lr=0.1, foreach=True)
    group = opt.state_dict()["param_groups"][0]
    assert group["foreach"] is True and group["differentiable"] is False
    for name in ("capturable", "differentiable"):
        if name in names:
            with pytest.raises(NotImplementedError, match=name):
                cls([p], lr=0.1, **{name: True})
    p.grad = minigan.ones(3)
    opt.step()  # the flags change nothing in the update itself
    assert np.all(p.detach().numpy() < 0)
