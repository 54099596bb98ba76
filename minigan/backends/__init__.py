"""``torch.backends`` for PyTorch scripts: ``minigan.backends.cudnn`` and
``minigan.backends.mps`` hold the flags scripts set, which change nothing in
minigan (it calls neither cuDNN nor Metal; see each module).

Not to be confused with :mod:`minigan.backend`, which picks NumPy or CuPy.
"""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
