"""The backward engine: walk the graph in reverse topological order.

Given output tensors ``y_k`` and upstream gradients ``g_k``, every op node
receives the sum of the gradients of its outputs and hands
``op.backward(*grads)`` on to its inputs (the chain rule). The order is found
iteratively (a depth-first post-order on an explicit stack), so a chain of
100,000 ops never meets Python's recursion limit, and a node runs only once all
of its consumers have run (the ``b = a + a; c = b + b`` case).

``backward`` accumulates into leaves' ``.grad``; ``grad`` returns gradients for
chosen inputs and touches no ``.grad`` (``torch.autograd.grad``).
"""
from __future__ import annotations

from .. import backend
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


def _topological_order(roots):
    """Op nodes reachable from ``roots``, each after every node that consumes it."""
    order, seen = [], set()
    stack = [(fn, False) for fn in roots]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.append((fn, True))
        if fn._freed:
            raise RuntimeError(
                f"trying to backward through the graph a second time at {type(fn).__name__}: the "
                "first backward freed it. Pass retain_graph=True to the first backward() or grad() "
                "call if you need to backward through it again."
            )
        for x in fn._inputs:
            if x.grad_fn is not None and id(x.grad_fn) not in seen:
                stack.append((x.grad_fn, False))
    order.reverse()  # consumers first
    return order


def _accumulate(store, key, g):
    prev = store.get(key)
    store[key] = g if prev is None else prev + g


def _seed_gradients(outputs, grad_outputs):
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    seeds = []
    for y, g in zip(outputs, grad_outputs):
        if not isinstance(y, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(y).__name__}")
        if not y.requires_grad:
            raise RuntimeError(
                f"element of outputs (shape {y.shape}) does not require grad and has no grad_fn: "
                "nothing upstream of it requires grad, or it was computed under no_grad()"
            )
        if g is None:
            if y._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output has "
                    f"shape {y.shape}; pass gradient= (a tensor of that shape)"
                )
            xp = backend.get_array_module(y._data)
            g = Tensor._wrap(xp.ones(y.shape, dtype=y.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(backend.get_array_module(y._data).asarray(g, dtype=y.dtype))
        if g.shape != y.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the output has shape {y.shape}")
        if g.dtype != y.dtype:
            raise TypeError(f"gradient has dtype {g.dtype} but the output has dtype {y.dtype}")
        seeds.append((y, g))
    return seeds


def _run(outputs, grad_outputs, retain_graph, create_graph, capture=None):
    """Core loop. Returns {id(tensor): grad} for tensors in ``capture`` (grad mode)
    or accumulates into leaves' ``.grad`` (backward mode, capture is None)."""
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _seed_gradients(outputs, grad_outputs)
    node_grads: dict = {}  # (id(fn), output index) -> summed gradient
    leaf_grads: dict = {}  # id(leaf) -> (leaf, summed gradient)
    captured: dict = {}
    capture_ids = {id(t) for t in capture} if capture is not None else None
    # non-leaf tensors whose gradient grad() must report, keyed by their node slot
    capture_slots = {}
    if capture is not None:
        for t in capture:
            if t.grad_fn is not None:
                capture_slots[(id(t.grad_fn), t._output_index)] = t

    for y, g in seeds:
        if y.grad_fn is None:
            _accumulate_leaf(leaf_grads, y, g)
        else:
            _accumulate(node_grads, (id(y.grad_fn), y._output_index), g)

    roots = [y.grad_fn for y, _ in seeds if y.grad_fn is not None]
    order = _topological_order(roots)
    # grad() wants only some gradients: per node, which inputs lead to a
    # captured tensor. The rest (say, a critic's weights when the penalty
    # asks for d/dx only) are never computed.
    wanted = _wanted_inputs(order, capture_ids) if capture is not None else None
    if capture is not None:  # what the graph holds, before backward may free it
        in_graph = {id(x) for fn in order for x in fn._inputs}
    from . import anomaly

    mode = enable_grad() if create_graph else no_grad()
    with mode:
        for fn in order:
            grads = [node_grads.pop((id(fn), i), None) for i in range(len(fn._outputs))]
            for i, g in enumerate(grads):
                if g is None:
                    continue
                out = fn._outputs[i]()
                if out is not None:
                    if out._backward_hooks:
                        g = grads[i] = _run_hooks(out, g)
                    if capture is None and out._retains_grad:
                        out.grad = g if out.grad is None else out.grad + g
                if capture_slots and (id(fn), i) in capture_slots:
                    _accumulate(captured, id(capture_slots[(id(fn), i)]), g)
            if all(g is None for g in grads):
                continue
            mask = wanted[id(fn)] if wanted is not None else None
            if mask is not None and not any(mask):
                continue
            xp = fn.xp
            grads = [g if g is not None else Tensor._wrap(xp.zeros(*fn._out_meta[i]))
                     for i, g in enumerate(grads)]
            if mask is not None:
                needs = fn.needs_input_grad
                fn.needs_input_grad = tuple(a and b for a, b in zip(needs, mask))
            # the fast layer's backward only when no graph is recorded
            fast_op = fn._fast
            if not create_graph and fast_op is not None and fast_op.backward is not None:
                def backward(*g, fn=fn, impl=fast_op.backward):
                    return impl(fn, *g)
            else:
                backward = fn.backward
            try:
                if anomaly.is_enabled():
                    with anomaly.backward_scope():
                        in_grads = backward(*grads)
                else:
                    in_grads = backward(*grads)
            finally:
                if mask is not None:
                    fn.needs_input_grad = needs
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(fn._inputs):
                raise RuntimeError(
                    f"{type(fn).__name__}.backward returned {len(in_grads)} gradients for "
                    f"{len(fn._inputs)} inputs"
                )
            if anomaly.is_enabled():
                anomaly.check_backward(fn, in_grads)
            for k, (x, gx) in enumerate(zip(fn._inputs, in_grads)):
                if gx is None or not x.requires_grad or (mask is not None and not mask[k]):
                    continue
                if gx.shape != x.shape:
                    raise RuntimeError(
                        f"{type(fn).__name__}.backward returned a gradient of shape {gx.shape} "
                        f"for an input of shape {x.shape}"
                    )
                if x.grad_fn is None:
                    _accumulate_leaf(leaf_grads, x, gx)
                else:
                    _accumulate(node_grads, (id(x.grad_fn), x._output_index), gx)
    if not retain_graph:
        # freed only now: an op's backward may need an output that only a
        # later-processed consumer keeps alive
        for fn in order:
            fn._release()

    if capture is not None:
        for leaf, g in leaf_grads.values():
            if id(leaf) in capture_ids:
                with mode:
                    captured[id(leaf)] = _run_hooks(leaf, g)
        # an input in the graph that no gradient reached (every path to it
        # has derivative 0: ReLU's mask under a second derivative) gets
        # zeros, as PyTorch's materialised zero gradients give it
        for t in capture:
            if id(t) not in captured and id(t) in in_graph:
                captured[id(t)] = Tensor._wrap(backend.get_array_module(t._data).zeros_like(t._data))
        return captured
    for leaf, g in leaf_grads.values():
        with mode:
            g = _run_hooks(leaf, g)
        if not create_graph:
            g = g.detach()
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    return None


def _wanted_inputs(order, capture_ids):
    """For each node, a tuple saying which of its inputs lie on a path to a
    tensor in ``capture_ids`` (``order`` lists consumers first)."""
    wanted = {}
    for fn in reversed(order):  # producers first
        wanted[id(fn)] = tuple(
            id(x) in capture_ids or (x.grad_fn is not None and any(wanted.get(id(x.grad_fn), ())))
            for x in fn._inputs)
    return wanted


def _run_hooks(t, g):
    """``Tensor.register_hook`` hooks see the tensor's summed gradient in
    registration order; one that returns a tensor replaces it for the rest."""
    hooks = t._backward_hooks
    if hooks:
        for hook in list(hooks.values()):
            out = hook(g)
            if out is not None:
                if not isinstance(out, Tensor) or out.shape != g.shape:
                    raise RuntimeError(f"a hook on a tensor of shape {t.shape} returned "
                                       f"{getattr(out, 'shape', type(out).__name__)}; expected a "
                                       f"Tensor of shape {g.shape} (or None)")
                g = out
    return g


def _accumulate_leaf(store, leaf, g):
    prev = store.get(id(leaf))
    store[id(leaf)] = (leaf, g if prev is None else prev[1] + g)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of every leaf."""
    _run(list(tensors), grad_tensors, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs`` (``torch.autograd.grad``).

    Returns a tuple with one Tensor per input (``None`` for an input the outputs
    do not depend on, if ``allow_unused``). No ``.grad`` is touched. With
    ``create_graph=True`` the result is itself differentiable, which is how the
    WGAN-GP penalty ``(||grad_x D(x)|| - 1)^2`` gets a gradient.
    """
    single_out = isinstance(outputs, Tensor)
    outputs = [outputs] if single_out else list(outputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    single_in = isinstance(inputs, Tensor)
    inputs = [inputs] if single_in else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"inputs[{i}] is a {type(x).__name__}, expected a Tensor")
        if not x.requires_grad:
            raise RuntimeError(f"inputs[{i}] (shape {x.shape}) does not require grad")
    captured = _run(outputs, grad_outputs, retain_graph, create_graph, capture=inputs)
    result = []
    for i, x in enumerate(inputs):
        g = captured.get(id(x))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"inputs[{i}] (shape {x.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        if g is not None and not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


__all__ = ["backward", "grad"]
