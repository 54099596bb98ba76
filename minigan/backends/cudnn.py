"""``torch.backends.cudnn``'s flags, accepted so that ``cudnn.benchmark = True``
runs unchanged; in minigan they do nothing.

minigan's GPU path is CuPy's array operations (its convolutions are matrix
products), not cuDNN, so there is no algorithm search to benchmark and no
nondeterministic cuDNN kernel to switch off. The flags keep what a script
sets, so a script that reads them back sees its own values.

``benchmark`` (False), ``deterministic`` (False), ``enabled`` (True) and
``allow_tf32`` (True): PyTorch's defaults. ``is_available()`` is False and
``version()`` None: minigan never uses cuDNN.
"""
benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """False: minigan does not call cuDNN (even on a GPU)."""
    return False


def version():
    """None: no cuDNN is loaded."""
    return None
