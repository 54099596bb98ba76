"""Activations: relu, leaky_relu, sigmoid, tanh, softplus, softmax, log_softmax."""
from __future__ import annotations

from ..autograd.function import Function
from ..errors import DimensionError
from ._operands import as_tensor, float_operand
from .elementwise import times_derivative, where
from .reduce import logsumexp


class ReLUFn(Function):
    """y = max(x, 0);  dx = g * [x > 0]."""

    def forward(self, x):
        return self.xp.maximum(x, 0)

    def backward(self, g):
        (x,) = self.inputs
        return times_derivative(g, x, slope_mask(x._data, 0.0))


class LeakyReLUFn(Function):
    """y = x if x > 0 else slope * x;  dx = g * (1 if x > 0 else slope)."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        return self.xp.where(x > 0, x, x * x.dtype.type(self.slope))

    def backward(self, g):
        (x,) = self.inputs
        return times_derivative(g, x, slope_mask(x._data, self.slope))


def slope_mask(x, slope):
    """s(x) = 1 if x > 0 else ``slope``, as an array: the derivative of ReLU
    (slope 0) and LeakyReLU. Their backward is one
    :class:`~minigan.ops.elementwise.TimesDerivativeFn` node of g and x, so x
    stays in the gradient's graph and differentiating it again with respect
    to x gives zeros (PyTorch's threshold_backward), while nothing is sent
    back to x."""
    scale = (x > 0).astype(x.dtype)
    if slope:
        scale *= x.dtype.type(1.0 - slope)
        scale += x.dtype.type(slope)
    return scale


class SigmoidFn(Function):
    """y = 1 / (1 + e^-x);  dx = g * y * (1 - y)."""

    def forward(self, x):
        e = self.xp.exp(-self.xp.abs(x))  # never overflows
        return self.xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, g):
        y = self.output(0)
        return g * y * (1.0 - y)


class TanhFn(Function):
    """y = tanh x;  dx = g * (1 - y^2)."""

    def forward(self, x):
        return self.xp.tanh(x)

    def backward(self, g):
        y = self.output(0)
        return g * (1.0 - y * y)


class SoftplusFn(Function):
    """y = log(1 + e^(beta x)) / beta, linear above ``threshold`` (PyTorch's rule);
    dx = g * sigmoid(beta x) (g itself above the threshold). Stable form: ``max(z, 0) + log1p(e^-|z|)``."""

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
        return g * where(linear, 1.0, s)  # no branch on device data: no wait on the GPU


def relu(x):
    return ReLUFn()(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLUFn(negative_slope)(as_tensor(x))


def sigmoid(x):
    return SigmoidFn()(float_operand("sigmoid", x))


def tanh(x):
    return TanhFn()(float_operand("tanh", x))


def softplus(x, beta=1.0, threshold=20.0):
    return SoftplusFn(beta, threshold)(float_operand("softplus", x))


def log_softmax(x, axis=-1, *, dim=None):
    """x - logsumexp(x): log-probabilities, stable for any logits."""
    axis = dim if dim is not None else axis
    return x - logsumexp(x, axis, keepdims=True)


class SoftmaxFn(Function):
    """y_i = e^(x_i - m) / sum_j e^(x_j - m) along ``axis`` (m = max x, which
    cancels);  dx = y * (g - sum(g * y)). One node instead of the seven of
    exp(x - logsumexp(x)): attention maps are the largest tensors in SAGAN."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = self.xp
        if not x.size:
            return xp.empty_like(x)
        m = xp.max(x, axis=self.axis, keepdims=True)
        e = xp.exp(x - xp.where(xp.isfinite(m), m, 0).astype(x.dtype))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, g):
        from .reduce import sum

        y = self.output(0)
        return y * (g - sum(g * y, self.axis, keepdims=True))


def softmax(x, axis=-1, *, dim=None):
    """exp(x) / sum(exp(x)) along ``axis``: sums to 1 there (see SoftmaxFn)."""
    x = float_operand("softmax", x)
    axis = dim if dim is not None else axis
    if x.ndim == 0:  # PyTorch: a 0-d tensor is its own single class
        from .shape import reshape

        return reshape(softmax(reshape(x, (1,)), 0), ())
    if not -x.ndim <= axis < x.ndim:
        raise DimensionError(f"softmax: axis {axis} is out of range for a tensor of shape {x.shape}")
    return SoftmaxFn(axis % x.ndim)(x)
