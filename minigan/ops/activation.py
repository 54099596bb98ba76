"""Activations: relu, leaky_relu, sigmoid, tanh, softplus, softmax, log_softmax."""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor
from ..errors import DimensionError
from ..fast import parallel
from ._operands import as_tensor, float_operand
from .elementwise import times_derivative, where
from .reduce import logsumexp


class ReLU(Function):
    """y = max(x, 0);  dx = g * [x > 0]."""

    def forward(self, x):
        return self.xp.maximum(x, 0)

    def backward(self, g):
        (x,) = self.inputs
        return _times_slope(g, x, 0.0)


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x;  dx = g * (1 if x > 0 else slope)."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        slope = x.dtype.type(self.slope)
        y = x * slope
        if 0 <= self.slope <= 1:  # then leaky_relu(x) = max(x, slope x): no mask needed
            return self.xp.maximum(x, y, out=y)
        return self.xp.where(x > 0, x, y)

    def backward(self, g):
        (x,) = self.inputs
        return _times_slope(g, x, self.slope)


def _times_slope(g, x, slope):
    """ReLU's / LeakyReLU's backward, g * s(x). When the gradient's graph is
    recorded, x stays in it either way, so that differentiating it again
    with respect to x gives zeros, as in PyTorch:

    * g a constant (the first backward of a double backward): s(x) as a node
      of x (:class:`Slope`), whose own derivative is 0;
    * g recorded: one :class:`~minigan.ops.elementwise.TimesDerivative` node
      of g and x, which sends nothing to x. A Slope node there would make
      WGAN-GP's double backward push zeros back through the critic (four
      extra passes per activation, 15% of its step)."""
    if is_grad_enabled() and not g.requires_grad:
        return g * Slope(slope)(x)
    return times_derivative(g, x, Slope(slope).forward(x._data))


class Slope(Function):
    """s(x) = 1 if x > 0 else ``slope``: the derivative of ReLU (slope 0) and
    LeakyReLU, as a node of x whose own derivative is 0 (almost everywhere).
    Their backward is g * s(x); a constant mask would do for one derivative,
    but as a node it keeps x in the gradient's graph, as PyTorch's
    threshold_backward does, so differentiating that gradient again gives
    zeros rather than "does not require grad"."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        # slope + (1 - slope) [x > 0], built arithmetically: NumPy's where()
        # with scalar branches is ~10x slower than these three passes
        scale = (x > 0).astype(x.dtype)
        if self.slope:
            scale *= x.dtype.type(1.0 - self.slope)
            scale += x.dtype.type(self.slope)
        return scale

    def backward(self, g):
        return g * 0.0


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  dx = g * y * (1 - y)."""

    def forward(self, x):
        e = self.xp.exp(-self.xp.abs(x))  # never overflows
        return self.xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, g):
        y = self.output(0)
        return g * y * (1.0 - y)


class Tanh(Function):
    """y = tanh x;  dx = g * (1 - y^2)."""

    def forward(self, x):
        return self.xp.tanh(x)

    def backward(self, g):
        y = self.output(0)
        return g * (1.0 - y * y)


class Softplus(Function):
    """y = log(1 + e^(beta x)) / beta, linear above ``threshold`` (PyTorch's rule);
    dx = g * sigmoid(beta x) (g itself above the threshold). Stable form: max(z, 0) + log1p(e^-|z|)."""

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = self.xp
        z = x * x.dtype.type(self.beta)
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / x.dtype.type(self.beta)
        return xp.where(z > self.threshold, x, soft)

    def backward(self, g):
        (x,) = self.inputs
        s = sigmoid(x * self.beta if self.beta != 1 else x)
        # exactly 1 where the forward is the identity (beta x > threshold), as
        # in PyTorch: sigmoid(beta x) there is visibly below 1 for a small threshold
        linear = x._data * x.dtype.type(self.beta) > self.threshold
        return g * where(linear, 1.0, s) if linear.any() else g * s


def relu(x):
    return ReLU()(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU(negative_slope)(as_tensor(x))


def sigmoid(x):
    return Sigmoid()(float_operand("sigmoid", x))


def tanh(x):
    return Tanh()(float_operand("tanh", x))


def softplus(x, beta=1.0, threshold=20.0):
    return Softplus(beta, threshold)(float_operand("softplus", x))


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x): log-probabilities, stable for any logits."""
    axis = dim if dim is not None else axis
    return x - logsumexp(x, axis, keepdims=True)


class Softmax(Function):
    """y_i = e^(x_i - m) / sum_j e^(x_j - m) along ``axis`` (m = max x, which
    cancels);  dx = y * (g - sum(g * y)), written with ops when a graph is
    being recorded (so it is itself differentiable) and on arrays otherwise.
    One node instead of the seven of exp(x - logsumexp(x)): attention maps
    are the largest tensors in SAGAN."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = self.xp
        if not x.size:
            return xp.empty_like(x)
        e = xp.empty_like(x)

        def rows(index):  # the pass for a block of rows: each is normalised alone
            xs, es = x[index], e[index]
            m = xp.max(xs, axis=self.axis, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype)
            xp.subtract(xs, m, out=es)
            xp.exp(es, out=es)
            es /= es.sum(axis=self.axis, keepdims=True)

        _by_rows(xp, rows, x, self.axis)
        return e

    def backward(self, g):
        from .reduce import sum

        y = self.output(0)
        if not is_grad_enabled():
            # no graph to record: the same formula in three passes and one buffer
            xp, ga, ya = self.xp, g._data, y._data
            t = xp.empty_like(ya)

            def rows(index):
                ts = t[index]
                xp.multiply(ga[index], ya[index], out=ts)
                s = ts.sum(axis=self.axis, keepdims=True)
                xp.subtract(ga[index], s, out=ts)
                ts *= ya[index]

            _by_rows(xp, rows, ya, self.axis)
            return Tensor._wrap(t)
        return y * (g - sum(g * y, self.axis, keepdims=True))


def _by_rows(xp, fn, x, axis):
    """``fn(index)`` over all of ``x``, or over two halves on two threads
    (:func:`minigan.fast.parallel.in_halves`) split along the axis of largest
    stride other than ``axis``, which each call reduces over whole."""
    others = [a for a in range(x.ndim) if a != axis % x.ndim and x.shape[a] > 1]
    if not others:
        fn(Ellipsis)
        return
    split = max(others, key=lambda a: abs(x.strides[a]))
    head = (slice(None),) * split
    parallel.in_halves(lambda lo, hi: fn(head + (slice(lo, hi),)), x.shape[split], x.size, xp)


def softmax(x, axis=-1, *, dim=None):
    """exp(x) / sum(exp(x)) along ``axis``: sums to 1 there (see Softmax)."""
    x = float_operand("softmax", x)
    axis = dim if dim is not None else axis
    if x.ndim == 0:  # PyTorch: a 0-d tensor is its own single class
        from .shape import reshape

        return reshape(softmax(reshape(x, (1,)), 0), ())
    if not -x.ndim <= axis < x.ndim:
        raise DimensionError(f"softmax: axis {axis} is out of range for a tensor of shape {x.shape}")
    return Softmax(axis % x.ndim)(x)
