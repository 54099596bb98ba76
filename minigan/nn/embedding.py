"""``Embedding``: a lookup table of learned vectors, PyTorch's ``nn.Embedding``.

    input (*) int64 indices in [0, num_embeddings)  ->  output (*, embedding_dim)
    output[..., :] = weight[input[...], :]

It is row selection (``getitem`` with an integer array), whose backward is a
scatter-add: row k of ``dweight`` is the sum of the upstream gradients of
every position that looked up k. That adjoint pair (gather / scatter-add) is
differentiable again, so embeddings work inside gradient penalties too.
Equivalently, output = one_hot(input) @ weight; the gather avoids building
the (*, num_embeddings) one-hot matrix.
"""
from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..autograd.tensor import Tensor
from ..ops._operands import constant
from . import init
from .linear import _empty_parameter
from .module import Module

__all__ = ["Embedding", "embedding", "check_labels"]


def check_labels(input, num_classes: int, who: str) -> Tensor:
    """``input`` as an integer Tensor whose values lie in [0, num_classes)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: indices must be an integer Tensor (e.g. minigan.tensor(labels, "
                        f"dtype=np.int64)), got {type(input).__name__}")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must have an integer dtype (int64), got {input.dtype}")
    data = input._data
    if data.size and (int(data.min()) < 0 or int(data.max()) >= num_classes):
        raise IndexError(f"{who}: indices must lie in 0..{num_classes - 1}, got values in "
                         f"{int(data.min())}..{int(data.max())}")
    return input


def embedding(input, weight, padding_idx=None):
    """weight[input]: integer indices (*) and weight (V, D) -> (*, D).

    With ``padding_idx`` that row's output is the stored row and it gets no
    gradient (PyTorch's rule), done by multiplying it by a constant 0/1 mask.
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a 2-D Tensor (num_embeddings, "
                         f"embedding_dim), got {getattr(weight, 'shape', type(weight).__name__)}")
    check_labels(input, weight.shape[0], "embedding")
    if padding_idx is not None:
        xp = backend.get_array_module(weight._data)
        keep = xp.ones((weight.shape[0], 1), dtype=weight.dtype)
        keep[padding_idx] = 0.0
        # the padding row keeps its value (zero unless set by hand) but gets
        # no gradient: w * keep + detach(w) * (1 - keep)
        keep = constant(keep)
        weight = weight * keep + weight.detach() * (1.0 - keep)
    return ops.getitem(weight, input)


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``.

    Args:
        num_embeddings: size of the vocabulary (number of classes).
        embedding_dim: size of each vector.
        padding_idx: if given, ``weight[padding_idx]`` starts at zero and is
            never updated (it receives no gradient).
        device, dtype: of the weight (float32 by default).

    ``weight`` (num_embeddings, embedding_dim) ~ N(0, 1), as in PyTorch.
    Input: an integer Tensor of any shape (*); output (*, embedding_dim).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, device=None, dtype=None):
        super().__init__()
        for name, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"Embedding: {name} must be a positive int, got {v!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not isinstance(padding_idx, (int, np.integer)) or not \
                    -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be an int in "
                                 f"[-{self.num_embeddings}, {self.num_embeddings}), "
                                 f"got {padding_idx!r}")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        self.weight = _empty_parameter((self.num_embeddings, self.embedding_dim), dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0.0

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
