"""Gradient clipping and parameter flattening (PyTorch's ``torch.nn.utils``
functions of the same names).

``clip_grad_norm_`` rescales all gradients together so that their joint
norm is at most ``max_norm``:

    total = || (||g_1||_p, ..., ||g_k||_p) ||_p      (max |g| for p = inf)
    g_i <- g_i * min(1, max_norm / (total + 1e-6))

computed in the gradients' own dtype (float32 stays float32), as PyTorch does.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend, ops
from ..errors import ShapeError
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of ``parameters`` in place so that their joint
    ``norm_type``-norm is at most ``max_norm``; returns that norm (before
    clipping) as a 0-d Tensor. Parameters without a gradient are skipped;
    with none at all the norm is 0. ``foreach`` is accepted for PyTorch
    compatibility and ignored."""
    grad_tensors = [p.grad for p in _as_list(parameters) if p.grad is not None]
    grads = [g.array for g in grad_tensors]
    norm_type = float(norm_type)
    max_norm = float(max_norm)
    if not grads:
        return Tensor.from_array(np.zeros((), dtype=np.float32))
    xp = backend.get_array_module(grads[0])
    dtype = grads[0].dtype
    if math.isinf(norm_type):
        per = xp.stack([xp.abs(g).max() if g.size else xp.zeros((), dtype) for g in grads])
        total = per.max()
    else:
        per = xp.stack([xp.linalg.norm(g.ravel(), ord=norm_type) for g in grads]).astype(dtype)
        total = xp.linalg.norm(per, ord=norm_type).astype(dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    coef = xp.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    with no_grad():
        for g in grad_tensors:
            g.mul_(coef.astype(g.dtype))
    return Tensor.from_array(xp.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable)."""
    return ops.cat([ops.reshape(p, -1) for p in _as_list(parameters)], 0)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place, no gradient)."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"expected vec to be a 1-D Tensor, got "
                        f"{type(vec).__name__} of shape {getattr(vec, 'shape', None)}")
    params = _as_list(parameters)
    total = sum(p.numel() for p in params)
    if vec.shape[0] != total:
        raise ShapeError(f"vector_to_parameters: vec has {vec.shape[0]} elements but the "
                         f"parameters hold {total}")
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(Tensor.from_array(vec.array[offset:offset + n].reshape(p.shape)))
            offset += n
