"""Weight initialisation with PyTorch's names and formulas (``torch.nn.init``).

Each function fills its tensor **in place** (under ``no_grad``, so it works
on Parameters), draws from minigan's seeded generator (or from the NumPy
``generator=`` given in place of PyTorch's), and returns the tensor.

For a weight of shape ``(out, in, *kernel)`` the fans are::

    fan_in = in * prod(kernel),   fan_out = out * prod(kernel)

(for a ConvTranspose2d weight (in, out, kh, kw) PyTorch's rule still reads
dimension 1, so its "fan_in" is out * kh * kw).

* Xavier / Glorot (Glorot & Bengio 2010): std = gain * sqrt(2 / (fan_in + fan_out)).
* Kaiming / He (He et al. 2015): std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).
* A uniform U(-b, b) has std b / sqrt(3), so the uniform variants use b = sqrt(3) * std.
* DCGAN (Radford et al. 2016) initialises conv weights with ``normal_(w, 0.0, 0.02)``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..errors import DtypeError
from ..random import normal_array

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance stable through a nonlinearity:
    1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + slope^2)) for leaky_relu (slope = ``param``, default 0.01),
    3/4 for selu."""
    if nonlinearity in _LINEAR_FNS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Number) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _check_tensor(tensor, who, floating=True):
    """A Tensor (TypeError), floating point for the random fills (PyTorch has
    no integer kernel for them: DtypeError, a TypeError and a RuntimeError)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{who}: expected a minigan Tensor, got {type(tensor).__name__}")
    if floating and tensor.dtype.kind != "f":
        raise DtypeError(f"{who}: expected a floating-point tensor, got dtype {tensor.dtype}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) = (size(1) * receptive, size(0) * receptive)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {tuple(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _from_generator(tensor, generator, draw):
    """Fill ``tensor`` with ``draw(generator)`` (a NumPy/CuPy Generator given
    in place of PyTorch's ``torch.Generator``), cast to the tensor's dtype."""
    if not hasattr(generator, "standard_normal"):
        raise TypeError(f"generator must be a numpy.random.Generator (or CuPy's), "
                        f"got {type(generator).__name__}")
    xp = backend.get_array_module(tensor.array)
    arr = xp.asarray(draw(generator)).astype(tensor.dtype).reshape(tensor.shape)
    with no_grad():
        return tensor.copy_(Tensor.from_array(backend.to_device(arr, tensor.device)))


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b), from minigan's seeded generator unless ``generator`` is given."""
    _check_tensor(tensor, "uniform_")
    if not a <= b:  # PyTorch's RuntimeError
        raise RuntimeError(f"uniform_: expects a <= b (the range [a, b)), got a={a}, b={b}")
    if generator is not None:
        return _from_generator(tensor, generator, lambda g: g.uniform(a, b, tensor.shape))
    with no_grad():
        return tensor.uniform_(a, b)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2), from minigan's seeded generator unless ``generator`` is given."""
    _check_tensor(tensor, "normal_")
    if not std >= 0:  # PyTorch's RuntimeError
        raise RuntimeError(f"normal_: expects std >= 0.0, got std={std}")
    if generator is not None:
        return _from_generator(tensor, generator, lambda g: g.normal(mean, std, tensor.shape))
    with no_grad():
        return tensor.normal_(mean, std)


def constant_(tensor, val):
    """Fill with ``val`` (any dtype, as in PyTorch)."""
    _check_tensor(tensor, "constant_", floating=False)
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = sqrt(3) * gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).

    ``a`` is the negative slope of the leaky ReLU that follows. PyTorch's
    default Linear/Conv init is ``kaiming_uniform_(w, a=sqrt(5))``, i.e.
    b = 1 / sqrt(fan_in)."""
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2013), viewing the
    tensor as (size(0), numel / size(0)): the Q of the QR decomposition of a
    Gaussian matrix, with the signs fixed by diag(R) so Q is uniformly
    distributed."""
    _check_tensor(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported "
                         f"(got shape {tuple(tensor.shape)})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = backend.get_array_module(tensor.array)
    if generator is None:
        flat = normal_array((rows, cols), tensor.dtype, tensor.device)
    else:
        flat = xp.asarray(generator.standard_normal((rows, cols))).astype(tensor.dtype)
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        return tensor.copy_((q * gain).reshape(tensor.shape).astype(tensor.dtype))
