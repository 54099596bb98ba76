"""Gradient penalties on the critic: WGAN-GP (Gulrajani et al., "Improved
Training of Wasserstein GANs", NeurIPS 2017) and DRAGAN (Kodali et al. 2017).
The updater of the wgan-gp family, and of any logit loss with a penalty.

Instead of clipping weights, D's loss gets a soft Lipschitz constraint:

    WGAN-GP:  x_hat = a x + (1 - a) G(z), a ~ U[0, 1]     (between real and fake)
    DRAGAN:   x_hat = x + a c std(x) u,   u ~ U[0, 1]^d   (around the real data)
    penalty = lambda E[(||grad_x D(x_hat)||_2 - 1)^2]

(:func:`minigan.gan.penalties.gradient_penalty`, :func:`dragan_penalty`),
with lambda = ``config.gp_weight`` (10 in the paper) or, for ``config.penalty``
'wgan-gp' / 'dragan', ``config.penalty_weight``. The gradient is taken with
``create_graph=True``, so backward differentiates through it into D's weights.
Logged: ``gp`` and ``critic_grad_norm_x``, the mean ||grad_x D(x_hat)||.
"""
from __future__ import annotations

from ..penalties import dragan_penalty, gradient_penalty
from .logit import LogitUpdater


class GradientPenaltyUpdater(LogitUpdater):
    def d_penalty(self, total, real_in, fake_in, y_real, log):
        cfg = self.config
        critic = (lambda v: self.score(v, y_real)) if y_real is not None else self.score
        if cfg.penalty == "dragan":
            gp, gnorm = dragan_penalty(critic, real_in, cfg.penalty_weight, norm_as_tensor=True)
        else:
            weight = cfg.gp_weight if cfg.gp_weight > 0 else cfg.penalty_weight
            gp, gnorm = gradient_penalty(critic, real_in, fake_in, weight, norm_as_tensor=True)
        if log is not None:  # the norm stays on the device until it is logged
            log["gp"], log["critic_grad_norm_x"] = float(gp.item()), float(gnorm.item())
        return total + gp
