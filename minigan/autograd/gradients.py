"""``backward`` and ``grad``: the two ways to ask the engine for gradients.

``backward(y)`` adds dy/dleaf into every leaf's ``.grad``; ``grad(y, xs)`` returns dy/dx
for the chosen ``xs`` only. Both run :func:`.engine.run_backward` and differ in its ``on_grad``
callback (hooks, then ``retain_grad`` or capture) and in what they do with the leaves' gradients.
"""
from .. import backend
from .engine import ZERO, run_backward
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Add the gradients of ``tensors`` into the ``.grad`` of every leaf."""
    def on_grad(fn, i, g):  # a non-leaf's gradient: its hooks, then retain_grad()
        out = fn._outputs[i]()
        g = g if out is None or not out._backward_hooks else run_hooks(out, g, fn)
        if out is not None and out._retains_grad and out.grad_fn is fn:  # (not its value before an in-place op)
            _accumulate(out, g, create_graph)
        return g

    for leaf, g in run_backward(_seeds(list(tensors), grad_tensors), retain_graph, create_graph,
                                on_grad).values():
        with enable_grad() if create_graph else no_grad():
            g = run_hooks(leaf, _zeros_like(leaf) if g is ZERO else g)
        _accumulate(leaf, g, create_graph)


def _accumulate(t, g, create_graph):
    """``t.grad += g`` into the same tensor (PyTorch), unless a graph is recorded: ``t.grad + g``."""
    if t._grad is None or create_graph or t._grad._requires_grad:
        t._grad = (g if create_graph else g.detach()) if t._grad is None else t._grad + g
    else:  # a new array (the old one may be shared with another gradient) in the same tensor
        t._grad._data, t._grad._version = t._grad._data + g._data, t._grad._version + 1


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """d(outputs)/d(inputs), one Tensor per input (``torch.autograd.grad``).

    With ``create_graph=True`` the result is itself differentiable: that is how
    the WGAN-GP penalty ``(||grad_x D(x)|| - 1)^2`` gets a gradient. An input may
    be a non-leaf (captured as its gradient flows through); nodes compute only
    the input gradients that lead to an input (a critic's weights are skipped
    for d/dx); an input in the graph that no gradient reached (every path has
    derivative 0, as through ReLU's mask) gets zeros, one never used ``None``
    (if ``allow_unused``)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else grad_outputs
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"inputs[{i}] is a {type(x).__name__}, expected a Tensor")
        if not x.requires_grad:
            raise RuntimeError(f"inputs[{i}] (shape {x.shape}) does not require grad")
    wanted = {id(x) for x in inputs}
    slots = {(x.grad_fn, x._output_index): x for x in inputs if x.grad_fn is not None}
    captured, in_graph = {}, set()

    def on_grad(fn, i, g):  # a non-leaf's gradient: its hooks, then capture it if asked for
        out = fn._outputs[i]()
        g = g if out is None or not out._backward_hooks else run_hooks(out, g, fn)
        x = slots.get((fn, i))
        if x is not None:
            captured[id(x)] = g if id(x) not in captured else captured[id(x)] + g
        return g

    def prune(order):  # per node, which inputs lie on a path to a wanted tensor
        masks = {}
        for fn in reversed(order):  # producers first
            in_graph.update(id(x) for x in fn._inputs)  # now: backward may free the graph
            masks[fn] = tuple(id(x) in wanted or (e is not None and any(masks.get(e, ())))
                                  for x, (e, _) in zip(fn._inputs, fn._edges))
        return masks

    for leaf, g in run_backward(_seeds(outputs, grad_outputs), retain_graph, create_graph, on_grad,
                                prune).values():
        if id(leaf) in wanted and g is not ZERO:
            with enable_grad() if create_graph else no_grad():
                captured[id(leaf)] = run_hooks(leaf, g)
    result = []
    for i, x in enumerate(inputs):
        g = captured.get(id(x))
        if g is None and id(x) in in_graph:
            g = _zeros_like(x)
        if g is None and not allow_unused:
            raise RuntimeError(f"inputs[{i}] (shape {x.shape}) was not used to compute the outputs; "
                               "pass allow_unused=True to get None for it")
        result.append(g if g is None or create_graph else g.detach())
    return tuple(result)


def _zeros_like(x):
    return Tensor._wrap(backend.get_array_module(x._data).zeros_like(x._data))


def run_hooks(t, g, fn=None):
    """``t``'s ``register_hook`` hooks, in order, on its summed gradient ``g`` as output of node ``fn``
    (a hook stays with the value it was registered on, not a later in-place value: PyTorch's rule);
    a hook that returns a tensor replaces ``g`` for the rest."""
    for hook in [h for h, node in t._backward_hooks.values() if node is fn] if t._backward_hooks else ():
        out = hook(g)
        if out is not None and (not isinstance(out, Tensor) or (out.shape, out.dtype) != (g.shape, g.dtype)):
            raise (RuntimeError if isinstance(out, Tensor) else TypeError)(  # PyTorch's types
                f"a hook on a tensor of shape {t.shape} returned {getattr(out, 'shape', type(out).__name__)} "
                f"{getattr(out, 'dtype', '')}; expected a Tensor of shape {g.shape}, dtype {g.dtype} (or None)")
        g = g if out is None else out
    return g


def _seeds(outputs, grad_outputs):
    """Pairs ``(y, dL/dy)``, checked; a one-element ``y`` with no gradient given gets 1."""
    grad_outputs = [None] * len(outputs) if grad_outputs is None else grad_outputs
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    seeds = []
    for y, g in zip(outputs, grad_outputs):
        if not isinstance(y, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(y).__name__}")
        if not y.requires_grad:
            raise RuntimeError(f"element of outputs (shape {y.shape}) does not require grad and has no "
                               "grad_fn: nothing upstream of it requires grad, or it was computed under no_grad()")
        if g is None and y._data.size != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs, but the "
                               f"output has shape {y.shape}; pass gradient= (a tensor of that shape)")
        if not isinstance(g, Tensor):
            xp = backend.get_array_module(y._data)
            g = Tensor._wrap(xp.ones(y.shape, y.dtype) if g is None else xp.asarray(g, dtype=y.dtype))
        if g.shape != y.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the output has shape {y.shape}")
        if g.dtype != y.dtype:
            raise TypeError(f"gradient has dtype {g.dtype} but the output has dtype {y.dtype}")
        seeds.append((y, g))
    return seeds
