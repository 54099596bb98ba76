"""Virtual batch normalisation (Salimans et al., "Improved Techniques for
Training GANs", NeurIPS 2016, Sec. 3.4).

Batch norm makes a generator's output for one z depend on the other z's of
its batch. VBN normalises each example with statistics of a *reference
batch*, fixed once at the start of training, combined with the example
itself; so an example's output depends on the reference batch and on it
alone.

Per channel c, with (mu_ref, s_ref) the mean and the mean of squares of the
reference batch (over N and, for images, H and W) and (mu_i, s_i) those of
example i alone (over H and W; for (N, C) inputs x_i itself), following the
authors' code with new_coeff = 1 / (ref_size + 1):

    mean_i    = new_coeff * mu_i + (1 - new_coeff) * mu_ref
    meansq_i  = new_coeff * s_i  + (1 - new_coeff) * s_ref
    y_i       = (x_i - mean_i) / sqrt(meansq_i - mean_i^2 + eps) * weight + bias

The reference batch itself is normalised with its own statistics
(mean mu_ref, variance s_ref - mu_ref^2), as ordinary batch norm.

Using it: the reference statistics are those of the reference batch *at
the current parameters*, with gradient, so they must be recomputed every
forward pass (the paper: "requires running forward propagation on two
minibatches"). A network runs the reference batch first, inside
:func:`recording_reference`, then the real batch::

    with recording_reference(generator_body):
        generator_body(reference_z)       # every VBN layer records its statistics
    x = generator_body(z)                 # normalised with them

The GAN generators with ``norm='vbn'`` keep ``reference_z`` as a buffer and
do both steps inside their own ``forward``. VBN behaves the same in training
and evaluation mode (no running statistics).

``weight`` starts at 1 and ``bias`` at 0 (the authors use exp(gamma_driver)
with gamma_driver ~ N(0, 0.02), i.e. a scale near 1).
"""
from __future__ import annotations

import contextlib
import numbers

from .. import factories, ops
from ..autograd.tensor import Tensor
from .module import Module, Parameter

__all__ = ["VirtualBatchNorm1d", "VirtualBatchNorm2d", "recording_reference", "forget_reference"]


@contextlib.contextmanager
def recording_reference(module: Module):
    """Within the block, every VirtualBatchNorm layer inside ``module``
    (``module`` included) takes its input as the reference batch: it records
    the batch's statistics (keeping their graph) and normalises with them."""
    layers = [m for m in module.modules() if isinstance(m, _VirtualBatchNorm)]
    for m in layers:
        m._recording = True
    try:
        yield module
    finally:
        for m in layers:
            m._recording = False


def forget_reference(module: Module) -> None:
    """Drop the recorded reference statistics of every VirtualBatchNorm layer
    inside ``module``, releasing the graph they hold (a model that reruns its
    reference batch in every forward pass calls this at the end of it)."""
    for m in module.modules():
        if isinstance(m, _VirtualBatchNorm):
            m.reference_mean = m.reference_mean_sq = m.reference_size = None


class _VirtualBatchNorm(Module):
    _dims: tuple = ()
    _layout: str = ""

    def __init__(self, num_features, eps=1e-5, affine=True):
        super().__init__()
        if not isinstance(num_features, numbers.Integral) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, "
                             f"got {num_features!r}")
        self.num_features, self.eps, self.affine = int(num_features), eps, affine
        if affine:
            self.weight = Parameter(factories.ones(self.num_features))
            self.bias = Parameter(factories.zeros(self.num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        # reference statistics: Tensors with graph, recomputed every forward
        # pass, so they are plain attributes and not saved buffers
        self._recording = False
        self.reference_mean = None
        self.reference_mean_sq = None
        self.reference_size = None

    def _check_input(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected {self._layout} with C={self.num_features}, "
                             f"got shape {tuple(x.shape)}")

    def forward(self, x):
        self._check_input(x)
        spatial = tuple(range(2, x.ndim))
        if self._recording:
            axes = (0,) + spatial
            self.reference_mean = ops.mean(x, axis=axes, keepdims=True)
            self.reference_mean_sq = ops.mean(x * x, axis=axes, keepdims=True)
            self.reference_size = x.shape[0]
            mean, mean_sq = self.reference_mean, self.reference_mean_sq
        else:
            if self.reference_mean is None:
                raise RuntimeError(
                    f"{type(self).__name__}: no reference statistics yet; run the reference "
                    "batch first, inside `with minigan.nn.recording_reference(model): "
                    "model(reference_batch)`")
            if self.reference_mean.dtype != x.dtype:
                raise TypeError(f"{type(self).__name__}: the reference statistics have dtype "
                                f"{self.reference_mean.dtype} but the input has {x.dtype}; "
                                "rerun the reference batch in the input's dtype")
            new = 1.0 / (self.reference_size + 1.0)
            own_mean = ops.mean(x, axis=spatial, keepdims=True) if spatial else x
            own_mean_sq = ops.mean(x * x, axis=spatial, keepdims=True) if spatial else x * x
            mean = new * own_mean + (1.0 - new) * self.reference_mean
            mean_sq = new * own_mean_sq + (1.0 - new) * self.reference_mean_sq
        scale = 1.0 / ops.sqrt(mean_sq - mean * mean + self.eps)
        stat_shape = (1, self.num_features) + (1,) * len(spatial)
        if self.weight is not None:
            scale = scale * self.weight.reshape(stat_shape)
        out = (x - mean) * scale
        if self.bias is not None:
            out = out + self.bias.reshape(stat_shape)
        return out

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


class VirtualBatchNorm1d(_VirtualBatchNorm):
    """Virtual batch norm of (N, C) or (N, C, L) inputs (see the module docstring)."""

    _dims = (2, 3)
    _layout = "2-D input (N, C) or 3-D input (N, C, L)"


class VirtualBatchNorm2d(_VirtualBatchNorm):
    """Virtual batch norm of (N, C, H, W) inputs (see the module docstring)."""

    _dims = (4,)
    _layout = "4-D input (N, C, H, W)"
