"""minigan: GANs from scratch on NumPy (and CuPy), with an autograd engine
whose every op is twice differentiable.

``import minigan`` imports NumPy only; SciPy, matplotlib and CuPy load where
they are used.
"""
from . import cuda, fast, ops
from .fast import activation as _fast_activation  # noqa: F401
from .fast import indexing as _fast_indexing  # noqa: F401
from .fast import linalg as _fast_linalg  # noqa: F401
from .fast import normalization as _fast_normalization  # noqa: F401
from .autograd import (Function, Tensor, backward, detect_anomaly, enable_grad, grad,
                       is_grad_enabled, no_grad, set_grad_enabled)
from .autograd.grad_mode import inference_mode
from .backend import get_default_device, set_default_device
from .factories import (arange, as_tensor, bernoulli, bool_, empty, eye, float16, float32, float64,
                        from_numpy, full, full_like, int32, int64, is_tensor, linspace, normal,
                        numel, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                        randperm, tensor, uint8, zeros, zeros_like)
from .ops import *  # noqa: F403 - the functional ops: minigan.exp, minigan.matmul, ...
from .compat.indexing import allclose, equal, meshgrid
from .fast.blas import get_num_threads, set_num_threads
from .errors import DimensionError, ShapeError
from .random import manual_seed
from .testing import GradcheckError, gradcheck, gradgradcheck

from .autograd.tensor import _install_methods  # noqa: E402 - needs ops loaded

_install_methods()

__version__ = "0.1.0"
from .serialization import CheckpointError, load, save  # noqa: E402
from . import nn, optim  # noqa: E402
