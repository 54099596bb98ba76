"""Layers and modules with PyTorch's names, signatures and semantics."""
from .module import Module, Parameter
from . import functional, init
from .linear import Flatten, Identity, Linear, Unflatten
from .conv import Conv2d, ConvTranspose2d
from .activation import Dropout, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .pooling import AvgPool2d, Upsample
from .containers import ModuleDict, ModuleList, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .attention import SelfAttention
from . import utils
