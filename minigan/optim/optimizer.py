"""The Optimizer base class: parameter groups, per-parameter state, saving.

An optimizer holds a list of *parameter groups*. Each group is a dict with a
``"params"`` list and its own hyper-parameters (``"lr"``, ``"momentum"``, ...);
options a group leaves out come from ``defaults``. ``state[p]`` is a dict of
running quantities for parameter ``p`` (momentum buffers, moment estimates,
step counts), created lazily on the first ``step`` that sees a gradient.

``state_dict()`` has PyTorch's layout::

    {"state": {0: {"step": 3, "exp_avg": ndarray, ...}, 1: {...}},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}, ...]}

Parameters are referred to by their position (counted across the groups in
order), never by object, so the dict can be loaded into an optimizer built
over a *fresh* model with the same architecture. It holds only numbers,
strings, tuples, lists and NumPy arrays (copies, on the CPU): ``pickle`` or
``numpy.savez`` can store it without storing any code.
"""
from __future__ import annotations

import copy
import warnings
from collections import defaultdict

import numpy as np

from .. import backend
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _check_nonneg(name: str, value, label: str | None = None) -> None:
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not value >= 0.0:  # `not >=` also rejects NaN
        raise ValueError(f"Invalid {label or name} value: {value} ({name} must be >= 0)")


def _implementation_flags(who: str, **flags) -> dict:
    """PyTorch's implementation switches, checked and returned for the
    param groups (where ``state_dict`` shows them, as PyTorch's does).

    minigan has one implementation of each update: ``foreach`` and ``fused``
    choose between PyTorch kernels that compute the same update, so they are
    accepted and recorded. ``capturable`` (CUDA-graph capture) and
    ``differentiable`` (autograd through the step) have no minigan
    equivalent, and True raises rather than being silently ignored."""
    for name in ("capturable", "differentiable"):
        if flags.get(name):
            raise NotImplementedError(
                f"{who}: {name}=True is not supported (minigan updates parameters in place, "
                f"outside the autograd graph and without CUDA graphs); leave it False")
    for name in ("foreach", "fused"):
        if name in flags and flags[name] not in (None, True, False):
            raise TypeError(f"{who}: {name} must be None or a bool, got {flags[name]!r}")
    return flags


class Optimizer:
    """Base class of every optimizer.

    Args:
        params: an iterable of Tensors (usually ``model.parameters()``), or an
            iterable of dicts, one per parameter group, e.g.
            ``[{"params": G.parameters()}, {"params": D.parameters(), "lr": 4e-4}]``.
        defaults: hyper-parameters used by groups that do not set them.

    Subclasses implement ``step()``; they read ``self.param_groups`` and keep
    what they must remember between steps in ``self.state[p]`` (arrays in
    the parameter's dtype, on its device). The built-in ones write the update
    for one parameter in ``_update(p, grad, state, **hyper)``, and ``step()``
    calls the fast layer's twin (:mod:`minigan.fast.optim`) instead while
    :func:`minigan.fast.enabled`.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []

        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__} "
                            "(wrap a single tensor in a list: [tensor])")
        if isinstance(params, dict):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a single dict (wrap it in a list: [dict])")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing options
        come from ``defaults``). Useful to start training a layer later."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        param_group = dict(param_group)
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' key with the tensors to optimize")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs; "
                            "use a list instead")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed by an op); "
                                 "optimize the leaf tensors it was computed from")
        param_group["params"] = params

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each will be updated more than once per step", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to ``None`` (default, as in
        PyTorch 2.x; ``step`` then skips the parameter) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    # A fresh array, not an in-place fill: the engine may share
                    # one gradient array between several tensors.
                    xp = backend.get_array_module(p.grad.array)
                    p.grad = Tensor.from_array(xp.zeros_like(p.grad.array))

    def step(self, closure=None):
        """Update the parameters once from their ``.grad``. ``closure``, if
        given, re-evaluates the model and returns the loss (run with grad
        enabled); ``step`` returns that loss."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def _update_each(self, closure, hyper, init_state, fast_update):
        """The loop every built-in optimizer's ``step`` runs: per group, its
        hyper-parameters ``hyper(group)``; per parameter with a gradient, its
        state ``init_state(p, hyper)`` (None for a stateless one), then
        ``self._update`` (the docstring's formula) or, when the fast layer is
        on, ``fast_update`` (:mod:`minigan.fast.optim`: the same numbers, in
        place). Returns the closure's loss (or None)."""
        from .. import fast

        loss = self._eval_closure(closure)
        use_fast = fast.enabled()
        with no_grad():
            for group in self.param_groups:
                h = hyper(group)
                for p in group["params"]:
                    grad = _grad_array(p)
                    if grad is None:
                        continue
                    state = init_state(p, h)
                    if use_fast:
                        fast_update(self, p, grad, state, h)
                    else:
                        self._update(p, grad, state, **h)
        return loss

    @staticmethod
    def _eval_closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------ saving
    def state_dict(self) -> dict:
        """The optimizer's state as plain data (see the module docstring)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, pstate in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = {k: _to_plain(v) for k, v in pstate.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned. Groups must match the
        current ones in number and size; the state arrays are copied onto each
        parameter's device and cast to its dtype, so training continues exactly
        as if it had never stopped."""
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with keys 'state' and "
                             "'param_groups' (as returned by Optimizer.state_dict())")
        saved_groups = state_dict["param_groups"]
        groups = self.param_groups
        if len(saved_groups) != len(groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter group(s) but "
                             f"the optimizer has {len(groups)}")
        for i, (g, sg) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(f"loaded state dict's parameter group {i} has "
                                 f"{len(sg['params'])} parameters but the optimizer's group {i} "
                                 f"has {len(g['params'])}")
        id_map = {old: p for g, sg in zip(groups, saved_groups)
                  for old, p in zip(sg["params"], g["params"])}

        new_state: defaultdict = defaultdict(dict)
        for key, pstate in state_dict["state"].items():
            if key in id_map:
                p = id_map[key]
                new_state[p] = {k: _cast_like(v, p, key, k) for k, v in pstate.items()}
            else:
                new_state[key] = copy.deepcopy(pstate)
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            ng = {k: copy.deepcopy(v) for k, v in sg.items() if k != "params"}
            ng["params"] = g["params"]
            new_groups.append(ng)
        self.state = new_state
        self.param_groups = new_groups

    # ------------------------------------------------------------ printing
    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _to_plain(value):
    """A copy of a state value as plain data: arrays and Tensors become NumPy
    arrays on the CPU."""
    if isinstance(value, Tensor):
        value = value.array
    if hasattr(value, "shape") and hasattr(value, "dtype") and not np.isscalar(value):
        return np.array(backend.to_device(value, "cpu"), copy=True)
    return copy.deepcopy(value)


def _cast_like(value, param: Tensor, index, key):
    """A copy of a saved state value on ``param``'s device; floating arrays are
    cast to its dtype (the step count and other numbers stay as they are)."""
    if isinstance(value, Tensor):
        value = value.array
    if not (hasattr(value, "shape") and hasattr(value, "dtype")) or np.isscalar(value):
        return copy.deepcopy(value)
    if value.ndim > 0 and tuple(value.shape) != tuple(param.shape):
        raise ValueError(f"loaded state for parameter {index} has {key!r} of shape "
                         f"{tuple(value.shape)}, but the parameter has shape {tuple(param.shape)}")
    xp = backend.get_array_module(param.array)
    value = backend.to_device(value, param.device)
    dtype = param.dtype if np.issubdtype(value.dtype, np.floating) else value.dtype
    return xp.array(value, dtype=dtype, copy=True)


def _grad_array(p: Tensor):
    """``p.grad``'s array in ``p``'s dtype, or None when ``p`` has no gradient.

    The array may be shared with other tensors (the engine passes gradient
    arrays along without copying), so optimizers must never write into it.
    """
    if p.grad is None:
        return None
    g, theta = p.grad.array, p.array
    if g.shape != theta.shape:
        raise RuntimeError(f"gradient of shape {g.shape} does not match its parameter of "
                           f"shape {theta.shape}")
    if g.dtype != theta.dtype:
        g = g.astype(theta.dtype)
    return g


def _zeros_like(p: Tensor):
    """A zero array of ``p``'s shape and dtype, on its device (a fresh state array)."""
    return backend.get_array_module(p.array).zeros_like(p.array)


def _lerp(start, end, weight: float):
    """``start + weight * (end - start)``, rounded as ``torch.lerp`` rounds
    it: from ``weight = 0.5`` on it computes ``end - (end - start) * (1 - weight)``,
    which is exact at ``weight = 1``."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)
