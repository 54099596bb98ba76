"""Batch normalisation and layer normalisation (PyTorch's ``BatchNorm1d``,
``BatchNorm2d``, ``LayerNorm`` and their functional forms).

Both standardise activations, then apply a learned per-feature affine map:

    y = (x - mean) / sqrt(var + eps) * weight + bias

They differ only in which axes the statistics are taken over:

* batch norm: per channel, over the batch and every spatial position
  (axes 0, 2, 3, ... of an (N, C, ...) input), Ioffe & Szegedy 2015;
* layer norm: per sample, over the trailing ``normalized_shape`` axes,
  Ba, Kiros & Hinton 2016.

Layer norm is a composition of differentiable minigan ops (mean, multiply,
sqrt, ...), with no hand-written backward. Batch norm, on every conv layer
of a DCGAN, is one node (:class:`minigan.ops.normalization.BatchNormFn`): its
backward runs on arrays when no graph is recorded and, under
``create_graph=True``, recomputes the batch statistics from the input with
ops. That matters for GANs: a gradient penalty (WGAN-GP) differentiates the
gradient, and the second derivative of batch norm involves the batch
statistics' dependence on *every* input of the batch. A backward that reuses
cached raw arrays there (as DeZero's does) silently drops those terms for
layers upstream of the norm.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend, factories, ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..errors import DtypeError, OutOfRangeError, ShapeError
from ..ops.normalization import BatchNormFn
from .module import Module, Parameter

__all__ = ["batch_norm", "layer_norm", "instance_norm", "group_norm", "BatchNorm1d", "BatchNorm2d",
           "LayerNorm", "InstanceNorm1d", "InstanceNorm2d", "GroupNorm"]


def _check_tensor_input(who, x):
    """A floating-point Tensor, or the error PyTorch raises (it has no integer kernel)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise DtypeError(f"{who}: expected a floating-point input, got dtype {x.dtype}; "
                         "convert it first, e.g. x.float()")


def _check_dtype(name, x, t, what):
    if t is not None and t.dtype != x.dtype:
        raise DtypeError(
            f"{name}: input has dtype {x.dtype} but {what} has dtype {t.dtype}; convert one "
            f"explicitly (e.g. module.double() for float64 inputs, or x.float())"
        )


def _check_per_channel(who, input, **tensors):
    """Each given (C,) tensor matches the input's C channels, dtype and device
    (running statistics are not op inputs, so no op would check their device)."""
    c = input.shape[1]
    for what, t in tensors.items():
        if t is not None:
            backend.check_same_device(who, what, t.array, input.array)
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"{who}: {what} has shape {tuple(t.shape)} but the input has "
                             f"{c} channels (shape {input.shape}); expected shape ({c},)")
        _check_dtype(who, input, t, what)


def _scale_shift(out, weight, bias):
    """out * weight[c] + bias[c] along axis 1 of ``(N, C, *)``; either may be None."""
    stat_shape = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(stat_shape)
    if bias is not None:
        out = out + bias.reshape(stat_shape)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of an ``(N, C, *)`` input, per channel C.

    With ``training=True`` the statistics of this batch are used,

        mean_c = (1/m) sum x[:, c],   var_c = (1/m) sum (x[:, c] - mean_c)^2

    (m = N * prod(spatial), the *biased* variance), and, if ``running_mean`` /
    ``running_var`` are given, they are updated in place without gradient:

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)

    (the running variance is the *unbiased* estimate, as in PyTorch). With
    ``training=False`` the running statistics are used instead (held constant).
    Then ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with ``weight``
    and ``bias`` of shape (C,) (either may be None).
    """
    _check_tensor_input("batch_norm", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *) with at least 2 "
                         f"dimensions, got shape {input.shape}")
    c = input.shape[1]
    _check_per_channel("batch_norm", input, running_mean=running_mean, running_var=running_var,
                       weight=weight, bias=bias)
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    # PyTorch's rule: with eps = 0 a channel of equal values divides 0 by 0
    if training and not eps > 0:
        raise ValueError(f"batch_norm: eps must be positive during training, but got eps={eps!r}")
    if not eps >= 0:
        raise ValueError(f"batch_norm: eps must be non-negative, but got eps={eps!r}")
    if not training and running_mean is None:
        raise ValueError("batch_norm: training=False needs running_mean and running_var "
                         "(or pass training=True to use the batch statistics)")

    if training:
        m = input.numel() // c
        if m <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        fn = BatchNormFn(eps, None, weight is not None, bias is not None)
    else:
        # the running statistics are data, not inputs: no gradient reaches them
        fn = BatchNormFn(eps, (running_mean.array, running_var.array),
                       weight is not None, bias is not None)
    out = fn(input, *(t for t in (weight, bias) if t is not None))
    if training and running_mean is not None:
        with no_grad():
            running_mean.mul_(1.0 - momentum).add_(Tensor.from_array(fn.batch_mean), alpha=momentum)
            running_var.mul_(1.0 - momentum).add_(Tensor.from_array(fn.batch_var),
                                                  alpha=momentum * m / (m - 1))
    return out


def _float_dtype(dtype, who):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise DtypeError(f"{who}: parameters and statistics must be floating point, got dtype={dtype}")
    return dtype


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the trailing ``normalized_shape`` axes.

    For ``input`` of shape ``(*, D1, ..., Dk)`` with ``normalized_shape`` =
    (D1, ..., Dk), each sample's mean and biased variance are taken over those
    k axes, and ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with
    ``weight`` and ``bias`` of shape ``normalized_shape`` (either may be None).
    The same computation in training and evaluation; no running statistics.
    """
    _check_tensor_input("layer_norm", input)
    shape = _as_shape(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ShapeError(f"layer_norm: normalized_shape={list(shape)} expects an input of shape "
                         f"(*, {', '.join(map(str, shape))}), got input of shape {input.shape}")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {what} has shape {tuple(t.shape)}, expected "
                             f"normalized_shape {shape}")
        _check_dtype("layer_norm", input, t, what)
    axes = tuple(range(input.ndim - k, input.ndim))
    mean = ops.mean(input, axis=axes, keepdims=True)
    centred = input - mean
    var = ops.mean(centred * centred, axis=axes, keepdims=True)
    out = centred * (1.0 / ops.sqrt(var + eps))
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _standardise(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over ``axes`` (biased variance), with ops."""
    mean = ops.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    var = ops.mean(centred * centred, axis=axes, keepdims=True)
    return centred * (1.0 / ops.sqrt(var + eps)), mean, var


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalisation (Ulyanov, Vedaldi & Lempitsky 2016): each
    sample's channel standardised over its own spatial positions,

        y[n, c] = (x[n, c] - mean_{n,c}) / sqrt(var_{n,c} + eps) * weight[c] + bias[c]

    for x of shape ``(N, C, *)``. With ``use_input_stats`` and running statistics
    given, those are updated in place with the batch average of the
    per-instance means and *unbiased* variances (PyTorch's rule); with
    ``use_input_stats=False`` the running statistics normalise instead.
    """
    _check_tensor_input("instance_norm", input)
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an input of shape (N, C, *) with at least one "
                         f"spatial axis, got shape {input.shape}")
    c = input.shape[1]
    _check_per_channel("instance_norm", input, running_mean=running_mean, running_var=running_var,
                       weight=weight, bias=bias)
    stat_shape = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        axes = tuple(range(2, input.ndim))
        m = input.numel() // (input.shape[0] * c)
        if m <= 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                             f"got input of shape {input.shape}")
        out, mean, var = _standardise(input, axes, eps)
        if running_mean is not None:
            with no_grad():
                running_mean.mul_(1.0 - momentum).add_(
                    ops.mean(mean.detach(), axis=0).reshape(c), alpha=momentum)
                running_var.mul_(1.0 - momentum).add_(
                    ops.mean(var.detach(), axis=0).reshape(c), alpha=momentum * m / (m - 1))
    else:
        if running_mean is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and "
                             "running_var")
        out = ((input - running_mean.detach().reshape(stat_shape))
               * (1.0 / ops.sqrt(running_var.detach().reshape(stat_shape) + eps)))
    return _scale_shift(out, weight, bias)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation (Wu & He 2018): the C channels of each sample in
    ``num_groups`` groups, each group standardised over its channels and
    positions, then ``weight[c]``, ``bias[c]`` per channel. x: ``(N, C, *)``."""
    _check_tensor_input("group_norm", input)
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected an input of shape (N, C, *), got {input.shape}")
    n, c = input.shape[:2]
    if not isinstance(num_groups, numbers.Integral) or num_groups <= 0 or c % num_groups:
        raise ShapeError(f"group_norm: the input's {c} channels must split into num_groups="
                         f"{num_groups!r} equal groups")
    _check_per_channel("group_norm", input, weight=weight, bias=bias)
    grouped = input.reshape(n, num_groups, -1)
    return _scale_shift(_standardise(grouped, (2,), eps)[0].reshape(input.shape), weight, bias)


def _affine_parameters(module, affine, bias, c, dtype, device):
    """``weight`` (ones) and, unless ``bias=False``, ``bias`` (zeros), (C,)."""
    if affine:
        module.weight = Parameter(factories.ones(c, dtype=dtype, device=device))
    else:
        module.register_parameter("weight", None)
    if affine and bias:
        module.bias = Parameter(factories.zeros(c, dtype=dtype, device=device))
    else:
        module.register_parameter("bias", None)


def _running_buffers(module, track, c, dtype, device):
    """``running_mean`` (zeros), ``running_var`` (ones), (C,), and
    ``num_batches_tracked`` if ``track``; else the three registered as None."""
    if track:
        module.register_buffer("running_mean", factories.zeros(c, dtype=dtype, device=device))
        module.register_buffer("running_var", factories.ones(c, dtype=dtype, device=device))
        module.register_buffer("num_batches_tracked",
                               factories.tensor(0, dtype=np.int64, device=device))
    else:
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            module.register_buffer(name, None)


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input
    dimensions they accept."""

    _dims: tuple = ()
    _layout: str = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if not isinstance(num_features, numbers.Integral) or num_features <= 0:
            raise (OutOfRangeError if isinstance(num_features, numbers.Integral) else TypeError)(
                f"{type(self).__name__}: num_features must be a positive integer, "
                f"got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{type(self).__name__}: momentum must be in [0, 1] or None "
                             f"(cumulative average), got {momentum!r}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = _float_dtype(dtype, type(self).__name__)
        # PyTorch 2.13's keyword-only bias: affine=True, bias=False learns a scale only
        _affine_parameters(self, affine, bias, self.num_features, dtype, device)
        _running_buffers(self, track_running_stats, self.num_features, dtype, device)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def _check_input(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in self._dims:
            raise ValueError(f"{name}: expected {self._layout}, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ShapeError(f"{name}: expected {self.num_features} channels, got {x.shape[1]} "
                             f"(input shape {x.shape}; channels are axis 1)")

    def forward(self, x):
        self._check_input(x)
        # PyTorch's rule: momentum=None means a cumulative moving average, so
        # the t-th batch gets weight 1/t
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if track else None,
                          self.running_var if track else None, self.weight, self.bias,
                          use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs, per channel C (see :func:`batch_norm`).

    ``weight`` (C,) starts at 1 and ``bias`` (C,) at 0 (if ``affine``); the
    buffers ``running_mean`` (zeros), ``running_var`` (ones) and
    ``num_batches_tracked`` are kept if ``track_running_stats``. In training
    mode the batch statistics normalise and update the running ones; in
    evaluation mode the running ones normalise (or the batch's, if
    ``track_running_stats=False``).
    """

    _dims = (2, 3)
    _layout = "2-D input (N, C) or 3-D input (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) inputs, per channel C, with statistics over
    N, H and W (see :class:`BatchNorm1d` for parameters, buffers and modes)."""

    _dims = (4,)
    _layout = "4-D input (N, C, H, W)"


class LayerNorm(Module):
    """Layer norm over the trailing ``normalized_shape`` axes (see :func:`layer_norm`).

    With ``elementwise_affine``, ``weight`` (ones) and ``bias`` (zeros, unless
    ``bias=False``) have shape ``normalized_shape``.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        if not self.normalized_shape or any(s <= 0 for s in self.normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a non-empty "
                             f"tuple of positive ints, got {normalized_shape!r}")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = _float_dtype(dtype, "LayerNorm")
        if elementwise_affine:
            self.weight = Parameter(factories.ones(self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(factories.zeros(self.normalized_shape, dtype=dtype,
                                                      device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class _InstanceNorm(Module):
    """What InstanceNorm1d and InstanceNorm2d share (see :func:`instance_norm`).

    ``affine`` (default False, as in PyTorch) adds ``weight`` (ones) and
    ``bias`` (zeros) of shape (C,); ``track_running_stats`` (default False)
    keeps ``running_mean``, ``running_var`` and ``num_batches_tracked``,
    used in evaluation mode. Unbatched input ``(C, *)`` is accepted too.
    """

    _spatial = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, numbers.Integral) or num_features <= 0:
            raise (OutOfRangeError if isinstance(num_features, numbers.Integral) else TypeError)(
                f"{name}: num_features must be a positive integer, got {num_features!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = _float_dtype(dtype, name)
        _affine_parameters(self, affine, bias, self.num_features, dtype, device)
        _running_buffers(self, track_running_stats, self.num_features, dtype, device)

    def forward(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        batched = self._spatial + 2
        if x.ndim not in (batched, batched - 1):
            raise ShapeError(f"{name}: expected {batched}-D input (N, C, ...) or {batched - 1}-D "
                             f"unbatched input, got shape {x.shape}")
        if x.ndim == batched - 1:
            return self.forward(x.unsqueeze(0)).squeeze(0)
        if x.shape[1] != self.num_features and self.affine:
            raise ShapeError(f"{name}: expected {self.num_features} channels, got {x.shape[1]} "
                             f"(input shape {x.shape})")
        use_input_stats = self.training or not self.track_running_stats
        # PyTorch's InstanceNorm, unlike its BatchNorm, neither counts batches
        # nor averages cumulatively: momentum=None leaves the statistics as they are
        factor = self.momentum if self.momentum is not None else 0.0
        return instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             use_input_stats, factor, self.eps)

    extra_repr = _BatchNorm.extra_repr  # the same fields, in PyTorch's order


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) inputs (see ``_InstanceNorm``)."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) inputs, per sample and channel over H
    and W (CycleGAN's and pix2pix's normalisation; see ``_InstanceNorm``)."""

    _spatial = 2


class GroupNorm(Module):
    """Group norm of ``(N, C, *)`` inputs (see :func:`group_norm`); ``weight``
    (ones) and ``bias`` (zeros) of shape (C,) if ``affine``."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__()
        if not isinstance(num_groups, numbers.Integral) or num_groups <= 0 or \
                not isinstance(num_channels, numbers.Integral) or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels!r}) must be divisible by "
                             f"num_groups ({num_groups!r})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = eps, affine
        dtype = _float_dtype(dtype, "GroupNorm")
        _affine_parameters(self, affine, bias, self.num_channels, dtype, device)

    def forward(self, x):
        if isinstance(x, Tensor) and (x.ndim < 2 or x.shape[1] != self.num_channels):
            raise ShapeError(f"GroupNorm: expected input (N, {self.num_channels}, *), got shape "
                             f"{x.shape}")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
