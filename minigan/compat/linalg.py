"""PyTorch's named products, off the reading path: mm, bmm, outer (checked
wrappers of :func:`minigan.matmul`) and einsum (one node whose backward is
an einsum again, so it is twice differentiable)."""
from __future__ import annotations

import builtins

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..errors import ShapeError
from ..ops._operands import as_tensor
from ..ops.linalg import matmul
from ..ops.shape import getitem, reshape

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
    from ..ops.arithmetic import mul

    a, b = _operands_of_ndim("outer", 1, input, vec2)
    return mul(reshape(a, -1, 1), reshape(b, 1, -1))


# ------------------------------------------------------------ einsum
def _parse_einsum(equation, xs):
    """Operand and output specs with each '...' spelled out as letters the
    equation does not use; operands whose '...' parts differ are broadcast
    (a differentiable broadcast_to) to one shape, as PyTorch broadcasts them."""
    import string

    from ..ops.shape import broadcast_to

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


class EinsumFn(Function):
    """y = einsum(equation, *xs);  dx_i = einsum(out, others -> in_i) of g
    (labels only in x_i are broadcast back), itself an einsum: twice differentiable."""

    def __init__(self, ins, out):
        self.ins, self.out = ins, out

    def forward(self, *xs):
        return self.xp.einsum(",".join(self.ins) + "->" + self.out, *xs, optimize=len(xs) > 2)

    def backward(self, g):
        xs = self.inputs
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
                from ..ops.shape import broadcast_to

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
    return EinsumFn(ins, out)(*xs)
