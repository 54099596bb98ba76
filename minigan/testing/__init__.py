"""Gradient checking and the op specs that drive minigan's own op tests."""
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
