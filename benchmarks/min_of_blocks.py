"""minigan's own time per iteration of one speed.py workload, as the minimum
over blocks of iterations (a script, not a test).

    python benchmarks/min_of_blocks.py --workload gan-2d --threads 1 [--block 50 --blocks 15]

For comparing two checkouts of minigan (before and after a change), where a
ratio to PyTorch is too noisy: torch's own time moves by 20-40% between runs
on a shared machine, and the minimum over blocks is the least disturbed
number. Run it from each checkout's root in turn, alternating a few times,
e.g. ``for i in 1 2 3; do for d in ../before .; do (cd $d && python
benchmarks/min_of_blocks.py --workload dcgan --threads 2); done; done``.
It builds the workload with speed.py's own code (same networks, batch,
losses and optimizers), applies the process tuning the CLI and the Trainer
apply (``minigan.fast.tune_process()``: without it every large temporary
costs page faults), runs 20 untimed iterations, then ``--blocks`` blocks of
``--block`` iterations, and prints the fastest block's time per iteration.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="gan-2d")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--block", type=int, default=None, help="iterations per block (default: "
                        "about 0.1 s of work)")
    parser.add_argument("--blocks", type=int, default=8)
    args = parser.parse_args(argv)
    # speed.py sets the BLAS threads from its argv before NumPy loads
    sys.argv = [sys.argv[0], "--threads", str(args.threads)]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import speed  # noqa: PLC0415 - after the thread count is in place

    import minigan  # noqa: PLC0415

    if args.workload not in speed.WORKLOADS:
        parser.error(f"unknown workload {args.workload!r}; expected one of {', '.join(speed.WORKLOADS)}")
    tune = getattr(getattr(minigan, "fast", None), "tune_process", None)
    if tune is not None:  # older checkouts tuned the process at import
        tune()
    iteration = speed.make_iteration(speed.MiniganFramework("cpu"), speed.WORKLOADS[args.workload])[0]
    for _ in range(20):
        iteration()
    t0 = time.perf_counter()
    iteration()
    block = args.block or max(1, int(0.1 / max(time.perf_counter() - t0, 1e-6)))
    best = float("inf")
    for _ in range(args.blocks):
        t0 = time.perf_counter()
        for _ in range(block):
            iteration()
        best = min(best, (time.perf_counter() - t0) / block)
    print(f"{Path.cwd().name} {args.workload} threads={args.threads}: {1e3 * best:.3f} ms/iter "
          f"(fastest of {args.blocks} blocks of {block})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
