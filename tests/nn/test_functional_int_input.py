"""minigan.nn.functional given integer or bool tensors does what PyTorch does.

Each case is ``fn(lib, dtype)`` with a table of outcomes per input dtype:
an exception type (PyTorch raises it; minigan raises it or a subclass, with a
message naming the function, the dtype given and what it expected) or a
result dtype (PyTorch computes; minigan gives the same dtype and values).
``test_the_table_is_pytorchs`` checks every row of the table against PyTorch
itself (skipped without PyTorch), so the table cannot drift from it. The
layer versions are covered by tests/nn/test_refusals.py.
"""
from __future__ import annotations

import warnings
from typing import Callable, NamedTuple

import numpy as np
import pytest

import minigan as mg

from test_refusals import arr, needs_torch, torch

DTYPES = ("int64", "int32", "uint8", "bool")
INTS = DTYPES[:3]


def small(lib, dt):
    return arr(lib, np.array([[-2, 0, 3], [1, 4, -1]]).astype(dt))


def image(lib, dt):
    return arr(lib, (np.arange(32).reshape(1, 2, 4, 4) % 5).astype(dt))


def F(lib):
    return lib.nn.functional


class Case(NamedTuple):
    name: str
    fn: Callable
    outcomes: dict  # dtype name -> exception type, or the result's dtype name


def outcomes(default, **per_dtype):
    table = dict.fromkeys(DTYPES, default)
    table.update(per_dtype)
    return table


def same_dtype_for_ints(bool_error):
    return {**{d: d for d in INTS}, "bool": bool_error}


NIE, RTE = NotImplementedError, RuntimeError
CASES = [
    Case("relu", lambda lib, dt: F(lib).relu(small(lib, dt)), same_dtype_for_ints(RTE)),
    Case("sigmoid", lambda lib, dt: F(lib).sigmoid(small(lib, dt)), outcomes("float32")),
    Case("tanh", lambda lib, dt: F(lib).tanh(small(lib, dt)), outcomes("float32")),
    Case("softmax(dtype=float32)", lambda lib, dt: F(lib).softmax(small(lib, dt), dim=1,
                                                                 dtype=lib.float32),
         outcomes("float32")),
    Case("linear", lambda lib, dt: F(lib).linear(small(lib, dt), arr(lib, np.ones((2, 3), dt)),
                                                 arr(lib, np.ones(2, dt))),
         same_dtype_for_ints(NIE)),
    Case("linear(float weight)", lambda lib, dt: F(lib).linear(small(lib, dt), lib.ones(2, 3)),
         outcomes(RTE)),
    Case("linear(float bias)", lambda lib, dt: F(lib).linear(
        small(lib, dt), arr(lib, np.ones((2, 3), dt)), lib.ones(2)), outcomes(RTE)),
    Case("conv2d", lambda lib, dt: F(lib).conv2d(image(lib, dt), arr(lib, np.ones((1, 2, 3, 3), dt)),
                                                 padding=1),
         same_dtype_for_ints(NIE)),
    Case("conv2d(float weight)", lambda lib, dt: F(lib).conv2d(image(lib, dt), lib.ones(1, 2, 3, 3)),
         outcomes(RTE)),
    Case("dropout(training)", lambda lib, dt: F(lib).dropout(small(lib, dt), 0.5, training=True),
         outcomes(RTE)),
    Case("dropout(eval)", lambda lib, dt: F(lib).dropout(small(lib, dt), 0.5, training=False),
         {d: d for d in DTYPES}),
    Case("interpolate", lambda lib, dt: F(lib).interpolate(image(lib, dt), scale_factor=2),
         outcomes(NIE, uint8="uint8")),
    Case("interpolate(size)", lambda lib, dt: F(lib).interpolate(image(lib, dt), size=(5, 7)),
         outcomes(NIE, uint8="uint8")),
    Case("mse_loss(int target)", lambda lib, dt: F(lib).mse_loss(lib.zeros(2, 3), small(lib, dt)),
         outcomes("float32")),
    Case("binary_cross_entropy(int target)", lambda lib, dt: F(lib).binary_cross_entropy(
        lib.full((2,), 0.5), arr(lib, np.array([1, 0], dt))), outcomes(RTE)),
    Case("binary_cross_entropy_with_logits(int target)",
         lambda lib, dt: F(lib).binary_cross_entropy_with_logits(lib.zeros(2, 3), small(lib, dt)),
         outcomes(RTE)),
]
_FLOAT_ONLY = {  # PyTorch has no integer or bool kernel: NotImplementedError for every dtype
    "leaky_relu": lambda lib, dt: F(lib).leaky_relu(small(lib, dt), 0.2),
    "softplus": lambda lib, dt: F(lib).softplus(small(lib, dt)),
    "softmax": lambda lib, dt: F(lib).softmax(small(lib, dt), dim=1),
    "log_softmax": lambda lib, dt: F(lib).log_softmax(small(lib, dt), dim=1),
    "gelu": lambda lib, dt: F(lib).gelu(small(lib, dt)),
    "elu": lambda lib, dt: F(lib).elu(small(lib, dt)),
    "silu": lambda lib, dt: F(lib).silu(small(lib, dt)),
    "batch_norm": lambda lib, dt: F(lib).batch_norm(image(lib, dt), None, None, training=True),
    "batch_norm(running stats)": lambda lib, dt: F(lib).batch_norm(image(lib, dt), lib.zeros(2),
                                                                  lib.ones(2)),
    "layer_norm": lambda lib, dt: F(lib).layer_norm(small(lib, dt), (3,)),
    "mse_loss": lambda lib, dt: F(lib).mse_loss(small(lib, dt), small(lib, dt)),
    "binary_cross_entropy": lambda lib, dt: F(lib).binary_cross_entropy(
        arr(lib, np.array([1, 0], dt)), arr(lib, np.array([1, 0], dt))),
    "binary_cross_entropy_with_logits": lambda lib, dt: F(lib).binary_cross_entropy_with_logits(
        small(lib, dt), small(lib, dt)),
    "cross_entropy": lambda lib, dt: F(lib).cross_entropy(small(lib, dt), arr(lib, [0, 1])),
}
CASES += [Case(name, fn, outcomes(NIE)) for name, fn in _FLOAT_ONLY.items()]
PARAMS = [pytest.param(c, dt, id=f"{c.name}-{dt}") for c in CASES for dt in DTYPES]


def _run(case, lib, dt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # F.sigmoid / F.tanh are deprecated aliases in PyTorch
        return case.fn(lib, dt)


@pytest.mark.parametrize("case, dt", PARAMS)
def test_minigan_matches_the_table(case, dt):
    expected = case.outcomes[dt]
    if isinstance(expected, str):
        out = _run(case, mg, dt)
        assert out.dtype == np.dtype(expected), f"{case.name} on {dt}: dtype {out.dtype}"
        return
    with pytest.raises(expected) as info:
        _run(case, mg, dt)
    msg = str(info.value)
    fname = case.name.split("(")[0]
    for word in (fname, "expected"):
        assert word in msg, f"{case.name} on {dt}: {word!r} missing from {msg!r}"
    # the message names the dtype that was refused: the input's, or the target's
    assert dt in msg, f"{case.name} on {dt}: the dtype is missing from {msg!r}"


@needs_torch
@pytest.mark.parametrize("case, dt", PARAMS)
def test_the_table_is_pytorchs(case, dt):
    expected = case.outcomes[dt]
    if isinstance(expected, str):
        out = _run(case, torch, dt)
        assert str(out.dtype) == f"torch.{expected}"
        ours = _run(case, mg, dt)
        np.testing.assert_allclose(ours.numpy(), out.numpy(), rtol=1e-6, atol=1e-6)
    else:
        with pytest.raises(expected):
            _run(case, torch, dt)
