"""One training iteration per GAN family (chainer-gan-lib's "updater").

Every family runs the same loop (Goodfellow et al. 2014, Algorithm 1):

    for k steps:   real batch x, noise z;  fake = G(z) detached
                   update D on loss_D(D(x), D(fake)) [+ penalty]
    once:          noise z;  update G on loss_G(D(G(z)))

and differs only in the objective, k, and how D is kept in check. Each
``Updater.step`` returns the figures worth watching, as plain floats.

D always sees real and fake samples in *separate* calls, D(x) and D(fake),
never one concatenated batch (a "GAN hack", Chintala et al. 2016): with
batch normalisation in D, a mixed batch would let D tell the two apart by
batch statistics alone.

Training tricks, each off by default (see :class:`UpdaterConfig`):

* objectives: every name in :data:`minigan.gan.losses.LOSSES`, including
  the autoencoder objectives EBGAN (margin loss, pulling-away term) and BEGAN
  (equilibrium k_t); penalties WGAN-GP and DRAGAN;
* Salimans et al. 2016: one-sided label smoothing (``real_label``), feature
  matching for G, historical averaging of G's and/or D's parameters;
* a replay buffer of past fakes for D (Shrivastava et al. 2017);
* an adaptive schedule: skip D's update while its loss is below a threshold,
  repeat G's update while its loss is above one;
* instance noise on D's inputs, annealed to 0 (Sønderby et al. 2017);
* orthogonal regularisation of G (Brock et al. 2019).

Conditional GANs: when G has an attribute ``num_classes``, batches from
``next_real()`` are ``(x, y)`` pairs, fake labels are drawn uniformly, and
the networks are called as G(z, y) and D(x, y).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import backend, ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..random import generator, normal_array
from .losses import AUTOENCODER_LOSSES, BEGANBalance, feature_matching_loss, get_loss, \
    pulling_away_term, reconstruction_error
from .penalties import HistoricalAverage, clip_weights_, dragan_penalty, gradient_penalty, \
    orthogonal_regularization

PENALTIES = (None, "wgan-gp", "dragan")
HISTORY_TARGETS = ("g", "d", "both")


@dataclass
class UpdaterConfig:
    loss: str = "nonsaturating"
    n_disc: int = 1
    gp_weight: float = 0.0  # WGAN-GP's lambda
    clip: float = 0.0  # WGAN's weight clipping bound
    real_label: float = 1.0  # 0.9 = one-sided label smoothing
    #: extra gradient penalty on D: None, 'wgan-gp' or 'dragan' (weight ``penalty_weight``)
    penalty: str | None = None
    penalty_weight: float = 10.0
    margin: float = 1.0  # EBGAN's m, in units of the energy (per-sample mean squared error)
    pt_weight: float = 0.0  # EBGAN's pulling-away term weight (0.1 in the paper)
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
        if self.pt_weight > 0 and self.loss != "ebgan":
            raise ValueError(f"pt_weight (EBGAN's pulling-away term) needs loss='ebgan', got "
                             f"{self.loss!r}")


def grad_norm(module) -> float:
    """L2 norm of all parameter gradients of ``module`` (0 if none).

    The squares are summed where the gradients live (float32 dot products,
    no float64 copies) and cross to the host once, as one logged scalar."""
    total = None
    for p in module.parameters():
        if p.grad is not None:
            g = p.grad._data.ravel()
            sq = backend.get_array_module(g).vdot(g, g)
            total = sq if total is None else total + sq
    return 0.0 if total is None else math.sqrt(float(total))


class ReplayBuffer:
    """A pool of past generated samples for D (Shrivastava et al., "Learning
    from Simulated and Unsupervised Images through Adversarial Training",
    CVPR 2017, section 2.3).

    A D trained only on the current G's samples forgets the artefacts of
    earlier generators, and G can return to them; mixing in old samples keeps
    D's memory. :meth:`mix` turns a fresh fake batch of b samples into D's
    batch: ``round(fraction * b)`` samples drawn uniformly from the pool (once
    it holds that many), the rest fresh. The fresh ones then enter the pool,
    filling it up to ``capacity`` and afterwards each replacing a sample
    chosen uniformly. Random choices come from minigan's seeded stream; the
    pool is training state (:meth:`state_dict`)."""

    def __init__(self, capacity: int, fraction: float = 0.5):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"ReplayBuffer: capacity must be a positive int, got {capacity!r}")
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"ReplayBuffer: fraction must be in (0, 1), got {fraction!r}")
        self.capacity, self.fraction = capacity, fraction
        self.data = None  # (size, *sample_shape), allocated on the first push
        self.labels = None
        self.size = 0

    def __len__(self):
        return self.size

    def mix(self, fake: Tensor, labels: Tensor | None = None):
        """D's fake batch (and its labels) from a fresh, detached batch ``fake``."""
        n = fake.shape[0]
        n_old = int(round(self.fraction * n))
        rng = generator("cpu")
        if self.size < n_old or n_old == 0:
            self._push(fake._data, None if labels is None else labels._data, rng)
            return fake, labels
        xp = backend.get_array_module(fake._data)
        n_new = n - n_old
        pick = rng.integers(0, self.size, n_old)
        pick_dev = backend.to_device(pick, backend.device_of(fake._data))
        x = xp.concatenate([fake._data[:n_new], self.data[pick_dev]])
        y = None if labels is None else xp.concatenate([labels._data[:n_new], self.labels[pick_dev]])
        self._push(fake._data[:n_new], None if labels is None else labels._data[:n_new], rng)
        return Tensor._wrap(x), (None if y is None else Tensor._wrap(y))

    def _push(self, x, y, rng):
        xp = backend.get_array_module(x)
        if self.data is None:
            self.data = xp.empty((self.capacity,) + tuple(x.shape[1:]), dtype=x.dtype)
            if y is not None:
                self.labels = xp.empty((self.capacity,), dtype=y.dtype)
        free = min(self.capacity - self.size, len(x))
        if free:
            self.data[self.size:self.size + free] = x[:free]
            if y is not None:
                self.labels[self.size:self.size + free] = y[:free]
            self.size += free
        rest = len(x) - free
        if rest:
            slots = backend.to_device(rng.choice(self.capacity, rest, replace=False),
                                      backend.device_of(x))
            self.data[slots] = x[free:]
            if y is not None:
                self.labels[slots] = y[free:]

    def state_dict(self) -> dict:
        state = {"size": self.size}
        if self.size:
            state["data"] = self.data[:self.size]
            if self.labels is not None:
                state["labels"] = self.labels[:self.size]
        return state

    def load_state_dict(self, state, device: str = "cpu") -> None:
        self.size = int(state["size"])
        self.data = self.labels = None
        if self.size:
            data = backend.to_device(np.asarray(state["data"]), device)
            if self.size > self.capacity or len(data) != self.size:
                raise RuntimeError(f"ReplayBuffer.load_state_dict: {len(data)} saved samples do not "
                                   f"fit a buffer of capacity {self.capacity}")
            self.data = backend.get_array_module(data).empty((self.capacity,) + data.shape[1:],
                                                             dtype=data.dtype)
            self.data[:self.size] = data
            if "labels" in state:
                labels = backend.to_device(np.asarray(state["labels"]), device)
                self.labels = backend.get_array_module(labels).empty((self.capacity,),
                                                                     dtype=labels.dtype)
                self.labels[:self.size] = labels


class Updater:
    def __init__(self, G, D, opt_G, opt_D, latent_dim: int, config: UpdaterConfig,
                 batch_size: int | None = None):
        config.validate()
        self.G, self.D, self.opt_G, self.opt_D = G, D, opt_G, opt_D
        self.latent_dim, self.config = latent_dim, config
        self.d_loss_fn, self.g_loss_fn = get_loss(config.loss)
        self.autoencoder = config.loss in AUTOENCODER_LOSSES
        self.num_classes = getattr(G, "num_classes", None)
        if (config.feature_matching or config.pt_weight > 0) and not hasattr(D, "features"):
            raise ValueError(f"feature matching and the pulling-away term need D.features(x), "
                             f"which {type(D).__name__} does not have")
        self.balance = BEGANBalance(config.began_gamma, config.began_lambda_k) \
            if config.loss == "began" else None
        self.history = {}
        if config.hist_weight > 0:
            if config.hist_on in ("g", "both"):
                self.history["G"] = HistoricalAverage(G, config.hist_weight)
            if config.hist_on in ("d", "both"):
                self.history["D"] = HistoricalAverage(D, config.hist_weight)
        self.replay = None
        if config.replay_size > 0:
            if batch_size is None:
                raise ValueError("the replay buffer's capacity is counted in batches: pass batch_size")
            self.replay = ReplayBuffer(config.replay_size * batch_size, config.replay_fraction)

    # ------------------------------------------------------------ pieces
    def noise(self, n, like):
        return Tensor._wrap(normal_array((n, self.latent_dim), like.dtype, like.device))

    def labels(self, n, like):
        """Fake labels, uniform over the classes, int64 (n,)."""
        y = generator("cpu").integers(0, self.num_classes, n).astype(np.int64)
        return Tensor._wrap(backend.to_device(y, like.device))

    def generate(self, z, y=None):
        return self.G(z) if y is None else self.G(z, y)

    def discriminate(self, x, y=None):
        return self.D(x) if y is None else self.D(x, y)

    def features(self, x, y=None):
        return self.D.features(x) if y is None else self.D.features(x, y)

    def score(self, x, y=None):
        """D's per-sample verdict: its logits / critic values, or for an
        autoencoder D the reconstruction error (EBGAN energy, BEGAN L)."""
        out = self.discriminate(x, y)
        if self.autoencoder:
            return reconstruction_error(x, out, p=2 if self.config.loss == "ebgan" else 1)
        if out.ndim != 2 or out.shape[1] != 1:
            raise ValueError(f"loss {self.config.loss!r} needs D to return one logit per sample, shape "
                             f"({x.shape[0]}, 1), got {tuple(out.shape)}; an autoencoder D (ebgan, began) "
                             f"takes loss 'ebgan' or 'began'")
        return out

    def _split(self, batch):
        if isinstance(batch, (tuple, list)):
            x, y = batch
            if self.num_classes is None:
                raise ValueError("next_real() gave (x, y) pairs but G is not conditional (no num_classes)")
            return x, y
        if self.num_classes is not None:
            raise ValueError(f"G is conditional ({self.num_classes} classes): next_real() must give "
                             f"(x, y) pairs with labels y")
        return batch, None

    def noise_std(self, progress: float) -> float:
        """Instance noise sigma_t = sigma_0 * (1 - progress), progress = step / total steps."""
        return self.config.instance_noise * max(0.0, 1.0 - progress)

    @staticmethod
    def _noisy(x, std):
        if std <= 0:
            return x
        return x + Tensor._wrap(normal_array(tuple(x.shape), x.dtype, x.device) * std)

    def _probability(self, out) -> float:
        """Mean D output shown to people: a probability for cross-entropy
        losses, the raw critic value (or reconstruction error) otherwise."""
        if self.config.loss in ("minimax", "nonsaturating"):
            return float(ops.sigmoid(out.detach()).mean().item())
        return float(out.detach().mean().item())

    def _d_loss(self, real_out, fake_out):
        cfg = self.config
        if cfg.loss in ("minimax", "nonsaturating"):
            return self.d_loss_fn(real_out, fake_out, real_label=cfg.real_label)
        if cfg.loss == "ebgan":
            return self.d_loss_fn(real_out, fake_out, cfg.margin)
        if cfg.loss == "began":
            return self.d_loss_fn(real_out, fake_out, self.balance.k)
        return self.d_loss_fn(real_out, fake_out)

    # ------------------------------------------------------------ the iteration
    def step(self, next_real, progress: float = 0.0) -> dict:
        """One iteration: ``n_disc`` D steps on batches from ``next_real()``,
        then one G step (more under the adaptive schedule). ``progress`` in
        [0, 1] (step / total steps) sets the instance-noise level. Returns the
        logged figures."""
        cfg, D = self.config, self.D
        std = self.noise_std(progress)
        log = {}
        skipped = 0
        for i in range(cfg.n_disc):
            # only the last D step's figures are logged: reading a number is a
            # host transfer (a GPU sync), so earlier steps read none
            last = i == cfg.n_disc - 1
            real, y_real = self._split(next_real())
            n = real.shape[0]
            y_fake = self.labels(n, real) if self.num_classes is not None else None
            with no_grad():
                fake = self.generate(self.noise(n, real), y_fake)
            if self.replay is not None:
                fake, y_fake = self.replay.mix(fake, y_fake)
            real_in, fake_in = self._noisy(real, std), self._noisy(fake, std)
            real_out, fake_out = self.score(real_in, y_real), self.score(fake_in, y_fake)
            d_loss = self._d_loss(real_out, fake_out)
            total = d_loss
            if cfg.d_threshold is not None and float(d_loss.item()) < cfg.d_threshold:
                skipped += 1  # D is ahead: let G catch up
            else:
                critic = (lambda v: self.score(v, y_real)) if y_real is not None else self.score
                gp = None
                if cfg.gp_weight > 0 or cfg.penalty == "wgan-gp":
                    weight = cfg.gp_weight if cfg.gp_weight > 0 else cfg.penalty_weight
                    gp, gnorm = gradient_penalty(critic, real_in, fake_in, weight,
                                                 norm_as_tensor=True)
                elif cfg.penalty == "dragan":
                    gp, gnorm = dragan_penalty(critic, real_in, cfg.penalty_weight,
                                               norm_as_tensor=True)
                if gp is not None:
                    total = total + gp
                    if last:
                        log["gp"], log["critic_grad_norm_x"] = float(gp.item()), float(gnorm.item())
                if "D" in self.history:
                    total = total + self.history["D"].penalty(D)
                self.opt_D.zero_grad()
                total.backward()
                if last:
                    log["d_grad_norm"] = grad_norm(D)
                self.opt_D.step()
                if cfg.clip > 0:
                    clip_weights_(D, cfg.clip)
                if "D" in self.history:
                    self.history["D"].update(D)
            if last:
                real_out, fake_out = real_out.detach(), fake_out.detach()
                log["d_loss"] = float(total.item())
                log["d_real"] = self._probability(real_out)
                log["d_fake"] = self._probability(fake_out)
                log["wasserstein"] = float((real_out.mean() - fake_out.mean()).item())
        log.setdefault("d_grad_norm", 0.0)
        if cfg.d_threshold is not None:
            log["d_skipped"] = float(skipped)
        if cfg.instance_noise > 0:
            log["instance_noise"] = std

        # D is frozen for the G step: its weight gradients would be wasted work
        frozen = [p for p in D.parameters() if p.requires_grad]
        for p in frozen:
            p.requires_grad = False
        try:
            g_steps = 0
            while True:
                g_loss, figures = self._g_step(real_in, y_real, n, std)
                g_steps += 1
                if cfg.g_threshold is None or g_steps >= cfg.max_g_steps or g_loss <= cfg.g_threshold:
                    break
        finally:
            for p in frozen:
                p.requires_grad = True
        log.update(figures)
        if cfg.g_threshold is not None:
            log["g_steps"] = float(g_steps)
        if self.balance is not None:
            # eq. 4 of the BEGAN paper: gamma L(x) from D's step, L(G(z_G)) from G's
            log.update(self.balance.update(log["d_real"], figures["g_fake_error"]))
        return log

    def _g_step(self, real_in, y_real, n, std):
        cfg, G = self.config, self.G
        like = real_in
        y = self.labels(n, like) if self.num_classes is not None else None
        fake_in = self._noisy(self.generate(self.noise(n, like), y), std)
        figures = {}
        if cfg.feature_matching:
            with no_grad():
                real_features = self.features(real_in, y_real)
            g_loss = feature_matching_loss(real_features, self.features(fake_in, y))
        else:
            out = self.score(fake_in, y)
            g_loss = self.g_loss_fn(out)
            if self.balance is not None:
                figures["g_fake_error"] = float(out.detach().mean().item())
            if cfg.pt_weight > 0:
                pt = pulling_away_term(self.features(fake_in, y))
                figures["pt"] = float(pt.item())
                g_loss = g_loss + pt * cfg.pt_weight
        total = g_loss
        if cfg.ortho_weight > 0:
            ortho = orthogonal_regularization(G, cfg.ortho_weight)
            figures["ortho"] = float(ortho.item())
            total = total + ortho
        if "G" in self.history:
            total = total + self.history["G"].penalty(G)
        self.opt_G.zero_grad()
        total.backward()
        figures["g_grad_norm"] = grad_norm(G)
        self.opt_G.step()
        if "G" in self.history:
            self.history["G"].update(G)
        figures["g_loss"] = float(g_loss.item())  # the objective alone, without regularisers
        return figures["g_loss"], figures

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """Training state beyond the networks and optimisers: BEGAN's k,
        historical averages, the replay buffer."""
        state = {}
        if self.balance is not None:
            state["began"] = self.balance.state_dict()
        for name, h in self.history.items():
            state[f"history_{name}"] = h.state_dict()
        if self.replay is not None:
            state["replay"] = self.replay.state_dict()
        return state

    def load_state_dict(self, state, device: str = "cpu") -> None:
        expected = set(self.state_dict())
        if set(state) != expected:
            raise RuntimeError(f"the checkpoint's updater state has parts {sorted(state)}, but this "
                               f"configuration keeps {sorted(expected)}")
        if self.balance is not None:
            self.balance.load_state_dict(state["began"])
        for name, h in self.history.items():
            h.load_state_dict(state[f"history_{name}"])
        if self.replay is not None:
            self.replay.load_state_dict(state["replay"], device)
