"""Fast backward for prod (no graph recorded): at a zero of x, the product
of the other entries from exclusive running products from both ends (exact
with several zeros, no division, no n x n matrix); the reference builds
that product with ops so that it can be differentiated again."""
from __future__ import annotations

from ..compat.indexing import ProdFn
from ..ops._operands import constant
from . import register


def _prod_of_others(xp, a, axis):
    """prod_{j != i} a_j along ``axis`` (all of ``a`` when None)."""
    if axis is None:
        return _prod_of_others(xp, a.reshape(-1), 0).reshape(a.shape)
    ones = xp.ones_like(xp.take(a, xp.arange(1), axis=axis))
    left = xp.cumprod(xp.concatenate([ones, xp.take(a, xp.arange(a.shape[axis] - 1), axis=axis)], axis), axis)
    rev = xp.flip(a, axis)
    right = xp.cumprod(xp.concatenate([ones, xp.take(rev, xp.arange(a.shape[axis] - 1), axis=axis)], axis), axis)
    return left * xp.flip(right, axis)


def _backward(fn, g):
    return ProdFn.backward(fn, g, lambda x, axis: constant(_prod_of_others(fn.xp, x._data, axis)))


register(ProdFn, backward=_backward)
