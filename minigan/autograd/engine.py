"""The backward engine: the chain rule, run over the graph in reverse.

Forward builds the graph: each op node (a :class:`Function`) keeps its input
tensors, and each tensor it made points back at it (``grad_fn``). Given
outputs ``y`` and gradients ``dL/dy``, the engine orders the nodes so that each
comes after every node that consumes its outputs (:func:`topological_order`),
then, node by node: sums the gradients that reached each output (an output
used twice gets both), calls ``node.backward`` on them, and hands each result,
``dL/dx = sum_k dL/dy_k * dy_k/dx``, to its input ``x``: a node's output or a leaf.

Backward runs under ``no_grad`` unless ``create_graph=True``: then it is recorded
like any forward, and the gradients can be differentiated again. ``backward()``
and ``grad()`` (:mod:`.gradients`) call :func:`run_backward`.
"""
from . import anomaly
from .function import FREED_MESSAGE
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


def topological_order(roots):
    """Op nodes reachable from ``roots``, each after every node that consumes it.

    Depth-first on an explicit stack, never recursion (a chain of 100,000 ops is fine).
    A node goes on the stack twice: to push the nodes that made its inputs (``_edges``),
    then (``done``) to be listed after them: producers first; reversed, consumers first."""
    order, seen, stack = [], set(), [(fn, False) for fn in roots]
    while stack:
        fn, done = stack.pop()
        if done:
            order.append(fn)
        elif fn not in seen:
            seen.add(fn)
            if fn._freed:
                raise RuntimeError(FREED_MESSAGE.format(op=type(fn).__name__))
            stack.append((fn, True))
            fn._edges = [(x.grad_fn, x._output_index) if not x._history else _source(x, v)
                         for x, v in zip(fn._inputs, fn._versions)]
            for e, _ in fn._edges:
                if e is not None and e not in seen:
                    stack.append((e, False))
    order.reverse()
    return order


def _source(x, version):
    """(node, output index) that made ``x`` as it was at ``version`` (in-place ops move it on)."""
    return next(((fn, i) for until, fn, i in x._history if version < until), (x.grad_fn, x._output_index))


ZERO = "zero"  # a gradient known to be zeros, passed on without computing (see zero_grad_inputs)


def run_backward(seeds, retain_graph, create_graph, on_grad, prune=None):
    """Propagate ``seeds``, pairs ``(y, dL/dy)``, back to the leaves.

    ``on_grad(node, i, g)`` sees the summed gradient of each node output and returns
    the one to use (hooks, ``retain_grad`` and ``grad()``'s capture plug in here);
    ``prune(order)``, if given, maps nodes to which of their inputs need a gradient at all.
    Returns ``{id(leaf): (leaf, dL/dleaf)}``; dL/dleaf is :data:`ZERO` for a leaf reached
    only through a node's ``zero_grad_inputs`` (PyTorch sends zeros there; we send a
    mark). Frees the graph unless ``retain_graph`` (by default: unless ``create_graph``)."""
    retain_graph = create_graph if retain_graph is None else retain_graph
    grads_of = {}  # (node, output index) or id(leaf) -> (tensor, the gradient it got so far)

    def send(x, source, g):  # add g to the gradient of x, made by source = (node, output index)
        key = id(x) if source[0] is None else source
        old = grads_of.get(key, (x, None))[1]
        grads_of[key] = (x, g if old is None or old is ZERO else old if g is ZERO else old + g)

    for y, g in seeds:
        send(y, (y.grad_fn, y._output_index), g)
    order = topological_order([y.grad_fn for y, _ in seeds if y.grad_fn is not None])
    masks = prune(order) if prune is not None else {}
    call = anomaly.checked(_call_backward) if anomaly.is_enabled() else _call_backward
    with enable_grad() if create_graph else no_grad():
        for fn in order:
            # 1. every consumer of fn has run: the sums for its outputs are complete
            grads = [grads_of.pop((fn, i), (None, None))[1] for i in range(len(fn._outputs))]
            grads = [g if g is None or g is ZERO else on_grad(fn, i, g) for i, g in enumerate(grads)]
            mask = masks.get(fn)
            if all(g is None for g in grads) or (mask is not None and not any(mask)):
                continue
            if all(g is None or g is ZERO for g in grads):  # 2. only zeros: pass them on
                in_grads = [ZERO] * len(fn._inputs)
            else:  # 2. backward (an output that no gradient reached contributes zeros)
                in_grads = call(fn, [g if g is not None and g is not ZERO else Tensor._wrap(
                    fn.xp.zeros(*fn._out_meta[i][:2])) for i, g in enumerate(grads)], create_graph, mask)
            for k, (x, gx) in enumerate(zip(fn._inputs, in_grads)):  # 3. hand them to the inputs
                gx = ZERO if gx is None and k in fn.zero_grad_inputs else gx
                if gx is None or not fn.needs_input_grad[k] or (mask is not None and not mask[k]):
                    continue
                if gx is not ZERO and gx._data.shape != x._data.shape:
                    raise RuntimeError(f"{type(fn).__name__}.backward returned a gradient of shape "
                                       f"{gx.shape} for an input of shape {x.shape}")
                send(x, fn._edges[k], gx)
    if not retain_graph:  # only now: a backward may need an output a later node keeps alive
        for fn in order:
            fn._release()
    return grads_of


def _call_backward(fn, grads, create_graph, mask):
    """``fn.backward(*grads)`` as a tuple, one gradient per input (the fast layer's backward when no
    graph is recorded); ``mask`` narrows ``fn.needs_input_grad`` for the call."""
    fast_op, needs = fn._fast, fn.needs_input_grad
    if mask is not None:
        fn.needs_input_grad = tuple(a and b for a, b in zip(needs, mask))
    try:
        use_fast = not create_graph and fast_op is not None and fast_op.backward is not None
        in_grads = fast_op.backward(fn, *grads) if use_fast else fn.backward(*grads)
    finally:
        fn.needs_input_grad = needs
    in_grads = in_grads if isinstance(in_grads, tuple) else (in_grads,)
    if len(in_grads) != len(fn._inputs):
        raise RuntimeError(f"{type(fn).__name__}.backward returned {len(in_grads)} gradients "
                           f"for {len(fn._inputs)} inputs")
    return in_grads
