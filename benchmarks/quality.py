"""Sample quality of minigan's GANs beside published numbers (a script, not a test).

    python benchmarks/quality.py                      # every row, seeds 0 1 2 (long; see RESULTS.md)
    python benchmarks/quality.py --quick              # smoke run: every row, tiny budgets
    python benchmarks/quality.py --rows gan-ring8 --seeds 0
    python benchmarks/quality.py --jobs 2             # two runs at a time (one BLAS thread each)

Each run trains with minigan's own ``Trainer`` / ``TrainConfig`` (``progress=False``),
evaluates every ``eval_every`` steps and reports, per figure, the **median of
the last three evaluations** (a single evaluation of a GAN is noisy). A run
stops at its step count or at its wall-clock budget (``--budget``, default 10
minutes), whichever comes first; the table says how far each run got. Across
seeds the table gives the mean and every seed's value.

Rows and the published numbers they sit beside:

* 2-D mixtures (:mod:`minigan.data.toy`; metrics of :mod:`minigan.metrics.modes`:
  modes with a sample within 3 std, the fraction of samples within 3 std of a
  mode, 2,500 samples of G_ema). Published: WGAN-GP on grid25 24.2 modes /
  28.7 % high quality and on ring8 6.8 / 59.6 % (GDPP, Elfeki et al. 2019,
  Table 1); the GAN on ring8 6.3 / 98.2 % and on grid25 17.3 / 94.8 % (PacGAN,
  Lin et al. 2018, Table 2, the unpacked GAN). Same protocol as those papers'
  code (checked against it): ring of 8 with std / radius = 0.01 (theirs radius
  1, std 0.01; ours radius 2, std 0.02), grid {-4..4}^2 step 2 with std 0.05,
  high quality = within 3 std (Euclidean) of the nearest centre. Those papers
  train for far longer than 10 CPU minutes (PacGAN: 400 epochs of 100,000
  points; GDPP: 25,000 iterations of batch 512), so a row that falls short
  says as much about the budget as about the code.
* DCGAN on MNIST: the 10,000 digits of the MNIST test split (the split kept
  beside the checkout) as training data, scored with minigan's LeNet digit
  classifier (:class:`minigan.metrics.mnist.MNISTEvaluator`, n = 2,000 samples
  of G_ema): the Inception Score of samples over that of real digits, and the
  MNIST-FID with its real-vs-real floor. No published row: these numbers
  exist only for this classifier.

Settings (chosen on this 2-core CPU; ``ROWS`` below holds them):

* WGAN-GP on the toys: the setting of the WGAN-GP authors' toy code
  (gan_toy.py, Gulrajani et al. 2017): lambda 0.1 (the image setting 10
  needs far more steps on toys), Adam(1e-4, betas 0.5/0.9), 5 critic steps
  per G step, batch 256, z of size 2, 3 x 512 ReLU MLPs for G and the critic
  (minigan's defaults for WGAN on 2-D data), and, like gan_toy.py, the data
  divided by its standard deviation (2.828 for grid25, 1.414 for ring8):
  the critic, G and the gradient penalty work in that plane, and G's
  samples are scaled back before scoring (``data_scale``). Added for the
  10-minute budget: the learning rates decay linearly to 0 over the
  wall-clock budget (``lr_decay``) and the scored generator is the EMA of G
  (decay 0.99, ``eval_ema``): both damp the last steps' oscillation, which
  otherwise spreads samples between modes.
* WGAN-GP on grid25 only: the same nets, loss, lambda 0.1 and data
  scaling, but trained TTUR-style (Heusel et al. 2017): one critic step per
  G step with the critic's learning rate 3x G's (3e-4 and 1e-4), and Adam's
  beta1 = 0 (betas 0/0.9, as SNGAN, SAGAN and BigGAN train). With
  gan_toy.py's 5 critic steps and beta1 0.5, 10 minutes on this CPU reach
  only ~17 % high quality (2,800 steps); the TTUR setting passes 40 % in
  4 minutes. beta1 is what matters: the same TTUR rates with beta1 0.5
  reached 24 % in 6 minutes and collapsed to 6-9 modes with the slower lr
  decay of a 10-minute budget (single seeds, RESULTS.md).
* GAN on the toys: non-saturating loss, 1 D step per G step, Adam(1e-3,
  betas 0.5/0.999), batch 256, z of size 8, minigan's 3 x 128 MLPs (ReLU G,
  LeakyReLU D); learning rates decay linearly to 0 over the budget and
  G_ema (decay 0.999) is scored, as for WGAN-GP.
* DCGAN on MNIST: the paper's Adam(2e-4, beta1 0.5), latent 100, minigan's
  28x28 DCGAN (ngf = ndf = 64); batch 32, because the run is bound by
  convolution FLOPs (~1 s a step at batch 64 here) and half the batch fits
  twice the steps in the budget; G_ema with decay 0.99, because the default
  0.999 averages over ~1,000 steps, as many as the whole run, so its samples
  would still be mostly the random initial generator (with 0.999 and batch
  64: IS ratio 0.15 after 500 steps; with 0.99 and batch 32: 0.52 after 800).

Tried and dropped (single seed, on a machine shared with other jobs; see
RESULTS.md): WGAN-GP on grid25 in the data's own units with batch 256 (400
steps, 18 modes / 1.5 %), lr 1e-3 (18 / 7 %), batch 32 with lr 5e-4
(14 / 4 %), 2 critic steps with lr 2e-4 (18 / 3 %), batch 64 (21 / 6 %);
the GAN on ring8 with PacGAN's generator shape (4 x 400 ReLU, z of size 2)
and lr decay: 8 modes / 95 % for G after 7,000 steps, while its EMA (0.999)
was still far off (weights averaged over a fast-moving run are not a good
network until the run slows down).

OpenBLAS is limited to one thread per process (unless OPENBLAS_NUM_THREADS is
set): on this shared 2-core machine its thread pool made matrix products up to
~40x slower; ``--jobs 2`` uses both cores with two runs instead.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads; see the docstring

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


DEFAULT_MNIST = Path(os.environ.get("MINIGAN_TEST_MNIST", REPO.parent / "shared" / "data" / "mnist"))


@dataclass
class Row:
    model: str
    data: str
    steps: int
    eval_every: int
    config: dict
    published: dict = field(default_factory=dict)  # figure -> value
    source: str = ""
    #: train on the data divided by this (its standard deviation), as the WGAN-GP
    #: authors' gan_toy.py does; G's samples are multiplied by it before scoring.
    #: None: the data's own units
    data_scale: float | None = None
    #: learning rates decay linearly to 0 over the wall-clock budget
    lr_decay: bool = False
    #: score the EMA generator G_ema (else the raw G) on 2-D data
    eval_ema: bool = False


TOY_FIGURES = ("modes_captured", "high_quality", "kl_to_uniform")
MNIST_FIGURES = ("inception_score_ratio", "inception_score", "inception_score_real",
                 "mnist_fid", "mnist_fid_floor", "class_kl")

# gan_toy.py (Gulrajani et al.): lambda 0.1, Adam(1e-4, 0.5, 0.9), 5 critic steps, batch 256, z of size 2
WGAN_GP_TOY = dict(batch_size=256, gp_weight=0.1, lr=1e-4, betas=(0.5, 0.9), n_disc=5, latent_dim=2,
                   ema_decay=0.99)
# WGAN-GP on grid25: the same nets, loss and lambda, trained TTUR-style
# (Heusel et al. 2017: one critic step per G step, the critic's rate 3x G's)
# with Adam's beta1 = 0, as SNGAN / SAGAN / BigGAN train their critics
WGAN_GP_GRID = dict(WGAN_GP_TOY, n_disc=1, lr_g=1e-4, lr_d=3e-4, betas=(0.0, 0.9))
del WGAN_GP_GRID["lr"]
GAN_TOY = dict(batch_size=256, lr=1e-3, betas=(0.5, 0.999), latent_dim=8, ema_decay=0.999)
DCGAN_MNIST = dict(batch_size=32, lr=2e-4, betas=(0.5, 0.999), latent_dim=100, ema_decay=0.99,
                   data_options={"split": "test", "root": str(DEFAULT_MNIST), "download": False})

ROWS = {
    "wgan-gp-grid25": Row("wgan-gp", "grid25", 100000, 250, WGAN_GP_GRID,
                          {"modes_captured": 24.2, "high_quality": 0.287}, "GDPP (Elfeki et al. 2019)",
                          data_scale=2.828, lr_decay=True, eval_ema=True),
    "wgan-gp-ring8": Row("wgan-gp", "ring8", 100000, 100, WGAN_GP_TOY,
                         {"modes_captured": 6.8, "high_quality": 0.596}, "GDPP (Elfeki et al. 2019)",
                         data_scale=1.414, lr_decay=True, eval_ema=True),
    "gan-ring8": Row("gan", "ring8", 100000, 1000, GAN_TOY,
                     {"modes_captured": 6.3, "high_quality": 0.982}, "PacGAN (Lin et al. 2018)",
                     lr_decay=True, eval_ema=True),
    "gan-grid25": Row("gan", "grid25", 100000, 1000, GAN_TOY,
                      {"modes_captured": 17.3, "high_quality": 0.948}, "PacGAN (Lin et al. 2018)",
                      lr_decay=True, eval_ema=True),
    "dcgan-mnist": Row("dcgan", "mnist", 4000, 250, DCGAN_MNIST, {}, ""),
}


def _normalise(trainer, scale: float):
    """Train in coordinates divided by ``scale``, as gan_toy.py divides its data
    by its standard deviation: G and D see, and the gradient penalty is taken
    in, the rescaled plane; :func:`_evaluate` scales G's samples back."""
    trainer.data = trainer.data / np.float32(scale)  # stays float32


def _evaluate(trainer, row: Row) -> dict:
    """Mode figures of 2,500 samples (of G_ema if ``row.eval_ema``, in the
    data's own units) for the toys; the trainer's own evaluation otherwise."""
    if row.data not in ("ring8", "grid25"):
        return trainer.evaluate()
    from minigan.metrics.modes import mode_coverage

    samples = trainer.generate(2500, ema=row.eval_ema) * (row.data_scale or 1.0)
    m = mode_coverage(samples, dataset=row.data)
    return {"modes_captured": m["modes_captured"], "high_quality": m["high_quality_fraction"],
            "kl_to_uniform": m["kl_to_uniform"]}


def run_one(name: str, seed: int, budget_s: float, out: str | None, quick: bool = False,
            verbose: bool = False) -> dict:
    """Train one row with one seed; evaluate every ``eval_every`` steps until
    the steps or the budget run out. Returns the evaluations and timings."""
    import minigan  # noqa: F401  (after OPENBLAS_NUM_THREADS is set)
    from minigan.gan.trainer import TrainConfig, Trainer

    row = ROWS[name]
    steps, every = (60, 20) if quick else (row.steps, row.eval_every)
    tmp = None
    if out is None:
        tmp = tempfile.TemporaryDirectory(prefix=f"quality-{name}-")
        run_dir = tmp.name
    else:
        run_dir = os.path.join(out, f"{name}-seed{seed}")
    cfg = TrainConfig(model=row.model, data=row.data, steps=steps, seed=seed, out=run_dir,
                      progress=False, eval_every=0, log_every=every, sample_every=steps,
                      checkpoint_every=steps, **row.config)
    start = time.perf_counter()
    trainer = Trainer(cfg)
    if row.data_scale:
        _normalise(trainer, row.data_scale)
    optimizers = (trainer.opt_G, trainer.opt_D)
    base_lr = [[g["lr"] for g in opt.param_groups] for opt in optimizers]
    evals, train_s, eval_s, slowest_chunk = [], 0.0, 0.0, 0.0
    while trainer.step < steps:
        if row.lr_decay:
            # by the clock, not the step: under a wall-clock budget the step
            # count reached depends on the machine's load, the annealing should not
            left = max(0.0, 1.0 - (time.perf_counter() - start) / budget_s)
            for opt, lrs in zip(optimizers, base_lr):
                for group, lr in zip(opt.param_groups, lrs):
                    group["lr"] = lr * left
        t0 = time.perf_counter()
        trainer.run(until=min(trainer.step + every, steps))
        t1 = time.perf_counter()
        figures = _evaluate(trainer, row)
        t2 = time.perf_counter()
        train_s, eval_s = train_s + t1 - t0, eval_s + t2 - t1
        evals.append({"step": trainer.step, **figures})
        elapsed = time.perf_counter() - start
        if verbose:
            print(f"  {name} seed {seed} step {trainer.step} ({elapsed:.0f} s): "
                  + ", ".join(f"{k} {_fmt(k, v)}" for k, v in figures.items()), flush=True)
        slowest_chunk = max(slowest_chunk, t2 - t0)
        # stop before a chunk that would end past the budget (chunks vary with the load)
        if elapsed + 1.1 * slowest_chunk > budget_s and trainer.step < steps:
            break
    if tmp is not None:
        tmp.cleanup()
    return {"row": name, "seed": seed, "steps": trainer.step, "planned": steps, "evals": evals,
            "seconds": time.perf_counter() - start, "train_s": train_s, "eval_s": eval_s}


def summarise(result: dict) -> dict:
    """The median of each figure over the last three evaluations."""
    last = result["evals"][-3:]
    keys = [k for k in last[0] if k != "step"]
    return {k: statistics.median(e[k] for e in last) for k in keys}


def _fmt(key, v):
    if key == "high_quality":
        return f"{100 * v:.1f}%"
    if key == "modes_captured":
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def report(results: list[dict]) -> str:
    lines = ["| row | published | ours: mean over seeds | per seed | steps (planned) | min/run |",
             "|---|---|---|---|---|---|"]
    for name in dict.fromkeys(r["row"] for r in results):
        rs = [r for r in results if r["row"] == name]
        row = ROWS[name]
        sums = [summarise(r) for r in rs]
        figures = TOY_FIGURES[:2] if row.data in ("ring8", "grid25") else ("inception_score_ratio",
                                                                              "mnist_fid")
        pub = " / ".join(_fmt(k, row.published[k]) for k in figures if k in row.published) or "n/a"
        if row.source:
            pub += f" ({row.source})"
        mean = " / ".join(_fmt(k, statistics.mean(s[k] for s in sums)) for k in figures)
        if row.data == "mnist":
            floor = statistics.mean(s["mnist_fid_floor"] for s in sums)
            mean = (f"IS ratio {_fmt('x', statistics.mean(s['inception_score_ratio'] for s in sums))} "
                    f"(IS {_fmt('x', statistics.mean(s['inception_score'] for s in sums))} / real "
                    f"{_fmt('x', statistics.mean(s['inception_score_real'] for s in sums))}); MNIST-FID "
                    f"{_fmt('x', statistics.mean(s['mnist_fid'] for s in sums))} (floor {_fmt('x', floor)}); "
                    f"class KL {_fmt('x', statistics.mean(s['class_kl'] for s in sums))}")
        per_seed = "; ".join(f"s{r['seed']}: " + " / ".join(_fmt(k, s[k]) for k in figures)
                             for r, s in zip(rs, sums))
        steps = ", ".join(f"{r['steps']}" for r in rs) + f" ({rs[0]['planned']})"
        minutes = ", ".join(f"{r['seconds'] / 60:.1f}" for r in rs)
        lines.append(f"| {row.model} on {row.data} | {pub} | {mean} | {per_seed} | {steps} | {minutes} |")
    return "\n".join(lines)


def _job(args):
    return run_one(*args)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--budget", type=float, default=10.0, help="minutes per run (default 10)")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    p.add_argument("--out", default=None, help="keep run folders here (default: a temporary folder)")
    p.add_argument("--quick", action="store_true", help="smoke run: 60 steps, seed 0, evaluate every 20")
    p.add_argument("--verbose", action="store_true", help="print every evaluation")
    args = p.parse_args(argv)
    seeds = [0] if args.quick else args.seeds
    jobs = [(name, seed, args.budget * 60, args.out, args.quick, args.verbose)
            for name in args.rows for seed in seeds]
    start = time.perf_counter()
    results = []
    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            for r in pool.imap(_job, jobs):
                results.append(r)
                print(f"{r['row']} seed {r['seed']}: {summarise(r)} ({r['seconds']:.0f} s)", flush=True)
    else:
        for job in jobs:
            r = run_one(*job)
            results.append(r)
            print(f"{r['row']} seed {r['seed']}: {summarise(r)} ({r['seconds']:.0f} s)", flush=True)
    print()
    print(report(results))
    print(f"\ntotal {(time.perf_counter() - start) / 60:.1f} min; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
