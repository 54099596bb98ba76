"""Utilities that act on modules (PyTorch's ``torch.nn.utils``)."""
from .clip_grad import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                        vector_to_parameters)
from .spectral_norm import SpectralNorm, remove_spectral_norm, spectral_norm

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm", "clip_grad_norm_",
           "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
