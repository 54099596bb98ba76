"""Small pieces every updater uses: noise and labels for G, (x, y) batches,
freezing D for G's step, and the gradient norm that is logged."""
from __future__ import annotations

import contextlib
import math

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ...nn.embedding import labels_in_range
from ...random import generator, normal_array


def noise(n: int, latent_dim: int, like: Tensor) -> Tensor:
    """z ~ N(0, I), (n, latent_dim), in ``like``'s dtype and on its device."""
    return Tensor.from_array(normal_array((n, latent_dim), like.dtype, like.device))


def fake_labels(n: int, num_classes: int | None, like: Tensor) -> Tensor | None:
    """Labels for a conditional G, uniform over the classes, int64 (n,);
    None for an unconditional G (``num_classes`` None)."""
    if num_classes is None:
        return None
    y = generator("cpu").integers(0, num_classes, n).astype(np.int64)
    return labels_in_range(Tensor.from_array(backend.to_device(y, like.device)), num_classes)


def split_batch(batch, num_classes: int | None):
    """``(x, y)`` from what ``next_real()`` gave: a Tensor x (y None) or an
    ``(x, y)`` pair, the one a conditional G (``num_classes`` set) needs."""
    if isinstance(batch, (tuple, list)):
        if num_classes is None:
            raise ValueError("next_real() gave (x, y) pairs but G is not conditional (no num_classes)")
        return tuple(batch)
    if num_classes is not None:
        raise ValueError(f"G is conditional ({num_classes} classes): next_real() must give "
                         f"(x, y) pairs with labels y")
    return batch, None


def call(net, x, y=None):
    """``net(x)``, or ``net(x, y)`` for a conditional network."""
    return net(x) if y is None else net(x, y)


@contextlib.contextmanager
def frozen(module):
    """No weight gradients for ``module`` inside the block: D during G's
    step, where they would be wasted work."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad = False
    try:
        yield
    finally:
        for p in params:
            p.requires_grad = True


def grad_norm(module) -> float:
    """L2 norm of all parameter gradients of ``module`` (0 if none).

    The squares are summed where the gradients live (float32 dot products,
    no float64 copies) and cross to the host once, as one logged scalar."""
    total = None
    for p in module.parameters():
        if p.grad is not None:
            g = p.grad.array.ravel()
            sq = backend.get_array_module(g).vdot(g, g)
            total = sq if total is None else total + sq
    return 0.0 if total is None else math.sqrt(float(total))


def update(opt, loss, net, log: dict | None, key: str) -> None:
    """One optimiser step on ``loss``; logs ``net``'s gradient norm as
    ``log[key]`` unless ``log`` is None (a host transfer saved)."""
    opt.zero_grad()
    loss.backward()
    if log is not None:
        log[key] = grad_norm(net)
    opt.step()


def check_state(state: dict, expected: dict) -> None:
    """Refuse an updater state whose parts differ from the ones this configuration keeps."""
    if set(state) != set(expected):
        raise RuntimeError(f"the checkpoint's updater state has parts {sorted(state)}, but this "
                           f"configuration keeps {sorted(expected)}")


def d_figures(d_loss, real_out, fake_out, probability) -> dict:
    """The figures of D's last step: its loss, its mean verdicts on real and
    fake (``probability``), and E D(x) - E D(G(z)) (the critic's estimate of
    the Wasserstein distance for a WGAN)."""
    return {"d_loss": float(d_loss.item()), "d_real": probability(real_out),
            "d_fake": probability(fake_out),
            "wasserstein": float((real_out.mean() - fake_out.mean()).item())}
