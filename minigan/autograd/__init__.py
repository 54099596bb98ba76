"""Reverse-mode automatic differentiation: Tensor, Function, backward, grad."""
from .anomaly import detect_anomaly
from .engine import backward, grad  # engine first: it imports .gradients last
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Tensor

__all__ = ["Tensor", "Function", "backward", "grad", "no_grad", "enable_grad",
           "is_grad_enabled", "set_grad_enabled", "detect_anomaly"]
