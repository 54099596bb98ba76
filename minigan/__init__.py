"""minigan: GANs from scratch on NumPy (and CuPy), with an autograd engine
whose every op is twice differentiable.

``import minigan`` imports NumPy only; SciPy, matplotlib and CuPy load where
they are used.
"""
from . import cuda, fast, ops
fast.install_overrides()  # register the fast layer's ops (it changes nothing in the process)
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

from .compat import tensor_methods as _tensor_methods  # noqa: E402 - needs ops loaded

_tensor_methods.install()

__version__ = "0.1.0"
from .serialization import CheckpointError, load, save  # noqa: E402
from . import nn, optim  # noqa: E402
# PyTorch's legacy names, off the reading path (minigan/compat/legacy.py)
from .compat.legacy import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor,  # noqa: E402
                            LongTensor, device, double, float, half, long)
from .compat.legacy import install as _install_legacy  # noqa: E402
grad = _install_legacy()  # autograd.grad with only_inputs=; also Variable, Tensor.type, is_cuda
from . import backends, utils  # noqa: E402
