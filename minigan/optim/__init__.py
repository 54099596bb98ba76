"""Optimizers with PyTorch's names, arguments and update rules.

    opt = minigan.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt.zero_grad(); loss.backward(); opt.step()

Each optimizer updates ``p._data`` in place (no graph is recorded), keeps its
state arrays in the parameter's dtype and on its device, and skips parameters
whose ``.grad`` is None.
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
