"""Conv2d and ConvTranspose2d: forward against nested-loop NumPy references,
the adjoint identity, output sizes, gradients to second order, init, errors."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
import minigan.nn.functional as F


# --------------------------------------------------------------------- references
def conv2d_ref(x, w, b, stride, padding, dilation, groups=1):
    """y[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] x_pad[n, g*Cg + c, i*s + u*d, j*s + v*d]."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    s, p, d = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh = (h + 2 * p - d * (kh - 1) - 1) // s + 1
    ow = (wd + 2 * p - d * (kw - 1) - 1) // s + 1
    y = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for b_ in range(n):
        for oc in range(o):
            g = oc // per_group
            for i in range(oh):
                for j in range(ow):
                    acc = 0.0
                    for ci in range(cg):
                        for u in range(kh):
                            for v in range(kw):
                                acc += w[oc, ci, u, v] * xp[b_, g * cg + ci, i * s + u * d, j * s + v * d]
                    y[b_, oc, i, j] = acc
    if b is not None:
        y += b[None, :, None, None]
    return y


def conv_transpose2d_ref(x, w, b, stride, padding, output_padding, dilation, groups=1):
    """Every input pixel scatters w[ci] * x[n, ci, i, j] onto the output at (i*s + u*d, j*s + v*d)
    of a canvas that is then cropped by the padding."""
    n, cin, h, wd = x.shape
    _, cog, kh, kw = w.shape
    s, p, op, d = stride, padding, output_padding, dilation
    oh = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1
    ow = (wd - 1) * s - 2 * p + d * (kw - 1) + op + 1
    canvas = np.zeros((n, cog * groups, oh + 2 * p, ow + 2 * p))
    cg = cin // groups
    for b_ in range(n):
        for ci in range(cin):
            g = ci // cg
            for i in range(h):
                for j in range(wd):
                    for co in range(cog):
                        for u in range(kh):
                            for v in range(kw):
                                r, q = i * s + u * d, j * s + v * d
                                if r < oh + 2 * p and q < ow + 2 * p:
                                    canvas[b_, g * cog + co, r, q] += x[b_, ci, i, j] * w[ci, co, u, v]
    y = canvas[:, :, p:p + oh, p:p + ow]
    if b is not None:
        y = y + b[None, :, None, None]
    return y


def t64(rng, *shape, requires_grad=True):
    return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, requires_grad=requires_grad)


# (kernel, stride, padding, dilation, H, W) -- odd sizes, non-square kernels and inputs
CONV_CONFIGS = [
    ((3, 3), 1, 0, 1, 5, 5),
    ((3, 3), 1, 1, 1, 5, 6),
    ((3, 2), 2, 0, 1, 7, 6),
    ((3, 3), 2, 1, 1, 7, 7),
    ((4, 4), 2, 1, 1, 8, 8),
    ((3, 3), 1, 2, 2, 5, 5),
    ((2, 3), 2, 2, 2, 6, 7),
    ((1, 1), 1, 0, 1, 3, 4),
    ((5, 5), 3, 2, 1, 9, 8),
]
CONV_IDS = [f"k{k[0]}x{k[1]}-s{s}-p{p}-d{d}-{h}x{w}" for k, s, p, d, h, w in CONV_CONFIGS]

# (kernel, stride, padding, output_padding, dilation, H, W)
CONVT_CONFIGS = [
    ((3, 3), 1, 0, 0, 1, 3, 4),
    ((4, 4), 2, 1, 0, 1, 3, 3),
    ((4, 4), 2, 1, 1, 1, 3, 2),
    ((3, 3), 2, 1, 1, 1, 4, 3),
    ((3, 2), 3, 2, 2, 1, 3, 3),
    ((3, 3), 1, 1, 0, 2, 4, 4),
    ((3, 3), 1, 2, 1, 2, 4, 3),   # output_padding >= stride, allowed by dilation
    ((2, 3), 2, 0, 1, 2, 3, 3),
    ((1, 1), 1, 0, 0, 1, 2, 3),
]
CONVT_IDS = [f"k{k[0]}x{k[1]}-s{s}-p{p}-op{op}-d{d}-{h}x{w}" for k, s, p, op, d, h, w in CONVT_CONFIGS]


# --------------------------------------------------------------------- forward
# with the fast layer on, batch 2 takes the "cnl" column layout for most
# configs, batch 9 the batch-innermost "cln" one (minigan.fast.conv.conv_layout);
# both must agree with the loops
BATCHES = [2, 9]


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_matches_nested_loops(cfg, bias, batch, device):
    k, s, p, d, h, w = cfg
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 3, h, w))
    wt = rng.standard_normal((4, 3) + k)
    b = rng.standard_normal(4) if bias else None
    y = F.conv2d(mg.tensor(x, device=device), mg.tensor(wt, device=device),
                 None if b is None else mg.tensor(b, device=device), s, p, d)
    np.testing.assert_allclose(np.asarray(y), conv2d_ref(x, wt, b, s, p, d), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cfg", CONVT_CONFIGS, ids=CONVT_IDS)
def test_conv_transpose2d_matches_nested_loops(cfg, bias, batch, device):
    k, s, p, op, d, h, w = cfg
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 3, h, w))
    wt = rng.standard_normal((3, 2) + k)
    b = rng.standard_normal(2) if bias else None
    y = F.conv_transpose2d(mg.tensor(x, device=device), mg.tensor(wt, device=device),
                           None if b is None else mg.tensor(b, device=device), s, p, op,
                           dilation=d)
    np.testing.assert_allclose(np.asarray(y), conv_transpose2d_ref(x, wt, b, s, p, op, d),
                               rtol=1e-12, atol=1e-12)


def test_grouped_conv_and_transpose_match_references():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((6, 2, 3, 3))
    b = rng.standard_normal(6)
    y = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), 2, 1, 1, groups=2)
    np.testing.assert_allclose(np.asarray(y), conv2d_ref(x, w, b, 2, 1, 1, groups=2), atol=1e-12)
    xt = rng.standard_normal((2, 4, 3, 3))
    wt = rng.standard_normal((4, 3, 3, 3))
    yt = F.conv_transpose2d(mg.tensor(xt), mg.tensor(wt), None, 2, 1, 1, groups=2)
    np.testing.assert_allclose(np.asarray(yt), conv_transpose2d_ref(xt, wt, None, 2, 1, 1, 1, groups=2),
                               atol=1e-12)


def test_unbatched_input_gives_unbatched_output():
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((3, 6, 6)))
    conv, convt = nn.Conv2d(3, 5, 3, padding=1).double(), nn.ConvTranspose2d(3, 2, 4, 2, 1).double()
    assert conv(x).shape == (5, 6, 6)
    np.testing.assert_allclose(np.asarray(conv(x)), np.asarray(conv(x.unsqueeze(0)))[0])
    assert convt(x).shape == (2, 12, 12)
    np.testing.assert_allclose(np.asarray(convt(x)), np.asarray(convt(x.unsqueeze(0)))[0])


# --------------------------------------------------------------------- adjoint and sizes
@pytest.mark.parametrize("cfg", CONVT_CONFIGS, ids=CONVT_IDS)
def test_conv_transpose_is_the_adjoint_of_conv(cfg):
    """<conv2d(x, W), y> == <x, conv_transpose2d(y, W)> for the same W, stride, padding, dilation.
    (Computed in float64 on random tensors: both sides are the same bilinear form.)"""
    k, s, p, op, d, h, w = cfg
    rng = np.random.default_rng(4)
    y = mg.tensor(rng.standard_normal((2, 3, h, w)))          # lives in conv2d's output space
    wt = mg.tensor(rng.standard_normal((3, 4) + k))           # conv2d: 4 -> 3 channels
    x_shape = F.conv_transpose2d(y, wt, None, s, p, op, dilation=d).shape
    x = mg.tensor(rng.standard_normal(x_shape))
    conv = F.conv2d(x, wt, None, s, p, d)
    if op < s:
        assert conv.shape == y.shape
    else:  # output_padding >= stride (dilation > stride): conv2d sees extra rows, crop them
        conv = conv[:, :, :h, :w]
    lhs = float((conv * y).sum())
    rhs = float((x * F.conv_transpose2d(y, wt, None, s, p, op, dilation=d)).sum())
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-10)


@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_output_size_rule(cfg):
    k, s, p, d, h, w = cfg
    m = nn.Conv2d(2, 3, k, stride=s, padding=p, dilation=d)
    out = m(mg.zeros(1, 2, h, w))
    assert out.shape == (1, 3, (h + 2 * p - d * (k[0] - 1) - 1) // s + 1,
                         (w + 2 * p - d * (k[1] - 1) - 1) // s + 1)


@pytest.mark.parametrize("cfg", CONVT_CONFIGS, ids=CONVT_IDS)
def test_conv_transpose2d_output_size_rule(cfg):
    k, s, p, op, d, h, w = cfg
    m = nn.ConvTranspose2d(2, 3, k, stride=s, padding=p, output_padding=op, dilation=d)
    out = m(mg.zeros(1, 2, h, w))
    assert out.shape == (1, 3, (h - 1) * s - 2 * p + d * (k[0] - 1) + op + 1,
                         (w - 1) * s - 2 * p + d * (k[1] - 1) + op + 1)


def test_dcgan_upsampling_doubles_the_size_and_conv_undoes_it():
    up = nn.ConvTranspose2d(8, 4, 4, 2, 1)
    down = nn.Conv2d(4, 8, 4, 2, 1)
    x = mg.randn(2, 8, 7, 7)
    assert up(x).shape == (2, 4, 14, 14)
    assert down(up(x)).shape == x.shape
    assert nn.ConvTranspose2d(100, 16, 4, 1, 0)(mg.randn(3, 100, 1, 1)).shape == (3, 16, 4, 4)


def test_conv_transpose_output_size_argument():
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = mg.randn(1, 2, 4, 4)
    assert m(x).shape[-2:] == (7, 7)
    assert m(x, output_size=(8, 7)).shape[-2:] == (8, 7)
    assert m(x, output_size=[1, 3, 8, 8]).shape[-2:] == (8, 8)
    ref = F.conv_transpose2d(x, m.weight, m.bias, 2, 1, (1, 0))
    np.testing.assert_allclose(np.asarray(m(x, output_size=(8, 7)).detach()), np.asarray(ref.detach()))
    with pytest.raises(ValueError, match=r"not reachable.*\[7, 8\]"):
        m(x, output_size=(9, 9))


# --------------------------------------------------------------------- gradients
@pytest.mark.parametrize("batch", [1, 8])  # "cnl" and "cln" columns
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_gradcheck_and_gradgradcheck(cfg, bias, batch):
    k, s, p, d, h, w = cfg
    rng = np.random.default_rng(5)
    x, wt = t64(rng, batch, 2, h, w), t64(rng, 3, 2, *k)
    inputs = (x, wt, t64(rng, 3)) if bias else (x, wt)

    def f(x, w, b=None):
        return F.conv2d(x, w, b, s, p, d)

    assert mg.gradcheck(f, inputs, mode="random")
    assert mg.gradgradcheck(f, inputs, mode="random")


@pytest.mark.parametrize("batch", [1, 8])  # "cnl" and "cln" columns
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cfg", CONVT_CONFIGS, ids=CONVT_IDS)
def test_conv_transpose2d_gradcheck_and_gradgradcheck(cfg, bias, batch):
    k, s, p, op, d, h, w = cfg
    rng = np.random.default_rng(6)
    x, wt = t64(rng, batch, 2, h, w), t64(rng, 2, 3, *k)
    inputs = (x, wt, t64(rng, 3)) if bias else (x, wt)

    def f(x, w, b=None):
        return F.conv_transpose2d(x, w, b, s, p, op, dilation=d)

    assert mg.gradcheck(f, inputs, mode="random")
    assert mg.gradgradcheck(f, inputs, mode="random")


def test_small_conv_full_jacobian():
    """One case with the whole Jacobian (element-level failure messages)."""
    rng = np.random.default_rng(7)
    x, w, b = t64(rng, 1, 2, 4, 3), t64(rng, 2, 2, 2, 2), t64(rng, 2)
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, 1, 1, 1), (x, w, b), mode="full")
    xt, wt = t64(rng, 1, 2, 2, 2), t64(rng, 2, 1, 3, 3)
    assert mg.gradcheck(lambda x, w: F.conv_transpose2d(x, w, None, 2, 1, 1), (xt, wt), mode="full")


@pytest.mark.parametrize("groups", [1, 2])
def test_modules_gradcheck_wrt_input_and_parameters(groups):
    rng = np.random.default_rng(8)
    conv = nn.Conv2d(4, 2, 3, stride=2, padding=1, groups=groups).double()
    convt = nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, groups=groups).double()
    for m in (conv, convt):
        x = t64(rng, 1, 4, 3, 3)
        inputs = (x, m.weight, m.bias)
        assert mg.gradcheck(lambda x, w, b: m(x), inputs, mode="random")
        assert mg.gradgradcheck(lambda x, w, b: m(x), inputs, mode="random")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv2d_padding_modes(mode):
    rng = np.random.default_rng(9)
    m = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = t64(rng, 1, 2, 4, 5)
    expected = F.conv2d(F.pad(x, (2, 2, 1, 1), mode=mode), m.weight, m.bias)
    np.testing.assert_allclose(np.asarray(m(x).detach()), np.asarray(expected.detach()))
    pad_width = ((0, 0), (0, 0), (1, 1), (2, 2))
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    ref = conv2d_ref(np.pad(np.asarray(x.detach()), pad_width, mode=np_mode),
                     np.asarray(m.weight.detach()), np.asarray(m.bias.detach()), 1, 0, 1)
    np.testing.assert_allclose(np.asarray(m(x).detach()), ref, atol=1e-12)
    assert mg.gradgradcheck(lambda x, w: m(x), (x, m.weight), mode="random")
    assert "padding_mode=" + mode in repr(m)


def test_float32_is_preserved_through_forward_and_backward():
    conv, convt = nn.Conv2d(3, 4, 3, 2, 1), nn.ConvTranspose2d(4, 3, 4, 2, 1)
    x = mg.randn(2, 3, 8, 8, requires_grad=True)
    y = convt(conv(x))
    assert y.dtype == np.float32 and y.shape == x.shape
    y.square().mean().backward()
    for t in (x, conv.weight, conv.bias, convt.weight, convt.bias):
        assert t.grad.dtype == np.float32


@pytest.mark.parametrize("layer", ["conv", "conv_transpose"])
def test_two_threads_give_the_numbers_of_one(layer, pass_threads, fast_layer_on):
    """With two BLAS threads allowed, im2col's gathers, col2im's scatters and
    the padding copies split their channels over two threads: forward and
    both gradients must be bitwise those of one thread, and the second
    thread must really have worked."""
    rng = np.random.default_rng(0)
    if layer == "conv":
        x, w = rng.standard_normal((64, 32, 14, 14)), rng.standard_normal((48, 32, 4, 4))
        f = lambda x, w: F.conv2d(x, w, stride=2, padding=1)  # noqa: E731
    else:
        x, w = rng.standard_normal((64, 48, 7, 7)), rng.standard_normal((48, 32, 4, 4))
        f = lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1)  # noqa: E731
    results = []
    for n_threads in (1, 2):
        threads = pass_threads(n_threads)
        xt, wt = (mg.tensor(a.astype(np.float32), requires_grad=True) for a in (x, w))
        y = f(xt, wt)
        (y * mg.tensor(np.cos(np.arange(y.numel())).reshape(y.shape).astype(np.float32))).sum() \
            .backward()
        results.append([a.detach().numpy().copy() for a in (y, xt.grad, wt.grad)])
        assert threads.second_thread_ran == (n_threads == 2)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


def test_input_gradients_come_back_in_the_inputs_memory_order(fast_layer_on):
    """Convs compute with the batch innermost; a C-ordered input still gets a
    C-ordered gradient (no graph recorded), so the activation and batch-norm
    backward before the conv combine arrays of one order."""
    x = mg.randn(16, 4, 8, 8, requires_grad=True)
    for layer in (nn.Conv2d(4, 6, 4, 2, 1), nn.ConvTranspose2d(4, 6, 4, 2, 1)):
        x.grad = None
        (layer(x) * mg.randn(*layer(x).shape)).sum().backward()
        assert x.grad._data.flags.c_contiguous, type(layer).__name__


def test_zero_padding_bias_free_conv_is_linear_in_the_input():
    conv = nn.Conv2d(2, 2, 3, bias=False)
    a, b = mg.randn(1, 2, 5, 5), mg.randn(1, 2, 5, 5)
    np.testing.assert_allclose(np.asarray(conv(a + 2.0 * b).detach()),
                               np.asarray((conv(a) + 2.0 * conv(b)).detach()), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------- init and state
def test_default_init_matches_pytorch_bounds():
    conv = nn.Conv2d(16, 32, 5)
    fan_in = 16 * 25
    w = np.asarray(conv.weight.detach())
    bound = 1 / math.sqrt(fan_in)                 # kaiming_uniform_(a=sqrt(5)) bound
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.95 * bound         # really uniform over the whole range
    assert np.std(w) == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert abs(np.mean(w)) < 0.05 * bound
    assert np.abs(np.asarray(conv.bias.detach())).max() <= bound

    # ConvTranspose2d weight is (in, out, kh, kw) and PyTorch reads fan_in from dim 1 (out)
    convt = nn.ConvTranspose2d(64, 8, 4)
    bound_t = 1 / math.sqrt(8 * 16)
    wt = np.asarray(convt.weight.detach())
    assert convt.weight.shape == (64, 8, 4, 4)
    assert np.abs(wt).max() <= bound_t and np.abs(wt).max() > 0.95 * bound_t
    assert np.abs(np.asarray(convt.bias.detach())).max() <= bound_t
    assert np.abs(np.asarray(convt.bias.detach())).max() > 0.5 * bound_t


def test_init_is_seeded_and_dtype_device_kwargs_work():
    mg.manual_seed(3)
    a = nn.Conv2d(2, 3, 3)
    mg.manual_seed(3)
    b = nn.Conv2d(2, 3, 3)
    np.testing.assert_array_equal(np.asarray(a.weight.detach()), np.asarray(b.weight.detach()))
    c = nn.ConvTranspose2d(2, 3, 3, dtype=mg.float64, device="cpu")
    assert c.weight.dtype == np.float64 and c.bias.dtype == np.float64
    assert nn.Conv2d(2, 3, 3).weight.dtype == np.float32
    assert c.weight.requires_grad and c.weight.is_leaf


def test_state_dict_round_trip():
    a, b = nn.ConvTranspose2d(3, 4, 4, 2, 1), nn.ConvTranspose2d(3, 4, 4, 2, 1)
    assert list(a.state_dict()) == ["weight", "bias"]
    b.load_state_dict(a.state_dict())
    x = mg.randn(2, 3, 5, 5)
    np.testing.assert_array_equal(np.asarray(a(x).detach()), np.asarray(b(x).detach()))
    c = nn.Conv2d(3, 4, 3, bias=False)
    assert list(c.state_dict()) == ["weight"]
    with pytest.raises(RuntimeError, match="missing keys: bias"):
        nn.Conv2d(3, 4, 3).load_state_dict(c.state_dict())


def test_repr_matches_pytorch():
    assert repr(nn.Conv2d(3, 16, 3)) == "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(3, 16, (3, 5), stride=2, padding=1, dilation=2, bias=False)) == (
        "Conv2d(3, 16, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "bias=False)")
    assert repr(nn.ConvTranspose2d(64, 32, 4, 2, 1, output_padding=1)) == (
        "ConvTranspose2d(64, 32, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1))")


def test_pytorch_positional_argument_order():
    # Conv2d(in, out, k, stride, padding, dilation, groups, bias)
    c = nn.Conv2d(4, 4, 3, 1, 0, 1, 2, False)
    assert c.groups == 2 and c.bias is None and c.weight.shape == (4, 2, 3, 3)
    # ConvTranspose2d(in, out, k, stride, padding, output_padding, groups, bias, dilation)
    t = nn.ConvTranspose2d(4, 4, 3, 2, 1, 1, 1, False, 2)
    assert t.dilation == (2, 2) and t.bias is None and t.output_padding == (1, 1)


# --------------------------------------------------------------------- errors
def test_wrong_channel_count_is_named():
    with pytest.raises(ValueError, match=r"Conv2d: expected input with 3 channels, got 4 \(input shape \(2, 4, 8, 8\)\)"):
        nn.Conv2d(3, 8, 3)(mg.randn(2, 4, 8, 8))
    with pytest.raises(ValueError, match="ConvTranspose2d: expected input with 8 channels, got 3"):
        nn.ConvTranspose2d(8, 3, 4)(mg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="conv2d: expected input with 3 channels, got 4"):
        F.conv2d(mg.randn(2, 4, 8, 8), mg.randn(5, 3, 3, 3))


def test_bad_inputs_are_refused_clearly():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape \(3, 8\)"):
        conv(mg.randn(3, 8))
    with pytest.raises(TypeError, match="floating-point input, got dtype int64"):
        F.conv2d(mg.zeros(1, 3, 5, 5, dtype=mg.int64), conv.weight)
    with pytest.raises(TypeError, match="floating-point or integer input, got dtype bool"):
        conv(mg.zeros(1, 3, 5, 5, dtype=mg.bool_))
    with pytest.raises(TypeError, match="input has dtype float64 but weight has dtype float32"):
        conv(mg.randn(1, 3, 5, 5, dtype=mg.float64))
    with pytest.raises(ValueError, match="kernel .* spans 3 pixels but the padded input height is only 2"):
        conv(mg.randn(1, 3, 2, 9))
    with pytest.raises(ValueError, match="spans 5 pixels"):
        F.conv2d(mg.randn(1, 3, 4, 9), mg.randn(2, 3, 3, 3), dilation=2)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        nn.Conv2d(3, 8, 3, stride=0)
    with pytest.raises(ValueError, match="padding must be >= 0"):
        F.conv2d(mg.randn(1, 3, 5, 5), conv.weight, padding=-1)
    with pytest.raises(ValueError, match="in_channels must be a positive int"):
        nn.Conv2d(0, 8, 3)
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 8, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="output_padding must be smaller than either stride or dilation"):
        nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        F.conv_transpose2d(mg.randn(1, 3, 4, 4), mg.randn(3, 2, 3, 3), output_padding=1)
    with pytest.raises(ValueError, match="non-positive output size"):
        F.conv_transpose2d(mg.randn(1, 3, 1, 1), mg.randn(3, 2, 1, 1), padding=1)
    with pytest.raises(ValueError, match="weight must be 4-D"):
        F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(3, 3, 3))


def test_both_column_layouts_are_exercised():
    """The batch sizes above reach both of the fast conv2d's column layouts."""
    from minigan.fast.conv import conv_layout

    assert conv_layout(9, 8) == "cln"
    assert conv_layout(2, 3) == "cnl"


@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=CONV_IDS)
def test_banded_columns_give_the_same_convolution_and_gradients(cfg, monkeypatch, fast_layer_on):
    """Large "cln" column arrays are built a band of output rows at a time
    (minigan.fast.conv.BAND_BYTES); one-row bands must give the same results."""
    from minigan.fast import conv as conv_ops

    k, s, p, d, h, w = cfg
    rng = np.random.default_rng(7)
    x0, w0 = rng.standard_normal((9, 3, h, w)), rng.standard_normal((4, 3) + k)
    g0 = None

    def run():
        x = mg.tensor(x0, requires_grad=True)
        wt = mg.tensor(w0, requires_grad=True)
        y = F.conv2d(x, wt, None, s, p, d)
        nonlocal g0
        g0 = rng.standard_normal(y.shape) if g0 is None else g0
        y.backward(mg.tensor(g0))
        # and the transposed convolution's weight gradient (x plays its output)
        wt2 = mg.tensor(w0, requires_grad=True)
        yt = F.conv_transpose2d(mg.tensor(g0), wt2, None, s, p, dilation=d,
                                output_padding=tuple(x0.shape[2 + a] - ((g0.shape[2 + a] - 1) * s - 2 * p
                                                                         + d * (k[a] - 1) + 1)
                                                     for a in range(2)))
        (yt * mg.tensor(x0)).sum().backward()
        return [np.asarray(t).copy() for t in (y, x.grad, wt.grad, yt, wt2.grad)]

    whole = run()
    monkeypatch.setattr(conv_ops, "BAND_BYTES", 1)
    banded = run()
    for a, b in zip(whole, banded):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ------------------------------------------- few channels: GEMM first, or gather first
def _count_calls(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=CONV_IDS)
def test_conv2d_to_one_channel_matches_loops_and_gradchecks(cfg, monkeypatch, fast_layer_on):
    """A conv to one channel from eight (a generator's output layer) may
    multiply first and shift-add after (fast.conv._conv2d_gemm_first), with its
    weight gradient likewise: the same numbers as the nested loops, to second
    order. Batch 9 takes the "cln" layout, where that choice is made."""
    from minigan.fast import conv as conv_ops

    k, s, p, d, h, w = cfg
    rng = np.random.default_rng(8)
    x, wt = t64(rng, 9, 8, h, w), t64(rng, 1, 8, *k)
    fwd = _count_calls(monkeypatch, conv_ops, "_conv2d_gemm_first")
    dw = _count_calls(monkeypatch, conv_ops, "_conv_weight_grad_gemm_first")
    y = F.conv2d(x, wt, None, s, p, d)
    np.testing.assert_allclose(y.detach().numpy(), conv2d_ref(x.detach().numpy(), wt.detach().numpy(),
                                                              None, s, p, d), rtol=1e-10, atol=1e-10)
    f = lambda x, w: F.conv2d(x, w, None, s, p, d)  # noqa: E731
    assert mg.gradcheck(f, (x, wt), mode="random")
    assert mg.gradgradcheck(f, (x, wt), mode="random")
    hp, wp, oh, ow = h + 2 * p, w + 2 * p, y.shape[2], y.shape[3]
    if 2 * hp * wp <= 8 * oh * ow:  # the padded input is at most half the columns
        assert fwd and dw


@pytest.mark.parametrize("cfg", [c for c in CONVT_CONFIGS if c[1] == 1 and c[3] == 0],
                         ids=[i for c, i in zip(CONVT_CONFIGS, CONVT_IDS) if c[1] == 1 and c[3] == 0])
def test_stride_one_conv_transpose_from_one_channel_gathers_first(cfg, monkeypatch, fast_layer_on):
    """A stride-1 transposed conv from one channel (the backward of a conv to
    one channel) runs, in the fast layer, as conv2d with the flipped kernel:
    same numbers as the scatter loops, to second order."""
    from minigan.fast import conv as conv_ops

    k, s, p, op, d, h, w = cfg
    rng = np.random.default_rng(9)
    x, wt = t64(rng, 9, 1, h, w), t64(rng, 1, 8, *k)
    calls = _count_calls(monkeypatch, conv_ops, "_conv2d_array")
    y = F.conv_transpose2d(x, wt, None, s, p, op, dilation=d)
    ref = conv_transpose2d_ref(x.detach().numpy(), wt.detach().numpy(), None, s, p, op, d)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-10, atol=1e-10)
    if min(d * (kk - 1) - p for kk in k) >= 0 and y.shape[0] >= w:
        assert calls  # the gather-first route was taken
    f = lambda x, w: F.conv_transpose2d(x, w, None, s, p, op, dilation=d)  # noqa: E731
    assert mg.gradcheck(f, (x, wt), mode="random")
    assert mg.gradgradcheck(f, (x, wt), mode="random")


def test_sagan_output_layer_takes_the_few_channel_routes(monkeypatch, fast_layer_on):
    """SAGAN's last conv, 32 -> 1 channels 3x3 on 28x28 at batch 64: with the
    fast layer, forward multiplies first, its input gradient gathers first,
    its weight gradient multiplies first, and all three agree with float64
    loops' numbers."""
    from minigan.fast import conv as conv_ops

    calls = {name: _count_calls(monkeypatch, conv_ops, name)
             for name in ("_conv2d_gemm_first", "_conv_weight_grad_gemm_first")}
    rng = np.random.default_rng(10)
    x = mg.tensor(rng.standard_normal((64, 32, 28, 28)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((1, 32, 3, 3)).astype(np.float32) * 0.1, requires_grad=True)
    y = F.conv2d(x, w, None, 1, 1)
    g = rng.standard_normal(y.shape).astype(np.float32)
    gx, gw = mg.grad(y, [x, w], mg.tensor(g))
    assert all(calls.values())
    assert y.dtype == gx.dtype == gw.dtype == mg.float32
    x64, w64 = x.detach().numpy().astype(np.float64), w.detach().numpy().astype(np.float64)
    xp = np.pad(x64, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref = sum(np.einsum("c,nchw->nhw", w64[0, :, i, j], xp[:, :, i:i + 28, j:j + 28])
              for i in range(3) for j in range(3))
    np.testing.assert_allclose(y.detach().numpy()[:, 0], ref, rtol=1e-4, atol=1e-4)
    gref = np.stack([np.einsum("nhw,nchw->c", g[:, 0], xp[:, :, i:i + 28, j:j + 28])
                     for i in range(3) for j in range(3)], -1).reshape(32, 3, 3)
    np.testing.assert_allclose(gw.numpy()[0], gref, rtol=1e-4, atol=1e-2)
    gpad = np.pad(g[:, 0].astype(np.float64), ((0, 0), (1, 1), (1, 1)))
    gxref = sum(w64[0, :, i, j][None, :, None, None] * gpad[:, None, 2 - i:30 - i, 2 - j:30 - j]
                for i in range(3) for j in range(3))
    np.testing.assert_allclose(gx.numpy(), gxref, rtol=1e-4, atol=1e-4)
