"""Views and in-place ops, as PyTorch does them.

A *view* (``x[1:3]``, ``x.t()``, ``x.view(4)``, ``x.expand(...)``, ...) holds a NumPy
view of its base's array and shares its version counter (``_vc``); it remembers the
view ops that made it from the base (``_view_chain``), so it can be made again.

An in-place op ``t.op_(u)`` computes ``r = op(t, u)`` and writes it into t's memory
(a view's write lands in its base). With no graph to record, that is all. Otherwise
the graph sees an out-of-place op on t's old value (a copy, so backward can read it):

* t takes r's node (``_adopt``), keeping its old one in ``t._history`` for the
  nodes that saved t before the change (the engine's ``_source``);
* if t is a view, its base ``b`` becomes ``SetRegionFn(b_old, r)``: b with the
  region replaced (PyTorch's CopySlices), and t is made again from the new ``b``.
  Other views of ``b`` are made again when next used (``Tensor._sync_view``).

Every in-place change bumps the shared counter, so a node that saved t (or its base,
or another view) refuses to backward with it. In-place on a leaf that requires grad
(or a view of one) raises, outside ``no_grad``.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..autograd.tensor import Tensor

LEAF = ("a leaf Variable that requires grad is being used in an in-place operation. "
        "Change it under `with minigan.no_grad():` (an optimizer step, an init)")
MULTI = ("Output {1} of {0} is a view and is being modified inplace. This view is the output of a function that "
         "returns multiple views (split, chunk, unbind), whose views cannot be modified inplace while recording "
         "a graph. You should replace the inplace operation by an out-of-place one.")


def make_view(y, x, fn_class, *args):
    """Mark ``y = fn_class(*args)(x)``, whose array views x's, as a view of x's base."""
    y._vc, y._base = x._vc, (x if x._base is None else x._base)
    y._view_chain, y._view_version = getattr(x, "_view_chain", ()) + ((fn_class, args),), x._vc[0]
    y._base_node = y._base.grad_fn  # the base's node y was made from
    y._multi_view = getattr(x, "_multi_view", None)  # (op, output index) for split/chunk/unbind pieces
    return y


def _replay(chain, t):
    """The view ``chain`` applied to Tensor ``t`` (recorded, so gradients flow)."""
    for fn_class, args in chain:
        t = fn_class(*args)(t)
    return t


def _region(chain, array, xp):
    """The view ``chain`` applied to an array: the part a write must land in."""
    for fn_class, args in chain:
        fn = fn_class(*args)
        fn.xp = xp
        array = fn.forward(array)
    return array


class SetRegionFn(Function):
    """y = a with the region that ``chain`` selects replaced by v (v broadcast to it);
    da = g with that region zeroed, dv = the region of g (summed to v's shape).
    ``chain`` is a view chain (a slice of a base) or one advanced index (``x[mask] = v``).
    ``copy=False`` writes into a itself: :func:`update` records the base's own array so."""

    def __init__(self, chain, copy=True):
        self.chain, self.copy = chain, copy

    def forward(self, a, v):
        out = a.copy(order="K") if self.copy else a  # "K": the chain's reshapes stay views
        *lead, (fn_class, args) = self.chain
        part = _region(lead, out, self.xp)
        if fn_class.__name__ == "GetItemFn":  # x[index] = v also for an advanced index
            part[args[0]] = v
        else:
            _region([(fn_class, args)], part, self.xp)[...] = v
        return out

    def backward(self, g):
        from .shape import sum_to

        v = self._inputs[1]
        ga = SetRegionFn(self.chain)(g, Tensor._wrap(self.xp.zeros((), g.dtype)))
        return ga, sum_to(_replay(self.chain, g), v.shape) if self.needs_input_grad[1] else None


def _snapshot(t, copy=True):
    """A new tensor holding t's value and node as they are now (before an in-place op)."""
    s = Tensor._wrap(t._data.copy() if copy else t._data)
    s.grad_fn, s._output_index, s._requires_grad = t.grad_fn, t._output_index, t._requires_grad
    return s


def _adopt(t, r):
    """t, changed in place, is now what r's node made (the old node goes to t's history)."""
    t._history = t._history + ((t._vc[0], t.grad_fn, t._output_index),)
    t.grad_fn, t._output_index, t._requires_grad = r.grad_fn, r._output_index, r._requires_grad
    if r.grad_fn is not None:  # the node's output is t now: backward may read it
        r.grad_fn._outputs[r._output_index] = weakref.ref(t)
        shape, dtype, _ = r.grad_fn._out_meta[r._output_index]
        r.grad_fn._out_meta[r._output_index] = (shape, dtype, t._vc[0])


def sync_view(v):
    """Make view ``v`` again from its base if the base took a new node in place since
    (a parameter's views, after an optimizer step, need not: its node is still None)."""
    v._view_version = v._vc[0]
    if v._base.grad_fn is not v._base_node:
        with enable_grad():
            _adopt(v, _replay(v._view_chain, v._base))
        v._base_node = v._base.grad_fn


def _write(t, r):
    """Write r's array into t's memory (PyTorch's casting and shape rules) and bump the counter."""
    if r.shape != t.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast shape "
                           f"{list(r.shape)}")
    if r.dtype != t.dtype and not np.can_cast(r.dtype, t.dtype, "same_kind"):
        raise RuntimeError(f"result type {r.dtype} can't be cast to the desired output type {t.dtype}")
    if not getattr(t._data.flags, "writeable", True):  # an expand()ed view: one element, many places
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    t._data[...] = r._data
    t._vc[0] += 1


def update(t, op, *args):
    """``t.op_(*args)``: ``op(t, *args)`` (an out-of-place op) written into t's memory.
    Recorded as described in the module docstring when t or an argument requires grad."""
    if t._base is not None and t._vc[0] != t._view_version:
        sync_view(t)
    if is_grad_enabled() and t._requires_grad and t.grad_fn is None:
        raise RuntimeError(LEAF)
    base = t._base
    if is_grad_enabled() and base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of " + LEAF)
    if not is_grad_enabled() or not (t._requires_grad or any(
            isinstance(a, Tensor) and a._requires_grad for a in args)):
        with no_grad():
            _write(t, op(t, *args))
        return t
    if getattr(t, "_multi_view", None):  # PyTorch cannot route one piece's new node back either
        raise RuntimeError(MULTI.format(*t._multi_view))
    r = op(_snapshot(t), *args)
    _write(t, r)
    if base is None:
        _adopt(t, r)
        return t
    _adopt(base, SetRegionFn(t._view_chain, copy=False)(_snapshot(base, copy=False), r))
    sync_view(t)  # t is made again from the new base
    return t


def overwrite(t, value):
    """``t`` <- value (broadcast): ``copy_``, ``fill_``, ``zero_``, ``x[i] = v``. Recorded as
    ``where(False, t, value)``, so t's old value gets a zero gradient (PyTorch's too)."""
    from .elementwise import where

    return update(t, lambda old, v: where(False, old, v), value_for(t, value))


def value_for(t, value):
    """``value`` as a tensor of t's dtype and device (PyTorch casts what it writes)."""
    from ._operands import as_tensor, is_float
    from .elementwise import cast, to_device

    v = to_device(as_tensor(value, like=t), t.device)
    if v.dtype != t.dtype:
        v = cast(v, t.dtype) if is_float(v.dtype) else Tensor._wrap(v._data.astype(t.dtype))
    return v
