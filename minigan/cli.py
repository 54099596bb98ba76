"""The ``minigan`` command: train, resume, sample, eval.

    minigan train dcgan --data digits --steps 600 --out runs/demo
    minigan resume runs/demo --steps 1200         (or runs/demo/checkpoint.npz)
    minigan sample runs/demo/checkpoint.npz --n 64 --out grid.png

Training tricks are flags of ``train`` (all off by default), e.g.

    minigan train gan --data grid25 --feature-matching --replay-size 50 --instance-noise 0.1
    minigan train gan --data ring8 --penalty dragan
    minigan train dcgan --model-option minibatch_discrimination=true --model-option g_norm=vbn
    minigan train cgan --data digits --loss hinge

A user's mistake (a bad argument, a missing or damaged checkpoint, a
dataset that cannot be downloaded, a disk that is full or read-only, a GPU
that is not there) prints one line starting ``minigan:`` and exits with
status 2, without a traceback. Numbers are checked when the arguments are
parsed: non-finite or absurd values never reach the trainer.
"""
from __future__ import annotations

import argparse
import math
import os
import sys


class UsageError(Exception):
    """A user's mistake: :func:`main` prints ``minigan: <message>`` and returns 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in minigan's one-line form (argparse prints
    the usage and then the error on a second line)."""

    def error(self, message):
        where = self.prog[len("minigan"):].strip()
        print(f"minigan: {where + ': ' if where else ''}{message} (see `{self.prog} --help`)",
              file=sys.stderr)
        raise SystemExit(2)


#: the largest values the command line accepts (a bigger one is a typo, and would
#: ask for more memory than a machine has before training could say so)
MAX_LATENT_DIM, MAX_IMAGE_SIZE, MAX_SAMPLES = 16384, 1024, 10000


def _integer(low, high=None):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if v < low or (high is not None and v > high):
            span = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(f"expected an integer {span}, got {v}")
        return v
    return parse


_positive_int = _integer(1)
_nonneg_int = _integer(0)


def _real(low=None, high=None, low_open=False, high_open=False):
    """A finite float within [low, high] (open ends where asked)."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        ok = math.isfinite(v)
        if ok and low is not None:
            ok = v > low if low_open else v >= low
        if ok and high is not None:
            ok = v < high if high_open else v <= high
        if not ok:
            lo = "" if low is None else f"{'(' if low_open else '['}{low}, "
            hi = "" if high is None else f"{high}{')' if high_open else ']'}"
            span = (f" in {lo}{hi}" if low is not None and high is not None
                    else f" {'>' if low_open else '>='} {low}" if low is not None
                    else f" {'<' if high_open else '<='} {high}" if high is not None else "")
            raise argparse.ArgumentTypeError(f"expected a finite number{span}, got {text}")
        return v
    return parse


_number = _real()
_positive_float = _real(0.0, low_open=True)
_nonneg_float = _real(0.0)
#: learning rates: Adam and RMSprop diverge long before 1
_learning_rate = _real(0.0, 1.0, low_open=True)
_fraction = _real(0.0, 1.0, low_open=True)


def parse_option_value(text: str):
    """A ``--model-option`` value: true/false -> bool, none -> None, an int,
    a float, comma-separated ints -> a tuple (layer widths), else the string."""
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if "," in text:
        try:
            return tuple(int(v) for v in text.split(",") if v.strip())
        except ValueError:
            pass
    return text


def _model_option(text):
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. minibatch_discrimination=true), got "
                                         f"{text!r}")
    return key.strip(), parse_option_value(value)


THREADS_HELP = ("BLAS threads for matrix products (default: as many as BLAS chose, usually one "
                "per core); 1 keeps OpenBLAS from fighting another job for a busy core")


def _build_parser():
    from .data import DATASETS
    from .gan.losses import LOSSES
    from .gan.trainer import FAMILIES, TOY_DEFAULTS

    defaults = "\n".join(
        f"  {name:8s} loss={d['loss']}, n_disc={d['n_disc']}, {d['optimizer']}(lr_g={d['lr_g']}, "
        f"lr_d={d['lr_d']}{', betas=' + str(d['betas']) if 'betas' in d else ''})"
        + (f", gp_weight={d['gp_weight']}" if d.get("gp_weight") else "")
        + (f", clip={d['clip']}" if d.get("clip") else "")
        + (f", margin={d['margin']}" if "margin" in d else "")
        + (f", gamma={d['began_gamma']}, lambda_k={d['began_lambda_k']}" if "began_gamma" in d else "")
        + (f"\n  {'':8s} on 2-D data: " + ", ".join(f"{k}={v}" for k, v in TOY_DEFAULTS[name].items())
           if TOY_DEFAULTS[name] else "")
        for name, d in FAMILIES.items()
    )
    parser = _Parser(
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
    t.add_argument("--batch-size", type=_positive_int, default=None,
                   help="batch size (default 64, or the family's setting for 2-D data)")
    t.add_argument("--lr", type=_learning_rate, help="learning rate for both networks, in (0, 1]")
    t.add_argument("--lr-g", type=_learning_rate, help="generator learning rate")
    t.add_argument("--lr-d", type=_learning_rate, help="discriminator learning rate")
    t.add_argument("--n-disc", type=_positive_int, help="discriminator steps per generator step")
    t.add_argument("--loss", choices=list(LOSSES), help="objective (default: the family's)")
    t.add_argument("--gp-weight", type=_nonneg_float, help="WGAN-GP lambda")
    t.add_argument("--clip", type=_positive_float, help="WGAN weight clipping bound")
    t.add_argument("--label-smoothing", type=_fraction, default=1.0, dest="real_label", metavar="REAL_LABEL",
                   help="target for real samples (0.9 = one-sided label smoothing)")
    t.add_argument("--model-option", type=_model_option, action="append", default=[], metavar="KEY=VALUE",
                   help="architecture option for models.build, repeatable (values: int, float, "
                        "true/false, comma-separated ints, or text), e.g. ngf=32")
    k = t.add_argument_group("objectives and training tricks (all off by default)")
    k.add_argument("--penalty", choices=["dragan", "wgan-gp"],
                   help="gradient penalty on D: dragan (around real data) or wgan-gp (between real and fake)")
    k.add_argument("--penalty-weight", type=_nonneg_float, default=10.0, help="its weight (default 10)")
    k.add_argument("--margin", type=_positive_float, help="EBGAN margin m (default: the family's)")
    k.add_argument("--pt-weight", type=_nonneg_float,
                   help="EBGAN's pulling-away term weight, ebgan or began (default: the family's; "
                        "EBGAN's paper: 0.1)")
    k.add_argument("--began-gamma", type=_positive_float, help="BEGAN diversity ratio gamma (default 0.5)")
    k.add_argument("--began-lambda-k", type=_positive_float, help="BEGAN gain lambda_k (default 0.001)")
    k.add_argument("--feature-matching", action="store_true",
                   help="G matches the mean of D's features on real data (Salimans et al. 2016)")
    k.add_argument("--historical-averaging", type=_nonneg_float, default=0.0, dest="hist_weight",
                   metavar="WEIGHT", help="penalise parameters' distance to their running mean")
    k.add_argument("--historical-averaging-on", choices=["g", "d", "both"], default="both", dest="hist_on",
                   help="which network(s) historical averaging applies to (default both)")
    k.add_argument("--minibatch-discrimination", action="store_true",
                   help="minibatch discrimination layer in D (model option; gan and dcgan)")
    k.add_argument("--vbn", action="store_true",
                   help="virtual batch norm in G with a fixed reference batch (model option g_norm=vbn)")
    k.add_argument("--replay-size", type=_nonneg_int, default=0, metavar="BATCHES",
                   help="replay buffer of past fakes for D, in batches (Shrivastava et al. use 50)")
    k.add_argument("--replay-fraction", type=_fraction, default=0.5,
                   help="share of D's fake batch drawn from the buffer (default 0.5)")
    k.add_argument("--d-threshold", type=_number,
                   help="adaptive schedule: skip D's update while its loss is below this")
    k.add_argument("--g-threshold", type=_number,
                   help="adaptive schedule: repeat G's update while its loss is above this")
    k.add_argument("--max-g-steps", type=_positive_int, default=None,
                   help="most G updates per iteration under --g-threshold (default 1, or 3 with it)")
    k.add_argument("--instance-noise", type=_nonneg_float, default=0.0, metavar="SIGMA",
                   help="Gaussian noise on D's inputs, std annealed linearly from SIGMA to 0")
    k.add_argument("--ortho-weight", type=_nonneg_float, default=0.0, metavar="BETA",
                   help="BigGAN orthogonal regularisation of G (the paper: 1e-4)")
    t.add_argument("--latent-dim", type=_integer(1, MAX_LATENT_DIM),
                   help=f"noise dimension (default: the family's; at most {MAX_LATENT_DIM})")
    t.add_argument("--image-size", type=_integer(1, MAX_IMAGE_SIZE), help="resize images to this size")
    t.add_argument("--ema-decay", type=_real(0.0, 1.0, high_open=True), default=0.999,
                   help="EMA of G's weights, in [0, 1) (default 0.999; warmed up as "
                        "min(decay, (1 + t) / (10 + t)) at step t)")
    t.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    t.add_argument("--seed", type=_nonneg_int, default=0, help="random seed (default 0)")
    t.add_argument("--out", default=None, help="output folder (default runs/MODEL-DATA)")
    t.add_argument("--overwrite", action="store_true",
                   help="replace a run already in the output folder (default: refuse)")
    t.add_argument("--log-every", type=_positive_int, default=10)
    t.add_argument("--sample-every", type=_positive_int, default=200)
    t.add_argument("--checkpoint-every", type=_positive_int, default=200)
    t.add_argument("--eval-every", type=_nonneg_int, default=0, help="evaluate every N steps (0: at the end)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--threads", type=_positive_int, default=None,
                   help=THREADS_HELP)

    r = sub.add_parser("resume", help="continue a run from its last checkpoint")
    r.add_argument("dir", metavar="checkpoint", help="the run's checkpoint.npz or its folder")
    r.add_argument("--steps", type=_positive_int, help="new total number of steps")
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("--threads", type=_positive_int, default=None, help=THREADS_HELP)

    s = sub.add_parser("sample", help="draw samples from a checkpoint")
    s.add_argument("checkpoint", help="a checkpoint.npz or a run folder")
    s.add_argument("--n", type=_integer(1, MAX_SAMPLES), default=64,
                   help=f"how many samples (default 64, at most {MAX_SAMPLES})")
    s.add_argument("--out", type=_image_path, default=None,
                   help="a .png, .jpg or .jpeg path (default: sampled.png next to the checkpoint)")
    s.add_argument("--seed", type=_nonneg_int, default=0)
    s.add_argument("--no-ema", action="store_true", help="use the raw generator G, not its EMA G_ema")
    s.add_argument("--truncation", type=_positive_float, default=None,
                   help="truncation threshold for z (out-of-range entries are redrawn)")
    s.add_argument("--standing-stats", type=_nonneg_int, default=0, metavar="BATCHES",
                   help="BigGAN's standing statistics: re-estimate G's batch-norm statistics over "
                        "this many noise batches before sampling (0: off)")

    sub.add_parser("homework", help="build student versions of exercises and grade submissions "
                                    "(minigan homework --help)", add_help=False)
    e = sub.add_parser("eval", help="evaluate a checkpoint with the metrics that apply to its data")
    e.add_argument("checkpoint", help="a checkpoint.npz or a run folder")
    e.add_argument("--generator", choices=("ema", "raw"), default=None,
                   help="score G_ema or the raw G (default: G_ema, the EMA of G's weights)")
    return parser


def _image_path(text):
    from .viz.plots import IMAGE_FORMATS

    ext = os.path.splitext(text)[1].lower()
    if ext not in IMAGE_FORMATS:
        raise argparse.ArgumentTypeError(f"expected a path ending in {', '.join(IMAGE_FORMATS)}, got {text!r}")
    return text


def _run_dir(path):
    if os.path.isdir(path):
        return path
    if os.path.isfile(path):
        return os.path.dirname(os.path.abspath(path))
    raise UsageError(f"no checkpoint or run folder at {path!r}")


def _resume(path, **kw):
    """``Trainer.resume`` on a checkpoint file or a run folder, with a
    missing, damaged or unusable checkpoint told in one line."""
    from .gan.trainer import Trainer
    from .serialization import CheckpointError

    if not os.path.exists(path):
        raise UsageError(f"no checkpoint or run folder at {path!r}")
    try:
        return Trainer.resume(path, **kw)
    except (FileNotFoundError, CheckpointError) as exc:
        raise UsageError(str(exc)) from None
    except (ValueError, TypeError, RuntimeError) as exc:  # a checkpoint that does not fit, no GPU
        raise UsageError(f"cannot resume from {path!r}: {exc}") from None


def _one_line(text) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def main(argv=None) -> int:
    """The ``minigan`` command; returns the exit status (2 for a user's mistake)."""
    try:
        return _main(argv)
    except UsageError as exc:
        message = _one_line(exc)
    except MemoryError as exc:
        message = (f"not enough memory ({_one_line(exc) or 'an allocation failed'}); lower --latent-dim, "
                   "--n, --batch-size, --image-size or the model's width")
    except OSError as exc:  # a full or read-only disk, a path that cannot be written
        where = exc.filename or "a file"
        message = f"cannot write {where}: {exc.strerror or _one_line(exc)}"
    except FloatingPointError as exc:  # training diverged
        message = _one_line(exc)
    print(f"minigan: {message}", file=sys.stderr)
    return 2


def _check_device(device):
    from . import backend

    try:
        if backend.normalize_device(device) == "cuda":
            backend.require_cuda()
    except (ValueError, RuntimeError) as exc:
        raise UsageError(f"--device {device}: {exc}") from None


def _check_out(out, overwrite):
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out!r} is a file; expected a folder for the run's outputs")
    ckpt = os.path.join(out, "checkpoint.npz")
    if os.path.exists(ckpt) and not overwrite:
        raise UsageError(f"{out!r} already holds a run ({ckpt}); continue it with `minigan resume {out}` "
                         "(--steps N for a new total), or start over with --overwrite")


def _main(argv):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "homework":  # build student versions / grade submissions
        from .homework import main as homework_main

        return homework_main(argv[1:])
    args = _build_parser().parse_args(argv)
    if getattr(args, "threads", None) is not None:
        from .fast import blas

        try:
            blas.set_num_threads(args.threads)
        except RuntimeError as exc:
            raise UsageError(str(exc)) from None
    # train and resume tune the process (allocator) once, in Trainer.run: a
    # training run is a long-lived process of same-sized steps; importing
    # minigan changes nothing, and sample / eval leave the process as it is
    from .gan.trainer import TrainConfig, Trainer

    if args.command == "train":
        _check_device(args.device)
        out = args.out or f"runs/{args.model}-{args.data}"
        _check_out(out, args.overwrite)
        cfg = TrainConfig(
            model=args.model, data=args.data, steps=args.steps, batch_size=args.batch_size,
            lr=args.lr, lr_g=args.lr_g, lr_d=args.lr_d, n_disc=args.n_disc, loss=args.loss,
            gp_weight=args.gp_weight, clip=args.clip, real_label=args.real_label,
            latent_dim=args.latent_dim, image_size=args.image_size, ema_decay=args.ema_decay,
            device=args.device, seed=args.seed, out=out,
            log_every=args.log_every, sample_every=args.sample_every,
            checkpoint_every=args.checkpoint_every, eval_every=args.eval_every,
            progress=not args.no_progress,
            data_options={k: v for k, v in (("split", args.split), ("root", args.data_root))
                          if v is not None},
            model_options=_model_options(args),
            penalty=args.penalty, penalty_weight=args.penalty_weight, margin=args.margin,
            pt_weight=args.pt_weight, began_gamma=args.began_gamma, began_lambda_k=args.began_lambda_k,
            feature_matching=args.feature_matching, hist_weight=args.hist_weight, hist_on=args.hist_on,
            replay_size=args.replay_size, replay_fraction=args.replay_fraction,
            d_threshold=args.d_threshold, g_threshold=args.g_threshold,
            max_g_steps=args.max_g_steps or (3 if args.g_threshold is not None else 1),
            instance_noise=args.instance_noise, ortho_weight=args.ortho_weight,
        )
        try:
            trainer = Trainer(cfg)
        except OSError as exc:
            if exc.filename:  # a folder that cannot be created, a data root that cannot be read
                raise
            raise UsageError(_one_line(exc)) from None
        except (ValueError, TypeError, RuntimeError) as exc:  # includes a failed download
            raise UsageError(_one_line(exc)) from None
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
        trainer = _resume(args.checkpoint, read_only=True, progress=False)
        ema = None if args.generator is None else args.generator == "ema"
        figures = trainer.evaluate(ema=ema)
        print(f"generator: {_generator_words(trainer, ema)}")
        if not figures:
            print("no metric applies to this dataset yet")
        for k, v in figures.items():
            print(f"{k}: {v}")
        return 0
    return 2


def _generator_words(trainer, ema) -> str:
    if trainer.generator_name(ema) == "G":
        return "G (the raw generator)"
    return (f"G_ema (EMA of G's weights, decay {trainer.config.ema_decay} warmed up to "
            f"{trainer.ema_decay(max(trainer.step - 1, 0)):.4g} at step {trainer.step}; its own "
            "batch-norm statistics)")


def _model_options(args) -> dict:
    options = dict(args.model_option)
    for flag, name, key, value in ((args.minibatch_discrimination, "--minibatch-discrimination",
                                    "minibatch_discrimination", True),
                                   (args.vbn, "--vbn", "g_norm", "vbn")):
        if flag:
            if options.get(key, value) != value:
                raise UsageError(f"{name} conflicts with --model-option {key}={options[key]}")
            options[key] = value
    return options


def _report(trainer):
    last = next((r for r in reversed(trainer.history) if "d_loss" in r), {})
    print(f"done: {trainer.step} steps; d_loss={last.get('d_loss', float('nan')):.4f} "
          f"g_loss={last.get('g_loss', float('nan')):.4f}")
    for r in reversed(trainer.history):
        who = f" ({trainer.generator_name(r.get('ema'))})"
        if "modes_captured" in r:
            print(f"modes captured{who}: {r['modes_captured']}, high quality: {100 * r['high_quality']:.1f}%")
            break
        if "class_accuracy" in r:
            print(f"requested digit recognised in {100 * r['class_accuracy']:.1f}% of samples{who}")
            break
        if "mnist_fid" in r:
            print(f"MNIST-FID{who}: {r['mnist_fid']:.1f}, Inception Score {r['inception_score']:.2f}")
            break
    print(f"outputs in {trainer.config.out}: samples.png, losses.png, metrics.csv, checkpoint.npz")


def _sample(args):
    import numpy as np

    from . import backend
    from .autograd.grad_mode import no_grad
    from .autograd.tensor import Tensor
    from .gan.sampling import _showing, standing_statistics, truncated_normal
    from .gan.trainer import _preserved_state
    from .viz import plots

    run = _run_dir(args.checkpoint)
    trainer = _resume(args.checkpoint, read_only=True, progress=False)
    ema = not args.no_ema
    G = trainer.G_ema if ema else trainer.G
    rng = np.random.default_rng(args.seed)
    if args.truncation:
        z = truncated_normal(args.n, trainer.latent_dim, args.truncation, generator=rng).numpy()
    else:
        z = rng.standard_normal((args.n, trainer.latent_dim)).astype(np.float32)
    y = None
    nrow = int(np.ceil(np.sqrt(args.n)))
    if trainer.num_classes is not None:  # row i = class i, the same z down each column
        nrow = max(1, args.n // trainer.num_classes)
        z = np.tile(z[:nrow], (trainer.num_classes, 1))
        y = np.repeat(np.arange(trainer.num_classes), nrow)
    out = args.out or os.path.join(run, "sampled.png")
    with _preserved_state(G):
        if args.standing_stats:
            try:
                standing_statistics(G, n_batches=args.standing_stats, batch_size=64,
                                    num_classes=trainer.num_classes, generator=args.seed)
            except ValueError as exc:
                raise UsageError(f"--standing-stats: {exc}") from None
        # G_ema runs in evaluation mode with its own statistics; the raw G as
        # it trained, on one batch (its running statistics lag its weights)
        with no_grad(), (_showing(G) if ema or args.standing_stats else _preserved_state(G)):
            batch = len(z) if not (ema or args.standing_stats) else 256
            parts = []
            for start in range(0, len(z), batch):
                zt = Tensor.from_array(backend.to_device(z[start:start + batch], trainer.device))
                if y is None:
                    x = G(zt)
                else:
                    yt = Tensor.from_array(backend.to_device(y[start:start + batch], trainer.device))
                    x = G(zt, yt)
                parts.append(backend.to_device(x.array, "cpu"))
            x = np.concatenate(parts)
    if trainer.kind == "image":
        plots.save_image_grid(x, out, nrow=nrow)
    else:
        plots.plot_2d(x, np.asarray(trainer.dataset.data[:1000]), out)
    print(f"wrote {len(x)} samples of {_generator_words(trainer, ema)} to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
