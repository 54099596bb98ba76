"""What an updater is asked to do: the objective, D steps per G step, the
penalties and the training tricks, as one flat, checked record.

:class:`UpdaterConfig` picks the updater (:func:`minigan.gan.updaters.updater_for`)
and turns the tricks on (:func:`minigan.gan.updaters.tricks.from_config`);
``validate`` refuses settings that contradict each other, naming both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..losses import AUTOENCODER_LOSSES, BEGANBalance, get_loss

PENALTIES = (None, "wgan-gp", "dragan")
HISTORY_TARGETS = ("g", "d", "both")


@dataclass
class UpdaterConfig:
    """The objective (``loss``, ``n_disc``), how D is bounded (``clip``: WGAN;
    ``gp_weight`` / ``penalty``: WGAN-GP, DRAGAN), the autoencoder families'
    knobs (EBGAN's ``margin``; BEGAN's ``began_*``; ``pt_weight``, both), one-sided
    label smoothing (``real_label``) and the tricks of :mod:`.tricks`, all off
    by default."""

    loss: str = "nonsaturating"
    n_disc: int = 1
    gp_weight: float = 0.0  # WGAN-GP's lambda
    clip: float = 0.0  # WGAN's weight clipping bound
    real_label: float = 1.0  # 0.9 = one-sided label smoothing
    #: extra gradient penalty on D (None, 'wgan-gp' or 'dragan'), weight ``penalty_weight``
    penalty: str | None = None
    penalty_weight: float = 10.0
    margin: float = 1.0  # EBGAN's m, in units of the energy (per-sample mean squared error)
    pt_weight: float = 0.0  # EBGAN's pulling-away term weight (0.1 in its paper), ebgan or began
    began_gamma: float = 0.5  # BEGAN's diversity ratio
    began_lambda_k: float = 0.001  # BEGAN's proportional gain for k_t
    feature_matching: bool = False  # G matches mean D features (Salimans et al. 2016)
    hist_weight: float = 0.0  # historical averaging weight (0: off)
    hist_on: str = "both"  # ... applied to 'g', 'd' or 'both'
    replay_size: int = 0  # replay buffer capacity in batches (0: off; Shrivastava et al. use 50)
    replay_fraction: float = 0.5  # share of each fake batch for D drawn from the buffer
    d_threshold: float | None = None  # skip D's update when its loss is below this
    g_threshold: float | None = None  # repeat G's update while its loss is above this ...
    max_g_steps: int = 1  # ... up to this many G updates per iteration
    instance_noise: float = 0.0  # std of Gaussian noise on D's inputs at step 0, annealed to 0
    ortho_weight: float = 0.0  # BigGAN orthogonal regularisation of G (beta; 1e-4 in the paper)

    def validate(self):
        get_loss(self.loss)
        if not isinstance(self.n_disc, int) or self.n_disc < 1:
            raise ValueError(f"n_disc (discriminator steps per generator step) must be an integer "
                             f">= 1, got {self.n_disc!r}")
        for name in ("gp_weight", "clip", "pt_weight", "hist_weight", "instance_noise",
                     "ortho_weight", "penalty_weight"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {v!r}")
        if not 0.0 < self.real_label <= 1.0:
            raise ValueError(f"real_label must be in (0, 1], got {self.real_label}")
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {', '.join(map(str, PENALTIES))}, got "
                             f"{self.penalty!r}")
        if self.penalty is not None and self.gp_weight > 0:
            raise ValueError(f"gp_weight={self.gp_weight} already adds the WGAN-GP penalty; give "
                             f"penalty={self.penalty!r} with penalty_weight instead, not both")
        if not self.margin > 0:
            raise ValueError(f"margin (EBGAN) must be positive, got {self.margin!r}")
        BEGANBalance(self.began_gamma, self.began_lambda_k)  # checks both
        if self.hist_on not in HISTORY_TARGETS:
            raise ValueError(f"hist_on must be one of {', '.join(HISTORY_TARGETS)}, got {self.hist_on!r}")
        if not isinstance(self.replay_size, int) or isinstance(self.replay_size, bool) \
                or self.replay_size < 0:
            raise ValueError(f"replay_size (buffer capacity in batches) must be an integer >= 0, got "
                             f"{self.replay_size!r}")
        if not 0.0 < self.replay_fraction < 1.0:
            raise ValueError(f"replay_fraction must be in (0, 1), got {self.replay_fraction!r}")
        if not isinstance(self.max_g_steps, int) or self.max_g_steps < 1:
            raise ValueError(f"max_g_steps must be an integer >= 1, got {self.max_g_steps!r}")
        if self.g_threshold is not None and self.max_g_steps == 1:
            raise ValueError("g_threshold repeats G's update while its loss is above it, up to "
                             "max_g_steps updates: give max_g_steps >= 2 as well")
        for name in ("d_threshold", "g_threshold"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise ValueError(f"{name} must be a finite number or None, got {v!r}")
        if self.loss in AUTOENCODER_LOSSES and self.real_label != 1.0:
            raise ValueError(f"real_label (label smoothing) applies to cross-entropy losses, not "
                             f"{self.loss!r}")
        if self.pt_weight > 0 and self.loss not in AUTOENCODER_LOSSES:
            raise ValueError(f"pt_weight={self.pt_weight} (EBGAN's pulling-away term) needs an autoencoder "
                             f"D, loss 'ebgan' or 'began', got {self.loss!r}: give pt_weight=0 with it")
        # each updater bounds D one way: the objective's own, clipping or a gradient penalty
        penalised = self.gp_weight > 0 or self.penalty is not None
        if self.clip > 0 and penalised:
            raise ValueError(f"clip={self.clip} (WGAN's weight clipping) and a gradient penalty "
                             f"(gp_weight / penalty) both bound the critic's slope: choose one")
        if self.loss in AUTOENCODER_LOSSES and (penalised or self.clip > 0):
            raise ValueError(f"loss {self.loss!r} trains an autoencoder D by its own objective; "
                             f"clip, gp_weight and penalty apply to logit / critic losses")
        if self.feature_matching and self.loss == "began":
            raise ValueError("feature_matching replaces G's loss, but BEGAN's balance k_t needs it: "
                             "use loss 'began' without feature_matching")
