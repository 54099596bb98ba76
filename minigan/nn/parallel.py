"""``torch.nn.parallel`` for PyTorch scripts, on one device.

PyTorch's ``DataParallel`` splits each batch across several GPUs, runs a
replica of the module on each and gathers the outputs. minigan runs on one
device, so both names here simply run the module on the whole batch: the
result is what PyTorch computes on one GPU (batch norm sees the whole batch,
where PyTorch's replicas each see their slice). ``device_ids``,
``output_device`` and ``dim`` are accepted and ignored. The official DCGAN
example calls ``data_parallel`` only when ``ngpu > 1``; with minigan that
branch computes the same as the other one.
"""
from __future__ import annotations

from .module import Module


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """``module(*inputs, **module_kwargs)`` (``inputs`` a tensor or a tuple of
    them), run on the one device minigan uses."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))


class DataParallel(Module):
    """Wraps ``module`` as ``self.module`` (so state-dict keys gain the prefix
    ``module.``, as in PyTorch) and calls it on the whole batch: minigan runs
    on one device (see this module's docstring)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel wraps an nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids = None if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


__all__ = ["DataParallel", "data_parallel"]
