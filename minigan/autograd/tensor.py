"""Tensor: an array (NumPy or CuPy) plus what autograd needs to know about it.

A tensor made by an op while recording points at the op's node (``grad_fn``) and
says which of its outputs it is (``_output_index``). Leaves (parameters, data) have
``grad_fn is None``; ``backward`` adds dL/dleaf into their ``.grad``. ``_version``
counts in-place changes (a node refuses to backward with a saved tensor changed
since); a view (``x[1:3]``, ``x.t()``: :mod:`minigan.ops.inplace`) shares its base's
array and counter. Operators call the ops (``a + b`` is ``ops.add(a, b)``); ``t.exp()``,
``t.add_(...)``, ``t.item()``, and the checked ``requires_grad`` and ``grad`` properties
(fields ``_requires_grad``, ``_grad``) are installed by :mod:`minigan.compat.tensor_methods`.
"""
import numpy as np

from .. import backend, errors


class Tensor:
    __array_priority__ = 1000  # make ndarray + Tensor call Tensor.__radd__
    _backward_hooks: dict | None = None  # register_hook() gives a tensor its own
    _base, _history = None, ()  # a view's base; (version, grad_fn, index) before in-place ops

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data._data
        if not isinstance(data, backend.get_array_module(data).ndarray):
            data = np.asarray(data)
        self._data, self._vc = data, [0]  # the version counter, shared with views
        self._grad, self.grad_fn, self._output_index = None, None, 0
        self._retains_grad = self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array) -> "Tensor":
        """Fast constructor for op results (no conversion, no checks)."""
        t = cls.__new__(cls)
        t._data, t._vc = array, [0]
        t._grad, t.grad_fn, t._output_index = None, None, 0
        t._retains_grad = t._requires_grad = False
        return t

    # the backing array, shared: change it with copy_, add_, ... (they bump _version)
    array = property(lambda self: self._data)
    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    device = property(lambda self: backend.device_of(self._data))
    is_leaf = property(lambda self: self.grad_fn is None)
    _version = property(lambda self: self._vc[0], lambda self, v: self._vc.__setitem__(0, v))

    # ------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise errors.DtypeError(f"only Tensors of floating point dtype can require gradients, got "
                                    f"{self.dtype}; create it floating-point: dtype=minigan.float32 (or float64)")
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use .detach()")
            return self
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> "Tensor":
        """The same array and version counter, cut from the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._vc
        return t

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        self._retains_grad = True

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False):
        """Add d(self)/d(leaf) into every leaf's ``.grad`` (``gradient``: dL/dself, unless self is 1 number)."""
        from .gradients import backward
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph)

    # ------------------------------------------------------------ operators
    # each call makes an op node that knows its backward; the reflected form serves 2 * t
    __add__, __radd__ = (lambda a, b: ops.add(a, b)), (lambda a, b: ops.add(b, a))
    __sub__, __rsub__ = (lambda a, b: ops.sub(a, b)), (lambda a, b: ops.sub(b, a))
    __mul__, __rmul__ = (lambda a, b: ops.mul(a, b)), (lambda a, b: ops.mul(b, a))
    __truediv__, __rtruediv__ = (lambda a, b: ops.div(a, b)), (lambda a, b: ops.div(b, a))
    __pow__, __rpow__ = (lambda a, b: ops.pow(a, b)), (lambda a, b: ops.pow(b, a))
    __matmul__, __rmatmul__ = (lambda a, b: ops.matmul(a, b)), (lambda a, b: ops.matmul(b, a))
    __neg__, __abs__ = (lambda a: ops.neg(a)), (lambda a: ops.abs(a))
    __getitem__ = lambda self, index: ops.getitem(self, index)  # noqa: E731


# ops import Tensor, so Tensor imports them last; the methods above run later
from .. import ops  # noqa: E402
