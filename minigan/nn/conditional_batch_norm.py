"""Conditional batch normalisation (de Vries, Strub, Mary, Larochelle, Pietquin
& Courville, "Modulating early visual processing by language", NeurIPS 2017;
used for class-conditional generators by Miyato & Koyama, "cGANs with
Projection Discriminator", ICLR 2018, and BigGAN).

Batch norm without its own affine map, followed by a scale and a shift
chosen by the class label y:

    x_hat = (x - mean_B) / sqrt(var_B + eps)        per channel, as BatchNorm2d
    y_out = gamma[y] * x_hat + beta[y]              gamma, beta: Embedding(num_classes, C)

so each class gets its own per-channel affine map, while the statistics
(and the running averages used in evaluation mode) are shared. gamma starts
at 1 and beta at 0: at initialisation the layer is plain batch norm.
"""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .embedding import Embedding
from .module import Module
from .normalization import BatchNorm2d

__all__ = ["ConditionalBatchNorm2d"]


class ConditionalBatchNorm2d(Module):
    """x (N, C, H, W), labels y (N,) int64 -> (N, C, H, W).

    Args:
        num_features: C.
        num_classes: number of labels; y must lie in [0, num_classes).
        eps, momentum: as for :class:`BatchNorm2d` (running statistics are
            tracked the same way).

    Submodules: ``bn`` (BatchNorm2d with ``affine=False``), ``weight``
    (Embedding(num_classes, C), all ones) and ``bias`` (Embedding, all zeros).
    """

    def __init__(self, num_features, num_classes, eps=1e-5, momentum=0.1):
        super().__init__()
        self.bn = BatchNorm2d(num_features, eps=eps, momentum=momentum, affine=False)
        self.num_features = self.bn.num_features
        self.weight = Embedding(num_classes, self.num_features)
        self.num_classes = self.weight.num_embeddings
        self.bias = Embedding(self.num_classes, self.num_features)
        self.reset_parameters()

    def reset_parameters(self):
        self.bn.reset_running_stats()
        with no_grad():
            self.weight.weight.fill_(1.0)
            self.bias.weight.zero_()

    def forward(self, x, y):
        out = self.bn(x)
        if not isinstance(y, Tensor) or y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ValueError(f"ConditionalBatchNorm2d: expected labels y of shape ({x.shape[0]},) "
                             f"(one int64 label per sample), got "
                             f"{tuple(y.shape) if isinstance(y, Tensor) else type(y).__name__}")
        c = self.num_features
        gamma = self.weight(y).reshape(-1, c, 1, 1)
        beta = self.bias(y).reshape(-1, c, 1, 1)
        return out * gamma + beta

    def extra_repr(self):
        return f"{self.num_features}, num_classes={self.num_classes}"
