"""Exercise: one Adam update, exactly as ``torch.optim.Adam`` (and
``minigan.optim.Adam``) computes it.

Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
For a parameter theta with gradient g at its t-th update (t = 1, 2, ...):

    g     <- g + weight_decay * theta          (L2 penalty, coupled to the moments)
    m_t    = beta1 m_{t-1} + (1 - beta1) g
    v_t    = beta2 v_{t-1} + (1 - beta2) g^2
    theta <- theta - lr / (1 - beta1^t) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)

The bias corrections 1 - beta^t undo the pull of m_0 = v_0 = 0 towards zero
in the first steps. Note PyTorch adds eps *after* correcting sqrt(v_t).
"""
from __future__ import annotations

import math

import numpy as np


def adam_step(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
              step: int, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
              weight_decay: float = 0.0):
    """One Adam update. ``step`` is t, the number of this update (1 for the
    first). Returns new arrays ``(param, exp_avg, exp_avg_sq)``; the inputs
    are not modified."""
    if step < 1:
        raise ValueError(f"adam_step: step counts updates from 1, got step={step}")
    for name, a in (("grad", grad), ("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)):
        if a.shape != param.shape:
            raise ValueError(f"adam_step: {name} has shape {a.shape} but param has shape "
                             f"{param.shape}")
    beta1, beta2 = betas
    # TASK: adam_step -- moments, bias correction and the parameter update
    ### BEGIN SOLUTION
    g = grad + weight_decay * param if weight_decay else grad
    m = beta1 * exp_avg + (1.0 - beta1) * g
    v = beta2 * exp_avg_sq + (1.0 - beta2) * g * g
    step_size = lr / (1.0 - beta1 ** step)
    denom = np.sqrt(v) / math.sqrt(1.0 - beta2 ** step) + eps
    return param - step_size * m / denom, m, v
    ### END SOLUTION
