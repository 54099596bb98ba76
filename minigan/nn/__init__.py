"""Layers and modules with PyTorch's names, signatures and semantics."""
from .module import Module, Parameter
from . import functional, init
from .linear import Flatten, Identity, Linear, Unflatten
from .conv import Conv2d, ConvTranspose2d
from .activation import (ELU, GELU, Dropout, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax,
                         Softplus, Tanh)
from .pooling import AvgPool2d, Upsample
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .containers import ModuleDict, ModuleList, Sequential
from .normalization import (BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d,
                            LayerNorm)
from .attention import SelfAttention
from . import utils
from .embedding import Embedding
from .minibatch_discrimination import MinibatchDiscrimination
from .virtual_batch_norm import (VirtualBatchNorm1d, VirtualBatchNorm2d, forget_reference,
                                 recording_reference)
from .conditional_batch_norm import ConditionalBatchNorm2d
from .adain import AdaIN, MappingNetwork
from .dropout2d import Dropout2d  # noqa: E402 - the classic PyTorch GAN discriminators use it
from . import parallel  # noqa: E402 - nn.parallel.data_parallel, one device
from .parallel import DataParallel  # noqa: E402
