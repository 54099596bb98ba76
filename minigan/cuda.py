"""``minigan.cuda.is_available()`` and friends, as in ``torch.cuda``."""
from .backend import cuda_is_available as is_available  # noqa: F401
from .backend import get_default_device, set_default_device  # noqa: F401


def device_count() -> int:
    if not is_available():
        return 0
    from .backend import require_cuda

    return require_cuda().cuda.runtime.getDeviceCount()
