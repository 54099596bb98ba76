"""Stochastic gradient descent, with optional (Nesterov) momentum."""
from __future__ import annotations

from ..fast import optim as fast_optim
from .optimizer import Optimizer, _check_nonneg, _implementation_flags


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's ``torch.optim.SGD``).

    For each parameter :math:`\theta` with gradient :math:`g_t` (``-g_t`` when
    ``maximize``), step :math:`t`:

    .. math::
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1}
              &&\text{(weight\_decay } \lambda\text{, an L2 penalty)}\\
        b_t &= \begin{cases} g_t & t = 1\\
                \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1\end{cases}
              &&\text{(momentum } \mu\text{, dampening } \tau\text{)}\\
        d_t &= g_t + \mu\, b_t \text{ if nesterov else } b_t\\
        \theta_t &= \theta_{t-1} - \gamma\, d_t &&\text{(lr } \gamma\text{)}

    Without momentum (:math:`\mu = 0`) the step is :math:`\theta_t =
    \theta_{t-1} - \gamma g_t`. Note the first buffer is the raw gradient (no
    dampening), as in PyTorch, and that momentum is applied to the gradient
    (PyTorch's convention; Sutskever et al. 2013 apply it to the velocity
    scaled by lr: the two agree while lr is constant).

    Args:
        params: parameters, or a list of parameter-group dicts.
        lr: learning rate :math:`\gamma` (default 1e-3, as in PyTorch 2.x).
        momentum: momentum factor :math:`\mu` (default 0).
        dampening: dampening :math:`\tau` for momentum (default 0).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"momentum_buffer"`` (only when momentum > 0).
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None):
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("momentum", momentum)
        _check_nonneg("dampening", dampening)
        _check_nonneg("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={momentum}, dampening={dampening})")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        **_implementation_flags("SGD", foreach=foreach,
                                                differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. Returns the
        closure's loss (or None)."""
        return self._update_each(closure, self._hyper, self._state, fast_optim.sgd_update)

    @staticmethod
    def _hyper(group) -> dict:
        return dict(lr=float(group["lr"]), momentum=float(group["momentum"]),
                    dampening=float(group["dampening"]),
                    weight_decay=float(group["weight_decay"]),
                    nesterov=group["nesterov"], maximize=group["maximize"])

    def _state(self, p, hyper):
        # as in PyTorch, a parameter has state only with momentum
        return self.state[p] if hyper["momentum"] != 0 else None

    def _update(self, p, g, state, *, lr, momentum, dampening, weight_decay, nesterov,
                maximize) -> None:
        """The class docstring's update of ``p`` from its gradient array ``g``,
        with PyTorch's rounding (its order of operations)."""
        theta = p.array
        d = -g if maximize else g
        if weight_decay != 0:
            d = d + weight_decay * theta
        if momentum != 0:
            b = state.get("momentum_buffer")
            # b_1 = g_1: a copy, since the gradient array may be shared
            b = d.copy() if b is None else momentum * b + (1.0 - dampening) * d
            state["momentum_buffer"] = b
            d = d + momentum * b if nesterov else b
        p.copy_(theta - lr * d)
