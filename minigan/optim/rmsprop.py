"""RMSprop (Hinton, Coursera lecture 6e, 2012), the optimizer of the original WGAN."""
from __future__ import annotations

from .. import backend
from ..fast import optim as fast_optim
from .optimizer import (Optimizer, _check_nonneg, _implementation_flags, _lerp,
                        _zeros_like)


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running root-mean-square of recent
    gradients, exactly as ``torch.optim.RMSprop`` computes it.

    For a parameter :math:`\theta` with gradient :math:`g_t` (``-g_t`` when
    ``maximize``):

    .. math::
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1}
              &&\text{(weight\_decay } \lambda\text{)}\\
        v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2\\
        \bar g_t &= \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t
              &&\text{(only when centered)}\\
        s_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \text{ if centered else }
               \sqrt{v_t} + \epsilon\\
        b_t &= \mu\, b_{t-1} + g_t / s_t,\quad \theta_t = \theta_{t-1} - \gamma\, b_t
              &&\text{(momentum } \mu > 0\text{)}\\
        \theta_t &= \theta_{t-1} - \gamma\, g_t / s_t &&\text{(no momentum)}

    with :math:`v_0 = \bar g_0 = b_0 = 0`. There is no bias correction, and
    ``eps`` is added after the square root (PyTorch's choice; TensorFlow adds
    it inside). ``centered`` (Graves, 2013) normalises by an estimate of the
    gradient's variance instead of its raw second moment.

    Args:
        params: parameters, or a list of parameter-group dicts.
        lr: learning rate :math:`\gamma` (default 1e-2; WGAN used 5e-5).
        alpha: smoothing constant :math:`\alpha` (default 0.99).
        eps: :math:`\epsilon` (default 1e-8).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        momentum: momentum factor :math:`\mu` (default 0).
        centered: subtract the squared running mean of the gradient.
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"`` (int), ``"square_avg"`` (:math:`v`), and
    ``"momentum_buffer"`` (momentum > 0) and ``"grad_avg"`` (centered).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("eps", eps, "epsilon")
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        flags = _implementation_flags("RMSprop", capturable=capturable, foreach=foreach,
                                      differentiable=differentiable)
        # PyTorch's param-group order
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=flags["capturable"],
                        foreach=flags["foreach"], maximize=maximize,
                        differentiable=flags["differentiable"])
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. Returns the
        closure's loss (or None)."""
        return self._update_each(closure, self._hyper, self._state, fast_optim.rmsprop_update)

    @staticmethod
    def _hyper(group) -> dict:
        return dict(lr=float(group["lr"]), alpha=float(group["alpha"]),
                    eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
                    momentum=float(group["momentum"]), centered=group["centered"],
                    maximize=group["maximize"])

    def _state(self, p, hyper) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = 0
            state["square_avg"] = _zeros_like(p)
        if hyper["momentum"] > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = _zeros_like(p)
        if hyper["centered"] and "grad_avg" not in state:
            state["grad_avg"] = _zeros_like(p)
        state["step"] += 1
        return state

    def _update(self, p, g, state, *, lr, alpha, eps, weight_decay, momentum, centered,
                maximize) -> None:
        r"""The class docstring's update of ``p`` from its gradient array ``g``,
        with PyTorch's rounding (its order of operations, and ``torch.lerp``
        for :math:`\bar g_t`)."""
        xp = backend.get_array_module(g)
        theta = p.array
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = state["square_avg"] = alpha * state["square_avg"] + (1.0 - alpha) * g * g
        if centered:
            # gbar_t = alpha gbar + (1 - alpha) g
            gbar = state["grad_avg"] = _lerp(state["grad_avg"], g, 1.0 - alpha)
            s = xp.sqrt(v - gbar * gbar) + eps
        else:
            s = xp.sqrt(v) + eps
        if momentum > 0:
            b = state["momentum_buffer"] = momentum * state["momentum_buffer"] + g / s
            p.copy_(theta - lr * b)
        else:
            p.copy_(theta - lr * g / s)
