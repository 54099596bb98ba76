"""Points follow the task: the bias-corrected update over several steps,
checked against minigan's Adam (PyTorch's rules), carries most of them."""
import numpy as np
import pytest

import minigan
from minigan.homework.harness import student

adam = student("adam_step")


def _steps(mod, theta, grads, hyper):
    """The student's parameters after each update, from zero moments."""
    import numpy as np
    m, v, out = np.zeros_like(theta), np.zeros_like(theta), []
    for t, g in enumerate(grads, 1):
        theta, m, v = mod.adam_step(theta, g, m, v, t, **hyper)
        out.append(np.asarray(theta))
    return out


def _call_and_inputs(mod, theta, g, m, v, t, hyper):
    """The student's return value, and the inputs as they are afterwards."""
    result = mod.adam_step(theta, g, m, v, t, **hyper)
    return list(result), [theta, g, m, v]


def _compare_with_minigan_adam(steps, dtype=np.float32, **hyper):
    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal(5).astype(dtype)
    grads = [rng.standard_normal(5).astype(dtype) for _ in range(steps)]
    ours = adam.run(_steps, theta0, grads, hyper)
    p = minigan.nn.Parameter(minigan.tensor(theta0.copy()))
    opt = minigan.optim.Adam([p], **hyper)
    for k, g in enumerate(grads):
        p.grad = minigan.tensor(g.copy())
        opt.step()
        assert ours[k].dtype == dtype, f"step {k + 1}: dtype {ours[k].dtype}, expected {dtype}"
        np.testing.assert_allclose(ours[k], p.detach().numpy(), rtol=1e-6, atol=1e-7,
                                   err_msg=f"parameters after step {k + 1}")


@pytest.mark.task("adam_step", points=2)
def test_first_step_is_lr_times_sign():
    """At t = 1 the bias corrections make m / sqrt(v) = g / |g|."""
    g = np.array([0.5, -2.0, 1e-3])
    (theta, m, v), _ = adam.run(_call_and_inputs, np.zeros(3), g, np.zeros(3), np.zeros(3), 1,
                                {"lr": 0.1, "eps": 0.0})
    np.testing.assert_allclose(theta, -0.1 * np.sign(g), rtol=1e-12)
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-12)
    np.testing.assert_allclose(v, 0.001 * g * g, rtol=1e-12)


@pytest.mark.task("adam_step", points=4)
def test_matches_minigan_adam_over_several_steps():
    _compare_with_minigan_adam(5, lr=1e-2)


@pytest.mark.task("adam_step", points=1)
def test_inputs_are_not_modified():
    _, (theta, g, m, v) = adam.run(_call_and_inputs, np.ones(2), np.ones(2), np.full(2, 0.5),
                                   np.full(2, 0.25), 3, {})
    assert theta.tolist() == [1, 1] and m.tolist() == [0.5, 0.5] and v.tolist() == [0.25, 0.25]


### BEGIN HIDDEN TESTS
@pytest.mark.task("adam_step", points=3)
def test_hidden_gan_betas_and_weight_decay():
    _compare_with_minigan_adam(6, lr=2e-4, betas=(0.5, 0.999), weight_decay=0.1)
### END HIDDEN TESTS
