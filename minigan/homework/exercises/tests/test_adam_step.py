import numpy as np
import pytest

import minigan
from adam_step import adam_step

pytestmark = pytest.mark.task("adam_step")


def _compare_with_minigan_adam(steps, dtype=np.float32, **hyper):
    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal(5).astype(dtype)
    p = minigan.nn.Parameter(minigan.tensor(theta0.copy()))
    opt = minigan.optim.Adam([p], **hyper)
    theta, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for t in range(1, steps + 1):
        g = rng.standard_normal(5).astype(dtype)
        p.grad = minigan.tensor(g.copy())
        opt.step()
        theta, m, v = adam_step(theta, g, m, v, t, **hyper)
        assert theta.dtype == dtype
        np.testing.assert_allclose(theta, p.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_first_step_is_lr_times_sign():
    """At t = 1 the bias corrections make m / sqrt(v) = g / |g|."""
    g = np.array([0.5, -2.0, 1e-3])
    theta, m, v = adam_step(np.zeros(3), g, np.zeros(3), np.zeros(3), 1, lr=0.1, eps=0.0)
    np.testing.assert_allclose(theta, -0.1 * np.sign(g), rtol=1e-12)
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-12)
    np.testing.assert_allclose(v, 0.001 * g * g, rtol=1e-12)


def test_matches_minigan_adam_over_several_steps():
    _compare_with_minigan_adam(5, lr=1e-2)


def test_inputs_are_not_modified():
    theta, m, v = np.ones(2), np.full(2, 0.5), np.full(2, 0.25)
    adam_step(theta, np.ones(2), m, v, 3)
    assert theta.tolist() == [1, 1] and m.tolist() == [0.5, 0.5] and v.tolist() == [0.25, 0.25]


### BEGIN HIDDEN TESTS
def test_hidden_gan_betas_and_weight_decay():
    _compare_with_minigan_adam(6, lr=2e-4, betas=(0.5, 0.999), weight_decay=0.1)
### END HIDDEN TESTS
