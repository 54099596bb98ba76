"""The fast layer's optimizer updates (minigan.fast.optim) against the
reference updates in minigan.optim: many steps with the fast layer on and
off give the same parameters and the same state, bit for bit.

Bitwise, not within a tolerance: the fast update runs the reference's
arithmetic in the same order (only written in place, through scratch
arrays, and for Adam split in two halves over two threads), and every
elementwise IEEE operation rounds the same wherever its result is stored.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigan
from minigan.fast import parallel
from minigan.nn import Parameter
from minigan.optim import SGD, Adam, AdamW, RMSprop

CASES = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    (SGD, dict(lr=0.05, momentum=0.8, nesterov=True)),
    (SGD, dict(lr=0.1, weight_decay=0.5, maximize=True)),
    (SGD, dict(lr=0.05, momentum=0.5, dampening=0.5, weight_decay=0.2, maximize=True)),
    (SGD, dict(lr=0.05, momentum=0.7, weight_decay=0.1, nesterov=True)),
    (Adam, dict()),
    (Adam, dict(lr=0.1, betas=(0.5, 0.999))),
    (Adam, dict(lr=0.1, betas=(0.0, 0.9))),
    (Adam, dict(lr=0.1, betas=(0.3, 0.6))),  # 1 - beta1 >= 0.5: lerp's second formula
    (Adam, dict(lr=0.05, weight_decay=0.5)),
    (Adam, dict(lr=0.5, betas=(0.9, 0.5), amsgrad=True)),
    (Adam, dict(lr=0.1, eps=0.5, maximize=True)),
    (Adam, dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    (Adam, dict(lr=0.3, betas=(0.8, 0.7), weight_decay=0.1, amsgrad=True, maximize=True)),
    (AdamW, dict(lr=0.1)),
    (AdamW, dict(lr=0.1, weight_decay=0.5, amsgrad=True, betas=(0.9, 0.5), maximize=True)),
    (RMSprop, dict()),
    (RMSprop, dict(lr=0.05, alpha=0.9)),
    (RMSprop, dict(lr=0.01, momentum=0.9)),
    (RMSprop, dict(lr=0.01, centered=True)),
    (RMSprop, dict(lr=0.01, alpha=0.8, centered=True, momentum=0.5, maximize=True)),
    (RMSprop, dict(lr=0.02, weight_decay=0.3, eps=0.3)),
]
IDS = [f"{cls.__name__}-{kwargs}" for cls, kwargs in CASES]
N_STEPS = 25


@pytest.fixture
def fast_on():
    """The fast layer on for this test, whatever MINIGAN_FAST_LAYER says."""
    before = minigan.fast.enabled()
    minigan.fast.set_enabled(True)
    yield
    minigan.fast.set_enabled(before)


def _problem(shapes, dtype, steps, seed=0):
    """Start values and a gradient per parameter per step; some gradients
    are missing (the parameter is skipped that step), some arrive
    transposed (non-contiguous, as a Linear weight's does) or in float64."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = []
    for t in range(steps):
        step = []
        for i, s in enumerate(shapes):
            g = rng.standard_normal(s).astype(dtype)
            if i == 0 and t % 3 == 1:
                g = np.ascontiguousarray(g.T).T  # same values, Fortran order
            if i == 1 and t % 4 == 2:
                g = None
            if i == 2 and t % 5 == 3:
                g = g.astype(np.float64)
            step.append(g)
        grads.append(step)
    return start, grads


def _run(cls, kwargs, start, grads, fast, fortran=(1,), switch_every=None):
    """Train parameters made from ``start`` on ``grads``; the fast layer is
    ``fast`` (or alternates every ``switch_every`` steps)."""
    params = [Parameter(minigan.Tensor(np.asfortranarray(a) if i in fortran else a.copy()))
              for i, a in enumerate(start)]
    opt = cls(params, **kwargs)
    versions = [p._version for p in params]
    before = minigan.fast.enabled()
    try:
        for t, step in enumerate(grads):
            on = fast if switch_every is None else (t // switch_every) % 2 == 0
            minigan.fast.set_enabled(on)
            for p, g in zip(params, step):
                # the field: the .grad setter refuses a float64 gradient, as PyTorch does
                p._grad = None if g is None else minigan.Tensor.from_array(g)
            opt.step()
    finally:
        minigan.fast.set_enabled(before)
    stepped = [sum(step[i] is not None for step in grads) for i in range(len(params))]
    assert [p._version - v for p, v in zip(params, versions)] == stepped, \
        "each update must bump the version counter once"
    return params, opt


def _assert_same(a, b):
    (pa, oa), (pb, ob) = a, b
    for i, (x, y) in enumerate(zip(pa, pb)):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x.array, y.array, err_msg=f"parameter {i}")
        assert (x in oa.state) == (y in ob.state), f"parameter {i}: state in one path only"
        sa, sb = oa.state.get(x, {}), ob.state.get(y, {})
        assert sa.keys() == sb.keys(), f"parameter {i}: state keys {set(sa)} != {set(sb)}"
        for key in sa:
            if isinstance(sa[key], np.ndarray):
                assert sa[key].dtype == sb[key].dtype == x.dtype
                np.testing.assert_array_equal(sa[key], sb[key], err_msg=f"state[{i}][{key!r}]")
            else:
                assert sa[key] == sb[key], f"state[{i}][{key!r}]"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_fast_and_reference_updates_agree_bitwise(cls, kwargs, dtype):
    start, grads = _problem([(13, 9), (9, 13), (17,), (1,)], dtype, N_STEPS)
    fast = _run(cls, kwargs, start, grads, fast=True)
    reference = _run(cls, kwargs, start, grads, fast=False)
    _assert_same(fast, reference)
    # and the parameters really moved
    assert not np.array_equal(reference[0][0].array, start[0])


@pytest.mark.parametrize("cls, kwargs", [CASES[2], CASES[13], CASES[17], CASES[22]],
                         ids=[IDS[2], IDS[13], IDS[17], IDS[22]])
def test_switching_paths_mid_run_changes_nothing(cls, kwargs):
    """The two paths keep the same state, so the fast layer may be turned
    on or off between any two steps (as ``minigan.fast.disabled()`` does)."""
    start, grads = _problem([(13, 9), (9, 13), (17,), (1,)], np.float32, N_STEPS)
    mixed = _run(cls, kwargs, start, grads, fast=None, switch_every=3)
    reference = _run(cls, kwargs, start, grads, fast=False)
    _assert_same(mixed, reference)


@pytest.mark.parametrize("cls, kwargs", [c for c in CASES if c[0] is not SGD],
                         ids=[i for c, i in zip(CASES, IDS) if c[0] is not SGD])
def test_two_threads_give_the_reference_numbers(cls, kwargs, pass_threads, fast_on):
    """A large parameter's fast update may run as two halves on two threads
    (Adam's does, when BLAS may use two): the numbers must still be the
    reference's, and for Adam the second thread must really have run. The
    Fortran-ordered parameter stays on one thread."""
    shapes = [(400, 300), (300, 400), (7,)]  # 120K elements each: above parallel.MIN_ELEMENTS
    assert 300 * 400 >= parallel.MIN_ELEMENTS
    start, grads = _problem(shapes, np.float32, 4)
    with minigan.fast.disabled():
        reference = _run(cls, kwargs, start, grads, fast=False)
    for n_threads in (1, 2):
        threads = pass_threads(n_threads)
        fast = _run(cls, kwargs, start, grads, fast=True)
        _assert_same(fast, reference)
        assert threads.second_thread_ran == (n_threads == 2 and cls is not RMSprop)


@pytest.mark.parametrize("kwargs", [{}, {"amsgrad": True, "weight_decay": 0.1},
                                    {"maximize": True, "betas": (0.0, 0.9)}])
@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_split_over_two_threads_gives_the_same_numbers(cls, kwargs, pass_threads, fast_on):
    """A large parameter's update runs as two halves on two threads when BLAS
    may use two: the numbers must be exactly one thread's, and the second
    thread must really have run. A non-contiguous parameter stays on one."""
    rng = np.random.default_rng(0)
    shapes = [(400, 300), (300, 400), (7,)]  # 120K elements each: above parallel.MIN_ELEMENTS
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(4)]
    start = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    results = []
    for n_threads in (1, 2):
        threads = pass_threads(n_threads)
        params = [Parameter(minigan.tensor(a.copy())) for a in start]
        params[1] = Parameter(minigan.Tensor(np.asfortranarray(start[1])))  # F-ordered
        opt = cls(params, lr=0.01, **kwargs)
        for step in grads:
            for p, g in zip(params, step):
                p.grad = minigan.tensor(g)
            opt.step()
        results.append([p.array.copy() for p in params])
        assert threads.second_thread_ran == (n_threads == 2)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


def test_reference_path_runs_on_one_thread(pass_threads):
    """With the fast layer off nothing is split, even when BLAS may use two."""
    threads = pass_threads(2)
    start, grads = _problem([(400, 300)], np.float32, 2)
    with minigan.fast.disabled():
        _run(Adam, {}, start, grads, fast=False, fortran=())
    assert not threads.second_thread_ran


@pytest.mark.parametrize("fast", [True, False])
def test_sgd_without_momentum_keeps_no_state(fast):
    """As in PyTorch: plain SGD remembers nothing between steps."""
    start, grads = _problem([(13, 9), (17,)], np.float32, 3)
    _, opt = _run(SGD, dict(lr=0.1), start, grads, fast=fast, fortran=())
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}


def test_fast_scratch_arrays_are_not_state():
    """The fast update's scratch arrays live on the optimizer, outside its
    state, so they never reach a checkpoint."""
    start, grads = _problem([(13, 9), (17,)], np.float32, 3)
    fast, fast_opt = _run(Adam, {}, start, grads, fast=True, fortran=())
    sd = fast_opt.state_dict()
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
