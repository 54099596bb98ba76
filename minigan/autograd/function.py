"""The Function contract: one op = ``forward`` on arrays + ``backward`` on Tensors.

To add an op, subclass :class:`Function`:

* ``forward(self, *arrays)`` computes with the array module of its inputs
  (``self.xp``) and returns one array (or a tuple of arrays);
* ``backward(self, *grad_outputs)`` receives the upstream gradients as
  **Tensors** and returns one gradient Tensor per input (``None`` for inputs
  that need none: ``self.needs_input_grad[i]`` says which), written with
  minigan ops only.

Because backward uses differentiable ops, running it while recording
(``create_graph=True``) builds the graph of the gradient itself, so every op is
twice (indeed arbitrarily often) differentiable with no extra code.

Inside ``backward``, ``self.inputs`` gives the input Tensors and
``self.output(i)`` the i-th output Tensor; both check a version counter so an
in-place change of a tensor the op still needs is caught, as in PyTorch.
"""
from __future__ import annotations

import weakref

from .. import backend, fast
from ..errors import ShapeError
from . import anomaly
from .grad_mode import is_grad_enabled
from .tensor import Tensor

_ndarray = backend.np.ndarray


class Function:
    #: set by detect_anomaly(): where in user code this node was created
    creation_trace: list | None = None
    #: the fast layer's override used at forward time (see minigan.fast)
    _fast = None

    def __call__(self, *inputs):
        # one pass over the inputs: this runs for every op, so it is kept lean
        arrays, kinds, record = [], set(), False
        for x in inputs:
            if not isinstance(x, Tensor):
                raise TypeError(f"{type(self).__name__} takes Tensors, got {type(x).__name__}")
            arrays.append(x._data)
            kinds.add(type(x._data))
            record = record or x.requires_grad
        if len(kinds) > 1:  # only then can devices differ
            _check_same_device(type(self).__name__, inputs)
        if not arrays or type(arrays[0]) is _ndarray:
            self.xp = backend.np
        else:
            self.xp = backend.get_array_module(arrays[0])
        # the fast layer's forward for this op, if it has one and is on
        fast_op = fast.override(type(self))
        try:
            if fast_op is not None and fast_op.forward is not None:
                outs = fast_op.forward(self, *arrays)
            else:
                outs = self.forward(*arrays)
        except ValueError as exc:
            # NumPy's own message (e.g. "operands could not be broadcast") names
            # neither the op nor the tensors: add both
            shapes = ", ".join(str(x.shape) for x in inputs)
            text = str(exc).strip()
            kind = ShapeError if isinstance(exc, ShapeError) or "broadcast" in text else ValueError
            raise kind(f"{type(self).__name__}: {text} (input shapes {shapes})") from exc
        single = not isinstance(outs, tuple)
        if single:
            outs = (outs,)
        # NumPy reductions return scalars, not 0-d arrays: keep every result an array
        xp = self.xp
        results = [Tensor._wrap(o if isinstance(o, xp.ndarray) else xp.asarray(o)) for o in outs]
        if record and is_grad_enabled():
            self._inputs = list(inputs)
            self._versions = [t._version for t in inputs]
            # backward may skip work for inputs that need no gradient (frozen weights, data)
            self.needs_input_grad = tuple([t.requires_grad for t in inputs])
            self._outputs = [weakref.ref(r) for r in results]
            self._out_versions = [0] * len(results)
            self._out_meta = [(r._data.shape, r._data.dtype) for r in results]
            self._freed = False
            self._fast = fast_op
            for i, r in enumerate(results):
                r.requires_grad = True
                r.grad_fn = self
                r._output_index = i
        if anomaly.is_enabled():
            anomaly.on_forward(self, results)
        return results[0] if single else tuple(results)

    # -- the contract -------------------------------------------------------
    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError

    # -- what backward may read -------------------------------------------
    @property
    def inputs(self):
        """The input Tensors, checked for in-place modification since forward."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE.format(op=type(self).__name__))
        for t, v in zip(self._inputs, self._versions):
            if t._version != v:
                raise RuntimeError(
                    f"one of the tensors needed by {type(self).__name__}.backward was modified by an "
                    f"in-place operation: a tensor of shape {t.shape} is at version {t._version}, "
                    f"expected version {v}. Use an out-of-place op (x = x + y instead of x.add_(y))."
                )
        return self._inputs

    def output(self, i: int = 0) -> Tensor:
        """The i-th output Tensor (its graph is this op, so using it in
        backward stays twice differentiable)."""
        out = self._outputs[i]()
        if out is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs its output, which was freed")
        if out._version != self._out_versions[i]:
            raise RuntimeError(
                f"the output of {type(self).__name__} was modified by an in-place operation "
                "but backward needs it"
            )
        return out

    def _release(self):
        self._inputs = None
        self._freed = True

    def __repr__(self):
        return f"<{type(self).__name__}>"


FREED_MESSAGE = (
    "trying to backward through the graph a second time (or to read saved tensors after "
    "they were freed) at {op}: the first backward freed the graph. Pass retain_graph=True "
    "to the first backward() or grad() call if you need to backward through it again."
)


def _check_same_device(op_name, tensors):
    if len(tensors) < 2:
        return
    dev = tensors[0].device
    for t in tensors[1:]:
        if t.device != dev:
            raise RuntimeError(
                f"{op_name}: expected all tensors on the same device, but found one on "
                f"'{dev}' and one on '{t.device}'. Move them with .to('{dev}')."
            )

