"""Property-based tests (hypothesis): for random shapes, broadcasts, axes and
convolution settings, every op agrees with NumPy (or with a plain nested-loop
reference written here) and passes ``minigan.gradcheck`` in float64.

The examples are derandomized (a fixed sequence for a given hypothesis
version), so CI is deterministic; set MINIGAN_HYPOTHESIS_EXPLORE=1 to draw fresh
random examples (ten times as many) when hunting for bugs locally. Values come
from a seeded NumPy generator: hypothesis explores the *structure* (shapes,
axes, strides), where the bugs of an autograd engine live, and random normal
values keep non-smooth ops (maximum, max) away from their ties.

The last section fuzzes the two file readers: a damaged checkpoint or IDX
file raises the reader's own error and is never half-read.
"""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan
import minigan.nn.functional as F
from minigan.data import IDXError
from minigan.data.idx import parse_idx

EXPLORE = os.environ.get("MINIGAN_HYPOTHESIS_EXPLORE") == "1"


def profile(max_examples):
    return settings(max_examples=max_examples * (10 if EXPLORE else 1), deadline=None,
                    derandomize=not EXPLORE, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow])


seeds = st.integers(0, 2**32 - 1)


def leaf(array):
    return minigan.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def normal(rng, shape):
    return np.asarray(rng.standard_normal(shape))


def check_forward(out, expected, exact=False):
    expected = np.asarray(expected)
    assert out.dtype == np.float64, out.dtype
    assert out.shape == expected.shape, (out.shape, expected.shape)
    if exact:  # data movement: the very same numbers
        np.testing.assert_array_equal(out.detach().numpy(), expected)
    else:
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------- elementwise
BINARY = {
    "add": (minigan.add, np.add),
    "sub": (minigan.sub, np.subtract),
    "mul": (minigan.mul, np.multiply),
    "div": (minigan.div, np.divide),
    "maximum": (minigan.maximum, np.maximum),
}


@profile(80)
@given(op=st.sampled_from(sorted(BINARY)),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=seeds)
def test_binary_ops_broadcast_like_numpy_and_gradcheck(op, shapes, seed):
    fn, reference = BINARY[op]
    rng = np.random.default_rng(seed)
    a, b = (normal(rng, s) for s in shapes.input_shapes)
    if op == "div":
        b = np.sign(b) * (0.5 + np.abs(b))  # away from the pole at 0
    ta, tb = leaf(a), leaf(b)
    out = fn(ta, tb)
    assert out.shape == shapes.result_shape
    check_forward(out, reference(a, b))
    minigan.gradcheck(fn, (ta, tb))


@profile(30)
@given(op=st.sampled_from(sorted(BINARY)), scalar=st.floats(0.5, 3.0), reflected=st.booleans(),
       shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_binary_ops_with_a_python_scalar_keep_the_tensor_dtype(op, scalar, reflected, shape, seed):
    fn, reference = BINARY[op]
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) + np.float32(4.0)
    t = minigan.tensor(x)
    out = fn(scalar, t) if reflected else fn(t, scalar)
    assert out.dtype == np.float32 and out.shape == np.shape(x)
    want = reference(np.float32(scalar), x) if reflected else reference(x, np.float32(scalar))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


@profile(40)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       seed=seeds)
def test_where_broadcasts_like_numpy_and_gradcheck(shapes, seed):
    rng = np.random.default_rng(seed)
    c_shape, a_shape, b_shape = shapes.input_shapes
    cond = rng.random(c_shape) < 0.5
    a, b = normal(rng, a_shape), normal(rng, b_shape)
    ta, tb = leaf(a), leaf(b)
    mask = minigan.tensor(cond)
    check_forward(minigan.where(mask, ta, tb), np.where(cond, a, b), exact=True)
    minigan.gradcheck(lambda p, q: minigan.where(mask, p, q), (ta, tb))


# --------------------------------------------------------------------- reductions
def _logsumexp(x, axis, keepdims):
    from scipy.special import logsumexp

    return logsumexp(x, axis=axis, keepdims=keepdims)


REDUCTIONS = {
    "sum": (minigan.sum, lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims)),
    "mean": (minigan.mean, lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims)),
    # PyTorch's default: the unbiased estimate (correction=1)
    "var": (minigan.var, lambda x, axis, keepdims: np.var(x, axis=axis, keepdims=keepdims, ddof=1)),
    "max": (minigan.max, lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims)),
    "logsumexp": (minigan.logsumexp, _logsumexp),
}


@st.composite
def axes_of(draw, ndim):
    """None, one axis (possibly negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


def _reduced_count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


@profile(120)
@given(op=st.sampled_from(sorted(REDUCTIONS)), data=st.data(), keepdims=st.booleans(),
       torch_names=st.booleans(), seed=seeds)
def test_reductions_match_numpy_and_gradcheck(op, data, keepdims, torch_names, seed):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), "shape")
    axis = data.draw(axes_of(len(shape)), "axis")
    if op == "var":
        assume(_reduced_count(shape, axis) > 1)  # the unbiased variance of one value is 0/0
    fn, reference = REDUCTIONS[op]
    x = normal(np.random.default_rng(seed), shape)
    t = leaf(x)

    def call(v):
        if torch_names and not (op == "max" and isinstance(axis, int)):
            return fn(v, dim=axis, keepdim=keepdims)
        return fn(v, axis=axis, keepdims=keepdims)

    check_forward(call(t), reference(x, axis, keepdims))
    minigan.gradcheck(call, (t,))


@profile(30)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(),
       keepdim=st.booleans(), seed=seeds)
def test_max_with_dim_returns_values_and_indices_like_torch(shape, data, keepdim, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), "dim")
    x = normal(np.random.default_rng(seed), shape)
    values, indices = minigan.max(leaf(x), dim=dim, keepdim=keepdim)
    check_forward(values, np.max(x, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(indices.numpy(), np.argmax(x, axis=dim, keepdims=keepdim))
    minigan.gradcheck(lambda v: minigan.max(v, dim=dim, keepdim=keepdim).values, (leaf(x),))


# --------------------------------------------------------------------- shape ops
@st.composite
def reshape_target(draw, size):
    """A shape with ``size`` elements, possibly with one -1."""
    dims, left = [], size
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, left + 1) if left % d == 0] if left else [0, 1]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        left = left // d if d else 0
    dims.append(left)
    if size and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@profile(40)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), data=st.data(), seed=seeds)
def test_reshape_matches_numpy_and_gradchecks(shape, data, seed):
    new = data.draw(reshape_target(int(np.prod(shape))), "new shape")
    x = normal(np.random.default_rng(seed), shape)
    t = leaf(x)
    check_forward(t.reshape(new), x.reshape(new), exact=True)
    minigan.gradcheck(lambda v: v.reshape(new), (t,))


@profile(30)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data(), seed=seeds)
def test_permute_matches_numpy_and_gradchecks(shape, data, seed):
    axes = tuple(data.draw(st.permutations(range(len(shape))), "axes"))
    x = normal(np.random.default_rng(seed), shape)
    t = leaf(x)
    check_forward(t.permute(*axes), np.transpose(x, axes), exact=True)
    minigan.gradcheck(lambda v: v.permute(*axes), (t,))


@st.composite
def basic_index(draw, shape):
    """A tuple of slices (any start/stop/step, negative too) and integers."""
    index = []
    for size in shape:
        if size and draw(st.integers(0, 4)) == 0:
            index.append(draw(st.integers(-size, size - 1)))
            continue
        bound = st.none() | st.integers(-size - 1, size + 1)
        step = draw(st.none() | st.sampled_from([-3, -2, -1, 1, 2, 3]))
        index.append(slice(draw(bound), draw(bound), step))
    return tuple(index[:draw(st.integers(1, len(shape)))])  # trailing axes may be left out


@profile(80)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), data=st.data(), seed=seeds)
def test_getitem_slices_match_numpy_and_gradcheck(shape, data, seed):
    index = data.draw(basic_index(shape), "index")
    x = normal(np.random.default_rng(seed), shape)
    t = leaf(x)
    check_forward(t[index], x[index], exact=True)
    assume(x[index].size > 0)  # an empty selection has no gradient to check
    minigan.gradcheck(lambda v: v[index], (t,))


@profile(40)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data(), seed=seeds)
def test_concatenate_matches_numpy_and_gradchecks(shape, data, seed):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), "axis")
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), "sizes along axis")
    assume(sum(sizes) > 0)
    rng = np.random.default_rng(seed)
    parts = []
    for n in sizes:
        s = list(shape)
        s[axis] = n
        parts.append(normal(rng, tuple(s)))
    ts = [leaf(p) for p in parts]
    check_forward(minigan.concatenate(ts, axis=axis), np.concatenate(parts, axis=axis), exact=True)
    minigan.gradcheck(lambda *vs: minigan.concatenate(vs, axis=axis), ts)


@profile(40)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data(),
       value=st.floats(-2, 2), seed=seeds)
def test_pad_matches_numpy_and_gradchecks(shape, data, value, seed):
    width = data.draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                               min_size=len(shape), max_size=len(shape)), "pad_width")
    x = normal(np.random.default_rng(seed), shape)
    t = leaf(x)
    check_forward(minigan.pad(t, width, value=value),
                  np.pad(x, width, mode="constant", constant_values=value), exact=True)
    minigan.gradcheck(lambda v: minigan.pad(v, width, value=value), (t,))


# --------------------------------------------------------------------- convolutions
def conv2d_reference(x, w, b, stride, padding, dilation, groups):
    """out[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] x_pad[n, g*C_g + c, i s + u d, j s + v d]
    for o in group g, one multiply-add at a time."""
    n_batch, c_in, h, wd = x.shape
    c_out, c_per_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out_per_group = c_out // groups
    out = np.zeros((n_batch, c_out, oh, ow))
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // out_per_group) * c_per_group
            for i in range(oh):
                for j in range(ow):
                    acc = 0.0 if b is None else b[o]
                    for c in range(c_per_group):
                        for u in range(kh):
                            for v in range(kw):
                                acc += w[o, c, u, v] * xp[n, first + c, i * sh + u * dh, j * sw + v * dw]
                    out[n, o, i, j] = acc
    return out


def conv_transpose2d_reference(x, w, b, stride, padding, output_padding, dilation, groups):
    """Scatter every input pixel through the kernel, then crop ``padding`` from
    each side (output_padding adds rows and columns at the bottom and right):

        full[n, g*O_g + o, i s + u d, j s + v d] += x[n, c, i, j] w[c, o, u, v]   (c in group g)
    """
    n_batch, c_in, h, wd = x.shape
    _, out_per_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    in_per_group = c_in // groups
    full = np.zeros((n_batch, out_per_group * groups, (h - 1) * sh + dh * (kh - 1) + 1 + oph,
                     (wd - 1) * sw + dw * (kw - 1) + 1 + opw))
    for n in range(n_batch):
        for c in range(c_in):
            first = (c // in_per_group) * out_per_group
            for i in range(h):
                for j in range(wd):
                    for o in range(out_per_group):
                        for u in range(kh):
                            for v in range(kw):
                                full[n, first + o, i * sh + u * dh, j * sw + v * dw] += \
                                    x[n, c, i, j] * w[c, o, u, v]
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    out_w = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    out = full[:, :, ph:ph + out_h, pw:pw + out_w]
    return out if b is None else out + b.reshape(1, -1, 1, 1)


pairs = st.tuples  # (height, width) settings


@st.composite
def conv_config(draw, transposed):
    groups = draw(st.sampled_from([1, 1, 2]))
    cfg = dict(
        n=draw(st.integers(1, 2)),
        c_in=groups * draw(st.integers(1, 2)),
        c_out=groups * draw(st.integers(1, 2)),
        groups=groups,
        kernel=draw(pairs(st.integers(1, 3), st.integers(1, 3))),
        stride=draw(pairs(st.integers(1, 3), st.integers(1, 3))),
        padding=draw(pairs(st.integers(0, 2), st.integers(0, 2))),
        dilation=draw(pairs(st.integers(1, 2), st.integers(1, 2))),
        bias=draw(st.booleans()),
    )
    size = draw(pairs(st.integers(1, 6), st.integers(1, 6)))
    if transposed:
        # PyTorch's rule: output_padding < stride or < dilation, per axis
        cfg["output_padding"] = tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(cfg["stride"], cfg["dilation"]))
        out = [(h - 1) * s - 2 * p + d * (k - 1) + op + 1 for h, s, p, d, k, op in
               zip(size, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["kernel"],
                   cfg["output_padding"])]
        assume(min(out) >= 1)
    else:
        # the (dilated) kernel must fit inside the padded input
        assume(all(h + 2 * p >= d * (k - 1) + 1 for h, p, d, k in
                   zip(size, cfg["padding"], cfg["dilation"], cfg["kernel"])))
    cfg["size"] = size
    return cfg


@profile(50)
@given(cfg=conv_config(transposed=False), seed=seeds)
def test_conv2d_matches_nested_loops_and_gradchecks(cfg, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, (cfg["n"], cfg["c_in"]) + cfg["size"])
    w = normal(rng, (cfg["c_out"], cfg["c_in"] // cfg["groups"]) + cfg["kernel"])
    b = normal(rng, (cfg["c_out"],)) if cfg["bias"] else None
    args = (cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    tensors = [leaf(x), leaf(w)] + ([leaf(b)] if b is not None else [])

    def conv(x_, w_, b_=None):
        return F.conv2d(x_, w_, b_, *args)

    check_forward(conv(*tensors), conv2d_reference(x, w, b, *args))
    minigan.gradcheck(conv, tensors, mode="random")


@profile(50)
@given(cfg=conv_config(transposed=True), seed=seeds)
def test_conv_transpose2d_matches_nested_loops_and_gradchecks(cfg, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, (cfg["n"], cfg["c_in"]) + cfg["size"])
    w = normal(rng, (cfg["c_in"], cfg["c_out"] // cfg["groups"]) + cfg["kernel"])
    b = normal(rng, (cfg["c_out"],)) if cfg["bias"] else None
    tensors = [leaf(x), leaf(w)] + ([leaf(b)] if b is not None else [])

    def conv_t(x_, w_, b_=None):
        return F.conv_transpose2d(x_, w_, b_, cfg["stride"], cfg["padding"], cfg["output_padding"],
                                  cfg["groups"], cfg["dilation"])

    expected = conv_transpose2d_reference(x, w, b, cfg["stride"], cfg["padding"],
                                          cfg["output_padding"], cfg["dilation"], cfg["groups"])
    check_forward(conv_t(*tensors), expected)
    minigan.gradcheck(conv_t, tensors, mode="random")


def test_the_references_are_each_others_adjoint():
    # <conv(x), y> = <x, conv_transpose(y)> with the same weights: checks the
    # two loop references against each other, independently of minigan
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2))
    stride, padding, dilation, groups = (2, 1), (1, 0), (1, 2), 2
    out = conv2d_reference(x, w, None, stride, padding, dilation, groups)
    y = rng.standard_normal(out.shape)
    # output_padding (1, 0) recovers the row that stride 2 dropped
    back = conv_transpose2d_reference(y, w, None, stride, padding, (1, 0), dilation, groups)
    assert back.shape == x.shape
    assert np.isclose((out * y).sum(), (x * back).sum(), rtol=1e-12)


# --------------------------------------------------------------------- file fuzzing
@lru_cache(maxsize=None)
def _saved_checkpoint():
    folder = Path(tempfile.mkdtemp(prefix="minigan-fuzz-"))
    minigan.manual_seed(0)
    model = minigan.nn.Sequential(minigan.nn.Linear(3, 4), minigan.nn.BatchNorm1d(4))
    state = {"model": model.state_dict(), "step": 11, "note": "fuzz"}
    minigan.save(state, folder / "good.npz")
    expected = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    return folder, (folder / "good.npz").read_bytes(), expected


@profile(100)
@given(data=st.data())
def test_a_damaged_checkpoint_raises_checkpoint_error_or_loads_intact(data):
    folder, raw, expected = _saved_checkpoint()
    damaged = bytearray(raw)
    for _ in range(data.draw(st.integers(0, 4), "flips")):
        at = data.draw(st.integers(0, len(raw) - 1), "position")
        damaged[at] ^= data.draw(st.integers(1, 255), "xor")
    if data.draw(st.booleans(), "truncate"):
        damaged = damaged[:data.draw(st.integers(0, len(raw) - 1), "length")]
    assume(bytes(damaged) != raw)
    path = folder / "damaged.npz"
    path.write_bytes(bytes(damaged))
    try:
        state = minigan.load(path)
    except minigan.CheckpointError as exc:
        assert str(path) in str(exc)
        return
    # a flip in a part of the zip no reader looks at (a timestamp, say): the
    # data must then be exactly what was saved (every array is CRC-checked)
    assert state["step"] == 11 and state["note"] == "fuzz"
    assert list(state["model"]) == list(expected)
    for k, v in state["model"].items():
        np.testing.assert_array_equal(v.numpy(), expected[k])


def _idx_bytes(array):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    dtype = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    header = bytes([0, 0, codes[dtype], array.ndim])
    header += b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.astype(dtype).tobytes()


@profile(100)
@given(data=st.data())
def test_damaged_idx_bytes_raise_idx_error_or_parse_consistently(data):
    kind = data.draw(st.sampled_from([np.uint8, np.int32, np.float32]), "dtype")
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), "shape")
    array = np.arange(int(np.prod(shape))).astype(kind).reshape(shape)
    raw = bytearray(_idx_bytes(array))
    assert np.array_equal(parse_idx(bytes(raw)), array)
    for _ in range(data.draw(st.integers(1, 3), "flips")):
        at = data.draw(st.integers(0, len(raw) - 1), "position")
        raw[at] ^= data.draw(st.integers(1, 255), "xor")
    if data.draw(st.booleans(), "truncate"):
        raw = raw[:data.draw(st.integers(0, len(raw)), "length")]
    try:
        parsed = parse_idx(bytes(raw), source="fuzz.idx")
    except IDXError as exc:
        assert str(exc).startswith("fuzz.idx: ")
        return
    # a damaged header that still describes a consistent file (say, another
    # element type of the same size): the result must be exactly that file's array
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    assert parsed.shape == dims
    assert parsed.nbytes == len(raw) - 4 - 4 * ndim


@pytest.mark.parametrize("blob", [b"", b"\x00", b"\x00\x00\x08", b"\x1f\x8b\x08\x00",
                                  b"\x00\x00\x08\x01\xff\xff\xff\xff"])
def test_idx_edge_cases_raise_idx_error(blob):
    with pytest.raises(IDXError, match="edge.idx"):
        parse_idx(blob, source="edge.idx")
