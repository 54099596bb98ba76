"""Module and Parameter: the containers layers are built from (PyTorch's design).

A Module owns Parameters (trainable leaf tensors), buffers (state that is
saved but not trained: running statistics, spectral-norm vectors) and child
Modules, all found by assigning attributes: ``self.fc = Linear(2, 3)``.
Order is insertion order, so ``parameters()`` is the same on every run.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module trains: a leaf with ``requires_grad=True``."""

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Tensor):
            data = data.array
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns, PyTorch's named tuple."""

    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class for every layer and model. Subclasses define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    # ------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() "
                               f"before assigning {name!r}")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, (Parameter, Module)):
            target = params if isinstance(value, Parameter) else modules
            for store in (params, buffers, modules):
                if store is not target:
                    store.pop(name, None)
            self.__dict__.pop(name, None)
            target[name] = value  # a replacement keeps its place in the order, as in PyTorch
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r}: "
                                "expected a Tensor or None")
            buffers[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r}: "
                                "expected a minigan.nn.Parameter or None")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r}")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def _check_name(self, name, kind: str, store: dict) -> None:
        """PyTorch's rules for a registered name: a str (TypeError), without a
        dot (``state_dict`` keys use dots) and not empty (KeyError), and not an
        attribute of another kind already (KeyError)."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__} {name!r}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got {name!r}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if name not in store and hasattr(self, name):
            raise KeyError(f"attribute {name!r} already exists; a {kind} needs a new name")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_name(name, "parameter", self._parameters)
        if param is None:
            self._parameters[name] = None
            self.__dict__.pop(name, None)
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} to parameter {name!r}: "
                            "expected a minigan.nn.Parameter or None")
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """State saved in ``state_dict`` (if persistent) but not trained."""
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"buffer {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass "
                            f"(module {name!r}); expected a minigan.nn.Module or None")
        self._check_name(name, "module", self._modules)
        self._modules[name] = module

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ------------------------------------------------------------ running
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        for hook in self._forward_pre_hooks.values():
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` runs before every forward (spectral norm uses
        it to recompute the normalised weight). Returns a handle with ``remove()``."""
        key = object()
        self._forward_pre_hooks[key] = hook
        hooks = self._forward_pre_hooks

        class _Handle:
            def remove(self):
                hooks.pop(key, None)

        return _Handle()

    # ------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = ""):
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop(0)
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            yield name, mod
            children = [(f"{name}.{n}" if name else n, m) for n, m in mod._modules.items()
                        if m is not None]
            stack[0:0] = children  # depth-first, in insertion order

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()  # a module registered under two names is listed once, as in PyTorch
        for n, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield n, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, mod in mods:
            for pname, p in mod._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, mod in mods:
            for bname, b in mod._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"train: mode is expected to be a bool, got {type(mode).__name__} "
                             f"{mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                # fresh zeros (not grad * 0, which would keep a NaN or inf)
                g = p.grad.array
                p.grad = Tensor.from_array(backend.get_array_module(g).zeros_like(g))

    def apply(self, fn) -> "Module":
        """``fn(m)`` on every submodule, children first and in order, then on
        self (PyTorch's post-order, so seeded initialisers draw in its order)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ devices, dtypes
    def to(self, device=None, dtype=None) -> "Module":
        """Move (in place) every parameter and buffer to ``device`` / cast to ``dtype``."""
        if device is not None and not isinstance(device, str):
            device, dtype = None, device
        if dtype is not None and np.dtype(dtype).kind != "f":  # PyTorch's TypeError
            raise TypeError(f"Module.to only accepts floating-point dtypes, got dtype="
                            f"{np.dtype(dtype)}")
        with no_grad():
            for mod in self.modules():
                for store in (mod._parameters, mod._buffers):
                    for k, t in store.items():
                        if t is None:
                            continue
                        arr = t.array
                        if dtype is not None and np.issubdtype(arr.dtype, np.floating):
                            arr = arr.astype(dtype)
                        if device is not None:
                            arr = backend.to_device(arr, backend.normalize_device(device))
                        # a new array (dtype or device changed): assign it through
                        # ``.data``, PyTorch's way to swap a tensor's storage
                        t.data = Tensor.from_array(arr)
                        if t.grad is not None:  # the gradient follows, as in PyTorch
                            g = t.grad.array
                            if dtype is not None and np.issubdtype(g.dtype, np.floating):
                                g = g.astype(dtype)
                            if device is not None:
                                g = backend.to_device(g, backend.normalize_device(device))
                            t.grad = Tensor.from_array(g)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(dtype=np.float32)

    def double(self):
        return self.to(dtype=np.float64)

    # ------------------------------------------------------------ state
    def _state_modules(self, prefix=""):
        """(prefix, module) for the state_dict: every registered path, so a
        module registered under two names is saved under both (PyTorch's
        rule; ``named_modules`` lists it once)."""
        yield prefix, self
        for n, m in self._modules.items():
            if m is not None:
                yield from m._state_modules(f"{prefix}{n}.")

    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name (detached tensors)."""
        out = OrderedDict()
        for pre, mod in self._state_modules():
            for n, p in mod._parameters.items():
                if p is not None:
                    out[pre + n] = p.detach()
            for n, b in mod._buffers.items():
                if b is not None and n not in mod._non_persistent:
                    out[pre + n] = b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values in; with ``strict``, any missing, unexpected or
        wrong-shaped key raises one error that lists them all."""
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        wrong = []
        for k, t in own.items():
            if k in state_dict:
                shape = tuple(np.shape(state_dict[k].array if isinstance(state_dict[k], Tensor)
                                       else state_dict[k]))
                if shape != t.shape:
                    wrong.append(f"{k}: checkpoint {shape} vs model {t.shape}")
        if wrong or (strict and (missing or unexpected)):
            lines = [f"error(s) in loading state_dict for {type(self).__name__}:"]
            if missing and strict:
                lines.append("  missing keys: " + ", ".join(missing))
            if unexpected and strict:
                lines.append("  unexpected keys: " + ", ".join(unexpected))
            if wrong:
                lines.append("  shape mismatches: " + "; ".join(wrong))
            raise RuntimeError("\n".join(lines))
        targets = {}
        for pre, mod in self._state_modules():
            for store in (mod._parameters, mod._buffers):
                for n, t in store.items():
                    if t is not None:
                        targets[pre + n] = t
        with no_grad():
            for k, v in state_dict.items():
                if k not in targets:
                    continue
                t = targets[k]
                arr = v.array if isinstance(v, Tensor) else v
                xp = backend.get_array_module(t.array)
                arr = backend.to_device(np.asarray(arr) if xp is np and not hasattr(arr, "get") else arr,
                                        t.device)
                # in place, as PyTorch: the tensor keeps its array (so an
                # optimizer or a tied weight still sees it), takes the values
                # in its own dtype, and its version moves on, so a graph
                # recorded before the load refuses to run backward
                t.copy_(arr)
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        kids = list(self._modules.items())
        if not kids:
            return lines[0] + ")"
        for name, mod in kids:
            sub = repr(mod).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        return "\n".join(lines) + "\n)"
