"""Optimizers with PyTorch's names, arguments and update rules.

    opt = minigan.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt.zero_grad(); loss.backward(); opt.step()

Each optimizer writes its update as its docstring's math, one array
expression per line in PyTorch's order of operations (so the numbers are
PyTorch's), and stores the new value into the parameter with ``copy_`` (no
graph is recorded). It keeps its state arrays in the parameter's dtype and on
its device, and skips parameters whose ``.grad`` is None. While
:func:`minigan.fast.enabled`, ``step()`` runs instead the same update in place
in one pass (:mod:`minigan.fast.optim`): the same numbers, bit for bit.
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
