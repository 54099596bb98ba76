"""Layers and modules with PyTorch's names, signatures and semantics."""
from .module import Module, Parameter
