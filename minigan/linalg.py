"""``minigan.linalg``: the names of ``torch.linalg`` that minigan has.

``vector_norm(x, ord=2, dim=None, keepdim=False)`` is ``(sum_i |x_i|^ord)^(1/ord)``
over ``dim`` (all elements when None); ``norm`` is the same for vectors.
Both are the ops of :mod:`minigan.ops.reduce`, differentiable twice.
"""
from .ops.reduce import norm, vector_norm

__all__ = ["norm", "vector_norm"]
