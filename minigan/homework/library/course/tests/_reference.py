"""NumPy references for the library track's tests (run in the test process,
never in the student's): finite differences in float64 and the plain-loop
forms of the operations the student writes."""
import numpy as np


def numeric_grad(f, x, eps=1e-6):
    """d f(x) / dx by central differences, f a scalar function of a float64 array."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def conv2d(x, w, stride=1, padding=0):
    """Cross-correlation by loops: x (N, C, H, W), w (O, C, kh, kw)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (wd + 2 * padding - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for a in range(oh):
        for b in range(ow):
            patch = xp[:, :, a * stride:a * stride + kh, b * stride:b * stride + kw]
            y[:, :, a, b] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return y


def conv_transpose2d(x, w, stride=1, padding=0, output_padding=0):
    """Transposed convolution by loops: x (N, C_in, H, W), w (C_in, C_out, kh, kw):
    each input pixel adds w scaled by its value, at stride s; then the padding
    is cropped (output_padding more rows and columns kept at the end)."""
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    op = output_padding
    full = np.zeros((n, cout, (h - 1) * stride + kh + op, (wd - 1) * stride + kw + op))
    for a in range(h):
        for b in range(wd):
            full[:, :, a * stride:a * stride + kh, b * stride:b * stride + kw] += np.tensordot(
                x[:, :, a, b], w, axes=([1], [0]))
    hh, ww = full.shape[2] - 2 * padding, full.shape[3] - 2 * padding  # op rows stay
    return full[:, :, padding:padding + hh, padding:padding + ww]


def batch_norm(x, w, b, eps=1e-5):
    """Training-mode batch norm over (N, C, *) per channel, biased variance."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


def batch_norm_grad_x(x, w, g, eps=1e-5):
    """d <batch_norm(x), g> / dx in closed form (Ioffe & Szegedy 2015)."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    m = x.size // x.shape[1]
    mu = x.mean(axis=axes, keepdims=True)
    invstd = 1 / np.sqrt(((x - mu) ** 2).mean(axis=axes, keepdims=True) + eps)
    xhat = (x - mu) * invstd
    gb = g.sum(axis=axes, keepdims=True)
    gw = (g * xhat).sum(axis=axes, keepdims=True)
    return w.reshape(shape) * invstd * (g - gb / m - xhat * gw / m)


def softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
