"""Regularisers added to a player's loss.

* Keeping D / the critic smooth: the WGAN-GP penalty (on lines between real
  and fake samples), DRAGAN's penalty (around real samples only) and WGAN
  weight clipping.
* Historical averaging (Salimans et al. 2016): pull each parameter towards
  its own running mean.
* Orthogonal regularisation, BigGAN's off-diagonal form (Brock et al. 2019),
  for the generator.
"""
from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd.engine import grad
from ..autograd.grad_mode import no_grad
from ..random import uniform_array


def _gradient_norm_penalty(critic, x_hat, weight, eps, norm_as_tensor=False):
    """weight * mean_i (||grad_x D(x)|_{x_hat_i}||_2 - 1)^2, differentiable in D's weights.
    The mean norm comes back as a float, or (``norm_as_tensor``) as a detached
    0-d Tensor on the critic's device: a float is a host transfer, which on
    a GPU waits for every queued kernel."""
    x_hat = x_hat.detach().requires_grad_()
    out = critic(x_hat)
    (g,) = grad(out.sum(), x_hat, create_graph=True)
    norms = ops.sqrt((g * g).reshape(g.shape[0], -1).sum(axis=1) + eps)
    penalty = ((norms - 1.0) ** 2).mean() * weight
    mean_norm = norms.detach().mean()
    return penalty, (mean_norm if norm_as_tensor else float(mean_norm.item()))


def gradient_penalty(critic, real, fake, weight: float = 10.0, eps: float = 1e-12, *,
                     norm_as_tensor: bool = False):
    """WGAN-GP (Gulrajani et al. 2017, Algorithm 1):

        x_hat = a x + (1 - a) G(z),   a ~ U[0, 1] per sample
        GP    = weight * E[(||grad_{x_hat} D(x_hat)||_2 - 1)^2]

    ``eps`` inside the square root keeps the norm differentiable where the
    gradient vanishes. The gradient is taken with ``create_graph=True``, so
    ``GP.backward()`` differentiates *through* it into the critic's weights.
    Returns (penalty, mean gradient norm as a float, or as a 0-d Tensor
    with ``norm_as_tensor=True``)."""
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real batch {real.shape} and fake batch {fake.shape} differ")
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    a = ops._operands.constant(uniform_array(shape, real.dtype, real.device))
    return _gradient_norm_penalty(critic, a * real.detach() + (1.0 - a) * fake.detach(), weight, eps,
                                  norm_as_tensor)


def dragan_penalty(critic, real, weight: float = 10.0, c: float = 0.5, eps: float = 1e-12, *,
                   norm_as_tensor: bool = False):
    """DRAGAN's gradient penalty (Kodali, Abernethy, Hays & Kira, "On
    Convergence and Stability of GANs", 2017), around the *real* data only:

        x_p   = x + c * std(x) * u,          u ~ U[0, 1]^d  (per entry)
        x_hat = x + a (x_p - x),             a ~ U[0, 1]    (per sample)
        DP    = weight * E[(||grad_{x_hat} D(x_hat)||_2 - 1)^2]

    std(x) is the standard deviation of every entry of the real batch, and
    c = 0.5, weight = 10 are the authors' (their reference code draws the
    perturbation this way; the paper writes it as x + delta with small
    noise delta). WGAN-GP penalises D's slope between real and fake samples;
    DRAGAN only in a neighbourhood of the data, where sharp gradients of D
    go with the mode collapse the authors attribute to local equilibria.
    Returns (penalty, mean gradient norm) as :func:`gradient_penalty` does."""
    if not weight >= 0:
        raise ValueError(f"dragan_penalty: weight must be >= 0, got {weight!r}")
    if not c > 0:
        raise ValueError(f"dragan_penalty: c (noise scale in units of std(x)) must be positive, got {c!r}")
    x = real.detach()
    u = ops._operands.constant(uniform_array(tuple(x.shape), x.dtype, x.device))
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    a = ops._operands.constant(uniform_array(shape, x.dtype, x.device))
    # std(x) stays on x's device (a 0-d array): a float would be a host transfer
    scale = ops._operands.constant(x.array.std() * x.dtype.type(c))
    return _gradient_norm_penalty(critic, x + a * (u * scale), weight, eps, norm_as_tensor)


def clip_weights_(module, clip: float = 0.01) -> None:
    """WGAN's crude Lipschitz constraint (Arjovsky et al. 2017): clamp every
    critic parameter to [-clip, clip] after each critic step."""
    if clip <= 0:
        raise ValueError(f"clip must be positive, got {clip}")
    with no_grad():
        for p in module.parameters():
            p.clamp_(-clip, clip)


def orthogonal_regularization(module, beta: float = 1e-4):
    """BigGAN's orthogonal regulariser (Brock, Donahue & Simonyan 2019, eq. 3):

        R_beta(W) = beta || W W^T (.) (1 - I) ||_F^2

    summed over every weight of ``module`` with two or more axes (Linear
    (out, in); Conv (out, in, kh, kw) flattened to (out, in*kh*kw)), so each
    row is one filter. Only the *off-diagonal* inner products (between
    different filters) are pushed to 0; unlike the full ||W W^T - I||^2 the
    filters' norms stay free, which the authors found smoother for G.
    (The paper writes W^T W with filters as columns; the Gram matrix of the
    filters is the same.) Like the authors' code, every parameter with two or
    more axes is viewed as (shape[0], -1): for ConvTranspose2d's (in, out,
    kh, kw) weight and for embedding tables the rows are input channels and
    classes. Returns a scalar Tensor in the graph of the weights."""
    if not beta >= 0:
        raise ValueError(f"orthogonal_regularization: beta must be >= 0, got {beta!r}")
    total = None
    for p in module.parameters():
        if p.ndim < 2 or not p.requires_grad:
            continue
        w = p.reshape(p.shape[0], -1)
        gram = w @ w.T
        xp = backend.get_array_module(p.array)
        off = gram * ops._operands.constant(1.0 - xp.eye(p.shape[0], dtype=p.dtype))
        term = (off * off).sum()
        total = term if total is None else total + term
    if total is None:
        raise ValueError(f"orthogonal_regularization: {type(module).__name__} has no trainable "
                         "weight with two or more axes")
    return total * beta


class HistoricalAverage:
    """Historical averaging (Salimans et al. 2016, section 3.3): each player
    adds

        weight * sum_params || theta - (1/t) sum_{i=1..t} theta_i ||^2

    to its loss, theta_i being the parameters after its i-th update (theta_1
    the initial ones). The average moves slowly, so a player that starts to
    cycle is pulled back to where it has been, which (for low-dimensional
    games) helps reach equilibria gradient descent circles around.

    ``penalty(module)`` gives the term in the graph of the parameters;
    ``update(module)`` folds in the current parameters (call it after each
    optimiser step). The running mean and t are training state
    (:meth:`state_dict` / :meth:`load_state_dict`)."""

    def __init__(self, module, weight: float = 1.0):
        if not weight > 0:
            raise ValueError(f"HistoricalAverage: weight must be positive, got {weight!r}")
        self.weight = float(weight)
        self.count = 0
        self.means = []
        self.update(module)

    def update(self, module) -> None:
        """mean <- mean + (theta - mean) / t (a running mean of the parameters)."""
        params = list(module.parameters())
        self.count += 1
        if self.count == 1:
            self.means = [p.array.copy() for p in params]
            return
        for m, p in zip(self.means, params):
            m += (p.array - m) / self.count

    def penalty(self, module):
        total = None
        for m, p in zip(self.means, module.parameters()):
            d = p - ops._operands.constant(m)
            term = (d * d).sum()
            total = term if total is None else total + term
        return total * self.weight

    def state_dict(self) -> dict:
        return {"count": self.count, "means": list(self.means)}

    def load_state_dict(self, state) -> None:
        means = list(state["means"])
        if len(means) != len(self.means) or any(tuple(a.shape) != tuple(b.shape)
                                                for a, b in zip(means, self.means)):
            raise RuntimeError("HistoricalAverage.load_state_dict: the saved averages do not fit "
                               "the module's parameters")
        # checkpoints hold host arrays; the averages live where the parameters do
        self.means = [backend.to_device(np.array(m, dtype=b.dtype), backend.device_of(b))
                      for m, b in zip(means, self.means)]
        self.count = int(state["count"])
