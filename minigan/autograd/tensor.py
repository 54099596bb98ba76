"""Tensor: an array (NumPy or CuPy) plus what autograd needs to know about it.

A tensor made by an op while recording points at the op's node (``grad_fn``,
a :class:`~minigan.autograd.function.Function`) and says which of its outputs
it is (``_output_index``). Leaves, the tensors you make (parameters, data),
have ``grad_fn is None``; ``backward`` adds dL/dleaf into their ``.grad``.
``_version`` counts in-place changes: a node refuses to backward with a saved
tensor that changed since. dtypes follow PyTorch (Python floats become
float32; float32 with float64 is an error, never a silent upcast).

Operators call the differentiable ops (``a + b`` is ``ops.add(a, b)``); the
methods ``t.exp()``, ``t.sum(dim)``, ``t.to(...)``, ``t.item()``, ... are
installed by :mod:`minigan.compat.tensor_methods`.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from .grad_mode import is_grad_enabled


class Tensor:
    __array_priority__ = 1000  # make ndarray + Tensor call Tensor.__radd__
    _backward_hooks: dict | None = None  # register_hook() gives a tensor its own

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data._data
        if not isinstance(data, backend.get_array_module(data).ndarray):
            data = np.asarray(data)
        self._data = data
        self.grad = self.grad_fn = None
        self._output_index = self._version = 0
        self._retains_grad = self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array) -> "Tensor":
        """Fast constructor for op results (no conversion, no checks)."""
        t = cls.__new__(cls)
        t._data = array
        t.grad = t.grad_fn = None
        t._output_index = t._version = 0
        t._retains_grad = t.requires_grad = False
        return t

    @classmethod
    def from_array(cls, array) -> "Tensor":
        """A tensor sharing ``array``'s memory (``minigan.tensor`` copies): how code
        outside ``autograd/`` and ``ops/`` wraps a NumPy or CuPy array it computed."""
        if not isinstance(array, backend.get_array_module(array).ndarray):
            raise TypeError(f"from_array: expected a NumPy or CuPy array, got {type(array).__name__}")
        return cls._wrap(array)

    @property
    def array(self):
        """The backing array (shared): read it freely; change a tensor with its
        in-place methods (``copy_``, ``add_``, ...), which keep ``_version`` right."""
        return self._data

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    device = property(lambda self: backend.device_of(self._data))
    is_leaf = property(lambda self: self.grad_fn is None)

    # ------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype "
                            f"{self.dtype}; create it with dtype=minigan.float32 (or float64)")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> "Tensor":
        """The same array, cut from the graph."""
        return Tensor._wrap(self._data)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        self._retains_grad = True

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False):
        """Add d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is the upstream gradient (required unless ``self`` has one
        element). ``create_graph=True`` records the backward pass so the
        gradients can be differentiated again."""
        from .gradients import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph)

    # ------------------------------------------------------------ in place
    def _inplace(self, array) -> "Tensor":
        """Overwrite the data and bump ``_version`` (so a node that saved
        this tensor refuses to backward with the changed values)."""
        if is_grad_enabled() and self.requires_grad and self.is_leaf:
            raise RuntimeError("a leaf tensor that requires grad is being used in an in-place "
                               "operation; wrap the update in `with minigan.no_grad():`")
        if isinstance(array, Tensor):
            array = array._data
        if backend.get_array_module(array) is not backend.get_array_module(self._data) \
                and not np.isscalar(array):
            raise RuntimeError(f"in-place op: tensor on '{self.device}', value on another device")
        self._data[...] = array
        self._version += 1
        return self

    # ------------------------------------------------------------ operators
    # each is an op node with its own backward; the reflected forms serve 2 * t
    __add__ = lambda self, other: ops.add(self, other)  # noqa: E731
    __radd__ = lambda self, other: ops.add(other, self)  # noqa: E731
    __sub__ = lambda self, other: ops.sub(self, other)  # noqa: E731
    __rsub__ = lambda self, other: ops.sub(other, self)  # noqa: E731
    __mul__ = lambda self, other: ops.mul(self, other)  # noqa: E731
    __rmul__ = lambda self, other: ops.mul(other, self)  # noqa: E731
    __truediv__ = lambda self, other: ops.div(self, other)  # noqa: E731
    __rtruediv__ = lambda self, other: ops.div(other, self)  # noqa: E731
    __pow__ = lambda self, other: ops.pow(self, other)  # noqa: E731
    __rpow__ = lambda self, other: ops.pow(other, self)  # noqa: E731
    __matmul__ = lambda self, other: ops.matmul(self, other)  # noqa: E731
    __rmatmul__ = lambda self, other: ops.matmul(other, self)  # noqa: E731
    __neg__ = lambda self: ops.neg(self)  # noqa: E731
    __abs__ = lambda self: ops.abs(self)  # noqa: E731
    __getitem__ = lambda self, index: ops.getitem(self, index)  # noqa: E731


# ops import Tensor, so Tensor imports them last; the methods above run later
from .. import ops  # noqa: E402
from ..compat.tensor_methods import _scaled  # noqa: E402,F401 - ops.arithmetic imports it from here
