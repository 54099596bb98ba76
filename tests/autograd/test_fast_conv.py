"""The fast convolutions (minigan.fast.conv) against the reference ones (minigan.ops.conv).

With the fast layer on, conv2d and conv_transpose2d pick a column layout by
batch size and width ("cnl" when the batch is smaller than the output width,
else batch-innermost "cln"), build large "cln" columns in bands of rows,
multiply first for kernels with few output channels, and gather first for a
stride-1 transposed conv from few channels. Every route must give the
reference's numbers: outputs, first derivatives (the fast backward) and
second derivatives (the reference backward, whose nodes then run their
fast backward), for inputs in any memory order.

Tolerances: in float64 the two paths agree to 1e-10. In float32 they sum
the same products in different orders (one GEMM for the batch against one
per image, bands, GEMM first), so they agree to float32 rounding of sums of
up to a few hundred terms: |fast - reference| <= 1e-4 max|reference|.
"""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import fast
from minigan.fast import conv as fast_conv
from minigan.ops import conv as ref_conv

# (kind, batch, c_in, c_out, h, w, kernel, stride, padding, dilation, output_padding), route
CASES = [
    (("conv", 2, 3, 4, 7, 6, 3, 1, 1, 1, 0), "cnl"),
    (("conv", 2, 2, 3, 9, 8, 3, 2, 0, 1, 0), "cnl, strided, no padding"),
    (("conv", 9, 3, 4, 7, 6, 3, 2, 1, 1, 0), "cln"),
    (("conv", 8, 2, 3, 8, 7, 2, 2, 2, 2, 0), "cln, dilated"),
    (("conv", 4, 3, 5, 3, 4, 1, 1, 0, 1, 0), "cln, 1x1 kernel"),
    (("conv", 9, 8, 1, 6, 6, 3, 1, 1, 1, 0), "cln, GEMM first"),
    (("conv", 9, 8, 1, 7, 6, 3, 2, 2, 2, 0), "cln, GEMM first, strided and dilated"),
    (("convt", 2, 3, 4, 4, 5, 4, 2, 1, 1, 0), "cnl"),
    (("convt", 2, 2, 3, 3, 4, 3, 3, 0, 1, 2), "cnl, output_padding"),
    (("convt", 9, 4, 3, 4, 4, 4, 2, 1, 1, 1), "cln"),
    (("convt", 6, 2, 3, 4, 3, 3, 2, 1, 2, 1), "cln, dilated"),
    (("convt", 9, 4, 2, 5, 5, 3, 1, 1, 1, 0), "cln, stride 1"),
    (("convt", 9, 1, 6, 5, 5, 3, 1, 0, 1, 0), "cln, stride 1 from one channel: gather first"),
]
IDS = [f"{c[0]}-n{c[1]}-{c[2]}to{c[3]}-{c[4]}x{c[5]}-k{c[6]}s{c[7]}p{c[8]}d{c[9]}op{c[10]}"
       for c, _ in CASES]
ORDERS = ["C", "F", "batch_innermost"]


def _layout(a, order):
    if order == "C":
        return np.ascontiguousarray(a)
    if order == "F":
        return np.asfortranarray(a)
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _draw(case, dtype, order):
    kind, n, cin, cout, h, w, k, s, p, d, op = case
    rng = np.random.default_rng(sum(case[1:]))
    x = _layout(rng.standard_normal((n, cin, h, w)).astype(dtype), order)
    wshape = (cout, cin, k, k) if kind == "conv" else (cin, cout, k, k)
    wt = rng.standard_normal(wshape).astype(dtype)
    if kind == "conv":
        f = lambda x, w: F.conv2d(x, w, None, s, p, d)  # noqa: E731
    else:
        f = lambda x, w: F.conv_transpose2d(x, w, None, s, p, op, dilation=d)  # noqa: E731
    return f, x, wt, rng


def _derivatives(case, dtype, order):
    """y, dy/dx . g, dy/dW . g, and the derivatives of <(dx, dW), v> (second order)."""
    f, x0, w0, rng = _draw(case, dtype, order)
    x, w = mg.Tensor(x0, requires_grad=True), mg.Tensor(w0, requires_grad=True)
    assert x.array.strides == x0.strides  # the memory order reaches the op
    y = f(x, w)
    g = mg.tensor(rng.standard_normal(y.shape).astype(dtype))
    gx, gw = mg.grad(y, [x, w], g)                        # fast backward when on
    gx2, gw2 = mg.grad(f(x, w), [x, w], g, create_graph=True)   # reference backward
    vx, vw = (mg.tensor(rng.standard_normal(t.shape).astype(dtype)) for t in (x, w))
    ggx, ggw = mg.grad((gx2 * vx).sum() + (gw2 * vw).sum(), [x, w])
    out = [y, gx, gw, gx2, gw2, ggx, ggw]
    assert all(t.dtype == dtype for t in out)
    return [t.detach().numpy().copy() for t in out]


def _assert_close(fast_values, ref_values, dtype):
    names = ["y", "dx", "dW", "dx (create_graph)", "dW (create_graph)", "d2/dx", "d2/dW"]
    for name, a, b in zip(names, fast_values, ref_values):
        assert a.shape == b.shape, name
        scale = max(1.0, float(np.abs(b).max()))
        tol = 1e-10 if dtype == np.float64 else 1e-4
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale, err_msg=name)


@pytest.mark.parametrize("banded", [False, True], ids=["whole", "banded"])
@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", [c for c, _ in CASES], ids=IDS)
def test_fast_and_reference_convolutions_agree(case, dtype, order, banded, monkeypatch,
                                               fast_layer_on):
    if banded:  # one row per band: every "cln" column array is built in bands
        monkeypatch.setattr(fast_conv, "BAND_BYTES", 1)
    fast_values = _derivatives(case, dtype, order)
    with fast.disabled():
        ref_values = _derivatives(case, dtype, order)
    _assert_close(fast_values, ref_values, dtype)


def test_the_cases_reach_every_fast_route(monkeypatch, fast_layer_on):
    """The cases above take each of the fast layer's routes at least once
    (the "banded" runs of the test above split the columns into many bands)."""
    routes = ["_conv2d_gemm_first", "_conv_weight_grad_gemm_first", "_conv_weight_grad_array",
              "_cln_columns", "_scatter_add_cln", "_conv2d_array", "_in_order_of"]
    seen = {name: 0 for name in routes + ["cnl", "cln"]}
    for name in routes:
        real = getattr(fast_conv, name)

        def spy(*a, _real=real, _name=name, **k):
            seen[_name] += 1
            return _real(*a, **k)

        monkeypatch.setattr(fast_conv, name, spy)
    real_im2col = fast_conv._im2col_array

    def im2col_spy(xp, x, kernel, stride, padding, dilation, layout):
        seen[layout] = seen.get(layout, 0) + 1
        return real_im2col(xp, x, kernel, stride, padding, dilation, layout)

    monkeypatch.setattr(fast_conv, "_im2col_array", im2col_spy)
    gathered_first = 0
    for case, route in CASES:
        before = seen["_conv2d_array"]
        _derivatives(case, np.float64, "C")
        if case[0] == "convt" and "gather first" in route:
            gathered_first += seen["_conv2d_array"] > before
    assert gathered_first == 1
    assert all(seen.values()), seen


@pytest.mark.parametrize("layout", ["ncl", "cnl", "cln"])
def test_fast_im2col_and_col2im_layouts_match_the_reference(layout):
    """Every layout of the fast gather/scatter holds the reference's columns
    (N, C, kh, kw, OH, OW), reordered: "cnl" (C, kh, kw, N, OH, OW) and
    "cln" (C, kh, kw, OH, OW, N); col2im likewise, where padding swallows
    whole kernel taps too ("cln" drops them instead of cropping)."""
    order = {"ncl": (0, 1, 2, 3, 4, 5), "cnl": (1, 2, 3, 0, 4, 5), "cln": (1, 2, 3, 4, 5, 0)}[layout]
    rng = np.random.default_rng(7)
    for k, s, p, d, h, w in [(3, 1, 1, 1, 7, 6), (4, 2, 1, 1, 7, 7), (3, 2, 3, 1, 5, 4),
                             (2, 3, 2, 2, 8, 3), (1, 1, 1, 1, 3, 3), (3, 1, 2, 2, 4, 6)]:
        x = rng.standard_normal((3, 2, h, w))
        args = ((k, k), (s, s), (p, p), (d, d))
        ref = ref_conv._im2col_array(np, x, *args)
        np.testing.assert_array_equal(fast_conv._im2col_array(np, x, *args, layout),
                                      ref.transpose(order))
        cols = rng.standard_normal(ref.shape)
        expected = ref_conv._col2im_array(np, cols, x.shape, *args)
        got = fast_conv._col2im_array(np, np.ascontiguousarray(cols.transpose(order)), x.shape,
                                      *args, layout)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=str((k, s, p, d)))


@pytest.mark.parametrize("config", [(4, 2, 1, 0, 1), (3, 2, 1, 1, 1), (5, 3, 2, 2, 1), (3, 2, 2, 1, 2)])
def test_conv_transpose_in_row_bands_matches_one_pass(config, monkeypatch, fast_layer_on):
    """The band-by-band transposed conv (large batches) scatters each band
    at its own rows: compare it with the single-pass result."""
    k, s, p, op, d = config
    rng = np.random.default_rng(8)
    x, w = mg.tensor(rng.standard_normal((16, 6, 6, 6))), mg.tensor(rng.standard_normal((6, 4, k, k)))
    whole = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).numpy()
    monkeypatch.setattr(fast_conv, "BAND_BYTES", 64)
    banded = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).numpy()
    np.testing.assert_allclose(banded, whole, rtol=1e-12, atol=1e-12)


def test_fast_convolutions_are_registered_and_on_by_default():
    """import minigan loads minigan.fast.conv: the four conv ops have
    overrides, consulted while the layer is on and ignored while it is off."""
    ops = (ref_conv.Conv2dFn, ref_conv.ConvTranspose2dFn, ref_conv.Im2ColFn, ref_conv.Col2ImFn)
    before = fast.enabled()
    try:
        fast.set_enabled(True)
        assert all(fast.override(op) is not None for op in ops)
        assert fast.override(ref_conv.Conv2dFn).backward is not None
        with fast.disabled():
            assert all(fast.override(op) is None for op in ops)
    finally:
        fast.set_enabled(before)
