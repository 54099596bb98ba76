"""A/B of the compiled kernels (minigan.fast.kernels) against the fast
layer's NumPy paths, pass by pass, on DCGAN-28's shapes (a script, not a test).

    python benchmarks/kernels_ab.py --threads 1
    python benchmarks/kernels_ab.py --threads 2 --repeat 30

Each row times one op (forward, or forward and first derivative) or one
optimizer step with the kernels on and off, alternating A B A B ... in one
process so that both see the same load, and prints the medians of wall
time and of CPU time (all threads of the process) and the ratio of the
wall times (kernels / NumPy: below 1 is a gain). On a loaded machine wall
times move with the load; at one thread the CPU times are the steadier
measure, at two the wall times are what counts.
"""
from __future__ import annotations

import os
import sys


def _threads() -> str:
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return "2"


for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads()
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "18")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
import minigan.nn.functional as F  # noqa: E402
from minigan.fast import kernels  # noqa: E402

B = 64


def _cln(a):
    """a (N, C, H, W) batch-innermost, as a "cln" convolution leaves it."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def cases(rng):
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    t = lambda a, g=True: mg.tensor(a, requires_grad=g)  # noqa: E731

    def fwd_bwd(f, *xs):
        def run():
            out = f(*xs)
            # an upstream gradient laid out like the output, as in a network
            g = mg.Tensor.from_array(np.ones_like(out.array))
            mg.grad(out, list(xs), grad_outputs=g)
        return run

    def fwd(f, *xs):
        def run():
            with mg.no_grad():
                f(*xs)
        return run

    x14, x7, x28 = t(_cln(r(B, 64, 14, 14))), t(_cln(r(B, 128, 7, 7))), t(_cln(r(B, 1, 28, 28)))
    w_bn64, b_bn64 = t(r(64)), t(r(64))
    w_d2, w_g1, w_g2 = t(r(128, 64, 4, 4) * .03), t(r(128, 64, 4, 4) * .03), t(r(64, 1, 4, 4) * .1)
    img = t(r(B, 1, 28, 28), False)
    w_d1 = t(r(64, 1, 4, 4) * .3)
    bn = lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)  # noqa: E731
    yield "leaky_relu fwd+bwd (64,64,14,14)", fwd_bwd(lambda a: mg.leaky_relu(a, 0.2), x14)
    yield "relu fwd+bwd (64,128,7,7)", fwd_bwd(mg.relu, x7)
    yield "tanh fwd+bwd (64,1,28,28)", fwd_bwd(mg.tanh, x28)
    yield "batch norm fwd+bwd (64,64,14,14)", fwd_bwd(bn, x14, w_bn64, b_bn64)
    yield "conv 1->64 k4s2p1 fwd+dW (image in)", fwd_bwd(
        lambda w: F.conv2d(img, w, stride=2, padding=1), w_d1)
    yield "conv 64->128 k4s2p1 fwd (14->7)", fwd(
        lambda a, w: F.conv2d(a, w, stride=2, padding=1), x14, w_d2)
    yield "conv 64->128 k4s2p1 fwd+bwd", fwd_bwd(
        lambda a, w: F.conv2d(a, w, stride=2, padding=1), x14, w_d2)
    yield "convT 128->64 k4s2p1 fwd (7->14)", fwd(
        lambda a, w: F.conv_transpose2d(a, w, stride=2, padding=1), x7, w_g1)
    yield "convT 128->64 k4s2p1 fwd+bwd", fwd_bwd(
        lambda a, w: F.conv_transpose2d(a, w, stride=2, padding=1), x7, w_g1)
    yield "convT 64->1 k4s2p1 fwd+bwd (14->28)", fwd_bwd(
        lambda a, w: F.conv_transpose2d(a, w, stride=2, padding=1), x14, w_g2)
    for name, cls in (("Adam", mg.optim.Adam), ("RMSprop", mg.optim.RMSprop),
                      ("SGD momentum", mg.optim.SGD)):
        params = [mg.nn.Parameter(mg.tensor(r(*s))) for s in ((6272, 100), (128, 64, 4, 4),
                                                               (64, 128, 4, 4), (6272,))]
        for p in params:
            p.grad = mg.tensor(r(*p.shape))
        kw = dict(lr=1e-4, momentum=0.9) if cls is mg.optim.SGD else dict(lr=1e-4)
        yield f"{name} step, DCGAN G's big params (0.9M)", cls(params, **kw).step


def training_iterations():
    """Whole training iterations of benchmarks/speed.py's workloads (its
    make_iteration, minigan side), kernels on against off."""
    import speed  # benchmarks/speed.py: same thread variables, already set

    fw = speed.MiniganFramework("cpu")
    for name in ("dcgan", "mlp-gan", "gan-2d", "wgan-gp"):
        yield f"{name} training iteration (speed.py)", speed.make_iteration(
            fw, speed.WORKLOADS[name])[0]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--iterations", action="store_true",
                   help="also whole training iterations of speed.py's workloads")
    args = p.parse_args()
    if not kernels.available():
        print("numba is not installed: nothing to compare")
        return 1
    t0 = time.perf_counter()
    kernels.compile_all()
    print(f"threads {args.threads} (BLAS {mg.get_num_threads()}), load "
          f"{os.getloadavg()[0]:.2f}; kernels compiled / loaded in {time.perf_counter() - t0:.1f} s")
    print("| pass | NumPy ms | kernels ms | kernels / NumPy | NumPy CPU ms | kernels CPU ms "
          "| CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = list(cases(np.random.default_rng(0)))
    if args.iterations:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        rows += list(training_iterations())
    for name, run in rows:
        times = {True: [], False: []}
        cpu = {True: [], False: []}
        for on in (True, False):  # warm-up both
            kernels.set_enabled(on)
            run()
        for _ in range(args.repeat):
            for on in (True, False):
                kernels.set_enabled(on)
                t, c = time.perf_counter(), time.process_time()
                run()
                times[on].append(time.perf_counter() - t)
                cpu[on].append(time.process_time() - c)
        kernels.set_enabled(True)
        a, b = statistics.median(times[False]), statistics.median(times[True])
        ca, cb = statistics.median(cpu[False]), statistics.median(cpu[True])
        print(f"| {name} | {1e3 * a:.2f} | {1e3 * b:.2f} | {b / a:.2f} | {1e3 * ca:.2f} | "
              f"{1e3 * cb:.2f} | {cb / ca:.2f} |", flush=True)
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
