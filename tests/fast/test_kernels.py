"""The compiled kernels (minigan.fast.kernels, numba) against the reference ops.

For each kind of kernel, at sizes where the parallel build runs (above
``kernels.PARALLEL_MIN``) and with numba on one and on two threads: the
forward values and first derivatives with the kernels on match the
reference path (the fast layer off), float64 to 1e-10 and float32 to
float32 rounding; the second derivatives (reference backwards recorded over
the kernels' forwards, then differentiated with the fast backwards) match
too; and a spy on :func:`minigan.fast.kernels.pick` shows the kernels really
ran. The optimizers' kernels give the reference's numbers bit for bit.

The whole suite also runs with the kernels (``tests/autograd/test_fast_*``,
``tests/optim/test_fast_optim.py`` on small sizes, serial builds) when numba
is installed; :func:`test_fast_tests_pass_without_the_kernels` reruns the
fast-layer tests with ``MINIGAN_NUMBA=0`` so CI covers both.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.fast import blas, kernels

pytest.importorskip("numba")

TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def threads(request, monkeypatch):
    """numba's threads as if BLAS had 1 or 2 (kernels follow BLAS's count)."""
    monkeypatch.setattr(blas, "get_num_threads", lambda: request.param)
    monkeypatch.setattr(kernels, "_local", type(kernels._local)())
    return request.param


@pytest.fixture
def ran(monkeypatch):
    """The set of (kernel name, whether its parallel build ran) pairs."""
    seen = set()
    pick = kernels.pick

    def spy(pair, size):
        chosen = pick(pair, size)
        seen.add((pair[0].py_func.__name__, chosen is pair[1]))
        return chosen

    monkeypatch.setattr(kernels, "pick", spy)
    return seen


def _assert_builds(ran, threads):
    """Kernels ran; at 2 threads some on their parallel build, at 1 none."""
    assert ran, "no kernel ran"
    import numba

    parallel = any(par for _, par in ran)
    expected = threads == 2 and numba.config.NUMBA_NUM_THREADS >= 2  # a 1-core machine: serial
    assert parallel == expected, f"{threads} thread(s), kernels run: {sorted(ran)}"


def _derivatives(f, arrays, fast, rng):
    """f's output, first derivatives along v, and second derivatives of
    <first, u> along random u: with the fast layer on (kernels on) or off."""
    before = mg.fast.enabled()
    mg.fast.set_enabled(fast)
    try:
        xs = [mg.tensor(a, requires_grad=True) for a in arrays]
        out = f(*xs)
        v = mg.tensor(rng.standard_normal(out.shape), dtype=out.dtype)
        first = mg.grad(out, xs, grad_outputs=v, allow_unused=True)
        recorded = mg.grad(f(*xs), xs, grad_outputs=v, create_graph=True, allow_unused=True)
        terms = [(g * mg.tensor(rng.standard_normal(g.shape), dtype=g.dtype)).sum()
                 for g in recorded if g is not None and g.requires_grad]
        second = list(mg.grad(sum(terms[1:], terms[0]), xs, allow_unused=True)) if terms else []
    finally:
        mg.fast.set_enabled(before)
    return [out] + list(first) + second


def _check(name, f, arrays, dtype, second=True):
    on = _derivatives(f, arrays, True, np.random.default_rng(1))
    off = _derivatives(f, arrays, False, np.random.default_rng(1))
    if not second:
        on, off = on[:1 + len(arrays)], off[:1 + len(arrays)]
    assert len(on) == len(off)
    for k, (a, b) in enumerate(zip(on, off)):
        if a is None or b is None:
            assert a is None and b is None, f"{name}: result {k} is None on one path only"
            continue
        assert a.dtype == b.dtype == dtype, f"{name}: result {k} is {a.dtype}, expected {dtype}"
        a, b = (t.detach().numpy().astype(np.float64) for t in (a, b))
        scale = max(1.0, float(np.abs(b).max(initial=0.0)))
        np.testing.assert_allclose(a, b, rtol=TOL[dtype]["rtol"], atol=TOL[dtype]["atol"] * scale,
                                   err_msg=f"{name} ({np.dtype(dtype).name}), result {k} "
                                           "(0 = forward, then first, then second derivatives)")


def _batch_innermost(a):
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


CONV_CASES = [
    # name, kind, x shape, weight shape, stride, padding, dilation
    ("conv k4s2p1", "conv", (16, 8, 14, 14), (12, 8, 4, 4), 2, 1, 1),
    ("conv k3s1p1 dilated", "conv", (16, 6, 9, 9), (5, 6, 3, 3), 1, 2, 2),
    ("conv to 1 channel", "conv", (64, 8, 12, 12), (1, 8, 3, 3), 1, 1, 1),
    ("convT k4s2p1", "convt", (16, 12, 7, 7), (12, 8, 4, 4), 2, 1, 1),
    ("convT to 1 channel", "convt", (32, 8, 14, 14), (8, 1, 4, 4), 2, 1, 1),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_kernels_match_the_reference(case, dtype, threads, ran):
    name, kind, xs, ws, s, p, d = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    w = (rng.standard_normal(ws) / np.sqrt(np.prod(ws[1:]))).astype(dtype)
    conv = F.conv2d if kind == "conv" else F.conv_transpose2d
    for layout, arr in (("C order", x), ("batch innermost", _batch_innermost(x))):
        _check(f"{name}, {layout}", lambda a, b: conv(a, b, stride=s, padding=p, dilation=d),
               [arr, w], dtype, second=dtype == np.float64 and layout == "C order")
    assert {n for n, _ in ran} & {"im2col", "col2im"}, ran
    _assert_builds(ran, threads)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_kernels_match_the_reference(training, dtype, threads, ran):
    rng = np.random.default_rng(0)
    x = (3 + 2 * rng.standard_normal((64, 16, 9, 9))).astype(dtype)
    w, b = rng.standard_normal(16).astype(dtype), rng.standard_normal(16).astype(dtype)
    mean, var = rng.standard_normal(16).astype(dtype), rng.uniform(0.5, 2, 16).astype(dtype)

    def bn(x, w, b):
        if training:
            return F.batch_norm(x, None, None, w, b, training=True)
        return F.batch_norm(x, mg.tensor(mean), mg.tensor(var), w, b, training=False)

    for layout, arr in (("C order", x), ("batch innermost", _batch_innermost(x))):
        _check(f"batch norm, {layout}", bn, [arr, w, b], dtype, second=layout == "C order")
    assert {n for n, _ in ran} == {"forward", "backward"}, ran
    _assert_builds(ran, threads)


def test_batch_norm_kernel_keeps_the_statistics_the_running_averages_need(threads):
    rng = np.random.default_rng(0)
    bn = mg.nn.BatchNorm2d(16)
    x = rng.standard_normal((32, 16, 9, 9)).astype(np.float32) * 3 + 1
    bn(mg.tensor(x))
    with mg.fast.disabled():
        ref = mg.nn.BatchNorm2d(16)
        ref(mg.tensor(x))
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(bn, name).numpy(), getattr(ref, name).numpy(),
                                   rtol=1e-5, atol=1e-6)
        assert getattr(bn, name).dtype == np.float32


ACTIVATIONS = [("relu", mg.relu), ("leaky_relu", lambda a: mg.leaky_relu(a, 0.2)),
               ("leaky_relu slope 1.5", lambda a: mg.leaky_relu(a, 1.5)),
               ("tanh", mg.tanh), ("sigmoid", mg.sigmoid)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name, f", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_kernels_match_the_reference(name, f, dtype, threads, ran):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 16, 9, 9)).astype(dtype)
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink
    for layout, arr in (("C order", x), ("batch innermost", _batch_innermost(x))):
        _check(f"{name}, {layout}", f, [arr], dtype)
    _assert_builds(ran, threads)


def test_activation_kernel_keeps_nan_and_the_input_layout():
    x = np.array([[np.nan, -1.0, 2.0, 0.0]], dtype=np.float32)
    for f in (mg.relu, mg.tanh, mg.sigmoid, lambda a: mg.leaky_relu(a, 0.2)):
        y = f(mg.tensor(x)).numpy()
        assert np.isnan(y[0, 0]) and not np.isnan(y[0, 1:]).any()
    xb = _batch_innermost(np.random.default_rng(0).standard_normal((4, 3, 2, 5)).astype(np.float32))
    y = mg.relu(mg.tensor(xb)).array
    assert y.strides == xb.strides


OPTIMIZERS = [(mg.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
              (mg.optim.Adam, dict(lr=0.01, betas=(0.5, 0.999))),
              (mg.optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
              (mg.optim.AdamW, dict(lr=0.01, betas=(0.3, 0.6))),
              (mg.optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5))]


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS, ids=[f"{c.__name__}-{k}" for c, k in OPTIMIZERS])
def test_optimizer_kernels_give_the_reference_numbers_bitwise(cls, kwargs, threads, ran):
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s).astype(np.float32) for s in [(300, 400), (17,)]]
    grads = [[rng.standard_normal(a.shape).astype(np.float32) for a in start] for _ in range(4)]
    results = []
    for fast in (True, False):
        params = [mg.nn.Parameter(mg.tensor(a.copy())) for a in start]
        opt = cls(params, **kwargs)
        before = mg.fast.enabled()
        mg.fast.set_enabled(fast)
        try:
            for step in grads:
                for p, g in zip(params, step):
                    p.grad = mg.tensor(g)
                opt.step()
        finally:
            mg.fast.set_enabled(before)
        results.append([p.array for p in params])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    _assert_builds(ran, threads)


def test_the_switch_turns_the_kernels_off(ran, monkeypatch):
    monkeypatch.setattr(mg.fast, "_enabled", True)  # the kernels belong to the fast layer
    x = mg.tensor(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32))
    with kernels.disabled():
        assert not kernels.enabled() and kernels.load("activation") is None
        mg.relu(x)
    assert not ran
    assert kernels.enabled()
    mg.relu(x)
    assert ("relu", False) in ran
    with pytest.raises(TypeError, match="True or False"):
        kernels.set_enabled(1)


def test_import_does_not_load_numba_and_the_env_var_turns_kernels_off():
    code = ("import sys, minigan, minigan.nn, minigan.optim; import minigan.fast.kernels as k; "
            "print('numba' in sys.modules, k.enabled())")
    env = dict(os.environ, MINIGAN_NUMBA="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["False", "False"], out.stdout + out.stderr


def test_fast_tests_pass_without_the_kernels():
    """CI installs numba (the test extra): rerun the fast layer's own tests on
    its NumPy paths, MINIGAN_NUMBA=0, so both paths stay covered (~20 s)."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, MINIGAN_NUMBA="0", PYTHONPATH=str(root))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "tests/optim/test_fast_optim.py", "tests/autograd/test_fast_conv.py",
         "tests/autograd/test_fast_equivalence.py", "-k",
         "not float64 and (conv or norm or relu or tanh or sigmoid or softmax or optim or "
         "Adam or SGD or RMSprop or reached)"],
        capture_output=True, text=True, env=env, cwd=root)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
