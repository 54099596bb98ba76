"""``Embedding``: a lookup table of learned vectors, PyTorch's ``nn.Embedding``.

    input ``(*)`` int64 indices in [0, num_embeddings)  ->  output ``(*, embedding_dim)``
    output[..., :] = weight[input[...], :]

It is row selection (``getitem`` with an integer array), whose backward is a
scatter-add: row k of ``dweight`` is the sum of the upstream gradients of
every position that looked up k. That adjoint pair (gather / scatter-add) is
differentiable again, so embeddings work inside gradient penalties too.
Equivalently, output = one_hot(input) @ weight; the gather avoids building
the ``(*, num_embeddings)`` one-hot matrix.
"""
from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..errors import DtypeError, OutOfRangeError
from ..ops._operands import constant
from . import init
from .linear import _empty_parameter
from .module import Module, Parameter

__all__ = ["Embedding", "embedding", "check_labels"]


def check_labels(input, num_classes: int, who: str) -> Tensor:
    """``input`` as an integer Tensor whose values lie in [0, num_classes)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: indices must be an integer Tensor (e.g. minigan.tensor(labels, "
                        f"dtype=np.int64)), got {type(input).__name__}")
    if input.dtype.kind not in "iu":
        raise DtypeError(f"{who}: indices must have an integer dtype (int64), got {input.dtype}")
    # On a GPU the check is a read from the device (a wait): one per label
    # tensor, however many layers look the labels up (a cgan's batch norms).
    stamp = (num_classes, input._version)
    if getattr(input, "_labels_checked", None) == stamp:
        return input
    data = input.array
    if data.size and bool(((data < 0) | (data >= num_classes)).any()):
        raise IndexError(f"{who}: indices must lie in 0..{num_classes - 1}, got values in "
                         f"{int(data.min())}..{int(data.max())}")
    input._labels_checked = stamp
    return input


def labels_in_range(labels: Tensor, num_classes: int) -> Tensor:
    """Mark ``labels`` as known to lie in [0, num_classes) (drawn so by minigan),
    so that :func:`check_labels` does not read them back from a GPU."""
    labels._labels_checked = (num_classes, labels._version)
    return labels


def _renorm_rows_(weight, indices, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: each looked-up row whose norm exceeds
    ``max_norm`` is scaled in place (no gradient) by max_norm / (norm + 1e-7)."""
    xp = backend.get_array_module(weight.array)
    rows = xp.unique(xp.asarray(indices.array).reshape(-1))
    w = weight.array
    norms = xp.linalg.norm(w[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if bool(over.any()):
        scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
        with no_grad():  # PyTorch's renorm is not part of the graph either
            weight[rows[over]] = w[rows[over]] * scale[:, None]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """weight[input]: integer indices ``(*)`` and weight (V, D) -> ``(*, D)``.

    With ``padding_idx`` that row's output is the stored row and it gets no
    gradient (PyTorch's rule), done by multiplying it by a constant 0/1 mask.
    ``max_norm`` first rescales, in place, every looked-up row whose
    ``norm_type``-norm exceeds it; ``scale_grad_by_freq`` divides each
    position's gradient by how often its index occurs in ``input``.
    (``sparse`` gradients do not exist in minigan: it must be False.)
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a 2-D Tensor (num_embeddings, "
                         f"embedding_dim), got {getattr(weight, 'shape', type(weight).__name__)}")
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported by minigan; "
                         "use sparse=False")
    check_labels(input, weight.shape[0], "embedding")
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise ValueError(f"embedding: padding_idx must be within num_embeddings "
                             f"({weight.shape[0]}), got {padding_idx}")
        padding_idx = int(padding_idx) % weight.shape[0]
    if max_norm is not None:
        _renorm_rows_(weight, input, float(max_norm), float(norm_type))
    if padding_idx is not None:
        xp = backend.get_array_module(weight.array)
        keep = xp.ones((weight.shape[0], 1), dtype=weight.dtype)
        keep[padding_idx] = 0.0
        # the padding row keeps its value (zero unless set by hand) but gets
        # no gradient: w * keep + detach(w) * (1 - keep)
        keep = constant(keep)
        weight = weight * keep + weight.detach() * (1.0 - keep)
    out = ops.getitem(weight, input)
    if scale_grad_by_freq:
        xp = backend.get_array_module(weight.array)
        idx = xp.asarray(input.array)
        _, inverse, counts = xp.unique(idx.reshape(-1), return_inverse=True, return_counts=True)
        scale = (1.0 / counts[inverse]).reshape(idx.shape + (1,)).astype(weight.dtype)
        # the value is out exactly; the gradient is scaled by 1 / count
        out = out.detach() + (out - out.detach()) * constant(scale)
    return out


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``.

    Args:
        num_embeddings: size of the vocabulary (number of classes).
        embedding_dim: size of each vector.
        padding_idx: if given, ``weight[padding_idx]`` starts at zero and is
            never updated (it receives no gradient).
        max_norm, norm_type, scale_grad_by_freq, sparse: as in
            :func:`embedding` (PyTorch's meaning; sparse must be False).
        _weight, _freeze: an initial weight (and whether it is frozen), as
            PyTorch's; :meth:`from_pretrained` is the public way.
        device, dtype: of the weight (float32 by default).

    ``weight`` (num_embeddings, embedding_dim) ~ N(0, 1), as in PyTorch.
    Input: an integer Tensor of any shape ``(*)``; output ``(*, embedding_dim)``.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        for name, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f"Embedding: {name} must be a positive int, got {v!r}")
            if v <= 0:
                raise OutOfRangeError(f"Embedding: {name} must be a positive int, got {v!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not isinstance(padding_idx, (int, np.integer)) or not \
                    -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be an int in "
                                 f"[-{self.num_embeddings}, {self.num_embeddings}), "
                                 f"got {padding_idx!r}")
            padding_idx = int(padding_idx) % self.num_embeddings
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported by minigan; "
                             "use sparse=False")
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = _empty_parameter((self.num_embeddings, self.embedding_dim), dtype,
                                           device)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape ({self.num_embeddings}, "
                                 f"{self.embedding_dim}), got {tuple(_weight.shape)}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is (a copy of) the 2-D ``embeddings``,
        frozen (no gradient) unless ``freeze=False``."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("Embedding.from_pretrained: embeddings must be a 2-D Tensor, got "
                             f"{getattr(embeddings, 'shape', type(embeddings).__name__)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings.detach().clone(), _freeze=freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s
