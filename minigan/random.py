"""One seeded random stream per device, set by ``minigan.manual_seed``.

Everything random in minigan (``randn``, layer initialisation, dropout masks,
data shuffling, noise batches) draws from here, so one seed makes a run
repeatable on a given device.

Both streams can be saved and restored (:func:`get_rng_state`,
:func:`set_rng_state`), so a resumed training run draws exactly the numbers
the uninterrupted run would have drawn:

- the CPU stream is a ``numpy.random.Generator`` (PCG64); its state is a
  small dict;
- the GPU stream is a ``cupy.random.Generator`` over cuRAND's XORWOW, one
  small generator per GPU thread. Its state is those threads' generator
  states, an array of bytes on the GPU (``CUDA_STREAM_THREADS`` x 48 bytes,
  3 MiB). CuPy has no public getter for it, so we read the bit generator's
  ``_state`` array; with a CuPy that has none, the GPU stream is left out of
  the saved state, with one warning.

The GPU generator runs a fixed number of threads rather than CuPy's default
(which scales with the GPU's multiprocessor count), so a seed gives the same
stream on every GPU model and a checkpoint resumes on any of them.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import backend

#: cuRAND generators (GPU threads) behind the GPU stream. Fixed, so the
#: stream does not depend on the GPU model; 2**16 threads keep a GPU busy on
#: the noise, dropout and penalty draws of a training step.
CUDA_STREAM_THREADS = 1 << 16

_generators: dict = {}
_seed = None
_pending_cuda_state = None  # a restored GPU state, loaded when the GPU stream is first used


def manual_seed(seed: int) -> None:
    """Seed the random streams of every device."""
    global _seed, _pending_cuda_state
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _seed = int(seed)
    _pending_cuda_state = None
    _generators.clear()


def _new_cuda_generator(cp):
    rnd = cp.random
    return rnd.Generator(rnd.XORWOW(_seed, size=CUDA_STREAM_THREADS))


def generator(device: str = "cpu"):
    """The device's generator (``numpy.random.Generator`` or cupy's equivalent)."""
    global _pending_cuda_state
    device = backend.normalize_device(device)
    gen = _generators.get(device)
    if gen is None:
        if device == "cpu":
            gen = np.random.default_rng(_seed)
        else:
            gen = _new_cuda_generator(backend.xp_for(device))
            if _pending_cuda_state is not None:
                _load_cuda_state(gen, _pending_cuda_state)
                _pending_cuda_state = None
        _generators[device] = gen
    return gen


_warned_unreadable = False


def _cuda_state_array(gen):
    """The generator's state array on the GPU, or None (with one warning)
    when this CuPy keeps it elsewhere."""
    global _warned_unreadable
    state = getattr(gen.bit_generator, "_state", None)
    if state is None and not _warned_unreadable:
        _warned_unreadable = True
        warnings.warn(
            "this CuPy's random generator keeps its state where minigan cannot read it "
            "(no bit_generator._state), so checkpoints leave the GPU random stream out and a "
            "resumed run restarts it from the seed. CuPy 13 and 14 keep it there; train on the "
            "CPU for an exact resume", RuntimeWarning, stacklevel=3)
    return state


def _load_cuda_state(gen, saved):
    state = _cuda_state_array(gen)
    if state is None:
        return
    if tuple(saved.shape) != tuple(state.shape) or saved.dtype != state.dtype:
        raise ValueError(
            f"the saved GPU random state has shape {tuple(saved.shape)} and dtype {saved.dtype}, "
            f"but this GPU generator's state has shape {tuple(state.shape)} and dtype "
            f"{state.dtype}; it was saved by another CuPy or another minigan version")
    state[...] = backend.to_device(saved, "cuda")


def get_rng_state() -> dict:
    """The streams' positions: ``{"seed", "cpu": <dict>}``, plus ``"cuda"``
    (a copy of the GPU generator's state, left on the GPU) once the GPU stream
    has been used or restored. Convert ``"cuda"`` with ``backend.to_device(a,
    "cpu")`` to write it into a file; :func:`set_rng_state` takes either."""
    state = {"seed": _seed, "cpu": generator("cpu").bit_generator.state}
    gen = _generators.get("cuda")
    if gen is not None:
        array = _cuda_state_array(gen)
        if array is not None:
            state["cuda"] = array.copy()  # a copy on the GPU: no transfer
    elif _pending_cuda_state is not None:
        state["cuda"] = _pending_cuda_state
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`get_rng_state` returned. A state without
    ``"cuda"`` restarts the GPU stream from the seed."""
    global _seed, _pending_cuda_state
    _seed = state.get("seed")
    _generators.clear()
    generator("cpu").bit_generator.state = state["cpu"]
    # the GPU generator is rebuilt lazily, so a CPU-only resume never loads CuPy
    _pending_cuda_state = state.get("cuda")


def normal_array(shape, dtype=np.float32, device="cpu"):
    return generator(device).standard_normal(size=shape, dtype=dtype)


def uniform_array(shape, dtype=np.float32, device="cpu"):
    return generator(device).random(size=shape, dtype=dtype)
