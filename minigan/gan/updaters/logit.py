"""Objectives on D's logits: the updater of gan, dcgan, cgan, sngan, sagan
and stylegan (and of any logit loss the user picks).

D returns one logit (or critic score) l per sample, (N, 1), and

    loss_D = d_loss(D(x), D(G(z)))        loss_G = g_loss(D(G(z)))

with the pair ``LOSSES[config.loss]`` of :mod:`minigan.gan.losses`:
minimax / non-saturating cross-entropy (Goodfellow et al. 2014), least
squares (Mao et al. 2017), Wasserstein (Arjovsky et al. 2017), hinge (Lim &
Ye 2017; Miyato et al. 2018), all in stable softplus forms on logits. For the
cross-entropy losses ``config.real_label`` < 1 is one-sided label smoothing
(Salimans et al. 2016): only the real target is softened, to that value.
"""
from __future__ import annotations

from ... import ops
from ..losses import get_loss
from .base import GANUpdater
from .parts import call

#: the losses whose D output is the logit of a probability
CROSS_ENTROPY = ("minimax", "nonsaturating")


class LogitUpdater(GANUpdater):
    def score(self, x, y=None):
        """D's logits / critic values, (N, 1)."""
        out = call(self.D, x, y)
        if out.ndim != 2 or out.shape[1] != 1:
            raise ValueError(f"loss {self.config.loss!r} needs D to return one logit per sample, shape "
                             f"({x.shape[0]}, 1), got {tuple(out.shape)}; an autoencoder D (ebgan, began) "
                             f"takes loss 'ebgan' or 'began'")
        return out

    def d_loss(self, real_out, fake_out):
        d_loss = get_loss(self.config.loss)[0]
        if self.config.loss in CROSS_ENTROPY:
            return d_loss(real_out, fake_out, real_label=self.config.real_label)
        return d_loss(real_out, fake_out)

    def g_loss(self, fake_in, y, figures):
        return get_loss(self.config.loss)[1](self.score(fake_in, y))

    def probability(self, out) -> float:
        """Mean D output shown to people: sigma(l) for cross-entropy losses, else the raw score."""
        if self.config.loss in CROSS_ENTROPY:
            return float(ops.sigmoid(out).mean().item())
        return float(out.mean().item())
