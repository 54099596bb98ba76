"""The trainer: one loop for every GAN family, with logs, pictures and checkpoints.

``Trainer(TrainConfig(model="dcgan", data="digits")).run()`` builds the two
networks and their optimizers with the family's published defaults (the
family table, :mod:`minigan.gan.families`) and the updater its objective
needs (:mod:`minigan.gan.updaters`), then repeats ``updater.step``, updates
the EMA generator and, every so often,

* appends the step's figures to ``metrics.jsonl`` and ``metrics.csv``;
* saves a grid of samples from a fixed noise batch (or, for 2-D data, a
  scatter plot over the discriminator's surface) under ``samples/``;
* redraws ``losses.png``;
* writes ``checkpoint.npz`` atomically: both networks, both optimizers, the
  EMA generator, every random state, the step and the config.

``Trainer.resume(out_dir)`` continues from the last complete checkpoint and
produces exactly the run that was never interrupted (same seed, same device);
the checkpoint includes the training tricks' own state (BEGAN's k_t, the
historical averages, the replay buffer). Every file is either appended to
(``metrics.jsonl``, one line per record) or rewritten through a temporary
file and a rename, so a kill at any moment loses no logged line and leaves
no file half-written; a resumed run that was killed after its last
checkpoint still writes its end-of-run outputs. A fresh run (step 0) first
removes what an earlier run left in its folder, so logs never mix two runs.

The EMA generator (Karras et al. 2018; Yazici et al. 2019) averages G's
weights with the usual warm-up (as in TensorFlow's ExponentialMovingAverage
with ``num_updates``)

    decay_t = min(ema_decay, (1 + t) / (10 + t)),     t = updates so far,

so after a short run it follows G rather than its random initialisation
(with a fixed 0.999 the initial weights still make up 0.999^600 = 55 % of
G_ema after 600 steps). Its batch-norm statistics are its own: averaged
weights are a different network from G, so the running statistics of G do
not fit it. They are re-estimated from its own outputs, BigGAN's "standing
statistics" (:func:`minigan.gan.sampling.standing_statistics`), before each
checkpoint and each use, and G_ema then runs in evaluation mode.

Training tricks (feature matching, historical averaging, replay buffer,
adaptive D/G schedule, instance noise, DRAGAN, orthogonal regularisation, the
EBGAN / BEGAN objectives) are ``TrainConfig`` fields passed to the updater
(:class:`minigan.gan.updaters.UpdaterConfig` documents each, and
:mod:`minigan.gan.updaters.tricks` holds the tricks themselves); architecture
options such as ``minibatch_discrimination`` or ``g_norm='vbn'`` go through
``model_options``. A class-conditional generator (``cgan``) trains on the
dataset's labels, draws its samples grid one class per row and is evaluated
by how often the digit classifier recognises the class that was asked for.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..random import get_rng_state, manual_seed, set_rng_state
from ..serialization import CheckpointError, load, save
from .families import FAMILIES as _FAMILY_TABLE
from .losses import AUTOENCODER_LOSSES
from .updaters import Updater, UpdaterConfig, ema_update
from .sampling import _showing, standing_statistics
from .updaters.parts import call

#: Published defaults per family (the objective, D steps per G step, optimiser,
#: the family's own knobs), from the family table
FAMILIES = {name: family.defaults for name, family in _FAMILY_TABLE.items()}
#: what replaces them on 2-D data (the toys), from the family table
TOY_DEFAULTS = {name: family.toy_defaults for name, family in _FAMILY_TABLE.items()}
#: the batch size where neither the config nor the family sets one
DEFAULT_BATCH_SIZE = 64

#: the UpdaterConfig fields a family may set, and their values when it does not
_UPDATER_DEFAULTS = dict(gp_weight=0.0, clip=0.0, margin=1.0, pt_weight=0.0, began_gamma=0.5,
                         began_lambda_k=0.001)


# the embedded 8x8 digits are upsampled to the size the DCGAN-family nets expect
_DEFAULT_IMAGE_SIZE = {"digits": 28}

#: G_ema's standing statistics use this many noise batches of this size
EMA_STAT_BATCHES, EMA_STAT_BATCH_SIZE = 8, 64

#: what a run writes in its folder (a fresh run removes these first)
RUN_FILES = ("checkpoint.npz", "metrics.jsonl", "metrics.csv", "losses.png", "samples.png")

#: TrainConfig fields ``Trainer.resume`` may change: they are applied (the
#: learning rates and betas to the optimizers' parameter groups); the others
#: are fixed by the checkpoint (networks, data, training state)
RESUME_OVERRIDES = ("lr", "lr_g", "lr_d", "betas", "ema_decay", "progress", "log_every", "sample_every",
                    "checkpoint_every", "eval_every")


@dataclass
class TrainConfig:
    model: str = "dcgan"
    data: str = "digits"
    steps: int = 1000
    batch_size: int | None = None  # None: the family's (TOY_DEFAULTS on 2-D data, else 64)
    seed: int = 0
    device: str = "cpu"
    out: str = "runs/minigan"
    image_size: int | None = None  # None: the dataset's own
    latent_dim: int | None = None  # None: the family's default
    # None below means "the family's published default" (FAMILIES)
    loss: str | None = None
    n_disc: int | None = None
    lr: float | None = None  # sets both rates
    lr_g: float | None = None
    lr_d: float | None = None
    betas: tuple | None = None
    gp_weight: float | None = None
    clip: float | None = None
    real_label: float = 1.0
    margin: float | None = None  # EBGAN
    pt_weight: float | None = None  # EBGAN / BEGAN pulling-away term
    began_gamma: float | None = None  # BEGAN
    began_lambda_k: float | None = None  # BEGAN
    # training tricks (see minigan.gan.updaters.UpdaterConfig); all off by default
    penalty: str | None = None  # 'dragan' or 'wgan-gp'
    penalty_weight: float = 10.0
    feature_matching: bool = False
    hist_weight: float = 0.0
    hist_on: str = "both"
    replay_size: int = 0
    replay_fraction: float = 0.5
    d_threshold: float | None = None
    g_threshold: float | None = None
    max_g_steps: int = 1
    instance_noise: float = 0.0
    ortho_weight: float = 0.0
    ema_decay: float = 0.999
    log_every: int = 10
    sample_every: int = 200
    checkpoint_every: int = 200
    eval_every: int = 0  # 0: only at the end
    progress: bool = True
    #: architecture options passed to ``minigan.gan.models.build`` (ngf, ndf, g_hidden, ...)
    model_options: dict = field(default_factory=dict)
    #: dataset options passed to ``minigan.data.get_dataset`` (split, root, ...)
    data_options: dict = field(default_factory=dict)

    def resolved(self) -> dict:
        """The family defaults with this config's explicit choices on top."""
        if self.model not in FAMILIES:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(FAMILIES)}")
        from ..data.toy import TOY_NAMES

        d = {**_UPDATER_DEFAULTS, **FAMILIES[self.model]}
        if self.data in TOY_NAMES:
            d.update(TOY_DEFAULTS[self.model])
        d.setdefault("betas", (0.9, 0.999))
        d.setdefault("batch_size", DEFAULT_BATCH_SIZE)
        for key in ("loss", "n_disc", "betas", "batch_size", *_UPDATER_DEFAULTS):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.lr is not None:
            d["lr_g"] = d["lr_d"] = self.lr
        if self.lr_g is not None:
            d["lr_g"] = self.lr_g
        if self.lr_d is not None:
            d["lr_d"] = self.lr_d
        return d

    def validate(self):
        for name in ("steps", "batch_size", "log_every", "sample_every", "checkpoint_every"):
            v = getattr(self, name)
            if name == "batch_size" and v is None:
                continue
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        r = self.resolved()
        for key in ("lr", "lr_g", "lr_d"):
            value = getattr(self, key) if getattr(self, key) is not None else r.get(key)
            if value is not None and not value > 0:
                raise ValueError(f"learning rate {key} must be positive, got {value}")
        self.updater_config().validate()

    def updater_config(self) -> UpdaterConfig:
        """The objective and training tricks, resolved, as an UpdaterConfig."""
        r = self.resolved()
        own = ("real_label", "penalty", "penalty_weight", "feature_matching", "hist_weight",
               "hist_on", "replay_size", "replay_fraction", "d_threshold", "g_threshold", "max_g_steps",
               "instance_noise", "ortho_weight")
        return UpdaterConfig(loss=r["loss"], n_disc=r["n_disc"],
                             **{k: r[k] for k in _UPDATER_DEFAULTS}, **{k: getattr(self, k) for k in own})

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas) if self.betas is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        d = dict(d)
        if d.get("betas") is not None:
            d["betas"] = tuple(d["betas"])
        return cls(**d)


class BatchSampler:
    """Shuffled mini-batches, epoch after epoch, whose position can be saved
    and restored (so a resumed run sees exactly the batches it would have)."""

    def __init__(self, n: int, batch_size: int, seed: int):
        if batch_size > n:
            raise ValueError(f"batch_size {batch_size} is larger than the dataset ({n} samples)")
        self.n, self.batch_size = n, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(n)
        self.pos = 0

    def next_indices(self) -> np.ndarray:
        if self.pos + self.batch_size > self.n:  # drop the ragged tail, reshuffle
            self.order = self.rng.permutation(self.n)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return idx

    def state_dict(self) -> dict:
        return {"rng": json.dumps(self.rng.bit_generator.state), "order": self.order, "pos": self.pos}

    def load_state_dict(self, state):
        self.rng.bit_generator.state = json.loads(state["rng"])
        self.order = np.asarray(state["order"])
        self.pos = int(state["pos"])


def _rng_entries(state: dict) -> dict:
    """A checkpoint's entries for minigan's random streams: ``rng`` (the seed
    and the CPU stream, as JSON) and, once the GPU stream was used,
    ``rng_cuda`` (its generator state, copied to the host)."""
    state = dict(state)
    cuda = state.pop("cuda", None)
    entries = {"rng": json.dumps(state)}
    if cuda is not None:
        entries["rng_cuda"] = backend.to_device(cuda, "cpu")
    return entries


class Trainer:
    def __init__(self, config: TrainConfig):
        from ..data import get_dataset
        from .models import build

        config.validate()
        self.config = cfg = config
        self.device = backend.normalize_device(cfg.device)
        manual_seed(cfg.seed)
        size = cfg.image_size or _DEFAULT_IMAGE_SIZE.get(cfg.data)
        self.dataset = get_dataset(cfg.data, **({"size": size} if size else {}), **cfg.data_options)
        data = np.asarray(self.dataset.data, dtype=np.float32)
        self.kind = self.dataset.kind
        self.data = backend.to_device(data, self.device)
        r = self.hyper = cfg.resolved()
        shape = data.shape[1:]
        build_kw = dict(latent_dim=cfg.latent_dim, **cfg.model_options)
        if self.kind == "image":
            build_kw.update(image_size=shape[-1], channels=shape[0])
        self.G, self.D, self.info = _build_naming_options(build, cfg, self.kind, build_kw)
        self.G_ema, _, _ = build(cfg.model, self.kind, **build_kw)
        self.G.to(self.device)
        self.D.to(self.device)
        self.G_ema.to(self.device)
        self.G_ema.load_state_dict(self.G.state_dict())
        self.latent_dim = self.info["latent_dim"]
        # a conditional G (cgan) says how many classes it draws; it trains on (x, y) pairs
        self.num_classes = getattr(self.G, "num_classes", None)
        self.labels = None
        if self.num_classes is not None:
            labels = getattr(self.dataset, "labels", None)
            if labels is None:
                raise ValueError(f"model {cfg.model!r} is class-conditional but dataset {cfg.data!r} has "
                                 "no labels; use digits, mnist or fashion-mnist")
            if int(labels.max()) >= self.num_classes:
                raise ValueError(f"dataset {cfg.data!r} has labels up to {int(labels.max())} but G "
                                 f"draws {self.num_classes} classes")
            self.labels = backend.to_device(np.asarray(labels, dtype=np.int64), self.device)
        self.opt_G, self.opt_D = self._optimizers(r)
        self.updater = Updater(self.G, self.D, self.opt_G, self.opt_D, self.latent_dim,
                               cfg.updater_config(), batch_size=r["batch_size"])
        self.sampler = BatchSampler(len(data), r["batch_size"], cfg.seed + 1)
        noise = np.random.default_rng(cfg.seed + 2).standard_normal((64, self.latent_dim)).astype(np.float32)
        self.fixed_labels = None
        if self.num_classes is not None:
            # row i of the grid is class i; column j keeps the same z across rows
            noise = np.tile(noise[:8], (self.num_classes, 1))
            self.fixed_labels = Tensor.from_array(backend.to_device(
                np.repeat(np.arange(self.num_classes, dtype=np.int64), 8), self.device))
        self.fixed_noise = Tensor.from_array(backend.to_device(noise, self.device))
        self.step = 0
        self.history: list[dict] = []
        # minigan's random stream is global; each trainer keeps its own
        # position in it, so two trainers never draw from each other's stream
        self._rng_state = get_rng_state()
        self._running = False
        self._ema_stats_step = None  # the step G_ema's batch-norm statistics were estimated at
        if os.path.exists(cfg.out) and not os.path.isdir(cfg.out):
            raise FileExistsError(f"the output folder {cfg.out!r} is a file; give --out a folder")
        with _naming(cfg.out):
            os.makedirs(cfg.out, exist_ok=True)

    # ------------------------------------------------------------ construction
    def _optimizers(self, r):
        from .. import optim

        if r["optimizer"] == "rmsprop":
            return (optim.RMSprop(self.G.parameters(), lr=r["lr_g"]),
                    optim.RMSprop(self.D.parameters(), lr=r["lr_d"]))
        betas = tuple(r["betas"])
        return (optim.Adam(self.G.parameters(), lr=r["lr_g"], betas=betas),
                optim.Adam(self.D.parameters(), lr=r["lr_d"], betas=betas))

    # ------------------------------------------------------------ the loop
    def next_real(self):
        """The next real batch: a Tensor, or (x, y) with int64 labels for a conditional G."""
        idx = self.sampler.next_indices()
        if self.device != "cpu":
            idx = backend.to_device(idx, self.device)
        if self.labels is not None:
            return Tensor.from_array(self.data[idx]), Tensor.from_array(self.labels[idx])
        return Tensor.from_array(self.data[idx])

    def ema_decay(self, t: int | None = None) -> float:
        """The EMA decay of update ``t`` (default: the next one, t = step):
        min(ema_decay, (1 + t) / (10 + t))."""
        t = self.step if t is None else t
        return min(self.config.ema_decay, (1.0 + t) / (10.0 + t))

    def update_ema(self):
        """G_ema <- d G_ema + (1 - d) G with the warm-up decay d of
        :meth:`ema_decay`, parameters only. Batch-norm statistics are G_ema's
        own (:meth:`refresh_ema_statistics`); other buffers (spectral-norm
        vectors, a virtual batch norm's reference batch) are copied from G."""
        own = {id(b) for m in _batch_norms(self.G_ema) for b in m.buffers(recurse=False)}
        ema_update(self.G_ema, self.G, self.ema_decay(), keep=own)
        self._ema_stats_step = None

    def refresh_ema_statistics(self):
        """G_ema's batch-norm statistics, re-estimated for its current weights
        from ``EMA_STAT_BATCHES`` batches of noise (standing statistics). The
        noise (and the labels of a conditional G) come from their own stream,
        seeded by the step, never from minigan's training stream, so a resumed
        run repeats this exactly."""
        if self._ema_stats_step == self.step:
            return
        if _batch_norms(self.G_ema):
            modes = [(m, m.training) for m in self.G_ema.modules()]
            try:
                standing_statistics(self.G_ema, n_batches=EMA_STAT_BATCHES, batch_size=EMA_STAT_BATCH_SIZE,
                                    latent_dim=self.latent_dim, device=self.device,
                                    generator=np.random.default_rng([self.config.seed, 4, self.step]),
                                    num_classes=self.num_classes)
            finally:
                for m, mode in modes:  # standing_statistics leaves G in evaluation mode
                    object.__setattr__(m, "training", mode)
        self._ema_stats_step = self.step

    def run(self, until: int | None = None) -> list[dict]:
        """Train up to step ``until`` (default: ``config.steps``)."""
        cfg = self.config
        until = cfg.steps if until is None else until
        from .. import fast

        fast.tune_process()  # allocator settings for a training loop; never done at import
        if self.step == 0 and not self.history:
            self.clear_outputs()  # a fresh run: nothing of an earlier run in this folder may remain
        set_rng_state(self._rng_state)
        self._running = True
        started = self.step
        bar = None
        if cfg.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=cfg.steps, initial=self.step, desc=f"{cfg.model} on {cfg.data}",
                       dynamic_ncols=True)
        try:
            while self.step < until:
                log = self.updater.step(self.next_real, progress=self.step / cfg.steps)
                self.update_ema()
                self.step += 1
                if not all(math.isfinite(v) for v in log.values()):
                    raise FloatingPointError(
                        f"step {self.step}: non-finite training figures {log}; lower the learning "
                        "rate or run under minigan.detect_anomaly() to find the op")
                if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                    self._log({"step": self.step, **log})
                    if bar is not None:
                        bar.set_postfix(d_loss=f"{log['d_loss']:.3f}", g_loss=f"{log['g_loss']:.3f}",
                                        d_real=f"{log['d_real']:.2f}", d_fake=f"{log['d_fake']:.2f}")
                if cfg.eval_every and self.step % cfg.eval_every == 0:
                    self._log_eval()
                if self.step % cfg.sample_every == 0 or self.step == cfg.steps:
                    self.save_samples()
                if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                    self.save_checkpoint()
                if bar is not None:
                    bar.update(1)
        finally:
            self._rng_state = get_rng_state()
            self._running = False
            if bar is not None:
                bar.close()
        if self.step == cfg.steps:
            # also when a resume finds the run finished: a kill after the last
            # checkpoint may have cut the end-of-run outputs short
            if self.step > started or not os.path.exists(self._path("losses.png")):
                self.plot_losses()
            if not any(r.get("step") == self.step and "d_loss" not in r for r in self.history):
                self._log_eval()
        return self.history

    # ------------------------------------------------------------ outputs
    def _path(self, *parts):
        return os.path.join(self.config.out, *parts)

    def clear_outputs(self):
        """Remove what a run writes in its folder (checkpoint, logs, plots,
        sample grids and temporary files): a fresh run starts clean."""
        out = self.config.out
        names = [n for n in RUN_FILES if os.path.exists(os.path.join(out, n))]
        names += [n for n in os.listdir(out) if n.startswith(".tmp-") or n.startswith(".metrics.")]
        samples = os.path.join(out, "samples")
        if os.path.isdir(samples):
            names += [os.path.join("samples", n) for n in os.listdir(samples)
                      if n.startswith("step_") and n.endswith(".png")]
        for name in names:
            with _naming(os.path.join(out, name)):
                os.remove(os.path.join(out, name))

    def _log(self, record: dict):
        # JSON has no inf/nan: a figure that is not finite is logged as null
        record = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                  for k, v in record.items()}
        self.history.append(record)
        path = self._path("metrics.jsonl")
        with _naming(path), open(path, "a") as f:  # one appended line: a kill loses at most this one
            f.write(json.dumps(record) + "\n")
        self._write_csv()

    def _write_csv(self):
        keys = []
        for r in self.history:
            keys += [k for k in r if k not in keys]
        with _atomic_write(self._path("metrics.csv"), newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            w.writerows(self.history)

    def evaluate(self, ema: bool | None = None) -> dict:
        """Figures of sample quality that apply to this dataset, as a flat dict of floats.

        ``ema`` picks the generator scored: G_ema (True) or the raw G (False);
        the default (None) is :meth:`default_ema`, G_ema.

        * 2-D ``ring8`` / ``grid25``: modes captured, high-quality fraction and
          KL to uniform of 2,500 samples (:mod:`minigan.metrics.modes`).
        * 28x28 single-channel images (MNIST, digits at 28): 2,000 samples
          (fewer for a small dataset: at most half the training set)
          scored with minigan's LeNet digit classifier
          (:class:`minigan.metrics.mnist.MNISTEvaluator`): ``mnist_fid`` against
          the training images with its real-vs-real ``mnist_fid_floor``, the
          Inception Score of samples and of real images and their ratio, and
          ``class_kl``. The real side is computed on the first call and kept.
          For a conditional G the samples ask for every class equally often
          and ``class_accuracy`` is the fraction the classifier labels as
          the class that was asked for.
        """
        if ema is None:
            ema = self.default_ema()
        if self.kind == "2d" and self.config.data in ("ring8", "grid25"):
            from ..metrics.modes import mode_coverage

            samples = self.generate(2500, ema=ema)
            m = mode_coverage(samples, dataset=self.config.data)
            return {"modes_captured": m["modes_captured"],
                    "high_quality": m["high_quality_fraction"], "kl_to_uniform": m["kl_to_uniform"]}
        if self.kind == "image" and tuple(self.data.shape[1:]) == (1, 28, 28):
            from ..metrics.mnist import MNISTEvaluator

            evaluator = self.__dict__.get("_mnist_evaluator")
            if evaluator is None:
                real = backend.to_device(self.data, "cpu")
                evaluator = self._mnist_evaluator = MNISTEvaluator(
                    real, n=min(2000, len(real) // 2), seed=self.config.seed)
            if self.num_classes is None:
                return evaluator(self.generate(evaluator.n, ema=ema))
            labels = np.arange(evaluator.n, dtype=np.int64) % self.num_classes
            samples = self.generate(evaluator.n, ema=ema, labels=labels)
            figures = evaluator(samples)
            figures["class_accuracy"] = class_accuracy(samples, labels)
            return figures
        return {}

    def default_ema(self) -> bool:
        """The generator :meth:`evaluate` scores by default: G_ema, whose
        warmed-up average follows G after a short run and damps its last
        steps' oscillation (on the ring of 8 with the default settings it
        covered all 8 modes for every seed tried, the raw G 4 to 8)."""
        return True

    def generator_name(self, ema: bool | None = None) -> str:
        """'G_ema' or 'G' (``ema=None``: the default of :meth:`evaluate`)."""
        return "G_ema" if (self.default_ema() if ema is None else ema) else "G"

    def _log_eval(self):
        figures = self.evaluate()
        if figures:
            # which generator was scored, as a number-like flag (true: G_ema, false: G)
            # so that every figure of the record stays numeric
            self._log({"step": self.step, "ema": self.default_ema(), **figures})

    def generate(self, n: int, ema: bool = True, batch_size: int = 500, labels=None) -> np.ndarray:
        """``n`` samples as a NumPy array, drawn without touching training
        state: the noise comes from its own stream, seeded by the step. A
        conditional G needs ``labels`` (n,) (default: classes 0, 1, ... in turn).

        G_ema runs in evaluation mode with its own batch-norm statistics
        (:meth:`refresh_ema_statistics`); the raw G as it trains, with the
        statistics of each batch."""
        G = self.G_ema if ema else self.G
        rng = np.random.default_rng([self.config.seed, 3, self.step])
        if self.num_classes is not None and labels is None:
            labels = np.arange(n, dtype=np.int64) % self.num_classes
        if ema:
            self.refresh_ema_statistics()
        out = []
        with no_grad(), _preserved_state(G), (_showing(G) if ema else _nothing()):
            for start in range(0, n, batch_size):
                m = min(batch_size, n - start)
                z = Tensor.from_array(backend.to_device(
                    rng.standard_normal((m, self.latent_dim)).astype(np.float32), self.device))
                if self.num_classes is None:
                    x = G(z)
                else:
                    y = np.asarray(labels[start:start + m], dtype=np.int64)
                    x = G(z, Tensor.from_array(backend.to_device(y, self.device)))
                out.append(backend.to_device(x.array, "cpu"))
        return np.concatenate(out)

    def save_samples(self):
        """The fixed-noise grid (row i = class i for a conditional G), or for
        2-D data a scatter plot over D's surface."""
        from ..viz import plots

        os.makedirs(self._path("samples"), exist_ok=True)
        with no_grad(), _preserved_state(self.G):
            fake = call(self.G, self.fixed_noise, self.fixed_labels)
            fake = backend.to_device(fake.array, "cpu")
        name = self._path("samples", f"step_{self.step:06d}.png")
        if self.kind == "image":
            plots.save_image_grid(fake, name, nrow=8)
            plots.save_image_grid(fake, self._path("samples.png"), nrow=8)
        else:
            real = np.asarray(self.dataset.data[:1000])
            critic = _numpy_critic(self.updater, self.device) if self.num_classes is None else None
            fake = self.generate(1000, ema=False)
            plots.plot_2d(fake, real, name, critic=critic)
            plots.plot_2d(fake, real, self._path("samples.png"), critic=critic)

    def plot_losses(self):
        from ..viz import plots

        train = [r for r in self.history if "d_loss" in r]
        if train:
            plots.plot_losses(train, self._path("losses.png"))

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        return {
            "step": self.step,
            "config": self.config.to_dict(),
            "G": self.G.state_dict(), "D": self.D.state_dict(), "G_ema": self.G_ema.state_dict(),
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            **_rng_entries(get_rng_state() if self._running else self._rng_state),
            "sampler": self.sampler.state_dict(),
            "updater": self.updater.state_dict(),
            "history_len": len(self.history),
        }

    def save_checkpoint(self):
        self.refresh_ema_statistics()  # the checkpoint's G_ema carries statistics of its own
        path = self._path("checkpoint.npz")
        with _naming(path):
            save(self.state_dict(), path)

    def load_state(self, state: dict):
        """Restore everything, or nothing: every part is checked against the
        model before any is loaded."""
        for name in ("G", "D", "G_ema"):
            _check_compatible(getattr(self, name), state[name], name)
        updater_state = state.get("updater", {})  # checkpoints before the training tricks had none
        if set(updater_state) != set(self.updater.state_dict()):
            raise RuntimeError(f"the checkpoint's training state has parts {sorted(updater_state)} but "
                               f"this configuration keeps {sorted(self.updater.state_dict())}; "
                               "nothing was loaded")
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.G_ema.load_state_dict(state["G_ema"])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self._rng_state = json.loads(state["rng"])
        if "rng_cuda" in state:  # the GPU stream's position (checkpoints of GPU runs)
            self._rng_state["cuda"] = np.asarray(state["rng_cuda"])
        set_rng_state(self._rng_state)
        self.sampler.load_state_dict(state["sampler"])
        self.updater.load_state_dict(updater_state, self.device)
        self.step = int(state["step"])
        self._ema_stats_step = self.step  # saved after refresh_ema_statistics

    @classmethod
    def resume(cls, out_dir: str, steps: int | None = None, read_only: bool = False,
               **overrides) -> "Trainer":
        """A trainer restored from ``out_dir/checkpoint.npz`` (``out_dir`` may
        also name the checkpoint file itself). Logged lines after the
        checkpoint's step (from a run killed later) are dropped, so the logs
        continue without duplicates. ``read_only=True`` (for sampling and
        evaluating) leaves the run's files untouched.

        ``overrides`` change the fields of :data:`RESUME_OVERRIDES` (new
        learning rates reach the optimizers); any other field is fixed by the
        checkpoint and raises ValueError, an unknown name TypeError."""
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)})
        if unknown:
            raise TypeError(f"Trainer.resume: unknown override(s) {', '.join(unknown)}; "
                            f"accepted: {', '.join(RESUME_OVERRIDES)}")
        fixed = sorted(set(overrides) - set(RESUME_OVERRIDES))
        if fixed:
            raise ValueError(f"Trainer.resume: {', '.join(fixed)} cannot change in a resumed run (the "
                             f"checkpoint's networks and training state depend on it); start a new run, "
                             f"or change only {', '.join(RESUME_OVERRIDES)}")
        if os.path.isfile(out_dir):
            path, out_dir = out_dir, os.path.dirname(os.path.abspath(out_dir))
        else:
            path = os.path.join(out_dir, "checkpoint.npz")
        if not os.path.exists(path):
            raise FileNotFoundError(f"no checkpoint to resume from in {out_dir!r} (expected {path})")
        state = load(path)
        try:
            if not isinstance(state, dict) or not isinstance(state.get("config"), dict):
                raise TypeError("no config")
            config = TrainConfig.from_dict(dict(state["config"]))
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{path!r} is not a minigan training checkpoint (its config: {exc})") from None
        config.out = out_dir
        if steps is not None:
            config.steps = steps
        if "lr" in overrides:  # one rate for both networks, unless they are given too
            config.lr_g = config.lr_d = None
        for k, v in overrides.items():
            setattr(config, k, v)
        trainer = cls(config)
        try:
            trainer.load_state(state)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise CheckpointError(f"{path!r} is not a complete minigan training checkpoint (a part is "
                                  f"missing or of the wrong type: {type(exc).__name__}: {exc})") from None
        if trainer.step > config.steps:
            raise ValueError(f"steps={config.steps} is below the checkpoint's step {trainer.step}: the total "
                             f"(--steps of `minigan resume`) must be at least {trainer.step}")
        r = trainer.hyper
        for opt, key in ((trainer.opt_G, "lr_g"), (trainer.opt_D, "lr_d")):
            for group in opt.param_groups:  # the checkpoint's optimizer state brought the old ones back
                group["lr"] = r[key]
                if "betas" in group and "betas" in overrides:
                    group["betas"] = tuple(r["betas"])
        trainer.history = _read_history(os.path.join(out_dir, "metrics.jsonl"), trainer.step)
        if read_only:
            return trainer
        for name in os.listdir(out_dir):  # temp files of saves a kill interrupted
            if name.startswith(".tmp-") and name.endswith(".npz"):
                os.remove(os.path.join(out_dir, name))
        with _atomic_write(trainer._path("metrics.jsonl")) as f:
            for rec in trainer.history:
                f.write(json.dumps(rec) + "\n")
        return trainer


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _naming:
    """Give an OSError that names no file (a write that hit a full disk) the
    path being written, so the message says where."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, OSError) and not exc.filename:
            raise OSError(exc.errno, exc.strerror or str(exc), self.path) from exc
        return False


class _atomic_write:
    """``with _atomic_write(path) as f:`` writes text to a temporary file in
    the same folder, flushed to disk, then renames it over ``path``: a kill
    at any moment leaves either the old file or the new one, never a part."""

    def __init__(self, path, newline=None):
        self.path, self.newline = path, newline

    def __enter__(self):
        folder, name = os.path.split(self.path)
        self.tmp = os.path.join(folder, f".{name}.tmp")
        with _naming(self.tmp):
            self.f = open(self.tmp, "w", newline=self.newline)
        return self.f

    def __exit__(self, kind, exc, tb):
        try:
            with _naming(self.path):
                if exc is None:
                    self.f.flush()
                    os.fsync(self.f.fileno())
                self.f.close()
                if exc is None:
                    os.replace(self.tmp, self.path)
        finally:
            if os.path.exists(self.tmp):
                os.remove(self.tmp)
        return False


def _build_naming_options(build, cfg, kind, build_kw):
    """``build(...)``; when it fails with architecture options given, the
    error names the option(s) that break it (each is tried alone)."""
    try:
        return build(cfg.model, kind, **build_kw)
    except Exception as exc:  # noqa: BLE001 - any failure with user options is reported against them
        options = cfg.model_options
        if not options or isinstance(exc, KeyboardInterrupt):
            raise
        base = {k: v for k, v in build_kw.items() if k not in options}
        bad = []
        for key, value in options.items():
            try:
                build(cfg.model, kind, **base, **{key: value})
            except Exception:  # noqa: BLE001
                bad.append(key)
        named = ", ".join(f"{k}={options[k]!r}" for k in (bad or options))
        raise ValueError(f"model option {named} does not build {cfg.model!r} on {cfg.data}: "
                         f"{type(exc).__name__}: {exc}") from exc


def _batch_norms(module):
    """The batch norms of ``module`` that keep running statistics."""
    from ..nn.normalization import _BatchNorm

    return [m for m in module.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


def _read_history(path, upto_step):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                break  # a line cut short by a kill: everything after it is lost anyway
            if r.get("step", 0) <= upto_step:
                out.append(r)
    return out


def _check_compatible(module, state, name):
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = [f"{k}: {tuple(state[k].shape)} vs {own[k].shape}" for k in own
             if k in state and tuple(state[k].shape) != own[k].shape]
    if missing or unexpected or wrong:
        raise RuntimeError(
            f"the checkpoint's {name} does not fit the model built from its config "
            f"(missing: {missing or 'none'}; unexpected: {unexpected or 'none'}; "
            f"wrong shapes: {wrong or 'none'}); nothing was loaded")


class _preserved_state:
    """Run a module for show (samples, plots) without changing it: buffers such
    as batch-norm statistics and spectral-norm vectors are restored on exit."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.saved = [(b, b.array.copy()) for b in self.module.buffers()]

    def __exit__(self, *exc):
        with no_grad():
            for b, arr in self.saved:
                b.copy_(arr)
        return False


def _numpy_critic(updater, device):
    """D's surface for plots, higher = more real: logits / critic values, or
    minus the reconstruction error of an autoencoder D."""
    sign = -1.0 if updater.config.loss in AUTOENCODER_LOSSES else 1.0

    def critic(points: np.ndarray, chunk: int = 256) -> np.ndarray:
        # in chunks: a minibatch-discrimination layer compares all pairs in a batch
        out = []
        with no_grad(), _preserved_state(updater.D):
            for start in range(0, len(points), chunk):
                x = Tensor.from_array(backend.to_device(points[start:start + chunk].astype(np.float32),
                                                        device))
                out.append(backend.to_device(updater.score(x).array, "cpu").reshape(-1))
        return sign * np.concatenate(out)

    return critic


def class_accuracy(samples: np.ndarray, labels: np.ndarray) -> float:
    """How often minigan's MNIST classifier (:mod:`minigan.metrics.classifier`)
    sees in sample i the digit ``labels[i]`` it was generated for: the
    conditional GAN's own metric (samples (N, 1, 28, 28) in [-1, 1])."""
    from ..metrics.classifier import predict

    labels = np.asarray(labels)
    if labels.shape != (len(samples),):
        raise ValueError(f"class_accuracy: expected {len(samples)} labels, got shape {labels.shape}")
    return float(np.mean(predict(samples) == labels))
