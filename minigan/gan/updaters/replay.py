"""The replay buffer of past fakes (Shrivastava et al. 2017), used by the
``replay`` trick (:class:`minigan.gan.updaters.tricks.Replay`)."""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ...random import generator


class ReplayBuffer:
    """A pool of past generated samples for D (Shrivastava et al., "Learning
    from Simulated and Unsupervised Images through Adversarial Training",
    CVPR 2017, section 2.3).

    A D trained only on the current G's samples forgets the artefacts of
    earlier generators, and G can return to them; mixing in old samples keeps
    D's memory. :meth:`mix` turns a fresh fake batch of b samples into D's
    batch: ``round(fraction * b)`` samples drawn uniformly from the pool (once
    it holds that many), the rest fresh. The fresh ones then enter the pool,
    filling it up to ``capacity`` and afterwards each replacing a sample
    chosen uniformly. Random choices come from minigan's seeded stream; the
    pool is training state (:meth:`state_dict`)."""

    def __init__(self, capacity: int, fraction: float = 0.5):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"ReplayBuffer: capacity must be a positive int, got {capacity!r}")
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"ReplayBuffer: fraction must be in (0, 1), got {fraction!r}")
        self.capacity, self.fraction = capacity, fraction
        self.data = None  # (size, *sample_shape), allocated on the first push
        self.labels = None
        self.size = 0

    def __len__(self):
        return self.size

    def mix(self, fake: Tensor, labels: Tensor | None = None):
        """D's fake batch (and its labels) from a fresh, detached batch ``fake``."""
        n = fake.shape[0]
        n_old = int(round(self.fraction * n))
        rng = generator("cpu")
        if self.size < n_old or n_old == 0:
            self._push(fake.array, None if labels is None else labels.array, rng)
            return fake, labels
        xp = backend.get_array_module(fake.array)
        n_new = n - n_old
        pick = rng.integers(0, self.size, n_old)
        pick_dev = backend.to_device(pick, backend.device_of(fake.array))
        x = xp.concatenate([fake.array[:n_new], self.data[pick_dev]])
        y = None if labels is None else xp.concatenate([labels.array[:n_new], self.labels[pick_dev]])
        self._push(fake.array[:n_new], None if labels is None else labels.array[:n_new], rng)
        return Tensor.from_array(x), (None if y is None else Tensor.from_array(y))

    def _push(self, x, y, rng):
        xp = backend.get_array_module(x)
        if self.data is None:
            self.data = xp.empty((self.capacity,) + tuple(x.shape[1:]), dtype=x.dtype)
            if y is not None:
                self.labels = xp.empty((self.capacity,), dtype=y.dtype)
        free = min(self.capacity - self.size, len(x))
        if free:
            self.data[self.size:self.size + free] = x[:free]
            if y is not None:
                self.labels[self.size:self.size + free] = y[:free]
            self.size += free
        rest = len(x) - free
        if rest:
            slots = backend.to_device(rng.choice(self.capacity, rest, replace=False),
                                      backend.device_of(x))
            self.data[slots] = x[free:]
            if y is not None:
                self.labels[slots] = y[free:]

    def state_dict(self) -> dict:
        state = {"size": self.size}
        if self.size:
            state["data"] = self.data[:self.size]
            if self.labels is not None:
                state["labels"] = self.labels[:self.size]
        return state

    def load_state_dict(self, state, device: str = "cpu") -> None:
        self.size = int(state["size"])
        self.data = self.labels = None
        if self.size:
            data = backend.to_device(np.asarray(state["data"]), device)
            if self.size > self.capacity or len(data) != self.size:
                raise RuntimeError(f"ReplayBuffer.load_state_dict: {len(data)} saved samples do not "
                                   f"fit a buffer of capacity {self.capacity}")
            self.data = backend.get_array_module(data).empty((self.capacity,) + data.shape[1:],
                                                             dtype=data.dtype)
            self.data[:self.size] = data
            if "labels" in state:
                labels = backend.to_device(np.asarray(state["labels"]), device)
                self.labels = backend.get_array_module(labels).empty((self.capacity,),
                                                                     dtype=labels.dtype)
                self.labels[:self.size] = labels
