"""One training iteration per GAN family (chainer-gan-lib's "updater").

Every family runs the same loop (Goodfellow et al. 2014, Algorithm 1):

    for k steps:   real batch x, noise z;  fake = G(z) detached
                   update D on loss_D(D(x), D(fake)) [+ penalty]
    once:          noise z;  update G on loss_G(D(G(z)))

and differs only in the objective, k, and how D is kept in check. Each
``Updater.step`` returns the figures worth watching, as plain floats.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .. import ops
from ..autograd.grad_mode import no_grad
from ..random import normal_array
from .losses import get_loss
from .penalties import clip_weights_, gradient_penalty


@dataclass
class UpdaterConfig:
    loss: str = "nonsaturating"
    n_disc: int = 1
    gp_weight: float = 0.0  # WGAN-GP's lambda
    clip: float = 0.0  # WGAN's weight clipping bound
    real_label: float = 1.0  # 0.9 = one-sided label smoothing

    def validate(self):
        get_loss(self.loss)
        if not isinstance(self.n_disc, int) or self.n_disc < 1:
            raise ValueError(f"n_disc (discriminator steps per generator step) must be an integer "
                             f">= 1, got {self.n_disc!r}")
        if self.gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0, got {self.gp_weight}")
        if self.clip < 0:
            raise ValueError(f"clip must be >= 0, got {self.clip}")
        if not 0.0 < self.real_label <= 1.0:
            raise ValueError(f"real_label must be in (0, 1], got {self.real_label}")


def grad_norm(module) -> float:
    """L2 norm of all parameter gradients of ``module`` (0 if none)."""
    total = 0.0
    for p in module.parameters():
        if p.grad is not None:
            total += float((p.grad._data.astype("float64") ** 2).sum())
    return math.sqrt(total)


class Updater:
    def __init__(self, G, D, opt_G, opt_D, latent_dim: int, config: UpdaterConfig):
        config.validate()
        self.G, self.D, self.opt_G, self.opt_D = G, D, opt_G, opt_D
        self.latent_dim, self.config = latent_dim, config
        self.d_loss_fn, self.g_loss_fn = get_loss(config.loss)

    def noise(self, n, like):
        from ..autograd.tensor import Tensor

        return Tensor._wrap(normal_array((n, self.latent_dim), like.dtype, like.device))

    def _probability(self, logits) -> float:
        """Mean D output shown to people: a probability for cross-entropy
        losses, the raw critic value otherwise."""
        if self.config.loss in ("minimax", "nonsaturating"):
            return float(ops.sigmoid(logits.detach()).mean().item())
        return float(logits.detach().mean().item())

    def step(self, next_real) -> dict:
        """One iteration: ``n_disc`` D steps on batches from ``next_real()``,
        then one G step. Returns the logged figures."""
        cfg, G, D = self.config, self.G, self.D
        log = {}
        for _ in range(cfg.n_disc):
            real = next_real()
            with no_grad():
                fake = G(self.noise(real.shape[0], real))
            real_out, fake_out = D(real), D(fake)
            if cfg.loss in ("minimax", "nonsaturating"):
                d_loss = self.d_loss_fn(real_out, fake_out, real_label=cfg.real_label)
            else:
                d_loss = self.d_loss_fn(real_out, fake_out)
            total = d_loss
            if cfg.gp_weight > 0:
                gp, gnorm = gradient_penalty(D, real, fake, cfg.gp_weight)
                total = d_loss + gp
                log["gp"], log["critic_grad_norm_x"] = float(gp.item()), gnorm
            self.opt_D.zero_grad()
            total.backward()
            log["d_grad_norm"] = grad_norm(D)
            self.opt_D.step()
            if cfg.clip > 0:
                clip_weights_(D, cfg.clip)
            log["d_loss"] = float(total.item())
            log["d_real"] = self._probability(real_out)
            log["d_fake"] = self._probability(fake_out)
            log["wasserstein"] = float(real_out.detach().mean().item() - fake_out.detach().mean().item())

        z = self.noise(real.shape[0], real)
        # D is frozen for the G step: its weight gradients would be wasted work
        frozen = [p for p in D.parameters() if p.requires_grad]
        for p in frozen:
            p.requires_grad = False
        try:
            g_loss = self.g_loss_fn(D(G(z)))
            self.opt_G.zero_grad()
            g_loss.backward()
        finally:
            for p in frozen:
                p.requires_grad = True
        log["g_grad_norm"] = grad_norm(G)
        self.opt_G.step()
        log["g_loss"] = float(g_loss.item())
        return log
