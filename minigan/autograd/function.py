"""The Function contract: one op = ``forward`` on arrays + ``backward`` on Tensors.

To add an op, subclass :class:`Function`: ``forward(self, *arrays)`` computes with
the array module of its inputs (``self.xp``) and returns an array (or a tuple);
``backward(self, *grad_outputs)`` gets dL/d(each output) as **Tensors** and returns
dL/d(each input) (``None`` where ``self.needs_input_grad[i]`` is False), written
with minigan ops only. So backward run while recording (``create_graph=True``)
builds the graph of the gradient itself: every op is twice (n times) differentiable.

Inside ``backward``, ``self.inputs`` and ``self.output(i)`` give the input and output Tensors; both
check a version counter, so an in-place change of a tensor the op still needs is caught, as in PyTorch.
"""
import weakref

from .. import backend, fast
from ..errors import ShapeError
from . import anomaly
from .grad_mode import is_grad_enabled
from .tensor import Tensor

FREED_MESSAGE = ("trying to backward through the graph a second time (or to read saved tensors after "
                 "they were freed) at {op}: the first backward freed the graph. Pass retain_graph=True "
                 "to the first backward() or grad() call if you need to backward through it again.")


class Function:
    creation_trace: list | None = None  # set by detect_anomaly(): where the node was made
    _fast = None  # the fast layer's override used at forward time (see minigan.fast)
    zero_grad_inputs = ()  # inputs whose backward gives None yet a zero derivative (see the engine)
    saved_for = None  # per input, the inputs whose gradient reads its value (None: all of them)

    def __call__(self, *inputs):
        """``forward`` on the arrays; records the node if an input requires grad."""
        arrays, kinds, record = [], set(), False  # one pass: this runs for every op
        for x in inputs:
            if not isinstance(x, Tensor):
                raise TypeError(f"{type(self).__name__} takes Tensors, got {type(x).__name__}")
            if x._base is not None and x._vc[0] != x._view_version:
                x._sync_view()  # its base changed in place: the view's node is rebuilt
            arrays.append(x._data)
            kinds.add(type(x._data))
            record = record or x._requires_grad
        if len(kinds) > 1:  # only then can devices differ
            dev, other = inputs[0].device, next((t.device for t in inputs if t.device != inputs[0].device), None)
            if other is not None:
                raise RuntimeError(f"{type(self).__name__}: expected all tensors on the same device, but "
                                   f"found one on '{dev}' and one on '{other}'. Move them with .to('{dev}').")
        arrays_np = not arrays or type(arrays[0]) is backend.np.ndarray
        xp = self.xp = backend.np if arrays_np else backend.get_array_module(arrays[0])
        fast_op = fast.override(type(self))  # the fast layer's forward, if it has one and is on
        try:
            if fast_op is not None and fast_op.forward is not None:
                outs = fast_op.forward(self, *arrays)
            else:
                outs = self.forward(*arrays)
        except ValueError as exc:
            # NumPy's message ("operands could not be broadcast") names neither the op nor the shapes
            shapes, text = ", ".join(str(x.shape) for x in inputs), str(exc).strip()
            kind = ShapeError if isinstance(exc, ShapeError) or "broadcast" in text else ValueError
            raise kind(f"{type(self).__name__}: {text} (input shapes {shapes})") from exc
        single = not isinstance(outs, tuple)
        # NumPy reductions return scalars, not 0-d arrays: keep every result an array
        results = [Tensor._wrap(o if type(o) is xp.ndarray or backend.is_array(o) else xp.asarray(o))
                   for o in ((outs,) if single else outs)]  # (is_array: .to() changes module)
        if record and is_grad_enabled():
            self._inputs, self._versions = list(inputs), [t._vc[0] for t in inputs]
            # backward may skip work for inputs that need no gradient (frozen weights, data)
            self.needs_input_grad = tuple([t._requires_grad for t in inputs])
            self._outputs = [weakref.ref(r) for r in results]  # weak: outputs don't keep themselves
            self._out_meta = [(r._data.shape, r._data.dtype, 0) for r in results]  # 0: the version
            self._freed, self._fast = False, fast_op
            for i, r in enumerate(results):
                r._requires_grad, r.grad_fn, r._output_index = True, self, i
        if anomaly.is_enabled():
            anomaly.on_forward(self, results)
        return results[0] if single else tuple(results)

    def forward(self, *arrays):  # arrays in, array(s) out
        raise NotImplementedError

    def backward(self, *grad_outputs):  # Tensors in, one Tensor (or None) per input out
        raise NotImplementedError

    @property
    def inputs(self):
        """The input Tensors, checked for in-place modification since forward."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE.format(op=type(self).__name__))
        for k, (t, v) in enumerate(zip(self._inputs, self._versions)):
            if t._vc[0] != v and (self.saved_for is None or any(  # PyTorch checks what backward reads
                    self.needs_input_grad[j] for j in self.saved_for[k])):
                raise RuntimeError(_modified(t, f"input {k}", self, v))
        return self._inputs

    def output(self, i: int = 0) -> Tensor:
        """The i-th output Tensor (made by this op: using it keeps backward differentiable)."""
        out = self._outputs[i]()
        if out is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs its output, which was freed")
        if out._vc[0] != self._out_meta[i][2]:
            raise RuntimeError(_modified(out, f"output {i}", self, self._out_meta[i][2]))
        return out

    def _release(self):
        """Drop the saved inputs once backward is done (unless ``retain_graph``)."""
        self._inputs, self._freed = None, True

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _modified(t, which, fn, expected):  # PyTorch's words, and the fix
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{t.dtype} {t.shape}], which is {which} of {type(fn).__name__}, is at version {t._vc[0]}; expected "
            f"version {expected} instead. {type(fn).__name__}.backward needs it: not in-place there (x = x + y).")
