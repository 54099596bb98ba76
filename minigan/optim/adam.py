"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019)."""
from __future__ import annotations

import math

from .. import backend
from ..fast import optim as fast_optim
from .optimizer import (Optimizer, _check_nonneg, _implementation_flags, _lerp,
                        _zeros_like)


class Adam(Optimizer):
    r"""Adam: per-coordinate step sizes from running moments of the gradient
    (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015),
    exactly as ``torch.optim.Adam`` computes it.

    For a parameter :math:`\theta` with gradient :math:`g_t` (``-g_t`` when
    ``maximize``), at its :math:`t`-th step (:math:`t` counts from 1, per
    parameter, so a parameter that joins late gets its own bias correction):

    .. math::
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1}
              \quad\text{(weight\_decay: L2 penalty, coupled to the moments)}\\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2\\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ if amsgrad else } v_t\\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1-\beta_2^t} + \epsilon}

    with :math:`m_0 = v_0 = \hat v_0 = 0`. ``eps`` is added *after* the
    bias-corrected square root, as in PyTorch.

    Args:
        params: parameters, or a list of parameter-group dicts.
        lr: learning rate :math:`\gamma` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1) (default (0.9, 0.999);
            DCGAN uses (0.5, 0.999), WGAN-GP (0.0, 0.9)).
        eps: :math:`\epsilon` (default 1e-8).
        weight_decay: L2 penalty :math:`\lambda` (default 0). For decoupled
            decay use :class:`AdamW` (or ``decoupled_weight_decay=True``, the same).
        amsgrad: use the running maximum of :math:`v_t` (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"`` (int), ``"exp_avg"`` (:math:`m`),
    ``"exp_avg_sq"`` (:math:`v`) and, with amsgrad, ``"max_exp_avg_sq"``.
    """

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        _check_nonneg("lr", lr, "learning rate")
        _check_nonneg("eps", eps, "epsilon")
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        **_implementation_flags(type(self).__name__, foreach=foreach,
                                                capturable=capturable,
                                                differentiable=differentiable, fused=fused),
                        decoupled_weight_decay=bool(decoupled_weight_decay))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. Returns the
        closure's loss (or None)."""
        return self._update_each(closure, self._hyper, self._state, fast_optim.adam_update)

    def _hyper(self, group) -> dict:
        return dict(lr=float(group["lr"]), beta1=float(group["betas"][0]),
                    beta2=float(group["betas"][1]), eps=float(group["eps"]),
                    weight_decay=float(group["weight_decay"]),
                    amsgrad=group["amsgrad"], maximize=group["maximize"],
                    # groups saved before the flag existed use the class's rule
                    decoupled=group.get("decoupled_weight_decay", self._decoupled))

    def _state(self, p, hyper) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = 0
            state["exp_avg"] = _zeros_like(p)
            state["exp_avg_sq"] = _zeros_like(p)
        if hyper["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = _zeros_like(p)
        state["step"] += 1
        return state

    def _update(self, p, g, state, *, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                decoupled) -> None:
        """The class docstring's update of ``p`` from its gradient array ``g``,
        at step ``t = state["step"]``, with PyTorch's rounding (its order of
        operations, and ``torch.lerp`` for :math:`m_t`)."""
        xp = backend.get_array_module(g)
        t = state["step"]
        theta = p.array
        if maximize:
            g = -g
        if weight_decay != 0:
            if decoupled:
                theta = theta * (1.0 - lr * weight_decay)
            else:
                g = g + weight_decay * theta
        # m_t = beta1 m + (1 - beta1) g
        m = state["exp_avg"] = _lerp(state["exp_avg"], g, 1.0 - beta1)
        v = state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1.0 - beta2) * g * g
        if amsgrad:
            v = state["max_exp_avg_sq"] = xp.maximum(state["max_exp_avg_sq"], v)
        step_size = lr / (1.0 - beta1 ** t)
        denom = xp.sqrt(v) / math.sqrt(1.0 - beta2 ** t) + eps
        p.copy_(theta - step_size * m / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled
    Weight Decay Regularization", ICLR 2019), as ``torch.optim.AdamW``.

    Identical to :class:`Adam` except that weight decay shrinks the parameter
    directly, before the moment updates, instead of entering the gradient:

    .. math::
        \theta_{t-1} \leftarrow \theta_{t-1}\,(1 - \gamma\lambda)

    so the decay is not rescaled by the adaptive denominator. Note the default
    ``weight_decay`` is 1e-2 (PyTorch's), not 0.
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


def _check_betas(betas) -> None:
    try:
        b = tuple(betas)
    except TypeError:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    if len(b) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {len(b)} value(s): {betas!r}")
    for i, beta in enumerate(b):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} "
                             f"(betas[{i}] must be in [0, 1))")
