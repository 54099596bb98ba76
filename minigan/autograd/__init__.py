"""Reverse-mode automatic differentiation: Tensor, Function, backward, grad."""
from . import engine
from .anomaly import detect_anomaly
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradients import backward, grad
from .tensor import Tensor

engine.backward, engine.grad = backward, grad  # their old home: `from .engine import grad` works
__all__ = ["Tensor", "Function", "backward", "grad", "no_grad", "enable_grad",
           "is_grad_enabled", "set_grad_enabled", "detect_anomaly"]
