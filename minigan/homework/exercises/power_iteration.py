"""Exercise: estimating a matrix's largest singular value by power iteration,
as spectral normalisation does (``minigan.nn.spectral_norm``).

Miyato et al., "Spectral Normalization for Generative Adversarial Networks",
ICLR 2018, Algorithm 1. For W of shape (rows, cols) and a unit vector u
(rows,), one iteration is

    v <- W^T u / max(||W^T u||, eps)
    u <- W v   / max(||W v||,   eps)

and sigma = u^T W v. Repeated, u and v converge to the top singular vectors
and sigma to the top singular value: after k iterations the direction's
error is ~ (sigma_2 / sigma_1)^(2k) (each iteration applies W^T W) and
sigma's relative error, quadratic in it and always from below, is
~ (sigma_2 / sigma_1)^(4k) (lesson 7 derives and plots it). A GAN
keeps u between training steps, so one iteration per step is enough.
"""
from __future__ import annotations

import numpy as np


def power_iteration(W: np.ndarray, u: np.ndarray, n_power_iterations: int = 1,
                    eps: float = 1e-12):
    """Run ``n_power_iterations`` steps from ``u`` and return ``(sigma, u, v)``:
    the estimate u^T W v (a float) and the new unit vectors u (rows,) and
    v (cols,). ``u`` itself is not modified."""
    if W.ndim != 2:
        raise ValueError(f"power_iteration: W must be a matrix (rows, cols), got shape {W.shape}")
    if u.shape != (W.shape[0],):
        raise ValueError(f"power_iteration: u has shape {u.shape}, expected ({W.shape[0]},) "
                         f"for W of shape {W.shape}")
    if n_power_iterations < 1:
        raise ValueError(f"power_iteration: n_power_iterations must be >= 1, "
                         f"got {n_power_iterations}")
    # TASK: power_iteration -- alternate the v and u updates, then sigma = u^T W v
    ### BEGIN SOLUTION
    for _ in range(n_power_iterations):
        v = W.T @ u
        v = v / max(float(np.linalg.norm(v)), eps)
        u = W @ v
        u = u / max(float(np.linalg.norm(u)), eps)
    sigma = float(u @ W @ v)
    return sigma, u, v
    ### END SOLUTION
