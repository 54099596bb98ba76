"""Matrix product ``a @ b`` for 1-D, 2-D and batched (broadcast) operands."""
from __future__ import annotations

import builtins

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ._operands import as_tensor, binary_operands
from .reduce import sum as _sum
from .reduce import vector_norm  # noqa: F401 - minigan.linalg.vector_norm, as torch.linalg
from .shape import getitem, reshape, sum_to, swapaxes


def gemm(xp, a, b):
    """a @ b on arrays; an outer product by broadcasting when the inner
    dimension is 1 (the backward of a Linear(., 1) head, or of a 1-channel
    conv), which OpenBLAS runs at ~1 GFLOP/s and broadcasting at memory speed."""
    return xp.multiply(a, b) if a.shape[-1] == 1 else xp.matmul(a, b)


class MatMul(Function):
    """y = a @ b for a, b with ndim >= 2 (batch axes broadcast);
    da = g @ b^T, db = a^T @ g, each summed back over broadcast batch axes."""

    def forward(self, a, b):
        xp = self.xp
        if a.shape[-1] == 1:
            return xp.multiply(a, b)  # see gemm()
        if (a.ndim > 2 or b.ndim > 2) and all(s == 1 for s in a.shape[:-2] + b.shape[:-2]):
            # a single product in a stack of one: plain 2-D BLAS, which takes
            # transposed operands for free
            lead = (1,) * (max(a.ndim, b.ndim) - 2)
            y = xp.matmul(a.reshape(a.shape[-2:]), b.reshape(b.shape[-2:]))
            return y.reshape(lead + y.shape)
        if a.ndim > 2 or b.ndim > 2:
            # NumPy sends stacked products whose matrices BLAS cannot take
            # down a loop ~10x slower than BLAS: copy those first
            a, b = _blas_ready(self.xp, a), _blas_ready(self.xp, b)
        return self.xp.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        # An operand that is a transposed view (Linear's W^T) gets its
        # gradient as the transpose of a product laid out like its base, so
        # the weight gradient arrives contiguous, not as a strided view
        if need_a:
            if _transposed_2d(a, b):
                ga = swapaxes(matmul(b, swapaxes(g, -1, -2)), -1, -2)
            else:
                ga = sum_to(matmul(g, swapaxes(b, -1, -2)), a.shape)
        if need_b:
            if _transposed_2d(b, a):
                gb = swapaxes(matmul(swapaxes(g, -1, -2), a), -1, -2)
            else:
                gb = sum_to(matmul(swapaxes(a, -1, -2), g), b.shape)
        return ga, gb


class Linear(Function):
    """y = x W^T + b: x (*, in), W (out, in), b (out,) or no bias -> (*, out).
    One node where ``x @ W.t() + b`` would be three (transpose, matmul,
    add): one GEMM on x seen as (M, in), M = prod(*), the bias added in place.
    With g seen as (M, out):

        dx = g W,    dW = g^T x,    db = sum over the M rows of g

    dW comes out (out, in) and contiguous, as W is, for the optimizer, and
    dx in x's own layout: a 2-D x that is a transposed view (a flattened
    batch-innermost conv output) gets dx = (W^T g^T)^T, so the layers before
    it keep their fast memory order in backward. Written with ops when a
    graph is recorded (create_graph), so it stays differentiable to any
    order; on arrays otherwise."""

    def forward(self, x, w, *bias):
        y = gemm(self.xp, x.reshape(-1, x.shape[-1]), w.T)
        if bias:
            y += bias[0]
        return y.reshape(x.shape[:-1] + w.shape[:1])

    def backward(self, g):
        x, w = self.inputs[:2]
        need_x, need_w = self.needs_input_grad[:2]
        need_b = len(self.needs_input_grad) == 3 and self.needs_input_grad[2]
        out, inp = w.shape
        gx = gw = gb = None
        if not is_grad_enabled():
            xp, g2 = self.xp, g._data.reshape(-1, out)
            if need_x and _column_major(x._data):
                gx = Tensor._wrap(gemm(xp, w._data.T, g2.T).T)
            elif need_x:
                gx = Tensor._wrap(gemm(xp, g2, w._data).reshape(x.shape))
            if need_w:
                gw = Tensor._wrap(gemm(xp, g2.T, x._data.reshape(-1, inp)))
            if need_b:
                gb = Tensor._wrap(g2.sum(axis=0))
        else:
            g2 = reshape(g, -1, out)
            if need_x and _column_major(x._data):
                gx = swapaxes(matmul(swapaxes(w, 0, 1), swapaxes(g2, 0, 1)), 0, 1)
            elif need_x:
                gx = reshape(matmul(g2, w), x.shape)
            if need_w:
                gw = matmul(swapaxes(g2, 0, 1), reshape(x, -1, inp))
            if need_b:
                gb = _sum(g2, axis=0)
        return (gx, gw) + ((gb,) if len(self.needs_input_grad) == 3 else ())


def linear(x, w, b=None):
    """x W^T + b as one node (:class:`Linear`); ``nn.functional.linear``
    checks the arguments."""
    return Linear()(x, w) if b is None else Linear()(x, w, b)


def _column_major(arr):
    """Whether a 2-D array is a transposed view (F- but not C-contiguous)."""
    return arr.ndim == 2 and arr.flags.f_contiguous and not arr.flags.c_contiguous


def _transposed_2d(m, other):
    return other.ndim == 2 and _column_major(m._data)


def _blas_ready(xp, m):
    """m, or a C-contiguous copy of m if its matrices are not BLAS operands.
    BLAS takes a matrix whose rows or whose columns are contiguous (a
    transposed view is free); a view with no unit stride, such as a
    batch-innermost ("cln") conv output seen as (B, C, N), is not one."""
    if m.ndim <= 2 or m.flags.c_contiguous:
        return m
    (rows, cols), (s_row, s_col), size = m.shape[-2:], m.strides[-2:], m.itemsize
    if (s_col == size and s_row >= cols * size) or (s_row == size and s_col >= rows * size):
        return m
    return xp.ascontiguousarray(m)


def matmul(a, b):
    a, b = binary_operands("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: both operands need at least one dimension "
                         f"(got shapes {a.shape} and {b.shape}); use * for scalars")
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} do not match: the last axis of "
                         f"the first ({a.shape[-1]}) must equal the "
                         f"{'only' if b.ndim == 1 else 'second-to-last'} axis of the second "
                         f"({b.shape[0 if b.ndim == 1 else -2]})")
    a2 = reshape(a, 1, a.shape[0]) if a.ndim == 1 else a
    b2 = reshape(b, b.shape[0], 1) if b.ndim == 1 else b
    y = MatMul()(a2, b2)
    if a.ndim == 1:
        y = reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        y = reshape(y, y.shape[:-1])
    return y


# ------------------------------------------------------------ PyTorch's named products
def _operands_of_ndim(who, ndim, *tensors):
    """The tensors as Tensors, each required to have ``ndim`` axes (torch's RuntimeError)."""
    ts = [as_tensor(t) for t in tensors]
    if builtins.any(t.ndim != ndim for t in ts):  # `any` here is the tensor op
        raise RuntimeError(f"{who}: expected {ndim}-D tensors, got "
                           + " and ".join(f"{t.ndim}-D" for t in ts))
    return ts


def mm(input, mat2):  # noqa: A002 - torch's argument name
    """Matrix product of two 2-D tensors."""
    return matmul(*_operands_of_ndim("mm", 2, input, mat2))


def bmm(input, mat2):  # noqa: A002 - torch's argument name
    """Batched matrix product of two 3-D tensors with the same batch size."""
    a, b = _operands_of_ndim("bmm", 3, input, mat2)
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm: batch sizes differ, got {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(input, vec2):  # noqa: A002 - torch's argument name
    """out[i, j] = input[i] * vec2[j] for 1-D tensors."""
    from .arithmetic import mul

    a, b = _operands_of_ndim("outer", 1, input, vec2)
    return mul(reshape(a, -1, 1), reshape(b, 1, -1))


# ------------------------------------------------------------ einsum
def _parse_einsum(equation, xs):
    """Operand and output specs with each '...' spelled out as letters the
    equation does not use; operands whose '...' parts differ are broadcast
    (a differentiable broadcast_to) to one shape, as PyTorch broadcasts them."""
    import string

    from .shape import broadcast_to

    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(xs):
        raise ValueError(f"einsum(): {len(ins)} operands in the equation but {len(xs)} tensors given")
    for spec in ins + [out]:
        if not builtins.all(c.isalpha() for c in spec.replace("...", "", 1)):
            raise ValueError(f"einsum(): invalid subscript in {spec!r}: only letters and one '...' "
                             "per operand are allowed")
    if not arrow:  # implicit output: the ellipsis, then labels seen once, in alphabetical order
        letters = [c for c in lhs if c.isalpha()]
        out = ("..." if "..." in lhs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    if "..." not in eq and "..." not in out:
        return ins, out, list(xs)
    used = {c for c in eq if c.isalpha()}
    free = [c for c in string.ascii_letters if c not in used]
    parts = []
    for spec, x in zip(ins, xs):
        if "..." in spec:
            e, p = x.ndim - (len(spec) - 3), spec.index("...")
            if e < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(spec) - 3}) "
                                   f"is more than the number of dimensions ({x.ndim}) for operand {spec!r}")
            parts.append(x.shape[p:p + e])
    try:
        bshape = tuple(np.broadcast_shapes(*parts))
    except ValueError as exc:
        raise ShapeError(f"einsum(): the '...' dimensions {parts} do not broadcast") from exc
    ell = "".join(free[:len(bshape)])
    new_ins, new_xs = [], []
    for spec, x in zip(ins, xs):
        if "..." in spec:
            e, p = x.ndim - (len(spec) - 3), spec.index("...")
            shape = x.shape
            if shape[p:p + e] != bshape:
                x = reshape(x, shape[:p] + (1,) * (len(bshape) - e) + shape[p:p + e] + shape[p + e:])
                x = broadcast_to(x, shape[:p] + bshape + shape[p + e:])
            spec = spec.replace("...", ell)
        new_ins.append(spec)
        new_xs.append(x)
    return new_ins, out.replace("...", ell), new_xs


class Einsum(Function):
    """y = einsum(equation, *xs);  dx_i = einsum(out, others -> in_i) of g
    (labels only in x_i are broadcast back), itself an einsum: twice differentiable."""

    def __init__(self, ins, out):
        self.ins, self.out = ins, out

    def forward(self, *xs):
        return self.xp.einsum(",".join(self.ins) + "->" + self.out, *xs, optimize=len(xs) > 2)

    def backward(self, g):
        xs = self._inputs
        grads = []
        for i, spec in enumerate(self.ins):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, x) for j, (s, x) in enumerate(zip(self.ins, xs)) if j != i]
            avail = set(self.out).union(*[set(s) for s, _ in others])
            target = "".join(c for c in spec if c in avail)
            gi = einsum(",".join([self.out] + [s for s, _ in others]) + "->" + target,
                        g, *[x for _, x in others])
            if target != spec:
                shape = tuple(xs[i].shape[spec.index(c)] if c in target else 1 for c in spec)
                from .shape import broadcast_to

                gi = broadcast_to(reshape(gi, shape), xs[i].shape)
            grads.append(gi)
        return tuple(grads)


def _einsum_diagonal(spec, x):
    """A label repeated within one operand ('ii', 'bii') takes its diagonal:
    returns the spec with each label once and ``x`` indexed accordingly (a
    getitem, so differentiable)."""
    labels = "".join(dict.fromkeys(spec))
    sizes = {}
    for c, n in zip(spec, x.shape):
        if sizes.setdefault(c, n) != n:
            raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {spec!r} but the "
                               f"sizes don't match, {sizes[c]} != {n}")
    xp = backend.get_array_module(x._data)
    grids = {c: xp.arange(sizes[c]).reshape((-1,) + (1,) * (len(labels) - 1 - k))
             for k, c in enumerate(labels)}
    return labels, getitem(x, tuple(grids[c] for c in spec))


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum`` (operands may also be one list).
    A label repeated within an operand takes its diagonal ('ii->' is the
    trace); '...' stands for broadcast dimensions."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [as_tensor(o) for o in operands]
    ins, out, xs = _parse_einsum(equation, xs)
    for k, (s, x) in enumerate(zip(ins, xs)):
        if len(s) != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does "
                               f"not match the number of dimensions ({x.ndim}) for operand {s!r}")
        if len(set(s)) != len(s):
            ins[k], xs[k] = _einsum_diagonal(s, x)
    dtypes = {x.dtype for x in xs}
    if len(dtypes) > 1:
        raise TypeError(f"einsum(): operands have different dtypes {sorted(map(str, dtypes))}")
    return Einsum(ins, out)(*xs)
