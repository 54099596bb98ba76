"""BigGAN's sampling tricks on a trained MNIST generator (a script, not a test).

Loads a run's checkpoint, then scores 2,000 samples of its EMA generator
under each sampling setting with minigan's MNIST metrics (LeNet features:
MNIST-FID against the real-vs-real floor, Inception Score as a ratio to real
digits, KL of the class histogram to uniform):

* plain: z ~ N(0, I), batch norms on their training-time running statistics;
* truncation t: entries of z with |z| > t redrawn (Brock et al. 2019, 3.1),
  which trades variety (class KL, FID) for per-sample quality (IS);
* standing statistics: G's batch-norm statistics re-estimated over 100
  noise batches before sampling (Brock et al. 2019, appendix C.1).

    python benchmarks/sampling_tricks.py runs/sagan-mnist-1200 --data-root ../shared/data/mnist
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minigan.data import get_dataset  # noqa: E402
from minigan.gan.sampling import generate, standing_statistics  # noqa: E402
from minigan.gan.trainer import Trainer  # noqa: E402
from minigan.metrics.mnist import MNISTEvaluator  # noqa: E402

SETTINGS = [("plain", None, 0), ("truncation 2.0", 2.0, 0), ("truncation 1.0", 1.0, 0),
            ("truncation 0.5", 0.5, 0), ("standing statistics (100 batches)", None, 100),
            ("standing statistics + truncation 1.0", 1.0, 100)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a run folder (or its checkpoint.npz) trained on 28x28 digits")
    ap.add_argument("--data-root", default=None, help="folder with the MNIST IDX files")
    ap.add_argument("--n", type=int, default=2000, help="samples per setting")
    args = ap.parse_args(argv)

    run = Path(args.run)
    trainer = Trainer.resume(str(run.parent if run.suffix == ".npz" else run), read_only=True)
    real = get_dataset("mnist", split="test", root=args.data_root).data
    evaluate = MNISTEvaluator(real, n=args.n)
    print(f"{trainer.config.model} at step {trainer.step}, {args.n} samples of G_ema per row, "
          f"MNIST-FID floor {evaluate.floor:.1f}")
    print("| sampling | MNIST-FID | IS ratio | class KL | s |")
    print("|---|---:|---:|---:|---:|")
    for name, truncation, standing in SETTINGS:
        t0 = time.perf_counter()
        G = copy.deepcopy(trainer.G_ema)
        if standing:
            standing_statistics(G, n_batches=standing, batch_size=64, truncation=truncation, generator=1)
        x = generate(G, args.n, truncation=truncation, generator=0)
        r = evaluate(x.numpy())
        print(f"| {name} | {r['mnist_fid']:.1f} | {r['inception_score_ratio']:.2f} | "
              f"{r['class_kl']:.3f} | {time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
