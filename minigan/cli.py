"""The ``minigan`` command: train, resume, sample, eval.

    minigan train dcgan --data digits --steps 600 --out runs/demo
    minigan resume runs/demo --steps 1200
    minigan sample runs/demo/checkpoint.npz --n 64 --out grid.png
"""
from __future__ import annotations

import argparse
import os
import sys


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def _nonneg_int(text):
    v = int(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {v}")
    return v


def _positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {v}")
    return v


def _build_parser():
    from .data import DATASETS
    from .gan.losses import LOSSES
    from .gan.trainer import FAMILIES

    defaults = "\n".join(
        f"  {name:8s} loss={d['loss']}, n_disc={d['n_disc']}, {d['optimizer']}(lr_g={d['lr_g']}, "
        f"lr_d={d['lr_d']}{', betas=' + str(d['betas']) if 'betas' in d else ''})"
        + (f", gp_weight={d['gp_weight']}" if d.get("gp_weight") else "")
        + (f", clip={d['clip']}" if d.get("clip") else "")
        for name, d in FAMILIES.items()
    )
    parser = argparse.ArgumentParser(
        prog="minigan", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="GANs from scratch on NumPy: train, resume, sample and evaluate.",
        epilog=f"models and their published defaults:\n{defaults}\n\ndatasets: {', '.join(DATASETS)}",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a GAN", formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=f"models and their published defaults:\n{defaults}\n\n"
                              f"datasets: {', '.join(DATASETS)}")
    t.add_argument("model", choices=list(FAMILIES), help="GAN family")
    t.add_argument("--data", default="digits", choices=list(DATASETS),
                   help="dataset (default: digits, embedded, no download)")
    t.add_argument("--split", choices=["train", "test"], default=None,
                   help="which split of mnist / fashion-mnist / digits to train on (default: train)")
    t.add_argument("--data-root", default=None,
                   help="folder holding the IDX files (default: $MINIGAN_DATA or ~/.cache/minigan)")
    t.add_argument("--steps", type=_positive_int, default=1000, help="generator steps (default 1000)")
    t.add_argument("--batch-size", type=_positive_int, default=64, help="batch size (default 64)")
    t.add_argument("--lr", type=_positive_float, help="learning rate for both networks")
    t.add_argument("--lr-g", type=_positive_float, help="generator learning rate")
    t.add_argument("--lr-d", type=_positive_float, help="discriminator learning rate")
    t.add_argument("--n-disc", type=_positive_int, help="discriminator steps per generator step")
    t.add_argument("--loss", choices=list(LOSSES), help="objective (default: the family's)")
    t.add_argument("--gp-weight", type=float, help="WGAN-GP lambda")
    t.add_argument("--clip", type=float, help="WGAN weight clipping bound")
    t.add_argument("--label-smoothing", type=float, default=1.0, dest="real_label", metavar="REAL_LABEL",
                   help="target for real samples (0.9 = one-sided label smoothing)")
    t.add_argument("--latent-dim", type=_positive_int, help="noise dimension (default: the family's)")
    t.add_argument("--image-size", type=_positive_int, help="resize images to this size")
    t.add_argument("--ema-decay", type=float, default=0.999, help="EMA of G's weights (default 0.999)")
    t.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    t.add_argument("--seed", type=_nonneg_int, default=0, help="random seed (default 0)")
    t.add_argument("--out", default=None, help="output folder (default runs/MODEL-DATA)")
    t.add_argument("--log-every", type=_positive_int, default=10)
    t.add_argument("--sample-every", type=_positive_int, default=200)
    t.add_argument("--checkpoint-every", type=_positive_int, default=200)
    t.add_argument("--eval-every", type=_nonneg_int, default=0, help="evaluate every N steps (0: at the end)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")

    r = sub.add_parser("resume", help="continue a run from its last checkpoint")
    r.add_argument("dir", help="the run's output folder")
    r.add_argument("--steps", type=_positive_int, help="new total number of steps")
    r.add_argument("--no-progress", action="store_true")

    s = sub.add_parser("sample", help="draw samples from a checkpoint")
    s.add_argument("checkpoint", help="a checkpoint.npz or a run folder")
    s.add_argument("--n", type=_positive_int, default=64)
    s.add_argument("--out", default=None, help="PNG path (default: next to the checkpoint)")
    s.add_argument("--seed", type=_nonneg_int, default=0)
    s.add_argument("--no-ema", action="store_true", help="use the raw generator, not its EMA")
    s.add_argument("--truncation", type=float, default=None, help="truncation threshold for z")

    sub.add_parser("homework", help="build student versions of exercises and grade submissions "
                                    "(minigan homework --help)", add_help=False)
    e = sub.add_parser("eval", help="evaluate a checkpoint with the metrics that apply to its data")
    e.add_argument("checkpoint", help="a checkpoint.npz or a run folder")
    return parser


def _run_dir(path):
    if os.path.isdir(path):
        return path
    if os.path.isfile(path):
        return os.path.dirname(os.path.abspath(path))
    raise SystemExit(f"minigan: no checkpoint or run folder at {path!r}")


def _resume(run_dir, **kw):
    """``Trainer.resume``, with a missing or damaged checkpoint told in one line
    rather than a traceback."""
    from .gan.trainer import Trainer
    from .serialization import CheckpointError

    try:
        return Trainer.resume(run_dir, **kw)
    except (FileNotFoundError, CheckpointError) as exc:
        raise SystemExit(f"minigan: {exc}") from None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "homework":  # build student versions / grade submissions
        from .homework import main as homework_main

        return homework_main(argv[1:])
    args = _build_parser().parse_args(argv)
    from .gan.trainer import TrainConfig, Trainer

    if args.command == "train":
        cfg = TrainConfig(
            model=args.model, data=args.data, steps=args.steps, batch_size=args.batch_size,
            lr=args.lr, lr_g=args.lr_g, lr_d=args.lr_d, n_disc=args.n_disc, loss=args.loss,
            gp_weight=args.gp_weight, clip=args.clip, real_label=args.real_label,
            latent_dim=args.latent_dim, image_size=args.image_size, ema_decay=args.ema_decay,
            device=args.device, seed=args.seed, out=args.out or f"runs/{args.model}-{args.data}",
            log_every=args.log_every, sample_every=args.sample_every,
            checkpoint_every=args.checkpoint_every, eval_every=args.eval_every,
            progress=not args.no_progress,
            data_options={k: v for k, v in (("split", args.split), ("root", args.data_root))
                          if v is not None},
        )
        try:
            trainer = Trainer(cfg)
        except (ValueError, TypeError, FileNotFoundError) as exc:
            print(f"minigan: {exc}", file=sys.stderr)
            return 2
        trainer.run()
        _report(trainer)
        return 0
    if args.command == "resume":
        trainer = _resume(args.dir, steps=args.steps, progress=not args.no_progress)
        trainer.run()
        _report(trainer)
        return 0
    if args.command == "sample":
        return _sample(args)
    if args.command == "eval":
        trainer = _resume(_run_dir(args.checkpoint), read_only=True, progress=False)
        figures = trainer.evaluate()
        if not figures:
            print("no metric applies to this dataset yet")
        for k, v in figures.items():
            print(f"{k}: {v}")
        return 0
    return 2


def _report(trainer):
    last = next((r for r in reversed(trainer.history) if "d_loss" in r), {})
    print(f"done: {trainer.step} steps; d_loss={last.get('d_loss', float('nan')):.4f} "
          f"g_loss={last.get('g_loss', float('nan')):.4f}")
    for r in reversed(trainer.history):
        if "modes_captured" in r:
            print(f"modes captured: {r['modes_captured']}, high quality: {100 * r['high_quality']:.1f}%")
            break
    print(f"outputs in {trainer.config.out}: samples.png, losses.png, metrics.csv, checkpoint.npz")


def _sample(args):
    import numpy as np

    from . import backend
    from .autograd.grad_mode import no_grad
    from .autograd.tensor import Tensor
    from .gan.sampling import truncated_normal
    from .gan.trainer import _preserved_state
    from .viz import plots

    run = _run_dir(args.checkpoint)
    trainer = _resume(run, read_only=True, progress=False)
    G = trainer.G if args.no_ema else trainer.G_ema
    if args.truncation:
        z = truncated_normal(args.n, trainer.latent_dim, args.truncation, seed=args.seed)
    else:
        z = np.random.default_rng(args.seed).standard_normal((args.n, trainer.latent_dim))
    with no_grad(), _preserved_state(G):
        x = backend.to_device(G(Tensor._wrap(backend.to_device(z.astype(np.float32), trainer.device)))._data,
                              "cpu")
    out = args.out or os.path.join(run, "sampled.png")
    if trainer.kind == "image":
        plots.save_image_grid(x, out, nrow=int(np.ceil(np.sqrt(args.n))))
    else:
        plots.plot_2d(x, np.asarray(trainer.dataset.data[:1000]), out)
    print(f"wrote {args.n} samples to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
