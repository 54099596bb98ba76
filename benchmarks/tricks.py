"""The effect of each training trick on the 2-D grid, beside the plain GAN (a script, not a test).

    OPENBLAS_NUM_THREADS=1 python benchmarks/tricks.py                 # every row (~20-40 min)
    OPENBLAS_NUM_THREADS=1 python benchmarks/tricks.py --rows baseline dragan --steps 1000
    OPENBLAS_NUM_THREADS=1 python benchmarks/tricks.py --quick         # smoke run, tiny budgets

Every 2-D row trains minigan's ``Trainer`` on ``--data`` (grid25 by default,
25 Gaussians with std 0.05 on a 5 x 5 grid of spacing 2) for the same number
of steps from the same seed, with the GAN family's 3 x 128 MLPs, batch 64,
latent 8 and Adam(1e-3, betas 0.5/0.999) (``benchmarks/quality.py``'s GAN
rows, but batch 64: minibatch discrimination costs O(batch^2) and is 12x
slower per step than the plain GAN even so), changing only the trick named
in the row. It evaluates eight times (every steps / 8) and reports the
median of the last three evaluations of :func:`minigan.metrics.mode_coverage` on 2,500
samples of G: modes captured (a sample within 3 std of the centre), the
high-quality fraction (samples within 3 std of some centre) and the KL
divergence of the mode histogram to uniform.

The conditional row trains the ``cgan`` family on the embedded digits at
28 x 28 and reports how often minigan's LeNet classifier recognises the digit
that was asked for (10 % is chance: an unconditional generator's samples
match labels assigned to them in turn 1 time in 10).

These are short runs on one seed: a row's difference from the baseline of a
mode or two is within the noise between seeds (see quality.py's three-seed
runs); the table shows what each trick does to a fixed budget, not which
is best.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from minigan.gan.trainer import TrainConfig, Trainer  # noqa: E402

BASE = dict(model="gan", batch_size=64, lr=1e-3, betas=(0.5, 0.999), latent_dim=8)

#: name -> (what the row changes, TrainConfig overrides)
ROWS = {
    "baseline": ("non-saturating GAN, nothing else", {}),
    "label-smoothing": ("one-sided label smoothing, real label 0.9", dict(real_label=0.9)),
    "feature-matching": ("G matches D's mean penultimate features", dict(feature_matching=True)),
    "minibatch-disc": ("minibatch discrimination in D (B=50, C=5)",
                       dict(model_options=dict(minibatch_discrimination=True))),
    "vbn": ("virtual batch norm in G (reference batch 64)", dict(model_options=dict(g_norm="vbn"))),
    "historical-avg": ("historical averaging, weight 0.01, G and D", dict(hist_weight=0.01)),
    "replay-buffer": ("replay buffer of 50 batches, half of each fake batch",
                      dict(replay_size=50, replay_fraction=0.5)),
    "instance-noise": ("instance noise, std 0.3 annealed to 0", dict(instance_noise=0.3)),
    "adaptive": ("skip D below loss 0.5; up to 3 G steps above loss 2",
                 dict(d_threshold=0.5, g_threshold=2.0, max_g_steps=3)),
    "orthogonal": ("orthogonal regularisation of G, beta 1e-4", dict(ortho_weight=1e-4)),
    "dragan": ("DRAGAN penalty, weight 10, around real data", dict(penalty="dragan", penalty_weight=10.0)),
    "lsgan": ("least-squares loss", dict(loss="lsgan")),
    "hinge": ("hinge loss", dict(loss="hinge")),
    "ebgan": ("EBGAN: autoencoder D, margin 1 (MSE energy)", dict(model="ebgan", margin=1.0)),
    "ebgan-pt": ("EBGAN + pulling-away term 0.1", dict(model="ebgan", margin=1.0, pt_weight=0.1)),
    "began": ("BEGAN: autoencoder D, gamma 0.5, lambda_k 1e-3", dict(model="began")),
}

TOY_FIGURES = ("modes_captured", "high_quality", "kl_to_uniform")


def _median_of_last(history, key, k=3):
    values = [r[key] for r in history if key in r and r[key] is not None]
    return statistics.median(values[-k:]) if values else float("nan")


def run_row(name, data, steps, seed, out):
    what, overrides = ROWS[name]
    cfg = dict(BASE, data=data, steps=steps, seed=seed, out=os.path.join(out, name), progress=False,
               log_every=max(1, steps // 20), eval_every=max(1, steps // 8), sample_every=steps,
               checkpoint_every=steps)
    cfg.update(overrides)
    t0 = time.time()
    trainer = Trainer(TrainConfig(**cfg))
    trainer.run()
    seconds = time.time() - t0
    figures = {k: _median_of_last(trainer.history, k) for k in TOY_FIGURES}
    extra = [r for r in trainer.history if "k" in r]
    if extra:
        figures["began_k"] = extra[-1]["k"]
        figures["convergence"] = extra[-1]["convergence"]
    return dict(row=name, what=what, data=data, steps=steps, seed=seed, seconds=round(seconds, 1),
                **figures)


def run_conditional(steps, seed, out):
    """cgan on 28x28 digits: how often the classifier sees the requested digit."""
    t0 = time.time()
    trainer = Trainer(TrainConfig(model="cgan", data="digits", steps=steps, seed=seed, batch_size=64,
                                  out=os.path.join(out, "cgan-digits"), progress=False,
                                  log_every=max(1, steps // 20), eval_every=max(1, steps // 4),
                                  sample_every=steps, checkpoint_every=steps, ema_decay=0.99))
    trainer.run()
    evals = [r for r in trainer.history if "class_accuracy" in r]
    return [dict(row="cgan-digits", data="digits 28x28", steps=steps, seed=seed,
                 seconds=round(time.time() - t0, 1),
                 accuracy_by_step={r["step"]: r["class_accuracy"] for r in evals},
                 class_accuracy=evals[-1]["class_accuracy"], mnist_fid=evals[-1]["mnist_fid"],
                 class_kl=evals[-1]["class_kl"])]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", nargs="+", choices=list(ROWS) + ["cgan"], default=list(ROWS) + ["cgan"])
    p.add_argument("--data", default="grid25", choices=["grid25", "ring8"])
    p.add_argument("--steps", type=int, default=4000, help="steps per 2-D row (default 4000)")
    p.add_argument("--cgan-steps", type=int, default=500, help="steps of the conditional row (default 500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/tricks", help="run folders and results.jsonl go here")
    p.add_argument("--quick", action="store_true", help="smoke run: 60 steps per row, 20 for cgan")
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.cgan_steps = 60, 20
    os.makedirs(args.out, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"# python benchmarks/tricks.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"| row | trick | modes ({args.data}) | high quality | KL to uniform | s |")
    print("|---|---|---|---|---|---|")
    results = []
    with open(os.path.join(args.out, "results.jsonl"), "a") as log:
        for name in args.rows:
            if name == "cgan":
                continue
            r = run_row(name, args.data, args.steps, args.seed, args.out)
            results.append(r)
            log.write(json.dumps(r) + "\n")
            log.flush()
            extra = f" (final k {r['began_k']:.3f}, M {r['convergence']:.3f})" if "began_k" in r else ""
            kl = r["kl_to_uniform"]
            print(f"| {name} | {r['what']}{extra} | {r['modes_captured']:.0f} | {100 * r['high_quality']:.1f} % "
                  f"| {'n/a' if kl != kl else f'{kl:.2f}'} | {r['seconds']:.0f} |", flush=True)
        if "cgan" in args.rows:
            print()
            print("| row | requested digit recognised (chance 10 %), by step | MNIST-FID | class KL | s |")
            print("|---|---|---|---|---|")
            for r in run_conditional(args.cgan_steps, args.seed, args.out):
                log.write(json.dumps(r) + "\n")
                log.flush()
                by_step = ", ".join(f"{step}: {100 * a:.1f} %" for step, a in r["accuracy_by_step"].items())
                print(f"| {r['row']} ({r['steps']} steps) | {by_step} | "
                      f"{r['mnist_fid']:.1f} | {r['class_kl']:.3f} | {r['seconds']:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
