"""``torch.backends.mps`` (Apple's Metal GPUs): minigan has no Metal backend, so
``is_available()`` and ``is_built()`` are False and scripts that check them
fall back to the CPU (or CUDA), as PyTorch does on a machine without Metal."""


def is_available() -> bool:
    """False: minigan runs on NumPy (CPU) or CuPy (CUDA) only."""
    return False


def is_built() -> bool:
    """False: minigan has no Metal backend."""
    return False
