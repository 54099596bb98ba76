"""Points follow the task: the estimate converging to the top singular
value and the exact u, v updates of one step."""
import numpy as np
import pytest

import minigan
from minigan.homework.harness import student

pi = student("power_iteration")


def _iterate(mod, W, u, n):
    """(sigma, u, v) after n iterations, and u as it is afterwards."""
    sigma, u_new, v = mod.power_iteration(W, u, n_power_iterations=n)
    return float(sigma), u_new, v, u


def _chain(mod, W, u, steps):
    """sigma after each of ``steps`` single iterations, u carried over."""
    out = []
    for _ in range(steps):
        sigma, u, v = mod.power_iteration(W, u)
        out.append(float(sigma))
    return out


def _unit(n, seed):
    u = np.random.default_rng(seed).standard_normal(n)
    return u / np.linalg.norm(u)


@pytest.mark.task("power_iteration", points=3)
def test_converges_to_the_largest_singular_value():
    W = np.random.default_rng(0).standard_normal((6, 4))
    U, S, Vt = np.linalg.svd(W)
    sigma, u, v, _ = pi.run(_iterate, W, _unit(6, 1), 200)
    assert sigma == pytest.approx(S[0], rel=1e-10)
    # singular vectors are defined up to sign
    assert abs(u @ U[:, 0]) == pytest.approx(1.0, abs=1e-8)
    assert abs(v @ Vt[0]) == pytest.approx(1.0, abs=1e-8)


@pytest.mark.task("power_iteration", points=3)
def test_one_step_by_hand():
    W = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    sigma, u, v, u0 = pi.run(_iterate, W, np.array([1.0, 0.0, 0.0]), 1)
    np.testing.assert_allclose(v, [1.0, 0.0])            # W^T u0 = (2, 0)
    np.testing.assert_allclose(u, np.array([2.0, 0.0, 1.0]) / np.sqrt(5))
    assert sigma == pytest.approx(np.sqrt(5))
    assert u0.tolist() == [1.0, 0.0, 0.0]


@pytest.mark.task("power_iteration", points=2)
def test_estimate_grows_towards_but_never_exceeds_the_true_sigma():
    W = np.random.default_rng(2).standard_normal((5, 7))
    s_max = np.linalg.svd(W, compute_uv=False)[0]
    sigmas = pi.run(_chain, W, _unit(5, 3), 5)
    assert all(s <= s_max * (1 + 1e-12) for s in sigmas), (sigmas, s_max)
    assert sigmas[-1] > 0.5 * s_max and sigmas == sorted(sigmas)


### BEGIN HIDDEN TESTS
@pytest.mark.task("power_iteration", points=2)
def test_hidden_matches_spectral_norm_buffers():
    layer = minigan.nn.utils.spectral_norm(minigan.nn.Linear(4, 3))
    u0 = layer.weight_u.detach().numpy().astype(np.float64).copy()
    W = layer.weight_orig.detach().numpy().astype(np.float64)
    layer(minigan.randn(2, 4))  # training mode: one power iteration, then W / sigma
    sigma, u, v, _ = pi.run(_iterate, W, u0, 1)
    np.testing.assert_allclose(layer.weight_u.detach().numpy(), u, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight_v.detach().numpy(), v, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.detach().numpy(), W / sigma, rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS
