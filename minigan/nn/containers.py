"""Containers that hold submodules: ``Sequential``, ``ModuleList``, ``ModuleDict``.

Modules kept in a plain Python list or dict are invisible to ``parameters()``,
``state_dict()`` and ``to()``; these containers register them (under the
names "0", "1", ... or the dict's keys) so they are found.
"""
from __future__ import annotations

import operator
from collections import OrderedDict

from .module import Module


def _check_module(module, owner):
    if not isinstance(module, Module):
        raise TypeError(f"{owner}: expected a minigan.nn.Module, got {type(module).__name__}")
    return module


def _check_key(key, owner):
    if not isinstance(key, str):
        raise TypeError(f"{owner}: module names must be strings, got {type(key).__name__}")
    if key == "" or "." in key:
        raise KeyError(f"{owner}: module name {key!r} must be non-empty and contain no '.'")
    return key


class _IndexedModules(Module):
    """Integer indexing over modules registered as "0", "1", ... (shared by
    Sequential and ModuleList)."""

    def _index(self, idx):
        idx = operator.index(idx)
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of "
                             f"length {n}")
        return idx % n

    def _renumber(self, modules):
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __setitem__(self, idx, module):
        key = list(self._modules)[self._index(idx)]
        self.add_module(key, _check_module(module, type(self).__name__))

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[self._index(idx)]
        self._renumber(mods)  # keep the names 0..n-1, as PyTorch does

    def pop(self, key):
        """Remove and return the module at ``key`` (the rest renumbered), as PyTorch's pop."""
        module = self[key]
        del self[key]
        return module

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), _check_module(module, type(self).__name__))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index``."""
        mods = list(self._modules.values())
        mods.insert(index, _check_module(module, type(self).__name__))
        self._renumber(mods)
        return self


class Sequential(_IndexedModules):
    """Run modules one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named "0", "1", ...) or from one OrderedDict of
    name -> module. Supports indexing (``seq[0]``, ``seq[-1]``, ``seq[1:]``
    gives a Sequential), ``len``, iteration and ``append``."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(_check_key(key, "Sequential"), _check_module(module, "Sequential"))
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), _check_module(module, "Sequential"))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_IndexedModules):
    """A list of modules whose parameters the owner can see. Unlike Sequential
    it has no forward: you decide how to call its members."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return list(self._modules.values())[self._index(idx)]

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))


class ModuleDict(Module):
    """A dict of modules (insertion-ordered) whose parameters the owner can see."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; keys are {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(_check_key(key, "ModuleDict"), _check_module(module, "ModuleDict"))

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        """Add (or replace) modules from a mapping or an iterable of (name, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for pair in pairs:
            key, module = pair
            self[key] = module
