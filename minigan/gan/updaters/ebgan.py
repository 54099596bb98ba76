"""Autoencoder discriminators: EBGAN (Zhao, Mathieu & LeCun 2017) and BEGAN
(Berthelot, Schumm & Metz 2017), the updaters of the ebgan and began families.

D is an autoencoder, and its score of a batch is the per-sample
reconstruction error (:func:`minigan.gan.losses.reconstruction_error`):
EBGAN's energy E(v) = mean (AE(v) - v)^2, BEGAN's L(v) = mean |AE(v) - v|.

    EBGAN:  loss_D = E(x) + max(0, m - E(G(z)))     loss_G = E(G(z)) [+ w PT]
    BEGAN:  loss_D = L(x) - k_t L(G(z))             loss_G = L(G(z)) [+ w PT]
            k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)

m = ``config.margin``; PT: EBGAN's pulling-away term, weight ``config.pt_weight``,
on D's codes ``D.features`` (EBGAN) or last hidden layer ``D.hidden`` (BEGAN);
k_t (:class:`minigan.gan.losses.BEGANBalance`) is kept in the checkpoint.
"""
from __future__ import annotations

from ..losses import (BEGANBalance, began_discriminator_loss, began_generator_loss, ebgan_discriminator_loss,
                      ebgan_generator_loss, pulling_away_term, reconstruction_error)
from .base import GANUpdater
from .parts import call


class EBGANUpdater(GANUpdater):
    p = 2  # the energy is a squared error
    pt_on = "features"  # the pulling-away term compares the codes S = Enc(G(z)), as in the paper

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.config.pt_weight > 0 and not hasattr(self.D, self.pt_on):
            raise ValueError(f"pt_weight needs D.{self.pt_on}(x); {type(self.D).__name__} has none")

    def score(self, x, y=None):
        return reconstruction_error(x, call(self.D, x, y), p=self.p)

    def probability(self, out) -> float:
        return float(out.mean().item())

    def d_loss(self, real_out, fake_out):
        return ebgan_discriminator_loss(real_out, fake_out, self.config.margin)

    def g_loss(self, fake_in, y, figures):
        return self.pulled_apart(ebgan_generator_loss(self.score(fake_in, y)), fake_in, y, figures)

    def pulled_apart(self, loss, fake_in, y, figures):
        """``loss`` + pt_weight PT(D.<pt_on>(G(z))), PT logged as 'pt'."""
        if self.config.pt_weight > 0:
            pt = pulling_away_term(call(getattr(self.D, self.pt_on), fake_in, y))
            figures["pt"], loss = float(pt.item()), loss + pt * self.config.pt_weight
        return loss


class BEGANUpdater(EBGANUpdater):
    p = 1  # L1, eta = 1 in the paper
    pt_on = "hidden"  # on the 8-unit code of the 2-D D, PT left G at the origin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.balance = BEGANBalance(self.config.began_gamma, self.config.began_lambda_k)

    def d_loss(self, real_out, fake_out):
        return began_discriminator_loss(real_out, fake_out, self.balance.k)

    def g_loss(self, fake_in, y, figures):
        out = self.score(fake_in, y)
        figures["g_fake_error"] = float(out.detach().mean().item())
        return self.pulled_apart(began_generator_loss(out), fake_in, y, figures)

    def step(self, next_real, progress: float = 0.0) -> dict:
        log = super().step(next_real, progress)
        # eq. 4 of the paper: gamma L(x) from D's step, L(G(z)) from G's
        log.update(self.balance.update(log["d_real"], log["g_fake_error"]))
        return log

    def state_dict(self) -> dict:
        return {"began": self.balance.state_dict(), **super().state_dict()}

    def load_state_dict(self, state: dict, device: str = "cpu") -> None:
        super().load_state_dict(state, device)
        self.balance.load_state_dict(state["began"])
