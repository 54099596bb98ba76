"""PyTorch's ``torch.utils`` names that scripts reach for: ``minigan.utils.data``
(``Dataset``, ``TensorDataset``, ``Subset``, ``DataLoader``)."""
from . import data

__all__ = ["data"]
