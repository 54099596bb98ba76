"""Utilities that act on modules (PyTorch's ``torch.nn.utils``)."""
from .spectral_norm import SpectralNorm, remove_spectral_norm, spectral_norm

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]
