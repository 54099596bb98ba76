"""gradcheck perturbs its inputs without moving their version counters, so the
graphs it records from them stay valid (in both modes, including the
zero-gradient and backward-twice checks that reuse the first graph)."""
import numpy as np
import pytest

import minigan as mg
from minigan.testing.gradcheck import gradcheck, gradgradcheck


@pytest.mark.parametrize("mode", ["full", "random"])
def test_gradcheck_keeps_input_versions(mode):
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    w = mg.tensor(np.random.default_rng(1).standard_normal((4, 2)), requires_grad=True)
    before = (x._version, w._version, np.asarray(x.detach()).copy())
    assert gradcheck(lambda a, b: (a.matmul(b) ** 2).tanh(), (x, w), mode=mode)
    assert gradgradcheck(lambda a, b: (a.matmul(b) ** 2).tanh(), (x, w), mode=mode)
    assert (x._version, w._version) == before[:2]
    np.testing.assert_array_equal(np.asarray(x.detach()), before[2])  # restored exactly
