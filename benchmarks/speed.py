"""Training speed of minigan's GANs beside PyTorch, and beside the GEMM floor (a script, not a test).

    python benchmarks/speed.py                          # all workloads, 2 threads, 20 timed iterations
    python benchmarks/speed.py --workloads dcgan sagan --iters 30
    python benchmarks/speed.py --memory                 # + peak memory, one fresh process per run
    python benchmarks/speed.py --profile 5              # + minigan's top-5 hot spots (cProfile)
    python benchmarks/speed.py --no-torch               # minigan only
    python benchmarks/speed.py --device cuda            # minigan on CuPy beside torch on CUDA

Workloads (batch 64 unless named, float32, built layer for layer the same in both
frameworks from one spec below; the script checks that both have the same
parameter shapes in the same order):

* ``mlp-gan``: G 100-256-512-1024-784 (ReLU, Tanh out), D 784-512-256-1
  (LeakyReLU 0.2), non-saturating loss, Adam(2e-4, (0.5, 0.999)).
* ``dcgan``: G Linear(100, 128*7*7), BN, ReLU, ConvT 128->64 4/2/1, BN, ReLU,
  ConvT 64->1 4/2/1, Tanh; D Conv 1->64 4/2/1, LeakyReLU 0.2, Conv 64->128
  4/2/1, BN, LeakyReLU 0.2, Flatten, Linear(128*7*7, 1); as ``mlp-gan``.
* ``wgan-gp``: the same G and critic without BN; 5 critic steps, each with
  the gradient penalty (weight 10, ``create_graph=True``), then one G step;
  Adam(1e-4, (0, 0.9)).
* ``gan-2d``: the toy GAN of the mode-coverage rows, on 2-D data: G
  8-128-128-128-2 (ReLU), D 2-128-128-128-1 (LeakyReLU 0.2), as ``mlp-gan``
  otherwise. Its products are tiny, so it measures the Python overhead per
  op, not arithmetic.
* ``dcgan-b256``: ``dcgan`` at batch 256.
* ``dcgan64``: the official PyTorch examples' DCGAN (examples/dcgan: ngf =
  ndf = 64, nz = 100, 3 channels, 64x64 images, batch 64): G ConvT 100->512
  4/1/0, then ConvT 4/2/1 512->256->128->64->3 with BN + ReLU between (no
  biases), Tanh; D Conv 4/2/1 3->64->128->256->512 (no biases) with BN after
  all but the first, LeakyReLU 0.2, then Conv 512->1 4/1/0. Its D ends in a
  sigmoid and BCELoss there; here D gives logits to the same non-saturating
  loss as ``dcgan`` (BCE-with-logits, the same value); Adam(2e-4, (0.5, 0.999)).
* ``sagan``: ``minigan.gan.models.build("sagan", "image", image_size=28)``
  (spectral norm on every conv / linear layer of G and D, one self-attention
  block in each at 14x14) and the same network written with ``torch.nn``;
  hinge loss, Adam(1e-4 for G, 4e-4 for D, (0, 0.9)).

One iteration of a GAN workload is the usual training step: fake = G(z);
one D step on real and fake.detach(); one G step on D(fake) with D's
parameters frozen (``requires_grad_(False)``, in both frameworks). The
WGAN-GP critic steps draw their fakes under ``no_grad``.

Timing: 3 warm-up iterations, then ``--iters`` timed iterations, minigan and
torch alternating in blocks of ``BLOCK`` iterations (in the order A B B A
...), with a pause of ``SETTLE_S`` and one untimed iteration before each
block (the first iteration after a pause runs on cold caches, which made
the 2-D toy GAN's iterations up to 1.6x slower); the table gives the
median. The pause matters with 2 threads: after a parallel region,
OpenBLAS's and OpenMP's worker threads keep spinning on the cores for tens
of milliseconds, and iteration-by-iteration alternation (this script until
session 3) let each library's spinning threads slow the other's next
iteration. On this 2-core machine that made torch's DCGAN iteration 127 ms
instead of the 60 ms it takes alone, and minigan's 131 ms instead of 101. The load average of the machine is printed beside it: on a
shared machine, numbers taken under load are slower and noisier for both.

GEMM floor: the matrix-product FLOPs an iteration needs, divided by the
float32 GEMM rate NumPy reaches here (the median over representative shapes,
``GEMM_SHAPES``, same threads, each timed once between consecutive timed
iterations so that it sees the same load), is the time no NumPy
implementation can beat; "floor share" = that time / minigan's time. Two
counts are printed:

* *analytic*: per layer with M multiply-adds, forward 2M FLOPs; backward 2M
  for dW when the weights need a gradient and 2M for dX unless the input is
  data that needs none; spectral norm's power iteration and sigma
  (6 |W| + 2 R per forward, 2 |W| + 2 R for the weight gradient); the
  attention products f^T g and h beta^T in both directions; and for the
  gradient penalty, the critic's forward, its dX chain, and the double
  backward (dW of every layer plus the chain back through all but the last
  layer; piecewise-linear activations send nothing back through their masks).
  The floor share uses this count.
* *executed*: the FLOPs (2 M K N per product, batch axes included) of every
  product minigan actually runs, summed by wrapping the array module's
  ``matmul`` (called by ``MatMul`` and by the convolution ops) for a few
  instrumented iterations. It
  exceeds the analytic count where minigan computes gradients nobody needs.

Also checked, on one minigan iteration of each workload: every op output (and
every parameter, gradient and optimizer state) is float32.

DeZero (``pip install dezero==0.0.13``; this script sets ``np.int = int``
first, which it needs on NumPy 2), the from-scratch NumPy peer, is timed on
``dcgan`` and ``dcgan-b256`` when it is installed (a note says so when not):
the same networks written with ``dezero.layers`` (its Deconv2d for
ConvTranspose2d), its sigmoid cross-entropy as the non-saturating loss and
its Adam. DeZero cannot freeze D for the generator step, so it computes D's
weight gradients there too (as any DeZero user's script would).

Memory (``--memory``): each (framework, workload) runs 5 iterations in a
fresh subprocess; peak RSS growth = ``ru_maxrss`` after the loop minus the
resident size before it (``/proc/self/statm``), taken after the libraries are
loaded (``import torch``; for minigan with numba, the compiled kernels loaded
from numba's cache, ~100 MiB of code). CPU only.

Threads: ``--threads`` (default 2) is written to OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS and MKL_NUM_THREADS before NumPy loads (the script re-runs
itself if NumPy was already imported) and passed to ``torch.set_num_threads``.
minigan never imports torch; this script does, if it is installed.
"""
from __future__ import annotations

import os
import sys

BLOCK = 5        # timed iterations per framework before switching
SETTLE_S = 0.5   # pause before each block: idle BLAS / OpenMP threads stop spinning
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _threads_from_argv(argv) -> str:
    """The --threads value, read before argparse (and NumPy) load."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "2"


def _set_threads_before_numpy() -> None:
    threads = _threads_from_argv(sys.argv[1:])
    if not threads.isdigit() or int(threads) < 1:
        sys.exit(f"speed.py: --threads must be a positive integer, got {threads!r}")
    stale = [v for v in THREAD_VARS if os.environ.get(v) != threads]
    for var in THREAD_VARS:
        os.environ[var] = threads
    # OpenBLAS's idle-thread spin time, read when NumPy loads it: the short
    # spin (minigan.fast.blas.SPIN_TIMEOUT) frees the second core for the fast
    # layer's second thread; a value already in the environment wins
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "18")
    if stale and "numpy" in sys.modules:
        # the BLAS thread pool is sized when NumPy loads: too late, start again
        os.execv(sys.executable, list(getattr(sys, "orig_argv", [sys.executable] + sys.argv)))


_set_threads_before_numpy()

import argparse
import cProfile
import json
import math
import pstats
import resource
import shlex
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import minigan
import numpy as np
from minigan.autograd.function import Function
from minigan.gan import losses as mg_losses
from minigan.gan.models import apply_spectral_norm, build
from minigan.gan.penalties import gradient_penalty

BATCH = 64
WARMUP = 3
MEMORY_ITERS = 5

# (M, K, N) of products the workloads run: a big square one, the DCGAN
# layers' forward / weight-gradient products, and MLP layers
GEMM_SHAPES = [
    (1024, 1024, 1024),
    (128, 1024, 3136),   # DCGAN D conv 64->128 forward: W (128, 64*16) @ cols (1024, 64*49)
    (128, 3136, 1024),   # its weight gradient: g (128, 64*49) @ cols^T
    (1024, 128, 3136),   # DCGAN G convT 128->64 forward: W^T (64*16, 128) @ x (128, 64*49)
    (64, 1024, 784),     # MLP G last layer
    (64, 784, 512),      # MLP D first layer
]


# --------------------------------------------------------------------- architectures
# One spec per network, built in both frameworks and read by the FLOP count.
# ("linear", in, out, bias) ("conv", cin, cout, k, stride, pad, bias)
# ("convT", cin, cout, k, stride, pad, bias) ("bn", c) ("relu",) ("lrelu", slope)
# ("tanh",) ("flatten",) ("unflatten", (c, h, w)) ("attn", c, reduction)

MLP_G = [("linear", 100, 256, True), ("relu",), ("linear", 256, 512, True), ("relu",),
         ("linear", 512, 1024, True), ("relu",), ("linear", 1024, 784, True), ("tanh",)]
MLP_D = [("linear", 784, 512, True), ("lrelu", 0.2), ("linear", 512, 256, True), ("lrelu", 0.2),
         ("linear", 256, 1, True)]
DCGAN_G = [("linear", 100, 128 * 7 * 7, True), ("unflatten", (128, 7, 7)), ("bn", 128), ("relu",),
           ("convT", 128, 64, 4, 2, 1, True), ("bn", 64), ("relu",),
           ("convT", 64, 1, 4, 2, 1, True), ("tanh",)]
DCGAN_D = [("conv", 1, 64, 4, 2, 1, True), ("lrelu", 0.2),
           ("conv", 64, 128, 4, 2, 1, True), ("bn", 128), ("lrelu", 0.2),
           ("flatten",), ("linear", 128 * 7 * 7, 1, True)]
WGAN_CRITIC = [layer for layer in DCGAN_D if layer[0] != "bn"]
# the 2-D toy GAN of the mode-coverage benchmarks (minigan.gan.models "gan", data "2d")
TOY_G = [("linear", 8, 128, True), ("relu",), ("linear", 128, 128, True), ("relu",),
         ("linear", 128, 128, True), ("relu",), ("linear", 128, 2, True)]
TOY_D = [("linear", 2, 128, True), ("lrelu", 0.2), ("linear", 128, 128, True), ("lrelu", 0.2),
         ("linear", 128, 128, True), ("lrelu", 0.2), ("linear", 128, 1, True)]
# minigan.gan.models.sagan at image_size=28, ngf = ndf = 32 (checked against build())
SAGAN_G = [("linear", 128, 128 * 7 * 7, False), ("unflatten", (128, 7, 7)), ("bn", 128), ("relu",),
           ("convT", 128, 64, 4, 2, 1, False), ("bn", 64), ("relu",), ("attn", 64, 8),
           ("convT", 64, 32, 4, 2, 1, False), ("bn", 32), ("relu",),
           ("conv", 32, 1, 3, 1, 1, True), ("tanh",)]
# the official PyTorch examples' DCGAN (examples/dcgan/main.py), ngf = ndf = 64, nz = 100, nc = 3
DCGAN64_G = [("unflatten", (100, 1, 1)), ("convT", 100, 512, 4, 1, 0, False), ("bn", 512), ("relu",),
             ("convT", 512, 256, 4, 2, 1, False), ("bn", 256), ("relu",),
             ("convT", 256, 128, 4, 2, 1, False), ("bn", 128), ("relu",),
             ("convT", 128, 64, 4, 2, 1, False), ("bn", 64), ("relu",),
             ("convT", 64, 3, 4, 2, 1, False), ("tanh",)]
DCGAN64_D = [("conv", 3, 64, 4, 2, 1, False), ("lrelu", 0.2),
             ("conv", 64, 128, 4, 2, 1, False), ("bn", 128), ("lrelu", 0.2),
             ("conv", 128, 256, 4, 2, 1, False), ("bn", 256), ("lrelu", 0.2),
             ("conv", 256, 512, 4, 2, 1, False), ("bn", 512), ("lrelu", 0.2),
             ("conv", 512, 1, 4, 1, 0, False), ("flatten",)]
SAGAN_D = [("conv", 1, 32, 4, 2, 1, True), ("lrelu", 0.1), ("attn", 32, 8),
           ("conv", 32, 64, 4, 2, 1, True), ("lrelu", 0.1),
           ("flatten",), ("linear", 64 * 7 * 7, 1, True)]


@dataclass
class Workload:
    name: str
    g_spec: list
    d_spec: list
    latent: int
    data_shape: tuple
    loss: str               # "nonsaturating", "hinge" or "wasserstein" (with gradient penalty)
    lr_g: float
    lr_d: float
    betas: tuple
    spectral_norm: bool = False
    n_critic: int = 1
    minigan_build: str | None = None   # a minigan.gan.models family, instead of the spec
    batch: int = BATCH


WORKLOADS = {
    "mlp-gan": Workload("mlp-gan", MLP_G, MLP_D, 100, (784,), "nonsaturating", 2e-4, 2e-4,
                        (0.5, 0.999)),
    "dcgan": Workload("dcgan", DCGAN_G, DCGAN_D, 100, (1, 28, 28), "nonsaturating", 2e-4, 2e-4,
                      (0.5, 0.999)),
    "dcgan-b256": Workload("dcgan-b256", DCGAN_G, DCGAN_D, 100, (1, 28, 28), "nonsaturating", 2e-4,
                           2e-4, (0.5, 0.999), batch=256),
    "dcgan64": Workload("dcgan64", DCGAN64_G, DCGAN64_D, 100, (3, 64, 64), "nonsaturating", 2e-4,
                        2e-4, (0.5, 0.999)),
    "wgan-gp": Workload("wgan-gp", DCGAN_G, WGAN_CRITIC, 100, (1, 28, 28), "wasserstein", 1e-4,
                        1e-4, (0.0, 0.9), n_critic=5),
    "gan-2d": Workload("gan-2d", TOY_G, TOY_D, 8, (2,), "nonsaturating", 1e-4, 1e-4, (0.5, 0.999)),
    "sagan": Workload("sagan", SAGAN_G, SAGAN_D, 128, (1, 28, 28), "hinge", 1e-4, 4e-4, (0.0, 0.9),
                      spectral_norm=True, minigan_build="sagan"),
}


# --------------------------------------------------------------------- frameworks
class MiniganFramework:
    """minigan's side: its layers, losses, penalty and Adam."""

    name = "minigan"

    def __init__(self, device: str):
        self.device = device
        self.no_grad = minigan.no_grad
        self.softplus, self.relu = minigan.softplus, minigan.relu

    def seed(self, seed: int):
        minigan.manual_seed(seed)

    def randn(self, *shape):
        return minigan.randn(*shape, device=self.device)

    def from_numpy(self, array):
        return minigan.tensor(array, device=self.device)

    def build_net(self, spec, sn: bool):
        nn = minigan.nn
        layers = []
        for kind, *a in spec:
            if kind == "linear":
                layers.append(nn.Linear(a[0], a[1], bias=a[2]))
            elif kind == "conv":
                layers.append(nn.Conv2d(a[0], a[1], a[2], a[3], a[4], bias=a[5]))
            elif kind == "convT":
                layers.append(nn.ConvTranspose2d(a[0], a[1], a[2], a[3], a[4], bias=a[5]))
            elif kind == "bn":
                layers.append(nn.BatchNorm2d(a[0]))
            elif kind == "attn":
                layers.append(nn.SelfAttention(a[0], reduction=a[1]))
            elif kind == "lrelu":
                layers.append(nn.LeakyReLU(a[0]))
            elif kind == "unflatten":
                layers.append(nn.Unflatten(1, a[0]))
            else:
                layers.append({"relu": nn.ReLU, "tanh": nn.Tanh, "flatten": nn.Flatten}[kind]())
        net = nn.Sequential(*layers)
        return apply_spectral_norm(net) if sn else net

    def build_pair(self, wl: Workload):
        if wl.minigan_build is None:
            G, D = self.build_net(wl.g_spec, wl.spectral_norm), self.build_net(wl.d_spec,
                                                                              wl.spectral_norm)
        else:
            G, D, _ = build(wl.minigan_build, "image", image_size=wl.data_shape[-1],
                            latent_dim=wl.latent)
            # the spec (which the torch twin and the FLOP count use) must be this network
            for built, spec in ((G, wl.g_spec), (D, wl.d_spec)):
                twin = self.build_net(spec, wl.spectral_norm)
                if param_shapes(built) != param_shapes(twin):
                    raise RuntimeError(f"{wl.name}: the spec no longer matches minigan's "
                                       f"build({wl.minigan_build!r}); update SAGAN_G / SAGAN_D")
        return G.to(self.device), D.to(self.device)

    def adam(self, params, lr, betas):
        return minigan.optim.Adam(params, lr=lr, betas=betas)

    def losses(self, name):
        return mg_losses.get_loss(name)

    def gradient_penalty(self, critic, real, fake):
        return gradient_penalty(critic, real, fake, weight=10.0)[0]

    def sync(self):
        if self.device == "cuda":
            minigan.backend.require_cuda().cuda.runtime.deviceSynchronize()


class TorchFramework:
    """PyTorch's side, written as a PyTorch user would."""

    name = "torch"

    def __init__(self, device: str, threads: int):
        import torch  # here, not at the top: torch is optional, minigan never imports it

        self.torch = torch
        torch.set_num_threads(threads)
        self.device = device
        self.no_grad = torch.no_grad
        self.softplus, self.relu = torch.nn.functional.softplus, torch.relu

    def seed(self, seed: int):
        self.torch.manual_seed(seed)

    def randn(self, *shape):
        return self.torch.randn(*shape, device=self.device)

    def from_numpy(self, array):
        return self.torch.from_numpy(array.copy()).to(self.device)

    def build_net(self, spec, sn: bool):
        nn = self.torch.nn
        layers = []
        for kind, *a in spec:
            if kind == "linear":
                layers.append(nn.Linear(a[0], a[1], bias=a[2]))
            elif kind == "conv":
                layers.append(nn.Conv2d(a[0], a[1], a[2], a[3], a[4], bias=a[5]))
            elif kind == "convT":
                layers.append(nn.ConvTranspose2d(a[0], a[1], a[2], a[3], a[4], bias=a[5]))
            elif kind == "bn":
                layers.append(nn.BatchNorm2d(a[0]))
            elif kind == "attn":
                layers.append(_torch_self_attention(self.torch)(a[0], a[1]))
            elif kind == "lrelu":
                layers.append(nn.LeakyReLU(a[0]))
            elif kind == "unflatten":
                layers.append(nn.Unflatten(1, a[0]))
            else:
                layers.append({"relu": nn.ReLU, "tanh": nn.Tanh, "flatten": nn.Flatten}[kind]())
        net = nn.Sequential(*layers)
        if sn:
            for m in list(net.modules()):
                if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                    nn.utils.spectral_norm(m)
        return net

    def build_pair(self, wl: Workload):
        return (self.build_net(wl.g_spec, wl.spectral_norm).to(self.device),
                self.build_net(wl.d_spec, wl.spectral_norm).to(self.device))

    def adam(self, params, lr, betas):
        return self.torch.optim.Adam(params, lr=lr, betas=betas)

    def losses(self, name):
        F = self.torch.nn.functional
        return {
            "nonsaturating": (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(),
                              lambda f: F.softplus(-f).mean()),
            "hinge": (lambda r, f: F.relu(1.0 - r).mean() + F.relu(1.0 + f).mean(),
                      lambda f: -f.mean()),
            "wasserstein": (lambda r, f: f.mean() - r.mean(), lambda f: -f.mean()),
        }[name]

    def gradient_penalty(self, critic, real, fake):
        """minigan.gan.penalties.gradient_penalty, line for line."""
        torch = self.torch
        a = torch.rand(real.shape[0], *([1] * (real.ndim - 1)), device=real.device)
        x_hat = (a * real.detach() + (1.0 - a) * fake.detach()).detach().requires_grad_()
        (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        norms = torch.sqrt((g * g).reshape(g.shape[0], -1).sum(dim=1) + 1e-12)
        penalty = ((norms - 1.0) ** 2).mean() * 10.0
        float(norms.detach().mean().item())  # minigan's returns the mean norm too
        return penalty

    def sync(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()


#: the workloads DeZero is timed on (it has the layers they need)
DEZERO_WORKLOADS = ("dcgan", "dcgan-b256")


class DezeroFramework:
    """DeZero 0.0.13 (Deep Learning from Scratch 3), the from-scratch NumPy
    peer: the spec's networks with its layers, its loss and its Adam."""

    name = "dezero"

    def __init__(self):
        if not hasattr(np, "int"):
            np.int = int  # DeZero 0.0.13 uses the alias NumPy 2 removed
        import dezero  # noqa: F401  (ImportError when not installed)

        self.dz = dezero
        self.version = getattr(dezero, "__version__", "0.0.13")

    def build_net(self, spec):
        dz = self.dz
        L, F = dz.layers, dz.functions
        steps, params = [], dz.Model()
        for i, (kind, *a) in enumerate(spec):
            layer = None
            if kind == "linear":
                layer = L.Linear(a[1], nobias=not a[2], in_size=a[0])
            elif kind == "conv":
                layer = L.Conv2d(a[1], a[2], a[3], a[4], nobias=not a[5], in_channels=a[0])
            elif kind == "convT":
                layer = L.Deconv2d(a[1], a[2], a[3], a[4], nobias=not a[5], in_channels=a[0])
            elif kind == "bn":
                layer = L.BatchNorm()
            elif kind == "relu":
                steps.append(F.relu)
            elif kind == "lrelu":
                steps.append(lambda x, s=a[0]: F.leaky_relu(x, s))
            elif kind == "tanh":
                steps.append(F.tanh)
            elif kind == "flatten":
                steps.append(lambda x: F.reshape(x, (x.shape[0], -1)))
            elif kind == "unflatten":
                steps.append(lambda x, shape=a[0]: F.reshape(x, (x.shape[0],) + tuple(shape)))
            else:
                raise ValueError(f"DeZero twin: no {kind!r} layer")
            if layer is not None:
                setattr(params, f"l{i}", layer)
                steps.append(layer)

        def net(x):
            for step in steps:
                x = step(x)
            return x

        return net, params

    def make_iteration(self, wl: Workload, seed: int = 0):
        dz = self.dz
        F = dz.functions
        np.random.seed(seed)
        (G, g_params), (D, d_params) = self.build_net(wl.g_spec), self.build_net(wl.d_spec)
        rng = np.random.default_rng(seed)
        real = rng.uniform(-1, 1, (wl.batch,) + wl.data_shape).astype(np.float32)
        ones, zeros = np.ones((wl.batch, 1), np.int32), np.zeros((wl.batch, 1), np.int32)
        opt_g = dz.optimizers.Adam(alpha=wl.lr_g, beta1=wl.betas[0], beta2=wl.betas[1])
        opt_d = dz.optimizers.Adam(alpha=wl.lr_d, beta1=wl.betas[0], beta2=wl.betas[1])
        opt_g.setup(g_params)
        opt_d.setup(d_params)

        def iteration():
            z = np.random.randn(wl.batch, wl.latent).astype(np.float32)
            fake = G(z)
            d_params.cleargrads()
            loss_d = F.sigmoid_cross_entropy(D(real), ones) + \
                F.sigmoid_cross_entropy(D(dz.Variable(fake.data)), zeros)
            loss_d.backward()
            opt_d.update()
            g_params.cleargrads()
            d_params.cleargrads()
            F.sigmoid_cross_entropy(D(fake), ones).backward()
            opt_g.update()

        iteration()  # DeZero creates its weights lazily, on the first call
        return iteration


def _torch_self_attention(torch):
    """minigan.nn.SelfAttention (reduction r, no output projection) in torch:
    1x1 convs f, g to C/r and h to C, beta = softmax(f^T g) over positions,
    y = gamma * h beta^T + x with gamma initialised to 0."""
    nn = torch.nn

    class SelfAttention(nn.Module):
        def __init__(self, channels, reduction):
            super().__init__()
            self.query = nn.Conv2d(channels, channels // reduction, 1)
            self.key = nn.Conv2d(channels, channels // reduction, 1)
            self.value = nn.Conv2d(channels, channels, 1)
            self.gamma = nn.Parameter(torch.zeros(()))

        def forward(self, x):
            b, c, h, w = x.shape
            f, g, v = (m(x).reshape(b, -1, h * w) for m in (self.query, self.key, self.value))
            beta = torch.softmax(f.transpose(1, 2) @ g, dim=-1)     # (B, N, N)
            o = v @ beta.transpose(1, 2)                             # (B, C, N)
            return self.gamma * o.reshape(b, c, h, w) + x

    return SelfAttention


def param_shapes(module):
    return [tuple(p.shape) for p in module.parameters()]


# --------------------------------------------------------------------- one training iteration
def make_iteration(fw, wl: Workload, seed: int = 0):
    """Build G, D, optimizers and a batch of "real" data in ``fw``; return
    ``(iteration, G, D, optimizers)``, ``iteration()`` running one training
    iteration (see the module docstring) to completion."""
    fw.seed(seed)
    G, D = fw.build_pair(wl)
    G.train()
    D.train()
    rng = np.random.default_rng(seed)
    real = fw.from_numpy(rng.uniform(-1, 1, (wl.batch,) + wl.data_shape).astype(np.float32))
    opt_g = fw.adam(G.parameters(), wl.lr_g, wl.betas)
    opt_d = fw.adam(D.parameters(), wl.lr_d, wl.betas)
    d_loss_fn, g_loss_fn = fw.losses(wl.loss)

    def generator_step(fake):
        D.requires_grad_(False)   # D's weight gradients are not needed for G's step
        opt_g.zero_grad()
        g_loss_fn(D(fake)).backward()
        opt_g.step()
        D.requires_grad_(True)

    def gan_iteration():
        fake = G(fw.randn(wl.batch, wl.latent))
        opt_d.zero_grad()
        d_loss_fn(D(real), D(fake.detach())).backward()
        opt_d.step()
        generator_step(fake)
        fw.sync()

    def wgan_gp_iteration():
        for _ in range(wl.n_critic):
            with fw.no_grad():
                fake = G(fw.randn(wl.batch, wl.latent))
            opt_d.zero_grad()
            loss = d_loss_fn(D(real), D(fake)) + fw.gradient_penalty(D, real, fake)
            loss.backward()
            opt_d.step()
        generator_step(G(fw.randn(wl.batch, wl.latent)))
        fw.sync()

    iteration = wgan_gp_iteration if wl.loss == "wasserstein" else gan_iteration
    return iteration, G, D, (opt_g, opt_d)


# --------------------------------------------------------------------- analytic GEMM count
@dataclass
class GemmLayer:
    macs: int            # multiply-adds of the forward product for the whole batch
    weighted: bool       # weight @ activation (else activation @ activation: attention)
    weights: int = 0     # |W| and its matrix rows R, for spectral norm
    rows: int = 0


def gemm_layers(spec, in_shape, batch, sn: bool):
    """The products of one forward pass of ``spec`` on a (batch, *in_shape) input."""
    shape, out = tuple(in_shape), []

    def weighted(macs, weights, rows):
        out.append(GemmLayer(batch * macs, True, weights if sn else 0, rows if sn else 0))

    for kind, *a in spec:
        if kind == "linear":
            weighted(a[0] * a[1], a[0] * a[1], a[1])
            shape = (a[1],)
        elif kind == "conv":
            cin, cout, k, s, p = a[:5]
            oh, ow = ((d + 2 * p - k) // s + 1 for d in shape[1:])
            weighted(cout * oh * ow * cin * k * k, cout * cin * k * k, cout)
            shape = (cout, oh, ow)
        elif kind == "convT":
            cin, cout, k, s, p = a[:5]
            h, w = shape[1:]
            weighted(cin * h * w * cout * k * k, cin * cout * k * k, cout)
            shape = (cout, (h - 1) * s - 2 * p + k, (w - 1) * s - 2 * p + k)
        elif kind == "attn":
            c, r = a
            n, cq = shape[1] * shape[2], c // r
            weighted(n * c * cq, c * cq, cq)      # query f
            weighted(n * c * cq, c * cq, cq)      # key g
            weighted(n * c * c, c * c, c)         # value h
            out.append(GemmLayer(batch * n * n * cq, False))   # f^T g
            out.append(GemmLayer(batch * c * n * n, False))    # h beta^T
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "unflatten":
            shape = tuple(a[0])
    return out


def forward_flops(layers):
    """Forward products, plus spectral norm's power iteration (W^T u, W v) and
    sigma = u^T (W v) for every normalised layer."""
    return sum(2 * L.macs + 6 * L.weights + 2 * L.rows for L in layers)


def backward_flops(layers, dx_input: bool, dw: bool):
    """dW (and sigma's gradient u v^T under spectral norm) when the weights
    need a gradient; dX for every layer except the first when its input is
    data that needs none; both operands of attention's products."""
    total = 0
    for i, L in enumerate(layers):
        if not L.weighted:
            total += 4 * L.macs
            continue
        if dw:
            total += 2 * L.macs + 2 * L.weights + 2 * L.rows
        if i > 0 or dx_input:
            total += 2 * L.macs
    return total


def gradient_penalty_flops(layers):
    """Critic forward on x_hat, its dX chain down to x_hat, and the double
    backward: dW of every layer, and the chain back through all but the last
    (whose upstream gradient, from sum(), is a constant)."""
    if not all(L.weighted and not L.weights for L in layers):
        raise ValueError("the gradient-penalty count assumes a plain conv / linear critic")
    macs = [L.macs for L in layers]
    return forward_flops(layers) + 2 * sum(macs) + 2 * sum(macs) + 2 * sum(macs[:-1])


def analytic_flops(wl: Workload) -> int:
    G = gemm_layers(wl.g_spec, (wl.latent,), wl.batch, wl.spectral_norm)
    D = gemm_layers(wl.d_spec, wl.data_shape, wl.batch, wl.spectral_norm)
    g_step = forward_flops(D) + backward_flops(D, dx_input=True, dw=False) + \
        backward_flops(G, dx_input=False, dw=True)
    d_step = 2 * forward_flops(D) + 2 * backward_flops(D, dx_input=False, dw=True)
    if wl.loss == "wasserstein":
        return wl.n_critic * (forward_flops(G) + d_step + gradient_penalty_flops(D)) + \
            forward_flops(G) + g_step
    return forward_flops(G) + d_step + g_step


# --------------------------------------------------------------------- instrumentation
def count_executed_gemms(iteration, xp, iters: int = 3):
    """Run ``iters`` instrumented iterations of minigan; returns a dict with
    the GEMM FLOPs per iteration (every call of the array module's
    ``matmul``, from ``MatMul`` and from the convolution ops alike: 2 M K N
    times the batch), the share of the time spent inside those calls, and
    the time per operand-shape pair (for the hot-spot report)."""
    original = xp.matmul
    flops, inside, by_shape = 0, 0.0, {}

    def counted(a, b, *args, **kwargs):
        nonlocal flops, inside
        batch = math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        flops += 2 * batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
        t0 = time.perf_counter()
        y = original(a, b, *args, **kwargs)
        if xp is not np:
            xp.cuda.runtime.deviceSynchronize()
        dt = time.perf_counter() - t0
        inside += dt
        key = f"{a.shape} @ {b.shape}"
        calls, seconds = by_shape.get(key, (0, 0.0))
        by_shape[key] = (calls + 1, seconds + dt)
        return y

    xp.matmul = counted
    t0 = time.perf_counter()
    try:
        for _ in range(iters):
            iteration()
    finally:
        xp.matmul = original
    total = time.perf_counter() - t0
    return {"flops": flops // iters, "matmul_share": inside / total,
            "by_shape": {k: (c // iters, s / iters) for k, (c, s) in by_shape.items()}}


def float32_check(iteration, modules, optimizers):
    """Run one iteration with every op's outputs checked; then check
    parameters, gradients and optimizer state. Returns a list of offenders."""
    original = Function.__call__
    offenders = {}

    def checked(self, *inputs):
        out = original(self, *inputs)
        for r in out if isinstance(out, tuple) else (out,):
            dt = r._data.dtype
            if dt.kind == "f" and dt != np.float32:
                key = f"{type(self).__name__} -> {dt}"
                offenders.setdefault(key, "inputs " + ", ".join(
                    f"{tuple(x.shape)} {x.dtype}" for x in inputs))
        return out

    Function.__call__ = checked
    try:
        iteration()
    finally:
        Function.__call__ = original
    for module in modules:
        for name, p in module.named_parameters():
            for what, t in (("parameter", p), ("gradient", p.grad)):
                if t is not None and t.dtype != np.float32:
                    offenders[f"{what} {name} is {t.dtype}"] = ""
    for opt in optimizers:
        for state in opt.state.values():
            for key, value in state.items():
                arr = getattr(value, "_data", value)
                dt = getattr(arr, "dtype", None)
                if dt is not None and dt.kind == "f" and dt != np.float32:
                    offenders[f"optimizer state {key!r} is {dt}"] = ""
    return [f"{k} ({v})" if v else k for k, v in offenders.items()]


def hot_spots(iteration, iters: int, top: int = 5):
    """minigan's top functions by own time (cProfile tottime) over ``iters`` iterations."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(iters):
        iteration()
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    lines = []
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in rows:
        where = filename.replace(str(REPO) + os.sep, "")
        lines.append(f"    {1e3 * tottime / iters:8.1f} ms/iter {100 * tottime / total:5.1f}%  "
                     f"{ncalls // iters:6d} calls/iter  {where}:{line}({func})")
    return lines


class GemmProbe:
    """float32 GEMM rates for GEMM_SHAPES. ``run()`` times each shape once;
    ``rates()`` gives, per shape, 2 M K N / (median time) in FLOP/s. Run
    between timed iterations, it sees the machine as the iterations do."""

    def __init__(self, xp):
        rng = np.random.default_rng(0)
        self.xp = xp
        self.operands = [(xp.asarray(rng.standard_normal((m, k), dtype=np.float32)),
                          xp.asarray(rng.standard_normal((k, n), dtype=np.float32)))
                         for m, k, n in GEMM_SHAPES]
        self.times = [[] for _ in GEMM_SHAPES]
        for a, b in self.operands:
            xp.matmul(a, b)   # warm-up: BLAS buffers, threads

    def run(self):
        for (a, b), times in zip(self.operands, self.times):
            t0 = time.perf_counter()
            self.xp.matmul(a, b)
            if self.xp is not np:
                self.xp.cuda.runtime.deviceSynchronize()
            times.append(time.perf_counter() - t0)

    def rates(self):
        return [2 * m * k * n / statistics.median(t) for (m, k, n), t in zip(GEMM_SHAPES,
                                                                         self.times)]


# --------------------------------------------------------------------- memory (child process)
def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_child(framework: str, workload: str, threads: int) -> None:
    inherited = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # KiB on Linux
    fw = MiniganFramework("cpu") if framework == "minigan" else TorchFramework("cpu", threads)
    if framework == "minigan":
        # numba and the compiled kernels' machine code are library code, loaded once per
        # process (~100 MiB), as libtorch is loaded by `import torch` above: both before the count
        from minigan.fast import kernels

        if kernels.enabled():
            kernels.compile_all()
    iteration, *_ = make_iteration(fw, WORKLOADS[workload])
    before = _rss_bytes()
    for _ in range(MEMORY_ITERS):
        iteration()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"growth": max(0, peak - before), "before": before, "peak": peak,
                      "inherited_peak": inherited}))


def measure_memory(framework: str, workload: str, threads: int):
    """Peak RSS growth of 5 iterations in a fresh process. Linux carries a
    process's ru_maxrss across exec, and a child spawned from this process
    starts with this process's peak (hundreds of MiB once torch is loaded):
    so the child is forked by a small shell instead, and checked."""
    cmd = " ".join(shlex.quote(a) for a in [
        sys.executable, str(Path(__file__).resolve()), "--threads", str(threads),
        "--_memory-child", framework, workload])
    proc = subprocess.run(["/bin/sh", "-c", cmd + "; exit $?"], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory run {framework}/{workload} failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["inherited_peak"] > result["before"]:
        raise RuntimeError(f"memory run {framework}/{workload}: ru_maxrss started at "
                           f"{result['inherited_peak']} bytes, above the RSS before the loop "
                           f"({result['before']}): it was inherited, the growth would be wrong")
    return result


# --------------------------------------------------------------------- main
def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def wait_for_load(limit: float, max_wait: float) -> None:
    start = time.time()
    while os.getloadavg()[0] > limit and time.time() - start < max_wait:
        print(f"  waiting: {load()} > {limit}", flush=True)
        time.sleep(30)


def blas_kernel_line() -> str:
    """Which BLAS and kernel NumPy runs (threadpoolctl), with a warning when
    ``OPENBLAS_CORETYPE`` forces one: these machines set it to Haswell, about
    half the GEMM rate of the CPU's own kernel, while PyTorch is unaffected."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        info = "threadpoolctl not installed: kernel unknown"
    else:
        libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        info = "; ".join(f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')} "
                         f"({i.get('num_threads')} threads)" for i in libs) or "no BLAS found"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    warn = (f" WARNING: OPENBLAS_CORETYPE={forced} forces this kernel; unset it (and "
            "OPENBLAS_L2_SIZE) in the benchmark command") if forced else ""
    return f"NumPy BLAS: {info}.{warn}"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    p.add_argument("--iters", type=int, default=20, help="timed iterations (median reported)")
    p.add_argument("--threads", type=int, default=2, help="BLAS / OpenMP / torch threads")
    p.add_argument("--no-torch", action="store_true", help="time minigan only")
    p.add_argument("--no-dezero", action="store_true",
                   help=f"do not time DeZero (on {', '.join(DEZERO_WORKLOADS)}) even if installed")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--memory", action="store_true",
                   help="also measure peak RSS growth, one fresh process per run (CPU)")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="also print minigan's top-5 functions by own time over N iterations")
    p.add_argument("--wait-load", type=float, default=None, metavar="L",
                   help="before each workload, wait (up to --max-wait s) for a 1-min load below L")
    p.add_argument("--max-wait", type=float, default=600.0)
    p.add_argument("--_memory-child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.iters < 1:
        p.error(f"--iters must be at least 1, got {args.iters}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    minigan.fast.tune_process()  # as minigan's CLI and Trainer do
    if args._memory_child:
        memory_child(*args._memory_child, args.threads)
        return 0

    xp = np
    if args.device == "cuda":
        if not minigan.cuda.is_available():
            try:
                minigan.backend.require_cuda()
            except RuntimeError as exc:
                print(f"speed.py --device cuda: {exc}")
            return 2
        xp = minigan.backend.require_cuda()
    torch_fw = None
    if not args.no_torch:
        try:
            torch_fw = TorchFramework(args.device, args.threads)
        except ImportError:
            print("PyTorch is not installed: minigan numbers only.")
        if torch_fw is not None and args.device == "cuda" \
                and not torch_fw.torch.cuda.is_available():
            print("torch sees no CUDA device (a CPU-only build?): minigan numbers only.")
            torch_fw = None
    mg_fw = MiniganFramework(args.device)
    frameworks = [mg_fw] + ([torch_fw] if torch_fw else [])
    dezero_fw, dezero_note = None, None
    if args.no_dezero or args.device != "cpu":
        dezero_note = "DeZero not timed (--no-dezero, or not --device cpu)"
    elif any(w in DEZERO_WORKLOADS for w in args.workloads):
        try:
            dezero_fw = DezeroFramework()
        except ImportError:
            dezero_note = "DeZero is not installed (pip install dezero==0.0.13): not timed"

    print(blas_kernel_line())
    print(f"minigan speed benchmark: device {args.device}, {args.threads} thread"
          f"{'s' if args.threads > 1 else ''}, batch {BATCH} (unless the workload names one), "
          f"float32, {WARMUP} warm-up + {args.iters} timed iterations (median)")
    print(f"numpy {np.__version__}" + (f", torch {torch_fw.torch.__version__}" if torch_fw else "")
          + f", {os.cpu_count()} CPUs, {load()}")
    probe = GemmProbe(xp)
    for _ in range(5):
        probe.run()
    rates = probe.rates()
    rate = statistics.median(rates)
    print("float32 GEMM rate (" + ("CuPy" if xp is not np else "NumPy") + "), GFLOP/s: "
          + ", ".join(f"{m}x{k}x{n} {r / 1e9:.1f}" for (m, k, n), r in zip(GEMM_SHAPES, rates))
          + f"; median {rate / 1e9:.1f} (each row's floor uses this median measured again, "
          "between its timed iterations)")

    rows, profiles = [], {}
    for name in args.workloads:
        wl = WORKLOADS[name]
        if args.wait_load is not None:
            wait_for_load(args.wait_load, args.max_wait)
        load_before = os.getloadavg()[0]
        # the floor's rate is measured between the timed iterations: on a
        # shared machine it moves with the load, as they do
        probe = GemmProbe(xp)
        built = {fw.name: make_iteration(fw, wl) for fw in frameworks}
        if torch_fw and param_shapes(built["minigan"][1]) + param_shapes(built["minigan"][2]) != \
                param_shapes(built["torch"][1]) + param_shapes(built["torch"][2]):
            raise RuntimeError(f"{name}: minigan and torch networks differ in parameters")
        steps = {k: v[0] for k, v in built.items()}
        timed = list(frameworks)
        if dezero_fw is not None and name in DEZERO_WORKLOADS:
            steps["dezero"] = dezero_fw.make_iteration(wl)
            timed.append(dezero_fw)
        for fw in timed:
            for _ in range(WARMUP):
                steps[fw.name]()
        times = {fw.name: [] for fw in timed}
        for b in range(math.ceil(args.iters / BLOCK)):
            for fw in (timed if b % 2 == 0 else timed[::-1]):
                probe.run()
                time.sleep(SETTLE_S)  # the last library's idle threads stop spinning
                steps[fw.name]()  # untimed: after the pause, caches and clocks are cold
                for _ in range(min(BLOCK, args.iters - b * BLOCK)):
                    t0 = time.perf_counter()
                    steps[fw.name]()
                    times[fw.name].append(time.perf_counter() - t0)
        _, G, D, opts = built["minigan"]
        gemms = count_executed_gemms(steps["minigan"], xp)
        bad = float32_check(steps["minigan"], (G, D), opts)
        if args.profile:
            slow = sorted(gemms["by_shape"].items(), key=lambda kv: kv[1][1], reverse=True)[:5]
            profiles[name] = hot_spots(steps["minigan"], args.profile) + [
                "  slowest GEMM operand shapes (instrumented, per iteration):"] + [
                f"    {1e3 * sec:8.1f} ms  {calls:4d} calls  {key}" for key, (calls, sec) in slow]
        row = {"name": name, "analytic": analytic_flops(wl), "executed": gemms["flops"],
               "matmul_share": gemms["matmul_share"], "rate": statistics.median(probe.rates()),
               "mg": statistics.median(times["minigan"]),
               "torch": statistics.median(times["torch"]) if torch_fw else None,
               "dezero": statistics.median(times["dezero"]) if "dezero" in times else None,
               "float32": bad, "load": (load_before, os.getloadavg()[0])}
        rows.append(row)
        print(f"  {name}: minigan {1e3 * row['mg']:.1f} ms"
              + (f", torch {1e3 * row['torch']:.1f} ms" if torch_fw else "")
              + (f", dezero {1e3 * row['dezero']:.1f} ms" if row["dezero"] else "")
              + f" ({load()})", flush=True)
        del built, steps, G, D, opts

    print()
    print("| workload | minigan ms/iter | torch ms/iter | minigan/torch | GEMM GFLOP/iter "
          "analytic | executed by minigan | GEMM GFLOP/s | floor ms | floor share | in GEMM "
          "| load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        floor = r["analytic"] / r["rate"]
        torch_ms = f"{1e3 * r['torch']:.1f}" if r["torch"] else "-"
        ratio = f"{r['mg'] / r['torch']:.2f}" if r["torch"] else "-"
        print(f"| {r['name']} | {1e3 * r['mg']:.1f} | {torch_ms} | {ratio} | "
              f"{r['analytic'] / 1e9:.3f} | {r['executed'] / 1e9:.3f} "
              f"({r['executed'] / r['analytic']:.2f}x) | {r['rate'] / 1e9:.1f} | {1e3 * floor:.1f} | "
              f"{100 * floor / r['mg']:.0f}% | {100 * r['matmul_share']:.0f}% | "
              f"{r['load'][0]:.1f}-{r['load'][1]:.1f} |")
    print()
    print("floor = analytic GEMM FLOPs / GEMM rate (median over GEMM_SHAPES, measured between "
          "the row's timed iterations); floor share = floor / minigan's time; 'in GEMM' = "
          "share of minigan's "
          "time inside the array module's matmul (3 instrumented iterations); load = 1-min load average "
          "before-after the row.")
    why = [r for r in rows if r["torch"]]
    if why:
        print("\nWhere minigan's time goes, against PyTorch's whole iteration (the profile of a "
              "ratio above 1.0):")
        print("| workload | minigan/torch | minigan in GEMM ms | minigan outside GEMM ms | torch ms "
              "| left outside GEMM at parity ms | verdict |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for r in why:
            gemm, torch_ms = r["matmul_share"] * r["mg"], r["torch"]
            rest, budget = r["mg"] - gemm, torch_ms - gemm
            if r["mg"] <= torch_ms:
                verdict = "at or below parity"
            elif budget <= 0:
                verdict = "GEMM-bound: NumPy's products alone take longer than torch's whole step"
            else:
                verdict = f"the passes outside GEMM must get {rest / budget:.1f}x faster"
            print(f"| {r['name']} | {r['mg'] / torch_ms:.2f} | {1e3 * gemm:.1f} | {1e3 * rest:.1f} | "
                  f"{1e3 * torch_ms:.1f} | {1e3 * budget:.1f} | {verdict} |")
    dz_rows = [r for r in rows if r["dezero"]]
    if dz_rows:
        print(f"\nDeZero {dezero_fw.version} (NumPy from scratch), same networks, same threads:")
        print("| workload | dezero ms/iter | dezero/minigan | dezero/torch |")
        print("|---|---:|---:|---:|")
        for r in dz_rows:
            vs_torch = f"{r['dezero'] / r['torch']:.2f}" if r["torch"] else "-"
            print(f"| {r['name']} | {1e3 * r['dezero']:.1f} | {r['dezero'] / r['mg']:.2f} | "
                  f"{vs_torch} |")
    elif dezero_note and any(w in DEZERO_WORKLOADS for w in args.workloads):
        print(f"\n{dezero_note}")
    for r in rows:
        verdict = "OK (every op output float32)" if not r["float32"] else \
            "NOT float32: " + "; ".join(r["float32"])
        print(f"float32 check {r['name']}: {verdict}")

    if args.memory:
        if args.device != "cpu":
            print("\nmemory: RSS is measured for --device cpu only")
        else:
            print("\n| workload | minigan peak RSS growth MiB | torch MiB | minigan/torch |")
            print("|---|---:|---:|---:|")
            for name in args.workloads:
                mg = measure_memory("minigan", name, args.threads)["growth"] / 2 ** 20
                tm = measure_memory("torch", name, args.threads)["growth"] / 2 ** 20 \
                    if torch_fw else None
                print(f"| {name} | {mg:.1f} | " + (f"{tm:.1f} | {mg / tm:.2f} |" if tm else
                                                   "- | - |"), flush=True)
    for name, lines in profiles.items():
        print(f"\nminigan hot spots, {name} (cProfile tottime over {args.profile} iterations, "
              "profiler overhead included):")
        print("\n".join(lines))
    print(f"\n{load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
