"""After a double backward, a parameter the graph reaches with a zero
derivative gets ``.grad`` zeros in PyTorch, not None.

What PyTorch does (checked with torch 2.13): ``.grad`` is set, zeros
included, exactly when a gradient *tensor* reaches the leaf. Backward
formulas of piecewise-constant functions produce zero tensors, not "no
gradient": ReLU's double backward (``threshold_backward``) sends
``zeros_like(grad)`` to ReLU's input, so in WGAN-GP's penalty with a
Linear-ReLU-Linear critic the first layer's bias gets zeros. A leaf the
gradient's graph never reaches (the last layer's bias: d D / d x does not
depend on it) stays None, and so does an input for which a custom Function
returns None.

minigan's ``TimesDerivativeFn`` (ReLU / LeakyReLU / abs backward under
``create_graph``) keeps x in the gradient's graph but computes nothing for it
(to save the passes of zeros back through the critic): it lists x in
``zero_grad_inputs``, and the engine passes a "zeros" mark on to every input
upstream, so the leaves reached only that way get zeros, as in PyTorch.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigan
import minigan.nn as nn

def _penalty_grads(mod, act):
    mod.manual_seed(0)
    critic = mod.nn.Sequential(mod.nn.Linear(3, 4), act, mod.nn.Linear(4, 1))
    x = mod.randn(5, 3, requires_grad=True)
    out = critic(x)
    (g,) = mod.autograd.grad(out, x, mod.ones_like(out), create_graph=True, retain_graph=True)
    ((g.norm(2, dim=1) - 1) ** 2).mean().backward()
    return {name: (None if p.grad is None else np.asarray(p.grad.detach()))
            for name, p in critic.named_parameters()}, x


def test_relu_double_backward_gives_zeros_to_the_input():
    x = minigan.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = minigan.tensor([2.0, 2.0, 2.0], requires_grad=True)
    (g,) = minigan.autograd.grad((minigan.relu(x) * w).sum(), x, create_graph=True)
    g.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]
    assert x.grad is not None and x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("act", ["relu", "leaky"])
def test_wgan_gp_penalty_gives_the_first_bias_zeros(act):
    layer = nn.ReLU() if act == "relu" else nn.LeakyReLU(0.2)
    grads, x = _penalty_grads(minigan, layer)
    assert grads["0.bias"] is not None and not grads["0.bias"].any()
    assert x.grad is not None and not x.grad.numpy().any()


def test_unreached_parameters_stay_none():
    # holds now and must hold after the fix: the last bias is not in d D / d x's graph
    for act in (nn.ReLU(), nn.Tanh()):
        grads, _ = _penalty_grads(minigan, act)
        assert grads["2.bias"] is None
        assert grads["0.weight"] is not None and grads["2.weight"] is not None


def test_a_function_returning_none_leaves_none():
    # PyTorch: a custom Function's None is "no gradient", not zeros; a fix must keep this
    class FirstOnly(minigan.Function):
        def forward(self, a, b):
            return a * 2

        def backward(self, g):
            return g * 2.0, None

    a = minigan.ones(3, requires_grad=True)
    w = minigan.ones(3, requires_grad=True)
    FirstOnly()(a, w * 3).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 2.0] and w.grad is None


def test_torch_pattern_of_zeros_and_none():
    """The pattern the xfail tests ask for is torch's."""
    torch = pytest.importorskip("torch")
    for act in (torch.nn.ReLU(), torch.nn.LeakyReLU(0.2), torch.nn.Tanh()):
        grads, x = _penalty_grads(torch, act)
        assert grads["2.bias"] is None
        assert grads["0.bias"] is not None
        if not isinstance(act, torch.nn.Tanh):
            assert not grads["0.bias"].any() and not x.grad.any()
