"""Channel dropout: ``Dropout2d`` zeroes whole feature maps.

Adjacent pixels of a feature map are strongly correlated, so dropping single
pixels barely regularises a conv net; dropping whole channels does
(Tompson et al. 2015, "Efficient Object Localization Using Convolutional
Networks"). The classic PyTorch GAN discriminators use ``nn.Dropout2d(0.25)``
after each strided conv.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..autograd.tensor import Tensor
from ..factories import as_tensor
from ..random import uniform_array
from .activation import Dropout


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero each channel ``(n, c)`` with probability ``p`` and scale the kept
    ones by ``1 / (1 - p)``; the identity when not training.

    Shapes: ``(N, C, H, W)``. Other ranks follow PyTorch 2.x, with its
    warnings: a 3-D input is read as ``(N, C, L)`` (not ``(C, H, W)``), and
    2-D / 5-D inputs drop per ``(n, c)`` as well (deprecated in PyTorch). The
    mask ``(N, C, 1, 1)`` comes from minigan's seeded generator. (``inplace``
    is accepted for PyTorch compatibility; a new tensor is returned.)"""
    x = as_tensor(input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if x.ndim < 2:
        raise ValueError(f"dropout2d: expected an input of shape (N, C, H, W), got shape {x.shape}")
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim (as PyTorch 2.x does); for (C, H, W) inputs, "
                      "add the batch dimension with x.unsqueeze(0)", UserWarning, stacklevel=2)
    elif x.ndim != 4:
        warnings.warn(f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is deprecated "
                      "in PyTorch; dropout2d is channel-wise dropout for (N, C, H, W) inputs",
                      UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return x
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"dropout2d: expected a floating-point input, got dtype {x.dtype}")
    if p == 1.0:
        return x * 0.0
    mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)
    keep = uniform_array(mask_shape, x.dtype, x.device) >= p
    return x * Tensor.from_array((keep / (1.0 - p)).astype(x.dtype))


class Dropout2d(Dropout):
    """Channel dropout while training: every feature map ``x[n, c]`` is zeroed
    with probability ``p``, the others scaled by ``1 / (1 - p)``; the identity
    after ``eval()``. Input ``(N, C, H, W)``, output the same shape. (The
    argument checks and ``extra_repr`` are :class:`Dropout`'s.)"""

    def forward(self, input):
        return dropout2d(input, self.p, self.training)
