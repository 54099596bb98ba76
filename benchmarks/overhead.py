"""Python overhead per op: minigan beside PyTorch on tiny tensors (a script, not a test).

    python benchmarks/overhead.py              # 1 thread, every case
    python benchmarks/overhead.py --no-torch   # minigan only

On 4x4 float32 tensors the arithmetic is free, so the time per call is what
an op costs in Python: building the result Tensor, recording the graph node,
and, for the last case, the backward engine. This is what sets the pace of
small models (the 2-D toy GANs of the mode-coverage benchmarks, lesson
notebooks). Each case is timed over ``--calls`` calls after 200 warm-up
calls, in the same process for both libraries, with 1 BLAS / OpenMP thread;
the best of ``--repeats`` runs is printed, in microseconds per call, with
the ratio minigan / torch.
"""
from __future__ import annotations

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigan  # noqa: E402


def cases(lib, nn):
    """name -> zero-argument callable, the same computation in ``lib``."""
    a = lib.ones(4, 4, requires_grad=True)
    b = lib.ones(4, 4)
    layer = nn.Linear(4, 4)

    def no_grad_add():
        with lib.no_grad():
            return a + b

    def chain_backward():
        (layer(a).relu() * 2.0).sum().backward()

    return {
        "a + b (recording)": lambda: a + b,
        "a + b (no_grad)": no_grad_add,
        "a * 2.0": lambda: a * 2.0,
        "relu(a)": lambda: lib.relu(a),
        "a @ b": lambda: a @ b,
        "Linear(4, 4)(a)": lambda: layer(a),
        "Linear, relu, mul, sum, backward": chain_backward,
    }


def per_call_us(fn, calls: int, repeats: int) -> float:
    for _ in range(200):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return 1e6 * best


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-torch", action="store_true")
    args = p.parse_args(argv)

    libs = {"minigan": cases(minigan, minigan.nn)}
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: minigan numbers only.")
        else:
            torch.set_num_threads(1)
            libs["torch"] = cases(torch, torch.nn)
    names = list(libs["minigan"])
    times = {lib: {n: per_call_us(fns[n], args.calls, args.repeats) for n in names}
             for lib, fns in libs.items()}
    has_torch = "torch" in times
    print("| op | minigan us/call | " + ("torch us/call | minigan/torch |" if has_torch else ""))
    print("|---|---:|" + ("---:|---:|" if has_torch else ""))
    for n in names:
        row = f"| {n} | {times['minigan'][n]:.1f} |"
        if has_torch:
            row += f" {times['torch'][n]:.1f} | {times['minigan'][n] / times['torch'][n]:.2f} |"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
