"""Loss modules with PyTorch's names and constructor signatures: thin wrappers
over the functions of the same name in :mod:`minigan.nn.functional` (where
the formulas are documented).

As in PyTorch, a class ``weight`` (and ``pos_weight``) is a buffer, so it is
saved in the ``state_dict`` and follows ``.to()`` / ``.double()``. The legacy
``size_average`` / ``reduce`` arguments are translated to ``reduction`` with
PyTorch's rule and a deprecation warning.
"""
from __future__ import annotations

import warnings

from ..autograd.tensor import Tensor
from ..ops._operands import as_tensor
from . import functional as F
from .module import Module

__all__ = ["L1Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss", "CrossEntropyLoss"]


def _legacy_reduction(size_average, reduce):
    """PyTorch's translation of the pre-1.0 flags: reduce=False -> 'none',
    else size_average=False -> 'sum', else 'mean'."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    return reduction


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: {reduction!r} is not a valid value for "
                             "reduction; use 'mean', 'sum' or 'none'")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", None if weight is None else _as_buffer(weight))


def _as_buffer(t):
    return t if isinstance(t, Tensor) else as_tensor(t)


class L1Loss(_Loss):
    """``mean |input - target|`` (see :func:`F.l1_loss`)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """mean (input - target)^2 (see :func:`F.mse_loss`); the least-squares GAN loss."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (see :func:`F.binary_cross_entropy`);
    ``weight`` rescales each element (broadcast against the input)."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, sigmoid included and stable for any
    logit (see :func:`F.binary_cross_entropy_with_logits`)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", None if weight is None else _as_buffer(weight))
        self.register_buffer("pos_weight",
                             None if pos_weight is None else _as_buffer(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class labels given log-probabilities (see
    :func:`F.nll_loss`)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits, with class labels or class
    probabilities as targets (see :func:`F.cross_entropy`)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)
