"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``randn``, ``rand``,
``arange`` and their ``*_like`` forms. Factories default to float32."""
from __future__ import annotations

import numbers

import numpy as np

from . import backend
from .autograd.tensor import Tensor
from .random import normal_array, uniform_array

float32, float64, float16 = np.float32, np.float64, np.float16
int64, int32, uint8, bool_ = np.int64, np.int32, np.uint8, np.bool_
DEFAULT_DTYPE = np.float32


def _finish(array, device, requires_grad):
    device = backend.normalize_device(device)
    array = backend.to_device(array, device)
    return Tensor(array, requires_grad=requires_grad)


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor from data. Python floats and lists become float32; a NumPy
    array keeps its dtype (float64 stays float64); ``dtype=`` overrides."""
    if isinstance(data, Tensor):
        data = data.array
    if hasattr(data, "__cuda_array_interface__") and device is None:
        device = "cuda"
    is_array = hasattr(data, "dtype") and hasattr(data, "shape")
    if is_array:
        xp = backend.get_array_module(data)
        array = xp.array(data, dtype=dtype, copy=True)
    else:
        array = np.asarray(data, dtype=dtype)
        if dtype is None and array.dtype == np.float64:
            array = array.astype(DEFAULT_DTYPE)
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"cannot make a tensor from {type(data).__name__} with dtype {array.dtype}")
    if device is None:
        device = backend.device_of(array) if is_array else None
    return _finish(array, device, requires_grad)


def _size(shape) -> tuple:
    """``shape`` as a tuple of ints; int() would silently turn 2.5 into 2."""
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"size must be a tuple of ints, got {shape} "
                            f"({s!r} is a {type(s).__name__})")
        if s < 0:
            raise ValueError(f"size must not contain negative numbers, got {shape}")
    return tuple(int(s) for s in shape)


def _creator(fill):
    def make(*shape, dtype=None, device=None, requires_grad=False):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        dev = backend.normalize_device(device)
        array = fill(_size(shape), np.dtype(dtype or DEFAULT_DTYPE), dev)
        return _finish(array, dev, requires_grad)

    return make


zeros = _creator(lambda shape, dtype, dev: backend.xp_for(dev).zeros(shape, dtype))
ones = _creator(lambda shape, dtype, dev: backend.xp_for(dev).ones(shape, dtype))
empty = zeros  # zero-filled: never hand a student uninitialised memory
randn = _creator(lambda shape, dtype, dev: normal_array(shape, dtype, dev))
rand = _creator(lambda shape, dtype, dev: uniform_array(shape, dtype, dev))


def full(shape, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(shape, int):
        shape = (shape,)
    if dtype is None:
        dtype = DEFAULT_DTYPE if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    dev = backend.normalize_device(device)
    return _finish(backend.xp_for(dev).full(tuple(shape), fill_value, dtype=dtype), dev, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Like ``torch.arange``: int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else DEFAULT_DTYPE
    dev = backend.normalize_device(device)
    return _finish(backend.xp_for(dev).arange(start, end, step, dtype=dtype), dev, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    dev = backend.normalize_device(device)
    arr = backend.xp_for(dev).linspace(start, end, steps, dtype=dtype or DEFAULT_DTYPE)
    return _finish(arr, dev, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dev = backend.normalize_device(device)
    return _finish(backend.xp_for(dev).eye(n, m, dtype=dtype or DEFAULT_DTYPE), dev, requires_grad)


def _like(maker):
    def make_like(t: Tensor, dtype=None, device=None, requires_grad=False):
        return maker(*t.shape, dtype=dtype or t.dtype, device=device or t.device,
                     requires_grad=requires_grad)

    return make_like


zeros_like, ones_like = _like(zeros), _like(ones)
randn_like, rand_like = _like(randn), _like(rand)


def full_like(t: Tensor, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device or t.device,
                requires_grad=requires_grad)


# ------------------------------------------------------------ PyTorch's conversions and random factories
def from_numpy(ndarray) -> Tensor:
    """A tensor sharing ``ndarray``'s memory and keeping its dtype (float64 stays float64)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor(ndarray)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already is a tensor or an
    array of the wanted dtype and device; otherwise a copy, as ``tensor``."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    is_array = hasattr(data, "dtype") and hasattr(data, "shape")
    if is_array and (dtype is None or np.dtype(dtype) == data.dtype) and (
            device is None or backend.normalize_device(device) == backend.device_of(data)):
        return Tensor(data)
    return tensor(data, dtype=dtype, device=device)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:  # noqa: A002 - torch's argument name
    return input.numel()


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` means
    low = 0); int64 unless ``dtype`` says otherwise."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    size = _size(tuple(size) if isinstance(size, (tuple, list)) else (size,))
    dev = backend.normalize_device(device)
    from .random import generator

    array = generator(dev).integers(low, high, size=size).astype(np.dtype(dtype or np.int64))
    return _finish(array, dev, requires_grad)


def randperm(n, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64)."""
    from .random import generator

    dev = backend.normalize_device(device)
    gen = generator(dev)
    if dev == "cpu":
        array = gen.permutation(int(n))
    else:  # CuPy's Generator has no permutation: order of uniform draws
        array = backend.xp_for(dev).argsort(gen.random(int(n)))
    array = array.astype(np.dtype(dtype or np.int64))
    return _finish(array, dev, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Samples of N(mean, std^2). With tensor ``mean`` / ``std`` the shape is
    their broadcast and the result is ``mean + std * eps`` (differentiable in
    both, as in PyTorch); with floats, ``size`` gives the shape (float32)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        if isinstance(std, Tensor) and (std.array < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(mean.array if isinstance(mean, Tensor) else mean),
                                    np.shape(std.array if isinstance(std, Tensor) else std))
        eps = Tensor.from_array(normal_array(shape, ref.dtype, ref.device))
        return mean + std * eps
    if size is None:
        raise TypeError("normal() with float mean and std needs a size")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    out = randn(*(size if isinstance(size, (tuple, list)) else (size,)), dtype=dtype, device=device)
    out.mul_(std).add_(mean)
    return out.requires_grad_(requires_grad) if requires_grad else out


def bernoulli(input, p=None) -> Tensor:  # noqa: A002 - torch's argument name
    """1 with probability ``input`` (or ``p``), else 0, in ``input``'s dtype.
    Not differentiable: the gradient is zero, as in PyTorch."""
    from . import ops

    probs = input.array if p is None else backend.xp_for(input.device).full(input.shape, p, dtype=input.dtype)
    if (probs < 0).any() or (probs > 1).any():
        raise RuntimeError("bernoulli: expected probabilities in [0, 1]")
    draw = uniform_array(input.shape, input.dtype if np.issubdtype(input.dtype, np.floating)
                         else DEFAULT_DTYPE, input.device)
    sample = Tensor.from_array((draw < probs).astype(input.dtype))
    from .autograd.grad_mode import is_grad_enabled

    if input.requires_grad and is_grad_enabled():
        # PyTorch's result requires grad (with a zero gradient); keep that
        return ops.add(ops.mul(input, 0.0), sample)
    return sample
