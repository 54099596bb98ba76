"""Training tricks as small pieces the updater's loop calls at fixed points.

Each trick is a :class:`Trick` that overrides only the hooks it needs; the
loop (:class:`minigan.gan.updaters.base.GANUpdater`) calls every hook of
every trick, in the order of :func:`from_config`:

=================  =========================================================
hook               when
=================  =========================================================
``begin``          at the start of an iteration (``progress`` in [0, 1])
``fake_for_d``     on each fake batch before D sees it
``perturb``        on every input of D (real and fake, D's and G's steps)
``skip_d``         after D's loss: True leaves this D update out
``d_penalty``      adds a term to D's loss
``after_d_step``   after ``opt_D.step()``
``g_loss``         may replace G's objective (None: keep the algorithm's)
``g_penalty``      adds a term to G's loss (and may log it)
``after_g_step``   after ``opt_G.step()``
``repeat_g``       True: one more G step this iteration
``log_d/log_g``    add figures after D's / G's steps
=================  =========================================================

The tricks (all off by default, see :class:`UpdaterConfig`): a replay
buffer of past fakes (Shrivastava et al. 2017), the adaptive D/G schedule,
instance noise (Sønderby et al. 2017), feature matching and historical
averaging (Salimans et al. 2016), orthogonal regularisation of G (Brock et
al. 2019). Their state (``state_dict``) goes into the checkpoint under the
keys ``replay``, ``history_G``, ``history_D``. Two more live elsewhere:
one-sided label smoothing is the ``real_label`` argument of the
cross-entropy loss (:mod:`.logit`), and the EMA of G's weights is kept by
the trainer with :func:`ema_update`.
"""
from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...random import normal_array
from ..losses import feature_matching_loss
from ..penalties import HistoricalAverage, orthogonal_regularization
from .parts import call
from .replay import ReplayBuffer


class Trick:
    """The hooks, each doing nothing: a trick overrides the ones it needs."""

    name = ""

    def begin(self, progress: float) -> None: pass

    def fake_for_d(self, fake, y): return fake, y

    def perturb(self, x): return x

    def skip_d(self, d_loss) -> bool: return False

    def d_penalty(self, D, total): return total

    def after_d_step(self, D) -> None: pass

    def g_loss(self, updater, fake_in, y, real_in, y_real): return None

    def g_penalty(self, G, total, figures): return total

    def after_g_step(self, G) -> None: pass

    def repeat_g(self, g_loss: float, g_steps: int) -> bool: return False

    def log_d(self, log: dict) -> None: pass

    def log_g(self, log: dict) -> None: pass

    def state_dict(self) -> dict: return {}

    def load_state_dict(self, state: dict, device: str = "cpu") -> None: pass


class Replay(Trick):
    """D's fake batches mix in old fakes from a :class:`ReplayBuffer` of
    ``capacity`` samples (``fraction`` of each batch comes from it)."""

    name = "replay"

    def __init__(self, capacity: int, fraction: float):
        self.buffer = ReplayBuffer(capacity, fraction)

    def fake_for_d(self, fake, y):
        return self.buffer.mix(fake, y)

    def state_dict(self):
        return {"replay": self.buffer.state_dict()}

    def load_state_dict(self, state, device="cpu"):
        self.buffer.load_state_dict(state["replay"], device)


class AdaptiveSchedule(Trick):
    """Skip D's update while its loss is below ``d_threshold``; repeat G's
    while its loss is above ``g_threshold``, up to ``max_g_steps`` updates.
    Logs ``d_skipped`` and ``g_steps`` (for the thresholds that are set)."""

    name = "adaptive"

    def __init__(self, d_threshold: float | None, g_threshold: float | None, max_g_steps: int):
        self.d_threshold, self.g_threshold, self.max_g_steps = d_threshold, g_threshold, max_g_steps
        self.skipped = self.g_steps = 0

    def begin(self, progress):
        self.skipped = 0

    def skip_d(self, d_loss):
        # D is ahead: let G catch up (reading the loss is a host transfer, hence only when set)
        skip = self.d_threshold is not None and float(d_loss.item()) < self.d_threshold
        self.skipped += skip
        return skip

    def repeat_g(self, g_loss, g_steps):
        self.g_steps = g_steps
        return self.g_threshold is not None and g_steps < self.max_g_steps and g_loss > self.g_threshold

    def log_d(self, log):
        if self.d_threshold is not None:
            log["d_skipped"] = float(self.skipped)

    def log_g(self, log):
        if self.g_threshold is not None:
            log["g_steps"] = float(self.g_steps)


class InstanceNoise(Trick):
    """Gaussian noise on every input of D (Sønderby et al. 2017), its std
    annealed linearly to 0: sigma_t = sigma_0 (1 - progress)."""

    name = "instance_noise"

    def __init__(self, sigma0: float):
        self.sigma0, self.current = sigma0, sigma0

    def std(self, progress: float) -> float:
        return self.sigma0 * max(0.0, 1.0 - progress)

    def begin(self, progress):
        self.current = self.std(progress)

    def perturb(self, x):
        if self.current <= 0:
            return x
        return x + Tensor.from_array(normal_array(tuple(x.shape), x.dtype, x.device) * self.current)

    def log_d(self, log):
        log["instance_noise"] = self.current


class FeatureMatching(Trick):
    """G's objective becomes ||mean f(x) - mean f(G(z))||^2 on D's features
    f = ``D.features`` (Salimans et al. 2016, :func:`feature_matching_loss`)."""

    name = "feature_matching"

    def __init__(self, D):
        if not hasattr(D, "features"):
            raise ValueError(f"feature matching and the pulling-away term need D.features(x), "
                             f"which {type(D).__name__} does not have")

    def g_loss(self, updater, fake_in, y, real_in, y_real):
        with no_grad():
            real_features = call(updater.D.features, real_in, y_real)
        return feature_matching_loss(real_features, call(updater.D.features, fake_in, y))


class Orthogonal(Trick):
    """BigGAN's orthogonal regularisation of G, weight beta; logs ``ortho``."""

    name = "ortho"

    def __init__(self, beta: float):
        self.beta = beta

    def g_penalty(self, G, total, figures):
        ortho = orthogonal_regularization(G, self.beta)
        figures["ortho"] = float(ortho.item())
        return total + ortho


class HistoricalAveraging(Trick):
    """Each chosen player (``on``: 'g', 'd' or 'both') adds weight ||theta -
    mean of its past theta||^2 to its loss (:class:`HistoricalAverage`)."""

    name = "history"

    def __init__(self, G, D, weight: float, on: str):
        self.averages = {}
        if on in ("g", "both"):
            self.averages["G"] = HistoricalAverage(G, weight)
        if on in ("d", "both"):
            self.averages["D"] = HistoricalAverage(D, weight)

    def _penalty(self, who, module, total):
        return total + self.averages[who].penalty(module) if who in self.averages else total

    def _update(self, who, module):
        if who in self.averages:
            self.averages[who].update(module)

    def d_penalty(self, D, total):
        return self._penalty("D", D, total)

    def after_d_step(self, D):
        self._update("D", D)

    def g_penalty(self, G, total, figures):
        return self._penalty("G", G, total)

    def after_g_step(self, G):
        self._update("G", G)

    def state_dict(self):
        return {f"history_{who}": h.state_dict() for who, h in self.averages.items()}

    def load_state_dict(self, state, device="cpu"):
        for who, h in self.averages.items():
            h.load_state_dict(state[f"history_{who}"])


class Tricks:
    """All the tricks of a run, called as one: each hook runs every trick's
    in turn (values pass from one to the next). ``tricks["replay"]``,
    ``"history" in tricks``: the tricks by name."""

    def __init__(self, tricks=()):
        self.by_name = {t.name: t for t in tricks}
        self.all = list(self.by_name.values())

    def __getitem__(self, name):
        return self.by_name[name]

    def __contains__(self, name):
        return name in self.by_name

    def __iter__(self):
        return iter(self.all)

    def begin(self, progress):
        for t in self.all:
            t.begin(progress)

    def fake_for_d(self, fake, y):
        for t in self.all:
            fake, y = t.fake_for_d(fake, y)
        return fake, y

    def perturb(self, x):
        for t in self.all:
            x = t.perturb(x)
        return x

    def skip_d(self, d_loss) -> bool:
        return any(t.skip_d(d_loss) for t in self.all)

    def d_penalty(self, D, total):
        for t in self.all:
            total = t.d_penalty(D, total)
        return total

    def after_d_step(self, D):
        for t in self.all:
            t.after_d_step(D)

    def g_loss(self, updater, fake_in, y, real_in, y_real):
        for t in self.all:
            loss = t.g_loss(updater, fake_in, y, real_in, y_real)
            if loss is not None:
                return loss
        return None

    def g_penalty(self, G, total, figures):
        for t in self.all:
            total = t.g_penalty(G, total, figures)
        return total

    def after_g_step(self, G):
        for t in self.all:
            t.after_g_step(G)

    def repeat_g(self, g_loss, g_steps) -> bool:
        return any(t.repeat_g(g_loss, g_steps) for t in self.all)

    def log_d(self, log):
        for t in self.all:
            t.log_d(log)

    def log_g(self, log):
        for t in self.all:
            t.log_g(log)

    def state_dict(self) -> dict:
        return {k: v for t in self.all for k, v in t.state_dict().items()}

    def load_state_dict(self, state, device="cpu"):
        for t in self.all:
            t.load_state_dict(state, device)


def from_config(config, G, D, batch_size: int | None = None) -> Tricks:
    """The tricks ``config`` (an :class:`UpdaterConfig`) turns on, in hook order."""
    tricks = []
    if config.replay_size > 0:
        if batch_size is None:
            raise ValueError("the replay buffer's capacity is counted in batches: pass batch_size")
        tricks.append(Replay(config.replay_size * batch_size, config.replay_fraction))
    if config.d_threshold is not None or config.g_threshold is not None:
        tricks.append(AdaptiveSchedule(config.d_threshold, config.g_threshold, config.max_g_steps))
    if config.instance_noise > 0:
        tricks.append(InstanceNoise(config.instance_noise))
    if config.feature_matching:
        tricks.append(FeatureMatching(D))
    if config.ortho_weight > 0:
        tricks.append(Orthogonal(config.ortho_weight))
    if config.hist_weight > 0:
        tricks.append(HistoricalAveraging(G, D, config.hist_weight, config.hist_on))
    return Tricks(tricks)


def ema_update(G_ema, G, decay: float, keep=()) -> None:
    """G_ema <- decay G_ema + (1 - decay) G, parameters only; buffers
    (batch-norm statistics, spectral-norm vectors) are copied, except those
    whose ``id`` is in ``keep`` (the trainer keeps G_ema's own batch-norm
    statistics). The averaged generator is the one to sample from (Karras et
    al. 2018; Yazıcı et al. 2019)."""
    with no_grad():
        for pe, p in zip(G_ema.parameters(), G.parameters()):
            pe.mul_(decay)
            pe.add_(p, alpha=1.0 - decay)
        for be, b in zip(G_ema.buffers(), G.buffers()):
            if id(be) not in keep:
                be.copy_(b)
