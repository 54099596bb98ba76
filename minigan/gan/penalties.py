"""Ways to keep a critic Lipschitz: the WGAN-GP penalty and WGAN weight clipping."""
from __future__ import annotations

from .. import ops
from ..autograd.engine import grad
from ..autograd.grad_mode import no_grad
from ..random import uniform_array


def gradient_penalty(critic, real, fake, weight: float = 10.0, eps: float = 1e-12):
    """WGAN-GP (Gulrajani et al. 2017, Algorithm 1):

        x_hat = a x + (1 - a) G(z),   a ~ U[0, 1] per sample
        GP    = weight * E[(||grad_{x_hat} D(x_hat)||_2 - 1)^2]

    ``eps`` inside the square root keeps the norm differentiable where the
    gradient vanishes. The gradient is taken with ``create_graph=True``, so
    ``GP.backward()`` differentiates *through* it into the critic's weights.
    Returns (penalty, mean gradient norm as a float)."""
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real batch {real.shape} and fake batch {fake.shape} differ")
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    a = ops._operands.constant(uniform_array(shape, real.dtype, real.device))
    x_hat = (a * real.detach() + (1.0 - a) * fake.detach()).detach().requires_grad_()
    out = critic(x_hat)
    (g,) = grad(out.sum(), x_hat, create_graph=True)
    norms = ops.sqrt((g * g).reshape(g.shape[0], -1).sum(axis=1) + eps)
    penalty = ((norms - 1.0) ** 2).mean() * weight
    return penalty, float(norms.detach().mean().item())


def clip_weights_(module, clip: float = 0.01) -> None:
    """WGAN's crude Lipschitz constraint (Arjovsky et al. 2017): clamp every
    critic parameter to [-clip, clip] after each critic step."""
    if clip <= 0:
        raise ValueError(f"clip must be positive, got {clip}")
    with no_grad():
        for p in module.parameters():
            p.clamp_(-clip, clip)
