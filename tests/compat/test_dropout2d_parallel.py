"""nn.Dropout2d (channel dropout) and nn.DataParallel / nn.parallel.data_parallel
(one device: the module on the whole batch)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigan
import minigan.nn as nn
from minigan.nn.dropout2d import dropout2d


def _maps(y):
    """Each (n, c) feature map's distinct values."""
    a = y.detach().numpy()
    return [np.unique(a[n, c]) for n in range(a.shape[0]) for c in range(a.shape[1])]


def test_whole_channels_are_zeroed_and_the_rest_scaled():
    layer = nn.Dropout2d(0.25)
    y = layer(minigan.ones(40, 16, 3, 3))
    assert y.shape == (40, 16, 3, 3)
    values = _maps(y)
    assert all(len(v) == 1 for v in values)  # a whole map is dropped or kept
    kept = np.array([v[0] for v in values])
    assert np.all((kept == 0) | np.isclose(kept, 1 / 0.75))
    assert abs((kept == 0).mean() - 0.25) < 0.05  # 640 channels
    assert abs(y.mean().item() - 1.0) < 0.1  # the expectation is kept


def test_eval_and_edge_probabilities():
    x = minigan.randn(2, 3, 4, 4)
    layer = nn.Dropout2d(0.5)
    layer.eval()
    assert layer(x) is x
    assert nn.Dropout2d(0.0)(x) is x
    assert not nn.Dropout2d(1.0)(x).numpy().any()
    assert repr(nn.Dropout2d(0.25)) == "Dropout2d(p=0.25, inplace=False)"
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout2d(1.5)
    with pytest.raises(TypeError, match="floating-point"):
        dropout2d(minigan.ones(2, 2, 2, 2, dtype=minigan.int64))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        dropout2d(minigan.ones(3))


def test_gradient_goes_through_kept_channels_only():
    x = minigan.randn(4, 6, 2, 2, requires_grad=True)
    y = nn.Dropout2d(0.5)(x)
    y.sum().backward()
    grad = x.grad.numpy()
    kept = (y.detach().numpy() != 0).any(axis=(2, 3))
    np.testing.assert_allclose(grad[kept], 2.0)
    assert not grad[~kept].any()


def test_3d_input_is_n_c_l_with_pytorchs_warning():
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        y = nn.Dropout2d(0.5)(minigan.ones(6, 5, 7))
    a = y.numpy()
    assert all(len(np.unique(a[n, c])) == 1 for n in range(6) for c in range(5))
    with pytest.warns(UserWarning, match="5-D input"):
        nn.Dropout2d(0.5)(minigan.ones(2, 2, 2, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Dropout2d(0.5)(minigan.ones(2, 2, 2, 2))


def test_3d_semantics_match_torch():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = torch.nn.Dropout2d(0.5)(torch.ones(6, 5, 7)).numpy()
        ours = nn.Dropout2d(0.5)(minigan.ones(6, 5, 7)).numpy()
    for a in (ours, theirs):  # per (n, c) along L, for both
        assert all(len(np.unique(a[n, c])) == 1 for n in range(6) for c in range(5))


def test_data_parallel_runs_the_module():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    x = minigan.randn(5, 3)
    np.testing.assert_array_equal(nn.parallel.data_parallel(net, x, range(2)).detach().numpy(),
                                  net(x).detach().numpy())
    pair = nn.parallel.data_parallel(lambda a, b: a + b, (x, x), [0])
    np.testing.assert_array_equal(pair.numpy(), (x + x).numpy())
    wrapped = nn.DataParallel(net, device_ids=[0, 1])
    np.testing.assert_array_equal(wrapped(x).detach().numpy(), net(x).detach().numpy())
    assert set(wrapped.state_dict()) == {"module." + k for k in net.state_dict()}
    assert [id(p) for p in wrapped.parameters()] == [id(p) for p in net.parameters()]
    assert wrapped.device_ids == [0, 1]
    with pytest.raises(TypeError, match="wraps an nn.Module"):
        nn.DataParallel(lambda x: x)


def test_data_parallel_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    ours = nn.DataParallel(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)))
    theirs = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)))
    assert list(ours.state_dict()) == list(theirs.state_dict())
