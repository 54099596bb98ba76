"""Exercise: the WGAN-GP gradient penalty, with minigan ops and
``minigan.grad(..., create_graph=True)``.

Mirrors ``minigan.gan.penalties.gradient_penalty`` (Gulrajani et al.,
"Improved Training of Wasserstein GANs", NeurIPS 2017, Algorithm 1), except
that the interpolation weights ``alpha`` are passed in, so results are
repeatable:

    x_hat = alpha * x_real + (1 - alpha) * x_fake          (alpha: one per sample)
    GP    = weight * mean_n (||grad_{x_hat} D(x_hat)[n]||_2 - 1)^2

The norm is taken per sample over all its features. The penalty is a
function of a *gradient*, so training the critic on it differentiates the
gradient again: that is why the gradient must be recorded
(``create_graph=True``), and why every minigan op is twice differentiable.
"""
from __future__ import annotations

import minigan


def gradient_penalty(critic, real, fake, alpha, weight: float = 10.0, eps: float = 1e-12):
    """The WGAN-GP penalty (a scalar Tensor, differentiable w.r.t. the
    critic's parameters).

    real, fake: Tensors (N, *); alpha: Tensor (N, 1, ..., 1) of weights in
    [0, 1], one per sample, broadcasting against real. ``eps`` goes inside the
    square root, sqrt(sum g^2 + eps), so the norm stays differentiable where
    the gradient vanishes. real and fake are treated as constants (detached).
    """
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real batch {real.shape} and fake batch {fake.shape} "
                         "differ")
    expect = (real.shape[0],) + (1,) * (real.ndim - 1)
    if tuple(alpha.shape) != expect:
        raise ValueError(f"gradient_penalty: alpha has shape {tuple(alpha.shape)}, expected "
                         f"{expect} (one weight per sample)")
    # TASK: gradient_penalty -- interpolate, take grad of the critic with create_graph=True, penalise
    ### BEGIN SOLUTION
    x_hat = (alpha * real.detach() + (1.0 - alpha) * fake.detach()).detach().requires_grad_()
    out = critic(x_hat)
    (g,) = minigan.grad(out.sum(), x_hat, create_graph=True)
    norms = minigan.sqrt((g * g).reshape(g.shape[0], -1).sum(axis=1) + eps)
    return ((norms - 1.0) ** 2).mean() * weight
    ### END SOLUTION
