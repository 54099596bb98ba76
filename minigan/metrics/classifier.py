"""A small LeNet-style MNIST classifier, trained with minigan, for the MNIST metrics.

The Inception Score and FID were defined with Inception-v3 (ImageNet), which
is neither small nor about digits. For MNIST GANs the common substitute is a
small digit classifier: its softmax gives the Inception Score, its
penultimate layer the features for a Fréchet distance ("MNIST-FID"). Numbers
from it are comparable only with numbers from the same classifier.

The network (LeCun et al. 1998, "Gradient-Based Learning Applied to Document
Recognition", with ReLU and average pooling)::

    x (N, 1, 28, 28) in [-1, 1]
    -> Conv2d(1, 32, 5)  -> ReLU -> AvgPool2d(2)      (N, 32, 12, 12)
    -> Conv2d(32, 64, 5) -> ReLU -> AvgPool2d(2)      (N, 64, 4, 4)
    -> Flatten -> Linear(1024, 128) -> ReLU           (N, 128)   <- features
    -> Dropout -> Linear(128, 10)                     (N, 10)    logits

The committed weights (``weights/mnist_lenet.npz``, ~0.75 MB float32) were
trained by ``benchmarks/train_classifier.py`` on the first 8,000 digits of
the MNIST *test* split (the only split shipped beside the checkout), with
random shifts of up to 2 pixels; the last 2,000 digits are held out and the
file records the held-out accuracy it reached (``WEIGHTS_INFO``).
"""
from __future__ import annotations

import functools
import os

import numpy as np

from .. import backend, nn
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..serialization import load
from ._arrays import unwrap

#: The committed weights.
WEIGHTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights", "mnist_lenet.npz")

#: Pixel values may exceed [-1, 1] by this much (float rounding of a tanh
#: output, or of a resampled image) before inputs are refused.
RANGE_TOLERANCE = 1e-3


class LeNet(nn.Module):
    """LeNet-style digit classifier: conv-pool-conv-pool-fc-fc (see the module docstring).

    Args:
        channels: output channels of the two convolutions.
        hidden: width of the penultimate (feature) layer.
        num_classes: number of logits.
        dropout: dropout probability before the last layer (training only).

    ``forward(x)`` returns logits (N, num_classes); ``features(x)`` the
    penultimate activations (N, hidden), after the ReLU.
    """

    def __init__(self, channels=(32, 64), hidden: int = 128, num_classes: int = 10,
                 dropout: float = 0.0):
        super().__init__()
        c1, c2 = channels
        self.channels, self.hidden, self.num_classes = (int(c1), int(c2)), int(hidden), int(num_classes)
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 5), nn.ReLU(), nn.AvgPool2d(2),        # 28 -> 24 -> 12
            nn.Conv2d(c1, c2, 5), nn.ReLU(), nn.AvgPool2d(2),       # 12 -> 8 -> 4
            nn.Flatten(), nn.Linear(c2 * 4 * 4, hidden), nn.ReLU(),
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_classes)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.dropout(self.body(x)))

    def extra_repr(self):
        return f"channels={self.channels}, hidden={self.hidden}, num_classes={self.num_classes}"


def save_classifier(model: LeNet, path, **info) -> None:
    """Write ``model``'s weights (float32) and its architecture to ``path``;
    ``info`` (numbers and strings: accuracy, command, ...) is stored beside them."""
    from ..serialization import save  # noqa: PLC0415

    save({"arch": {"channels": list(model.channels), "hidden": model.hidden,
                   "num_classes": model.num_classes},
          "state_dict": model.state_dict(), "info": dict(info)}, path)


def load_mnist_classifier(path=None, device: str = "cpu") -> LeNet:
    """The trained digit classifier, in eval mode.

    Args:
        path: a file written by :func:`save_classifier`; default the committed
            weights :data:`WEIGHTS_PATH`.
        device: where the model lives ("cpu" or "cuda").

    Returns:
        A new :class:`LeNet` (changing it does not affect the copy that
        :func:`features` and :func:`probabilities` use by default).
    """
    path = WEIGHTS_PATH if path is None else os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"no classifier weights at {path!r}; the committed weights live in {WEIGHTS_PATH!r}, "
            "or train new ones with benchmarks/train_classifier.py")
    state = load(path)
    if not isinstance(state, dict) or not {"arch", "state_dict"} <= set(state):
        raise ValueError(f"{path!r} is not a classifier file: expected what save_classifier writes "
                         "(a dict with 'arch' and 'state_dict'), e.g. from benchmarks/train_classifier.py")
    arch = state["arch"]
    model = LeNet(tuple(arch["channels"]), arch["hidden"], arch["num_classes"])
    model.load_state_dict(state["state_dict"])
    return model.to(device).eval()


def classifier_info(path=None) -> dict:
    """What the weights file records about its training (held-out accuracy, command, ...)."""
    return dict(load(WEIGHTS_PATH if path is None else os.fspath(path))["info"])


@functools.lru_cache(maxsize=4)
def _shared_classifier(device: str) -> LeNet:
    return load_mnist_classifier(device=device)


def check_digits(images, name: str = "images") -> np.ndarray:
    """``images`` as a float32 host array (N, 1, 28, 28) in [-1, 1], or a clear error.

    Accepts NumPy or CuPy arrays and minigan Tensors. Values are cast to
    float32, the classifier's dtype (a float64 input loses nothing a
    classifier can see).
    """
    x = unwrap(images)
    if backend.get_array_module(x) is not np:
        x = x.get()
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise ValueError(f"{name} must be MNIST-sized images of shape (N, 1, 28, 28), got shape "
                         f"{x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty: need at least one image")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or Inf values")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1 - RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
        raise ValueError(
            f"{name} must have pixel values in [-1, 1] (x / 127.5 - 1 for 0..255 pixels, the range "
            f"of a tanh generator), got values in [{lo:.3g}, {hi:.3g}]")
    return x


def _batched(images, model, batch_size, device):
    """(features, logits) of ``images``, float32 NumPy, a batch at a time."""
    x = check_digits(images)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if model is None:
        model = _shared_classifier(backend.normalize_device(device))
    if model.training:
        raise ValueError("the classifier is in training mode (dropout on); call model.eval() first")
    device = backend.device_of(next(model.parameters()).array)
    feats, logits_ = [], []
    with no_grad():
        for start in range(0, len(x), batch_size):
            f = model.features(Tensor.from_array(backend.to_device(x[start:start + batch_size], device)))
            feats.append(backend.to_device(f.array, "cpu"))
            logits_.append(backend.to_device(model.head(f).array, "cpu"))
    return np.concatenate(feats), np.concatenate(logits_)


def features_and_logits(images, model: LeNet | None = None, batch_size: int = 500,
                        device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Both :func:`features` (N, F) and :func:`logits` (N, 10) from one forward pass."""
    return _batched(images, model, batch_size, device)


def features(images, model: LeNet | None = None, batch_size: int = 500, device: str = "cpu") -> np.ndarray:
    """Penultimate-layer features of the classifier, for MNIST-FID.

    Args:
        images: (N, 1, 28, 28) digits in [-1, 1] (NumPy, CuPy or Tensor).
        model: a classifier in eval mode; default the committed one.
        batch_size: images per forward pass (memory, not results).
        device: where the default model runs.

    Returns:
        float32 NumPy array (N, F), F = the model's ``hidden`` (128).
    """
    return _batched(images, model, batch_size, device)[0]


def logits(images, model: LeNet | None = None, batch_size: int = 500, device: str = "cpu") -> np.ndarray:
    """Class logits (N, 10) of the classifier, float32 NumPy (arguments as :func:`features`)."""
    return _batched(images, model, batch_size, device)[1]


def probabilities(images, model: LeNet | None = None, batch_size: int = 500,
                  device: str = "cpu") -> np.ndarray:
    """Class probabilities p(y | x) = softmax(logits), float32 NumPy (N, 10), rows summing to 1
    (arguments as :func:`features`)."""
    z = logits(images, model, batch_size, device).astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p.astype(np.float32)


def predict(images, model: LeNet | None = None, batch_size: int = 500, device: str = "cpu") -> np.ndarray:
    """Predicted digit (argmax of the logits), int64 NumPy (N,)."""
    return logits(images, model, batch_size, device).argmax(axis=1).astype(np.int64)
