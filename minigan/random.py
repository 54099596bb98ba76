"""One seeded random stream per device, set by ``minigan.manual_seed``.

Everything random in minigan (``randn``, layer initialisation, dropout masks,
data shuffling, noise batches) draws from here, so one seed makes a run
repeatable on a given device.
"""
from __future__ import annotations

import numpy as np

from . import backend

_generators: dict = {}
_seed = None


def manual_seed(seed: int) -> None:
    """Seed the random streams of every device."""
    global _seed
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _seed = int(seed)
    _generators.clear()


def generator(device: str = "cpu"):
    """The device's generator (``numpy.random.Generator`` or cupy's equivalent)."""
    device = backend.normalize_device(device)
    gen = _generators.get(device)
    if gen is None:
        xp = backend.xp_for(device)
        gen = xp.random.default_rng(_seed if _seed is not None else None) if device == "cuda" \
            else np.random.default_rng(_seed)
        _generators[device] = gen
    return gen


def get_rng_state() -> dict:
    """The CPU generator's state, picklable-free (plain dicts), for checkpoints."""
    return {"seed": _seed, "cpu": generator("cpu").bit_generator.state}


def set_rng_state(state: dict) -> None:
    global _seed
    _seed = state.get("seed")
    _generators.clear()
    generator("cpu").bit_generator.state = state["cpu"]


def normal_array(shape, dtype=np.float32, device="cpu"):
    return generator(device).standard_normal(size=shape, dtype=dtype)


def uniform_array(shape, dtype=np.float32, device="cpu"):
    return generator(device).random(size=shape, dtype=dtype)
