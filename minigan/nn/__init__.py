"""Layers and modules with PyTorch's names, signatures and semantics."""
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .attention import SelfAttention
from . import utils
