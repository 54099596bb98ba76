"""The fast layer (minigan.fast) against the reference ops: every OpSpec run
with the fast layer on and off gives the same forward values, first
derivatives (where the fast backwards run) and second derivatives (the
reference backwards, recorded over fast forwards, then differentiated with
the fast backwards).

Tolerances: float64 to 1e-10 (the two paths differ only in the order of
their sums and products). float32 to rtol 1e-5, atol 1e-5 relative to the
largest entry: in float32 the same reorderings move a result by a few units
in the last place (2^-23 ~ 1.2e-7), and a batch-norm gradient sums a few
dozen of them.
"""
import contextlib

import numpy as np
import pytest

import minigan as mg
from minigan.testing.op_specs import OP_SPECS

TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-5)}


def _arrays(tensors):
    return [None if t is None else np.asarray(t.detach().numpy(), dtype=np.float64) for t in tensors]


def _derivatives(spec, dtype, contiguous, fast):
    """Forward output, first derivatives and second derivatives of ``spec``
    along fixed random directions, with the fast layer on or off."""
    rng = np.random.default_rng(11)
    with _fast_layer(fast):
        xs = spec.inputs(rng, dtype=dtype, contiguous=contiguous)
        out = spec.fn(*xs)
        v = mg.tensor(rng.standard_normal(out.shape), dtype=out.dtype)
        first = mg.grad(out, xs, grad_outputs=v, retain_graph=True, allow_unused=True)
        out_recorded = spec.fn(*xs)
        recorded = mg.grad(out_recorded, xs, grad_outputs=v, create_graph=True, allow_unused=True)
        terms = [(g * mg.tensor(rng.standard_normal(g.shape), dtype=g.dtype)).sum()
                 for g in recorded if g is not None and g.requires_grad]
        second = []
        if terms:
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            second = mg.grad(total, xs, allow_unused=True)
    return _arrays([out]) + _arrays(first) + ["|"] + _arrays(second)


@contextlib.contextmanager
def _fast_layer(on):
    """The fast layer on or off, whatever MINIGAN_FAST_LAYER says."""
    before = mg.fast.enabled()
    mg.fast.set_enabled(on)
    try:
        yield
    finally:
        mg.fast.set_enabled(before)


def _compare(spec, dtype, contiguous):
    on = _derivatives(spec, dtype, contiguous, fast=True)
    off = _derivatives(spec, dtype, contiguous, fast=False)
    assert len(on) == len(off), f"{spec.name}: {len(on)} results with the fast layer, {len(off)} without"
    tol = TOLERANCES[dtype]
    for k, (a, b) in enumerate(zip(on, off)):
        if isinstance(a, str) or a is None or b is None:
            assert (a is None) == (b is None), f"{spec.name}: result {k} is None on one path only"
            continue
        scale = max(1.0, float(np.abs(b).max(initial=0.0)))
        np.testing.assert_allclose(a, b, rtol=tol["rtol"], atol=tol["atol"] * scale,
                                   err_msg=f"{spec.name} ({np.dtype(dtype).name}), result {k} "
                                           "(0 = forward, then first and second derivatives)")


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_fast_layer_matches_the_reference_float64(spec):
    _compare(spec, np.float64, contiguous=True)


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_fast_layer_matches_the_reference_float32(spec):
    _compare(spec, np.float32, contiguous=True)


@pytest.mark.parametrize("spec", OP_SPECS, ids=repr)
def test_fast_layer_matches_the_reference_on_transposed_layouts(spec):
    """Column-major inputs take the fast layer's layout paths (Linear's
    dx = (W^T g^T)^T, matmul's copies for BLAS, batch norm on a
    batch-innermost layout)."""
    _compare(spec, np.float64, contiguous=False)


def test_both_paths_really_differ_in_what_runs():
    """The switch is not a no-op: with the layer on, a Linear node carries
    the fast override; with it off, none."""
    x, w = mg.randn(3, 4, requires_grad=True), mg.randn(2, 4, requires_grad=True)
    with _fast_layer(True):
        assert mg.nn.functional.linear(x, w).grad_fn._fast is not None
    with _fast_layer(False):
        assert mg.nn.functional.linear(x, w).grad_fn._fast is None


def test_every_fast_override_is_reached_by_some_op_spec(monkeypatch):
    """Each op class the fast layer overrides is built by at least one OpSpec,
    so the comparisons above really cover every fast forward and backward."""
    reached = set()
    lookup = mg.fast.override

    def spy(op_class):
        found = lookup(op_class)
        if found is not None:
            reached.add(op_class)
        return found

    monkeypatch.setattr(mg.fast, "override", spy)
    rng = np.random.default_rng(0)
    with _fast_layer(True):
        for spec in OP_SPECS:
            for contiguous in (True, False):
                xs = spec.inputs(rng, dtype=np.float64, contiguous=contiguous)
                out = spec.fn(*xs)
                mg.grad(out, xs, grad_outputs=mg.ones_like(out), allow_unused=True)
    missing = sorted(c.__name__ for c in mg.fast._overrides if c not in reached)
    assert not missing, f"fast overrides no OpSpec reaches: {missing}"
