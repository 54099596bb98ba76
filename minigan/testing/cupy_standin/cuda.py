"""``cupy.cuda`` as far as minigan touches it: devices, streams, the runtime's
device count and the memory pools. ``DEVICE_COUNT`` sets how many GPUs the
stand-in reports (0 plays a machine with CuPy but no GPU)."""
from __future__ import annotations

from . import API, _missing

DEVICE_COUNT = 1
_current = [0]


def _check_id(device_id):
    if not 0 <= int(device_id) < max(DEVICE_COUNT, 0):
        raise runtime.CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")
    return int(device_id)


class Device:
    """``cupy.cuda.Device(id)``: ``with Device(1):`` makes it current."""

    def __init__(self, device=None):
        self.id = _current[0] if device is None else _check_id(device)
        self._before = []

    compute_capability = property(lambda self: "90")
    mem_info = property(lambda self: (80 << 30, 80 << 30))

    def use(self):
        _current[0] = self.id

    def synchronize(self):
        pass

    def __enter__(self):
        self._before.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._before.pop()

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __int__(self):
        return self.id

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class Stream:
    def __init__(self, null=False, non_blocking=False, ptds=False, priority=None):
        self.ptds, self.priority = ptds, priority

    done = property(lambda self: True)

    def synchronize(self):
        pass

    def use(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


Stream.null = Stream(null=True)


class Event:
    def record(self, stream=None):
        pass

    def synchronize(self):
        pass


class MemoryPool:
    """Counts nothing: the stand-in's memory is NumPy's."""

    def __init__(self, allocator=None):
        self._limit = 0

    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_bytes(self):
        return 0

    def n_free_blocks(self):
        return 0

    def free_all_blocks(self, stream=None):
        pass

    def set_limit(self, size=None, fraction=None):
        self._limit = size or 0

    def get_limit(self):
        return self._limit


class PinnedMemoryPool(MemoryPool):
    pass


def is_available():
    return DEVICE_COUNT > 0


def get_device_id():
    return _current[0]


def get_current_stream(device_id=None):
    return Stream.null


class _Runtime:
    """``cupy.cuda.runtime``: the calls minigan makes, each in CuPy's list."""

    class CUDARuntimeError(RuntimeError):
        pass

    def getDeviceCount(self):  # noqa: N802 - CUDA's name
        if DEVICE_COUNT < 0:
            raise self.CUDARuntimeError("cudaErrorInsufficientDriver: CUDA driver version is "
                                        "insufficient for CUDA runtime version")
        return DEVICE_COUNT

    def getDevice(self):  # noqa: N802
        return _current[0]

    def setDevice(self, device):  # noqa: N802
        _current[0] = _check_id(device)

    def getDeviceProperties(self, device):  # noqa: N802
        _check_id(device)
        return {"name": b"CuPy stand-in (NumPy)", "totalGlobalMem": 80 << 30, "major": 9, "minor": 0}

    def runtimeGetVersion(self):  # noqa: N802
        return 12080

    def driverGetVersion(self):  # noqa: N802
        return 12080

    def deviceSynchronize(self):  # noqa: N802
        pass

    def memGetInfo(self):  # noqa: N802
        return (80 << 30, 80 << 30)

    def __getattribute__(self, name):
        if not name.startswith("_") and name not in API["modules"]["cupy.cuda.runtime"]:
            raise _missing(f"cupy.cuda.runtime.{name}")
        return object.__getattribute__(self, name)


runtime = _Runtime()
CUDARuntimeError = _Runtime.CUDARuntimeError


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name in API["modules"]["cupy.cuda"]:
        raise AttributeError(f"cupy.cuda.{name} exists in CuPy but the stand-in does not implement it")
    raise _missing(f"cupy.cuda.{name}")
