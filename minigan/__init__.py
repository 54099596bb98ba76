"""minigan: GANs from scratch on NumPy (and CuPy), with an autograd engine
whose every op is twice differentiable.

``import minigan`` imports NumPy only and changes nothing in the process (no
environment variable, allocator or thread setting: see
:func:`minigan.fast.tune_process`); SciPy, matplotlib and CuPy load where they
are used. The public names are listed in ``__all__``.
"""
from . import cuda, fast, ops
from .autograd import (Function, Tensor, backward, detect_anomaly, enable_grad, grad,
                       is_grad_enabled, no_grad, set_grad_enabled)
from .backend import get_default_device, set_default_device
from .factories import (arange, as_tensor, bernoulli, bool_, empty, eye, float16, float32, float64,
                        from_numpy, full, full_like, int32, int64, is_tensor, linspace, normal,
                        numel, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                        randperm, tensor, uint8, zeros, zeros_like)
from .ops import *  # noqa: F403 - the functional ops (ops.__all__): minigan.exp, minigan.matmul, ...
from .compat.indexing import allclose, equal, meshgrid
from .fast.blas import get_num_threads, set_num_threads
from .errors import DimensionError, ShapeError
from .random import manual_seed
from .testing import GradcheckError, gradcheck, gradgradcheck
from .compat import tensor_methods as _tensor_methods
from .serialization import CheckpointError, load, save
from . import nn, optim
# PyTorch's legacy names, off the reading path (minigan/compat/legacy.py)
from .compat.legacy import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor,
                            LongTensor, device, double, float, half, inference_mode, long)
from .compat.legacy import install as _install_legacy
from . import backends, linalg, utils

fast.install_overrides()  # register the fast layer's ops (this changes nothing in the process)
_tensor_methods.install()  # Tensor's methods beyond its operators (minigan/compat/tensor_methods.py)
grad = _install_legacy()  # autograd.grad with only_inputs=; also Variable, Tensor.type, is_cuda

__version__ = "0.1.0"

__all__ = [
    # subpackages a user imports by name, as torch.nn, torch.optim, torch.autograd, ...
    "autograd", "backends", "cuda", "fast", "linalg", "nn", "optim", "testing", "utils",
    # tensors and autograd
    "Tensor", "Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode", "detect_anomaly",
    # creating tensors, dtypes, devices, random numbers
    "tensor", "as_tensor", "from_numpy", "is_tensor", "numel", "empty", "zeros", "zeros_like",
    "ones", "ones_like", "full", "full_like", "arange", "linspace", "eye", "rand", "rand_like",
    "randn", "randn_like", "randint", "randperm", "normal", "bernoulli", "manual_seed",
    "float16", "float32", "float64", "int32", "int64", "uint8", "bool_",
    "get_default_device", "set_default_device", "get_num_threads", "set_num_threads",
    "allclose", "equal", "meshgrid",
    # errors, checking, saving
    "ShapeError", "DimensionError", "GradcheckError", "gradcheck", "gradgradcheck",
    "CheckpointError", "save", "load",
    # PyTorch's legacy names
    "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor",
    "device", "float", "double", "half", "long",
] + ops.__all__
