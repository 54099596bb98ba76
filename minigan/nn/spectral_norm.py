"""Spectral normalisation (Miyato, Kataoka, Koyama & Yoshida, ICLR 2018),
with PyTorch's API: ``spectral_norm(module)`` and ``remove_spectral_norm(module)``.

A layer ``x -> W x`` is Lipschitz with constant sigma(W), the largest
singular value of W. Dividing the weight by it,

    W_SN = W / sigma(W),

makes a normalised linear layer 1-Lipschitz, which keeps a GAN's
discriminator smooth (and its gradients useful to the generator).

For a convolution this is only approximate: what is normalised is the kernel
reshaped to a matrix (below), not the convolution operator, which applies
every weight at many overlapping positions. im2col copies each input pixel
into at most ceil(kh/s) * ceil(kw/s) patches (stride s), a map of norm at
most sqrt(ceil(kh/s) * ceil(kw/s)), so a normalised conv is Lipschitz with a
constant between about 1 and that factor (3 for a 3x3 kernel at stride 1;
lesson 7 measures about 2), not 1.

sigma(W) is estimated by power iteration on the matrix W (out_features rows;
a conv weight (O, C, kh, kw) is viewed as O x (C*kh*kw)). Keeping vectors
u (rows) and v (columns) from one training step to the next, one iteration
per step is enough, because W changes slowly:

    v <- W^T u / ||W^T u||,    u <- W v / ||W v||,    sigma = u^T W v.

u and v are updated without gradient, and sigma's gradient treats them as
constants, d sigma / d W = u v^T, as in the paper and in PyTorch.

Mechanics (PyTorch's): the parameter ``weight`` is removed and stored as
``weight_orig`` (the trained parameter); ``weight_u`` and ``weight_v`` are
buffers (saved in the ``state_dict``); a forward pre-hook sets the plain
attribute ``module.weight = weight_orig / sigma`` before every forward. In
training mode the hook first runs ``n_power_iterations`` steps; in evaluation
mode it reuses the stored u and v, so evaluating never changes the model.
"""
from __future__ import annotations

from .. import ops
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..ops._operands import constant
from ..random import normal_array
from .module import Module, Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _normalize(x: Tensor, eps: float) -> Tensor:
    """x / max(||x||, eps): the unit vector along x (PyTorch's ``F.normalize``)."""
    return x / ops.maximum(ops.sqrt(ops.sum(x * x)), eps)


class SpectralNorm:
    """The forward pre-hook that keeps ``module.<name>`` spectrally normalised.

    Create it with :func:`spectral_norm` (which calls :meth:`apply`), not
    directly. ``dim`` is the weight axis that becomes the matrix's rows (0 for
    Linear and Conv2d, whose weights are (out, in, ...); 1 for
    ConvTranspose2d, whose weights are (in, out, ...)).
    """

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        if n_power_iterations <= 0:
            raise ValueError("spectral_norm: expected n_power_iterations to be positive, "
                             f"got n_power_iterations={n_power_iterations}")
        self.name = name
        self.n_power_iterations = int(n_power_iterations)
        self.dim = dim
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """``weight`` with axis ``dim`` moved first, flattened to (rows, rest)."""
        if self.dim != 0:
            others = [d for d in range(weight.ndim) if d != self.dim]
            weight = weight.permute(self.dim, *others)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``weight_orig / sigma``, after ``n_power_iterations`` power-iteration
        steps on the buffers ``u``, ``v`` if ``do_power_iteration``."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                w = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(ops.matmul(w.T, u), self.eps))
                    u.copy_(_normalize(ops.matmul(w, v), self.eps))
        # u and v enter sigma as constants (no gradient through the power
        # iteration); copies, so that the next step's in-place update of the
        # buffers cannot change a graph that is still to be differentiated
        u_const, v_const = constant(u.array.copy()), constant(v.array.copy())
        sigma = ops.matmul(u_const, ops.matmul(weight_mat, v_const))
        return weight / sigma

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def remove(self, module: Module) -> None:
        """Put back ``module.<name>`` as a Parameter holding the current W / sigma."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> "SpectralNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"spectral_norm: {type(module).__name__} already has a "
                                   f"spectral_norm hook on parameter {name!r}")
        weight = module._parameters.get(name)
        if weight is None:
            have = [n for n, p in module._parameters.items() if p is not None]
            raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r} "
                             f"(its parameters: {have})")
        if weight.ndim < 1 or not -weight.ndim <= dim < weight.ndim:
            raise ValueError(f"spectral_norm: dim={dim} is out of range for parameter {name!r} "
                             f"of shape {weight.shape}")
        fn = SpectralNorm(name, n_power_iterations, dim % weight.ndim, eps)
        with no_grad():
            rows, cols = fn.reshape_weight_to_matrix(weight.detach()).shape
            u = _normalize(Tensor(normal_array((rows,), weight.dtype, weight.device)), eps)
            v = _normalize(Tensor(normal_array((cols,), weight.dtype, weight.device)), eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        # a plain attribute, not a parameter: the hook overwrites it each forward
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def _default_dim(module: Module) -> int:
    from . import conv  # noqa: PLC0415 - conv layers import nothing from here

    transposed = tuple(getattr(conv, n) for n in ("ConvTranspose1d", "ConvTranspose2d",
                                                  "ConvTranspose3d") if hasattr(conv, n))
    return 1 if isinstance(module, transposed) else 0


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Spectrally normalise ``module.<name>`` (see the module docstring) and
    return ``module``. ``dim`` defaults to 1 for transposed convolutions (their
    weight is (in, out, kh, kw)) and 0 otherwise.

    >>> d = spectral_norm(nn.Linear(20, 40))
    >>> sorted(d.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    if not isinstance(module, Module):
        raise TypeError(f"spectral_norm expects a minigan.nn.Module, got {type(module).__name__}")
    if dim is None:
        dim = _default_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: ``module.<name>`` becomes an ordinary
    Parameter again, holding the normalised weight W / sigma."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in "
                     f"{type(module).__name__}")
