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
  mode, 2,500 samples of G). Published: WGAN-GP on grid25 24.2 modes / 28.7 %
  high quality and on ring8 6.8 / 59.6 % (GDPP, Elfeki et al. 2019, Table 1);
  the GAN on ring8 6.3 / 98.2 % and on grid25 17.3 / 94.8 % (PacGAN, Lin et
  al. 2018, Table 2, the unpacked GAN). Those papers train for far longer
  than 10 CPU minutes and with their own networks, so a row that falls short
  says as much about the budget as about the code.
* DCGAN on MNIST: the 10,000 digits of the MNIST test split (the split kept
  beside the checkout) as training data, scored with minigan's LeNet digit
  classifier (:class:`minigan.metrics.mnist.MNISTEvaluator`, n = 2,000 samples
  of G_ema): the Inception Score of samples over that of real digits, and the
  MNIST-FID with its real-vs-real floor. No published row: these numbers
  exist only for this classifier.

Settings (chosen on this 2-core CPU; ``ROWS`` below holds them):

* WGAN-GP on the toys: the WGAN-GP authors' toy code setting, lambda 0.1 (not
  the image setting 10, which needs far more steps on toys), Adam(1e-4,
  betas 0.5/0.9), 5 critic steps per G step, latent 2, minigan's 3 x 512 ReLU
  MLPs; batch 64 instead of 256 (4x cheaper per step, so ~4x the steps fit).
* GAN on the toys: non-saturating loss, 1 D step per G step, Adam(1e-3,
  betas 0.5/0.999), batch 256, latent 8, minigan's 3 x 128 MLPs.
* DCGAN on MNIST: the paper's Adam(2e-4, beta1 0.5), latent 100, minigan's
  28x28 DCGAN (ngf = ndf = 64); batch 32, because the run is bound by
  convolution FLOPs (~1 s a step at batch 64 here) and half the batch fits
  twice the steps in the budget; G_ema with decay 0.99, because the default
  0.999 averages over ~1,000 steps, as many as the whole run, so its samples
  would still be mostly the random initial generator (with 0.999 and batch
  64: IS ratio 0.15 after 500 steps; with 0.99 and batch 32: 0.52 after 800).

Tried and dropped (grid25, 10 minutes): WGAN-GP with batch 256 (400 steps,
18 modes / 1.5 %), lr 1e-3 (18 / 7 %), batch 32 with lr 5e-4 (14 / 4 %),
2 critic steps with lr 2e-4 (18 / 3 %); batch 64 as above reached 21 / 6 %.

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


TOY_FIGURES = ("modes_captured", "high_quality", "kl_to_uniform")
MNIST_FIGURES = ("inception_score_ratio", "inception_score", "inception_score_real",
                 "mnist_fid", "mnist_fid_floor", "class_kl")

WGAN_GP_TOY = dict(batch_size=64, gp_weight=0.1, lr=1e-4, betas=(0.5, 0.9), n_disc=5, latent_dim=2)
GAN_TOY = dict(batch_size=256, lr=1e-3, betas=(0.5, 0.999), latent_dim=8)
DCGAN_MNIST = dict(batch_size=32, lr=2e-4, betas=(0.5, 0.999), latent_dim=100, ema_decay=0.99,
                   data_options={"split": "test", "root": str(DEFAULT_MNIST), "download": False})

ROWS = {
    "wgan-gp-grid25": Row("wgan-gp", "grid25", 6000, 250, WGAN_GP_TOY,
                          {"modes_captured": 24.2, "high_quality": 0.287}, "GDPP (Elfeki et al. 2019)"),
    "wgan-gp-ring8": Row("wgan-gp", "ring8", 6000, 250, WGAN_GP_TOY,
                         {"modes_captured": 6.8, "high_quality": 0.596}, "GDPP (Elfeki et al. 2019)"),
    "gan-ring8": Row("gan", "ring8", 30000, 1000, GAN_TOY,
                     {"modes_captured": 6.3, "high_quality": 0.982}, "PacGAN (Lin et al. 2018)"),
    "gan-grid25": Row("gan", "grid25", 30000, 1000, GAN_TOY,
                      {"modes_captured": 17.3, "high_quality": 0.948}, "PacGAN (Lin et al. 2018)"),
    "dcgan-mnist": Row("dcgan", "mnist", 4000, 250, DCGAN_MNIST, {}, ""),
}


def run_one(name: str, seed: int, budget_s: float, out: str | None, quick: bool = False) -> dict:
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
    evals, train_s, eval_s, slowest_chunk = [], 0.0, 0.0, 0.0
    while trainer.step < steps:
        t0 = time.perf_counter()
        trainer.run(until=min(trainer.step + every, steps))
        t1 = time.perf_counter()
        figures = trainer.evaluate()
        t2 = time.perf_counter()
        train_s, eval_s = train_s + t1 - t0, eval_s + t2 - t1
        evals.append({"step": trainer.step, **figures})
        elapsed = time.perf_counter() - start
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
    args = p.parse_args(argv)
    seeds = [0] if args.quick else args.seeds
    jobs = [(name, seed, args.budget * 60, args.out, args.quick) for name in args.rows for seed in seeds]
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
