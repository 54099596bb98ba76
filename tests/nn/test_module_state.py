"""How Module changes its tensors: load_state_dict copies in place (the
version counter moves), to() swaps arrays, zero_grad(set_to_none=False)
gives true zeros, and the layers that edit a weight in place keep its
version counter right."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F


def test_load_state_dict_copies_in_place_in_the_model_dtype():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    w_array, version = b.weight.array, b.weight._version
    state = {k: mg.tensor(np.asarray(v.detach()), dtype=mg.float64) for k, v in a.state_dict().items()}
    b.load_state_dict(state)
    assert b.weight.array is w_array                  # same storage: optimizers still see it
    assert b.weight.dtype == np.float32               # the model's dtype, not the checkpoint's
    assert b.weight._version > version
    np.testing.assert_allclose(np.asarray(b.weight.detach()), np.asarray(a.weight.detach()), rtol=1e-6)


def test_a_graph_recorded_before_load_state_dict_refuses_backward():
    m = nn.Linear(3, 2)
    x = mg.randn(4, 3, requires_grad=True)
    y = (m(x) ** 2).sum()  # pow saves its input; matmul saves the weight
    m.load_state_dict(nn.Linear(3, 2).state_dict())
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_to_swaps_arrays_and_grads_follow():
    m = nn.Linear(3, 2)
    m(mg.randn(4, 3)).sum().backward()
    m.to(mg.float64)
    assert m.weight.dtype == np.float64 and m.weight.grad.dtype == np.float64
    assert m.weight.requires_grad and m.weight.is_leaf


def test_zero_grad_without_none_gives_zeros_even_from_nan():
    m = nn.Linear(3, 2)
    m(mg.randn(4, 3)).sum().backward()
    m.weight.grad = mg.tensor(np.full((2, 3), np.nan, dtype=np.float32))
    m.zero_grad(set_to_none=False)
    assert not np.asarray(m.weight.grad).any()
    assert m.weight.grad.dtype == np.float32


def test_embedding_max_norm_renorms_in_place_and_moves_the_version():
    emb = nn.Embedding(5, 3, max_norm=1.0)
    with mg.no_grad():
        emb.weight.mul_(10.0)
    version = emb.weight._version
    emb(mg.tensor(np.array([0, 2]), dtype=mg.int64))
    norms = np.linalg.norm(np.asarray(emb.weight.detach()), axis=1)
    assert np.all(norms[[0, 2]] <= 1.0 + 1e-5) and np.all(norms[[1, 3, 4]] > 1.0)
    assert emb.weight._version > version


def test_clip_grad_moves_the_gradient_versions():
    m = nn.Linear(3, 2)
    m(mg.randn(4, 3)).sum().backward()
    g = m.weight.grad
    version, before = g._version, np.asarray(g).copy()
    total = nn.utils.clip_grad_norm_(m.parameters(), 1e-3)
    assert m.weight.grad is g and g._version > version
    assert float(total) > 1e-3
    nn.utils.clip_grad_value_(m.parameters(), 1e-5)
    assert np.abs(np.asarray(g)).max() <= 1e-5 and not np.array_equal(np.asarray(g), before)


def test_normal_with_float_mean_and_std_keeps_float32():
    x = mg.normal(2.0, 0.5, size=(2000,))
    assert x.dtype == np.float32 and abs(float(x.mean()) - 2.0) < 0.05
    assert F.one_hot([0, 2]).dtype == np.int64
