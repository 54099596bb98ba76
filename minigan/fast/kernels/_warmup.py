"""Call every kernel once per float dtype and build on small arrays, so
numba compiles them (or loads them from its disk cache):
:func:`minigan.fast.kernels.compile_all`."""
from __future__ import annotations

import numpy as np

from . import activation, conv, normalization, optim


def run() -> None:
    for dt in (np.float32, np.float64):
        f = dt(0.5)
        a, b, c = (np.ones(8, dtype=dt) for _ in range(3))
        d, e = np.ones(8, dtype=dt), np.ones(8, dtype=dt)
        x4 = np.ones((2, 3, 4, 4), dtype=dt)
        x3 = np.ones((3, 2, 4), dtype=dt)
        s3 = np.ones(3, dtype=dt)
        for build in (0, 1):
            activation.relu[build](a, b)
            activation.leaky_relu[build](a, b, f)
            activation.times_slope[build](a, b, c, f)
            activation.tanh_backward[build](a, b, c, f)
            activation.sigmoid_backward[build](a, b, c, f)
            optim.sgd[build](a, b, c, False, f, f, f, False, False, f)
            optim.adam[build](a, b, c, d, e, False, False, 0, f, f, True, f, f, f, f, f, f)
            optim.rmsprop[build](a, b, c, d, e, False, f, f, f, False, True, f, f, f, f, f)
            cols = np.empty((3, 2, 2, 2, 2, 2), dtype=dt)
            # a C-ordered image and a batch-innermost one (the two layouts the callers pass)
            for img in (x4, np.ones((3, 4, 4, 2), dtype=dt).transpose(3, 0, 1, 2)):
                conv.im2col[build](img, cols, 0, 2, 2, 2, 2, 1, 1, 1, 1)
                conv.to_cln[build](img, np.empty((3, 6, 6, 2), dtype=dt), 1, 1)
            conv.col2im[build](cols, np.zeros((3, 4, 4, 2), dtype=dt), 0, 2, 2, 2, 2, 1, 1, 1, 1)
            for layout in (x3, x3.transpose(0, 2, 1)):
                y = np.empty_like(layout)
                normalization.forward[build](layout, y, s3, s3, True, True, False, s3.copy(),
                                             s3.copy(), s3.copy(), f)
                normalization.backward[build](layout, layout, y, s3, True, True, False, s3, s3,
                                              s3.copy(), s3.copy())
