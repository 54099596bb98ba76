"""minigan against PyTorch, layer by layer: wherever minigan shares a name with
torch, the same weights and inputs must give the same outputs, the same
gradients (input and every parameter), the same state_dict keys and shapes,
and the same optimizer trajectories.

Weights go from the torch object to the minigan one through ``state_dict``
(so the key names and shapes are checked on the way); default
initialisations, which draw from different generators, are compared by
their distribution statistics instead.

Skipped where torch is not installed (CI).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

import minigan  # noqa: E402
import minigan.nn as nn  # noqa: E402
import minigan.nn.functional as F  # noqa: E402
from minigan import optim  # noqa: E402
from minigan.nn import init  # noqa: E402
from minigan.nn.utils import spectral_norm  # noqa: E402

torch.set_num_threads(1)

RTOL, ATOL = 1e-4, 1e-5
# torch's own note about copying the input for an even 'same' kernel
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


@pytest.fixture(autouse=True)
def _torch_seed():
    torch.manual_seed(0)


# ---------------------------------------------------------------- helpers
def rng(seed=0):
    return np.random.default_rng(seed)


def randn(*shape, seed=0, dtype=np.float32):
    return rng(seed).standard_normal(shape).astype(dtype)


def mg(a, grad=False):
    return minigan.tensor(np.array(a), requires_grad=grad)


def tt(a, grad=False):
    return torch.tensor(np.array(a), requires_grad=grad)


def close(got, want, rtol=RTOL, atol=ATOL, what=""):
    got = np.asarray(got.detach().numpy() if isinstance(got, torch.Tensor) else got)
    want = np.asarray(want.detach().numpy() if isinstance(want, torch.Tensor) else want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs torch {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} vs torch {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


def copy_state(m_mod, t_mod):
    """torch's state_dict into the minigan module, after checking that both
    have the same keys, in the same order, with the same shapes."""
    t_sd, m_sd = t_mod.state_dict(), m_mod.state_dict()
    assert list(m_sd) == list(t_sd), f"state_dict keys {list(m_sd)} vs torch {list(t_sd)}"
    for k in t_sd:
        assert tuple(m_sd[k].shape) == tuple(t_sd[k].shape), \
            f"{k}: shape {tuple(m_sd[k].shape)} vs torch {tuple(t_sd[k].shape)}"
    m_mod.load_state_dict({k: v.detach().numpy().copy() for k, v in t_sd.items()})


def check_params_equal(m_mod, t_mod, rtol=RTOL, atol=ATOL):
    t_sd, m_sd = t_mod.state_dict(), m_mod.state_dict()
    assert list(m_sd) == list(t_sd)
    for k in t_sd:
        close(m_sd[k], t_sd[k], rtol, atol, what=k)


def compare_module(m_mod, t_mod, x, *, copy=True, rtol=RTOL, atol=ATOL, grad_input=True,
                   seed=1, steps=1):
    """Forward ``x`` through both (``steps`` times, each with its own upstream
    gradient), comparing outputs, input gradients and parameter gradients."""
    if copy:
        copy_state(m_mod, t_mod)
    for step in range(steps):
        xm, xt = mg(x, grad_input), tt(x, grad_input)
        ym, yt = m_mod(xm), t_mod(xt)
        close(ym, yt, rtol, atol, what=f"forward (step {step})")
        if not (yt.requires_grad and ym.requires_grad):
            continue
        g = randn(*yt.shape, seed=seed + step, dtype=x.dtype)
        m_mod.zero_grad()
        t_mod.zero_grad()
        ym.backward(mg(g))
        yt.backward(tt(g))
        if grad_input:
            close(xm.grad, xt.grad, rtol, atol, what=f"input grad (step {step})")
        m_params = dict(m_mod.named_parameters())
        t_params = dict(t_mod.named_parameters())
        assert sorted(m_params) == sorted(t_params)
        for k, tp in t_params.items():
            if tp.grad is None:
                assert m_params[k].grad is None or not np.any(np.asarray(m_params[k].grad))
            else:
                close(m_params[k].grad, tp.grad, rtol, atol, what=f"grad of {k} (step {step})")
    return ym, yt


# ================================================================ nn layers
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("in_shape", [(5, 7), (2, 3, 7), (7,)])
def test_linear(bias, in_shape):
    t = tnn.Linear(7, 4, bias=bias)
    m = nn.Linear(7, 4, bias=bias)
    compare_module(m, t, randn(*in_shape))


def test_linear_float64():
    t = tnn.Linear(6, 3).double()
    m = nn.Linear(6, 3, dtype=np.float64)
    compare_module(m, t, randn(4, 6, dtype=np.float64), rtol=1e-10, atol=1e-12)


CONV_CASES = [
    dict(),
    dict(stride=2),
    dict(stride=(2, 1), padding=(1, 2)),
    dict(padding=1, dilation=2),
    dict(kernel_size=(3, 2), dilation=(2, 1), stride=(1, 2)),
    dict(groups=2),
    dict(groups=4, out_channels=8, stride=2, padding=1),
    dict(bias=False),
    dict(padding="same"),
    dict(padding="same", kernel_size=4, dilation=(1, 2)),  # odd total padding: extra on the right
    dict(padding="valid"),
    dict(padding=1, padding_mode="reflect"),
    dict(padding=(2, 1), padding_mode="replicate"),
    dict(padding=1, padding_mode="circular", stride=2),
    dict(padding="same", padding_mode="reflect", kernel_size=4),
]


@pytest.mark.parametrize("kw", CONV_CASES, ids=str)
def test_conv2d(kw):
    kw = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, **kw}
    if kw.get("groups") == 4:
        kw["out_channels"] = 8
    t = tnn.Conv2d(**kw)
    m = nn.Conv2d(**kw)
    compare_module(m, t, randn(2, 4, 9, 8))
    assert m.padding == t.padding
    assert m.kernel_size == t.kernel_size and m.stride == t.stride
    assert m.dilation == t.dilation


@pytest.mark.parametrize("make,shape", [
    (lambda lib: lib.BatchNorm2d(3), (4, 3, 2, 2)),
    (lambda lib: lib.BatchNorm1d(3, momentum=None), (5, 3)),
    (lambda lib: lib.LayerNorm((2, 3)), (4, 2, 3)),
    (lambda lib: lib.ConvTranspose2d(3, 2, 4, stride=2, padding=1, groups=1), (2, 3, 3, 3)),
    (lambda lib: lib.Conv2d(4, 2, 3, stride=2, groups=2, padding_mode="reflect", padding=1),
     (2, 4, 5, 5)),
], ids=["bn2d", "bn1d", "ln", "convT", "conv"])
def test_float64_modules(make, shape):
    m, t = make(nn).double(), make(tnn).double()
    compare_module(m, t, randn(*shape, dtype=np.float64), rtol=1e-10, atol=1e-12, steps=2)
    check_params_equal(m, t, rtol=1e-12, atol=1e-14)


def test_conv2d_unbatched_and_float64():
    t = tnn.Conv2d(3, 5, 3, padding=1).double()
    m = nn.Conv2d(3, 5, 3, padding=1, dtype=np.float64)
    compare_module(m, t, randn(3, 6, 6, dtype=np.float64), rtol=1e-10, atol=1e-12)


CONVT_CASES = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1),
    dict(kernel_size=4, stride=2, padding=1),  # DCGAN's upsampling block
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(3, 2), output_padding=(2, 1)),
    dict(dilation=2, padding=1),
    dict(dilation=3, stride=2, output_padding=2),  # output_padding >= stride, < dilation
    dict(groups=2),
    dict(groups=2, stride=2, padding=1, output_padding=1, dilation=2),
    dict(bias=False, stride=2),
]


@pytest.mark.parametrize("kw", CONVT_CASES, ids=str)
def test_conv_transpose2d(kw):
    kw = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, **kw}
    t = tnn.ConvTranspose2d(**kw)
    m = nn.ConvTranspose2d(**kw)
    compare_module(m, t, randn(2, 4, 5, 6))


def test_conv_transpose2d_output_size():
    t = tnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    m = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    copy_state(m, t)
    x = randn(1, 3, 4, 5)
    close(m(mg(x), output_size=(8, 10)), t(tt(x), output_size=(8, 10)))
    close(m(mg(x), output_size=[1, 2, 7, 9]), t(tt(x), output_size=[1, 2, 7, 9]))


REPRS = ["Linear(3, 4)", "Linear(3, 4, bias=False)", "Conv2d(3, 4, 3)",
         "Conv2d(3, 4, (3, 2), stride=2, padding=1, dilation=2, bias=False, "
         "padding_mode='reflect')",
         "Conv2d(2, 4, 3, padding='same')", "Conv2d(2, 4, 3, padding='valid', groups=2)",
         "ConvTranspose2d(3, 4, 4, 2, 1)",
         "ConvTranspose2d(4, 4, 3, stride=2, output_padding=1, groups=2)",
         "Embedding(5, 3)", "Embedding(5, 3, padding_idx=1)", "ReLU()", "ReLU(inplace=True)",
         "LeakyReLU(0.2)", "LeakyReLU(0.2, inplace=True)", "Tanh()", "Sigmoid()", "Softplus()",
         "Softplus(beta=2, threshold=10)", "Softmax(dim=1)", "LogSoftmax(dim=-1)", "Softmax()",
         "Dropout()", "Dropout(0.3)", "AvgPool2d(2)", "AvgPool2d(3, 2, 1)",
         "Upsample(scale_factor=2)", "Upsample(size=(4, 5))", "Flatten()",
         "Unflatten(1, (2, 3))", "Identity()", "Sequential(Linear(2, 3), ReLU())",
         "ModuleList([Linear(1, 1)])", "ModuleDict({'a': Linear(1, 1)})",
         "BatchNorm2d(3)", "BatchNorm2d(3, bias=False)", "LayerNorm(5)", "LayerNorm(5, bias=False)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_like_torch(expr):
    m = eval(expr, {k: getattr(nn, k) for k in dir(nn)})
    t = eval(expr, {k: getattr(tnn, k) for k in dir(tnn) if not k.startswith("_")})
    assert repr(m) == repr(t)


# ---------------------------------------------------------------- normalisation
BN_CASES = [
    dict(),
    dict(momentum=None),
    dict(momentum=0.3, eps=1e-3),
    dict(affine=False),
    dict(track_running_stats=False),
    dict(affine=False, track_running_stats=False),
]


@pytest.mark.parametrize("kw", BN_CASES, ids=str)
@pytest.mark.parametrize("kind,shape", [("1d", (8, 3)), ("1d", (4, 3, 5)), ("2d", (4, 3, 5, 2))])
def test_batch_norm(kw, kind, shape):
    t = (tnn.BatchNorm1d if kind == "1d" else tnn.BatchNorm2d)(3, **kw)
    m = (nn.BatchNorm1d if kind == "1d" else nn.BatchNorm2d)(3, **kw)
    if kw.get("affine", True):  # non-trivial affine parameters
        with torch.no_grad():
            t.weight.copy_(torch.tensor([0.5, 1.5, -2.0]))
            t.bias.copy_(torch.tensor([0.1, -0.3, 0.7]))
    copy_state(m, t)
    for step in range(4):  # running statistics after several training steps
        x = randn(*shape, seed=10 + step) * 2.0 + step
        compare_module(m, t, x, copy=False, seed=step)
        check_params_equal(m, t)
    if kw.get("track_running_stats", True):
        assert int(m.num_batches_tracked.item()) == int(t.num_batches_tracked) == 4
    m.eval()
    t.eval()
    compare_module(m, t, randn(*shape, seed=99), copy=False)
    check_params_equal(m, t)


def test_batch_norm_device_dtype_and_bias_arguments():
    m = nn.BatchNorm2d(3, 1e-5, 0.1, True, True, "cpu", np.float64, bias=False)
    t = tnn.BatchNorm2d(3, 1e-5, 0.1, True, True, "cpu", torch.float64, bias=False)
    assert list(m.state_dict()) == list(t.state_dict())
    assert m.weight.dtype == np.float64


def test_layer_norm_device_dtype_arguments():
    m = nn.LayerNorm(4, 1e-5, True, True, "cpu", np.float64)
    assert m.weight.dtype == np.float64


def test_batch_norm_eval_from_loaded_running_stats():
    t = tnn.BatchNorm2d(3)
    with torch.no_grad():
        t.running_mean.copy_(torch.tensor([0.5, -1.0, 2.0]))
        t.running_var.copy_(torch.tensor([0.25, 4.0, 1.5]))
        t.weight.copy_(torch.tensor([1.5, 0.5, -1.0]))
    t.eval()
    m = nn.BatchNorm2d(3).eval()
    compare_module(m, t, randn(2, 3, 4, 4))


def test_functional_batch_norm():
    x = randn(6, 3, 2, 2)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    rm_m, rv_m = minigan.zeros(3), minigan.ones(3)
    w, b = randn(3, seed=1), randn(3, seed=2)
    for training in (True, False):
        xm, xt = mg(x, True), tt(x, True)
        wm, wt, bm, bt = mg(w, True), tt(w, True), mg(b, True), tt(b, True)
        ym = F.batch_norm(xm, rm_m, rv_m, wm, bm, training=training, momentum=0.2, eps=1e-4)
        yt = TF.batch_norm(xt, rm_t, rv_t, wt, bt, training=training, momentum=0.2, eps=1e-4)
        close(ym, yt)
        close(rm_m, rm_t)
        close(rv_m, rv_t)
        g = randn(*x.shape, seed=3)
        ym.backward(mg(g))
        yt.backward(tt(g))
        for a, b_ in ((xm, xt), (wm, wt), (bm, bt)):
            close(a.grad, b_.grad)
    # batch statistics without running ones, no affine
    close(F.batch_norm(mg(x), None, None, training=True),
          TF.batch_norm(tt(x), None, None, training=True))


@pytest.mark.parametrize("kw,shape", [
    (dict(normalized_shape=5), (3, 5)),
    (dict(normalized_shape=(4, 5)), (2, 3, 4, 5)),
    (dict(normalized_shape=5, elementwise_affine=False), (3, 5)),
    (dict(normalized_shape=5, bias=False), (2, 3, 5)),
    (dict(normalized_shape=[3, 5], eps=1e-2), (2, 3, 5)),
], ids=str)
def test_layer_norm(kw, shape):
    t = tnn.LayerNorm(**kw)
    m = nn.LayerNorm(**kw)
    if t.weight is not None:
        with torch.no_grad():
            t.weight.copy_(torch.randn(t.weight.shape))
            if t.bias is not None:
                t.bias.copy_(torch.randn(t.bias.shape))
    compare_module(m, t, randn(*shape) * 3 + 1)
    assert m.normalized_shape == t.normalized_shape


def test_functional_layer_norm():
    x, w, b = randn(2, 3, 4), randn(3, 4, seed=1), randn(3, 4, seed=2)
    close(F.layer_norm(mg(x), (3, 4), mg(w), mg(b), eps=1e-3),
          TF.layer_norm(tt(x), (3, 4), tt(w), tt(b), eps=1e-3))


# ---------------------------------------------------------------- embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding(padding_idx):
    t = tnn.Embedding(6, 4, padding_idx=padding_idx)
    m = nn.Embedding(6, 4, padding_idx=padding_idx)
    assert m.padding_idx == t.padding_idx
    copy_state(m, t)
    idx = np.array([[0, 2, 5], [2, 2, 1]], dtype=np.int64)
    ym, yt = m(minigan.tensor(idx)), t(torch.tensor(idx))
    close(ym, yt)
    g = randn(2, 3, 4, seed=1)
    ym.backward(mg(g))
    yt.backward(tt(g))
    close(m.weight.grad, t.weight.grad)
    if padding_idx is not None:  # the padding row starts at zero, as in torch
        row = padding_idx % 6
        assert not np.any(np.asarray(nn.Embedding(6, 4, padding_idx=padding_idx).weight)[row])


@pytest.mark.parametrize("kw", [dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0),
                                dict(scale_grad_by_freq=True),
                                dict(scale_grad_by_freq=True, padding_idx=2, max_norm=2.0)],
                         ids=str)
def test_embedding_max_norm_and_scale_grad_by_freq(kw):
    t = tnn.Embedding(6, 4, **kw)
    m = nn.Embedding(6, 4, **kw)
    assert repr(m) == repr(t)
    copy_state(m, t)
    idx = np.array([[0, 2, 5], [2, 2, 1]], dtype=np.int64)
    for step in range(2):
        ym, yt = m(minigan.tensor(idx)), t(torch.tensor(idx))
        close(ym, yt)
        close(m.weight, t.weight)  # max_norm renormalises the looked-up rows in place
        g = randn(2, 3, 4, seed=step)
        m.zero_grad()
        t.zero_grad()
        ym.backward(mg(g))
        yt.backward(tt(g))
        close(m.weight.grad, t.weight.grad)
    w = randn(6, 4, seed=3)
    close(F.embedding(minigan.tensor(idx), mg(w), padding_idx=-1, max_norm=1.5),
          TF.embedding(torch.tensor(idx), tt(w), padding_idx=-1, max_norm=1.5))


def test_embedding_from_pretrained():
    w = randn(5, 3)
    for freeze in (True, False):
        m = nn.Embedding.from_pretrained(mg(w), freeze=freeze, padding_idx=1)
        t = tnn.Embedding.from_pretrained(tt(w), freeze=freeze, padding_idx=1)
        assert m.weight.requires_grad == t.weight.requires_grad
        assert repr(m) == repr(t)
        close(m(minigan.tensor(np.array([1, 4]))), t(torch.tensor(np.array([1, 4]))))


# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    ("ReLU", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("LeakyReLU", (), dict(negative_slope=-0.5)),
    ("Tanh", (), {}),
    ("Sigmoid", (), {}),
    ("Softplus", (), {}),
    ("Softplus", (), dict(beta=2.0, threshold=3.0)),
    ("Softplus", (), dict(beta=0.5)),
    ("Softmax", (), dict(dim=1)),
    ("Softmax", (), dict(dim=-1)),
    ("LogSoftmax", (), dict(dim=1)),
    ("LogSoftmax", (), dict(dim=0)),
    ("Identity", (), {}),
    ("Flatten", (), {}),
    ("Flatten", (), dict(start_dim=0, end_dim=2)),
    ("Flatten", (), dict(start_dim=2)),
    ("Unflatten", (1, (2, 3)), {}),
    ("Unflatten", (-1, (2, 2)), {}),
]


@pytest.mark.parametrize("name,args,kw", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_modules(name, args, kw):
    t = getattr(tnn, name)(*args, **kw)
    m = getattr(nn, name)(*args, **kw)
    x = randn(4, 6, 2, 4) * 4
    x[0, 0, 0, :] = [0.0, 30.0, -30.0, 1e-3]  # zero, saturation, the softplus threshold
    if name == "Unflatten":
        x = randn(2, 6, 4) if args[0] == 1 else randn(3, 2, 4)
    compare_module(m, t, x)


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_implicit_dim(name, ndim):
    x = randn(*(3, 4, 2, 5)[:ndim])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(getattr(nn, name)()(mg(x)), getattr(tnn, name)()(tt(x)))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_functional_softmax_implicit_dim_and_dtype(name, ndim):
    x = randn(*(3, 4, 2, 5)[:ndim])
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ym = getattr(F, name)(mg(x))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        yt = getattr(TF, name)(tt(x))
    close(ym, yt)
    ym = getattr(F, name)(mg(x), dim=-1, dtype=np.float64)
    yt = getattr(TF, name)(tt(x), dim=-1, dtype=torch.float64)
    assert ym.dtype == np.float64
    close(ym, yt, rtol=1e-6, atol=1e-7)
    close(getattr(F, name)(input=mg(x), dim=0), getattr(TF, name)(input=tt(x), dim=0))


def test_functional_activations():
    x = randn(3, 5) * 5
    x[0, :3] = [0.0, 25.0, -25.0]
    cases = [
        ("relu", {}), ("leaky_relu", {}), ("leaky_relu", dict(negative_slope=0.3)),
        ("sigmoid", {}), ("tanh", {}), ("softplus", {}),
        ("softplus", dict(beta=3.0, threshold=5.0)),
        ("softmax", dict(dim=0)), ("log_softmax", dict(dim=1)),
    ]
    for name, kw in cases:
        xm, xt = mg(x, True), tt(x, True)
        tfn = getattr(torch, name) if name in ("sigmoid", "tanh") else getattr(TF, name)
        ym, yt = getattr(F, name)(xm, **kw), tfn(xt, **kw)
        close(ym, yt, what=name)
        g = randn(3, 5, seed=2)
        ym.backward(mg(g))
        yt.backward(tt(g))
        close(xm.grad, xt.grad, what=f"{name} grad")


# ---------------------------------------------------------------- dropout
def test_dropout_eval_is_identity_and_train_scales():
    x = randn(200, 50) + 3
    m, t = nn.Dropout(0.3), tnn.Dropout(0.3)
    m.eval()
    t.eval()
    close(m(mg(x)), t(tt(x)))
    m.train()
    y = np.asarray(m(mg(x)))
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    # p = 0 and p = 1, as torch
    close(nn.Dropout(0.0)(mg(x)), tnn.Dropout(0.0)(tt(x)))
    close(nn.Dropout(1.0)(mg(x)), tnn.Dropout(1.0)(tt(x)))
    close(F.dropout(mg(x), 0.5, training=False), TF.dropout(tt(x), 0.5, training=False))
    # F.dropout trains by default, as torch's does
    assert np.any(np.asarray(F.dropout(mg(x), 0.5)) == 0)
    assert torch.any(TF.dropout(tt(x), 0.5) == 0)
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    with pytest.raises(ValueError):
        tnn.Dropout(1.5)


# ---------------------------------------------------------------- pooling and resampling
@pytest.mark.parametrize("kw", [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    dict(kernel_size=3, padding=1, count_include_pad=False),
    dict(kernel_size=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=2, divisor_override=3),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=2),
], ids=str)
def test_avg_pool2d(kw):
    compare_module(nn.AvgPool2d(**kw), tnn.AvgPool2d(**kw), randn(2, 3, 7, 6))
    compare_module(nn.AvgPool2d(**kw), tnn.AvgPool2d(**kw), randn(3, 7, 6))


@pytest.mark.parametrize("kw,shape", [
    (dict(scale_factor=2), (2, 3, 4, 5)),
    (dict(scale_factor=3), (1, 2, 3, 3)),
    (dict(scale_factor=(2, 3)), (1, 2, 3, 3)),
    (dict(scale_factor=1.5), (1, 2, 4, 5)),
    (dict(scale_factor=0.5), (1, 2, 6, 5)),
    (dict(size=(7, 5)), (1, 2, 3, 4)),
    (dict(size=9), (1, 2, 4, 4)),
    (dict(size=3), (1, 2, 7, 5)),
    (dict(scale_factor=2), (2, 3, 5)),
], ids=str)
def test_upsample_nearest(kw, shape):
    compare_module(nn.Upsample(**kw), tnn.Upsample(**kw), randn(*shape))
    x = randn(*shape)
    close(F.interpolate(mg(x), mode="nearest", **kw), TF.interpolate(tt(x), mode="nearest", **kw))
    if "scale_factor" in kw:  # picks pixels by in / out instead of 1 / scale_factor
        kw = dict(kw, recompute_scale_factor=True)
        compare_module(nn.Upsample(**kw), tnn.Upsample(**kw), randn(*shape))


def test_interpolate_recompute_scale_factor_differs_and_matches():
    x = randn(1, 1, 5, 7)
    a = TF.interpolate(tt(x), scale_factor=1.7)
    b = TF.interpolate(tt(x), scale_factor=1.7, recompute_scale_factor=True)
    assert not torch.equal(a, b)  # the case distinguishes the two rules
    close(F.interpolate(mg(x), scale_factor=1.7), a)
    close(F.interpolate(mg(x), scale_factor=1.7, recompute_scale_factor=True), b)
    for kw in (dict(size=(3, 3), recompute_scale_factor=True),
               dict(scale_factor=2, antialias=True)):
        with pytest.raises((ValueError, RuntimeError)):
            TF.interpolate(tt(x), **kw)
        with pytest.raises(ValueError):
            F.interpolate(mg(x), **kw)


# ---------------------------------------------------------------- containers
def _generator_pair():
    def build(lib):
        return lib.Sequential(
            lib.Linear(4, 12), lib.ReLU(),
            lib.Unflatten(1, (3, 2, 2)),
            lib.ConvTranspose2d(3, 2, 4, stride=2, padding=1),
            lib.BatchNorm2d(2), lib.LeakyReLU(0.2),
            lib.Conv2d(2, 1, 3, padding=1), lib.Tanh(),
        )
    return build(nn), build(tnn)


def test_sequential_state_dict_and_forward():
    m, t = _generator_pair()
    compare_module(m, t, randn(5, 4), steps=2)
    check_params_equal(m, t)
    assert len(m) == len(t)
    assert [type(c).__name__ for c in m] == [type(c).__name__ for c in t]


def _five(lib):
    return lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 4), lib.Tanh(),
                          lib.Linear(4, 1))


@pytest.mark.parametrize("op", [
    "r = s[1:]", "r = s[::2]", "r = s[-1]", "r = s[2:4]", "del s[1]", "del s[1:3]",
    "s.append(lib.Linear(1, 2))", "s.insert(1, lib.Linear(2, 2))",
    "s.extend([lib.ReLU(), lib.Linear(1, 1)])", "r = s.pop(2)", "s[1] = lib.Linear(3, 3)",
    "s = lib.ModuleList(list(s)); r = s[1:]", "s = lib.ModuleList(list(s)); del s[0]",
    "s = lib.ModuleList(list(s)); s.insert(0, lib.Linear(3, 3))",
    "s = lib.ModuleList(list(s)); s += [lib.Linear(5, 5)]",
    "s = lib.ModuleList(list(s)); r = s.pop(1)",
    "s = lib.ModuleList(list(s)) + lib.ModuleList([lib.Linear(4, 4)])",
    "s = lib.ModuleDict({'b': s[0], 'a': s[2]}); s.update({'c': lib.Linear(2, 2)})",
    "s = lib.ModuleDict({'b': s[0], 'a': s[2]}); r = s.pop('b')",
    "s = lib.ModuleDict({'b': s[0], 'a': s[2]}); del s['a']; s['z'] = lib.Linear(3, 3)",
])
def test_container_edits_keep_torch_names(op):
    """Slicing, deleting, inserting and popping name the modules as torch does."""
    out = []
    for lib in (nn, tnn):
        scope = {"s": _five(lib), "lib": lib, "r": None}
        exec(op, scope)
        r = scope["r"]
        out.append((list(scope["s"].state_dict()), type(r).__name__,
                    list(r.state_dict()) if r is not None else None))
    assert out[0] == out[1]


def test_module_list_and_dict_keys():
    class Net:
        def __init__(self, lib):
            class N(lib.Module):
                def __init__(self):
                    super().__init__()
                    self.blocks = lib.ModuleList([lib.Linear(3, 3), lib.BatchNorm1d(3)])
                    self.blocks.append(lib.Linear(3, 2, bias=False))
                    self.heads = lib.ModuleDict({"b": lib.Linear(2, 1), "a": lib.Linear(2, 4)})
                    self.seq = lib.Sequential()
                    self.seq.add_module("inner", lib.Linear(1, 1))

                def forward(self, x):
                    for b in self.blocks:
                        x = b(x)
                    a = self.heads["a"](x)
                    return self.heads["b"](x) + (a.sum(-1, keepdims=True) if lib is nn
                                                 else a.sum(-1, keepdim=True))
            self.net = N()
    m, t = Net(nn).net, Net(tnn).net
    assert list(m.state_dict()) == list(t.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert list(m.heads.keys()) == list(t.heads.keys())
    compare_module(m, t, randn(4, 3))


def _shared(lib):
    class N(lib.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.Linear(2, 2)
            self.b = self.a  # one module under two names
            self.c = lib.Linear(2, 3)
            self.c.weight = lib.Parameter(self.c.weight.detach() * 2)  # replaced in place
            zeros = minigan.zeros if lib is nn else torch.zeros
            self.register_buffer("scratch", zeros(2), persistent=False)
            self.register_buffer("kept", zeros(1))
            self.seq = lib.Sequential(lib.Linear(3, 3), lib.BatchNorm1d(3))
            tied = lib.Linear(3, 3)
            tied.weight = self.seq[0].weight  # a tied parameter
            self.tied = tied
    return N()


def test_module_traversal_and_state_dict_like_torch():
    m, t = _shared(nn), _shared(tnn)
    assert list(m.state_dict()) == list(t.state_dict())  # 'b.*' and 'tied.weight' included
    for fn in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(m, fn)()] == [n for n, _ in getattr(t, fn)()], fn
    assert len(list(m.parameters(recurse=False))) == len(list(t.parameters(recurse=False)))
    order_m, order_t = [], []
    m.apply(lambda x: order_m.append(type(x).__name__))
    t.apply(lambda x: order_t.append(type(x).__name__))
    assert order_m == order_t  # children first, in order, then the parent
    assert m.eval() is m and not m.seq[1].training


def test_module_double_converts_gradients_too():
    m, t = nn.Linear(3, 2), tnn.Linear(3, 2)
    copy_state(m, t)
    x = randn(4, 3)
    m(mg(x)).sum().backward()
    t(tt(x)).sum().backward()
    m.double()
    t.double()
    close(m.weight.grad, t.weight.grad)  # kept, and cast like the parameter
    close(m.bias.grad, t.bias.grad)


def test_load_state_dict_result_like_torch():
    m, t = _shared(nn), _shared(tnn)
    sd = {k: v.numpy() for k, v in t.state_dict().items()}
    del sd["c.bias"]
    sd["extra"] = np.zeros(1, np.float32)
    rm = m.load_state_dict(sd, strict=False)
    rt = t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    assert rm.missing_keys == rt.missing_keys and rm.unexpected_keys == rt.unexpected_keys
    assert tuple(rm) == tuple(rt)
    with pytest.raises(RuntimeError):
        t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    with pytest.raises(RuntimeError):
        m.load_state_dict(sd)


def _critic(lib, norm):
    layers = [lib.Conv2d(2, 4, 3, stride=2, padding=1), lib.LeakyReLU(0.2),
              lib.ConvTranspose2d(4, 3, 4, stride=2, padding=1),
              lib.BatchNorm2d(3) if norm == "bn" else lib.Identity(), lib.Softplus(beta=2.0),
              lib.Conv2d(3, 3, 3, padding="same", groups=3, padding_mode="reflect"),
              lib.AvgPool2d(2), lib.Upsample(scale_factor=2), lib.Tanh(),
              lib.Flatten(), lib.LayerNorm(3 * 6 * 6) if norm == "ln" else lib.Identity(),
              lib.Linear(3 * 6 * 6, 5), lib.Sigmoid(), lib.Linear(5, 1)]
    if norm == "sn":
        sn = nn.utils.spectral_norm if lib is nn else tnn.utils.spectral_norm
        layers = [sn(a) if isinstance(a, (lib.Conv2d, lib.ConvTranspose2d, lib.Linear)) else a
                  for a in layers]
    return lib.Sequential(*layers).double()


@pytest.mark.parametrize("norm", ["none", "ln", "bn", "sn"])
def test_gradient_penalty_second_derivatives(norm):
    """WGAN-GP's penalty (||d D(x) / dx|| - 1)^2 differentiated w.r.t. every
    parameter: double backward through each layer, against torch's, in float64."""
    m, t = _critic(nn, norm), _critic(tnn, norm)
    copy_state(m, t)
    x = randn(3, 2, 6, 6, dtype=np.float64)
    xm, xt = mg(x, True), tt(x, True)
    (gm,) = minigan.grad(m(xm).sum(), [xm], create_graph=True)
    (gt,) = torch.autograd.grad(t(xt).sum(), [xt], create_graph=True)
    close(gm, gt, rtol=1e-9, atol=1e-11, what="d D / dx")
    pen_m = ((gm.reshape(3, -1).square().sum(1).sqrt() - 1.0) ** 2).mean()
    pen_t = ((gt.reshape(3, -1).square().sum(1).sqrt() - 1.0) ** 2).mean()
    close(pen_m, pen_t, rtol=1e-9, atol=1e-11, what="penalty")
    m.zero_grad()
    t.zero_grad()
    pen_m.backward()
    pen_t.backward()
    for (k, pm), (_, pt) in zip(m.named_parameters(), t.named_parameters()):
        if pt.grad is None:  # the last bias does not reach d D / dx
            assert pm.grad is None or not np.any(np.asarray(pm.grad)), k
            continue
        close(pm.grad, pt.grad, rtol=1e-7, atol=1e-10, what=f"d penalty / d {k}")
    close(xm.grad, xt.grad, rtol=1e-7, atol=1e-10, what="d penalty / dx")


# ---------------------------------------------------------------- spectral norm
@pytest.mark.parametrize("make,in_shape,iters", [
    (lambda lib: lib.Linear(5, 7), (3, 5), 1),
    (lambda lib: lib.Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5), 1),
    (lambda lib: lib.ConvTranspose2d(3, 4, 4, stride=2, padding=1), (2, 3, 3, 3), 1),
    (lambda lib: lib.ConvTranspose2d(3, 4, 4, stride=2, padding=1), (2, 3, 3, 3), 2),
], ids=["linear", "conv", "convT", "convT-2iters"])
def test_spectral_norm(make, in_shape, iters):
    t = tnn.utils.spectral_norm(make(tnn), n_power_iterations=iters)
    m = spectral_norm(make(nn), n_power_iterations=iters)
    t_sd = t.state_dict()
    assert list(m.state_dict()) == list(t_sd)  # weight_orig, weight_u, weight_v (+ bias)
    assert {"weight_orig", "weight_u", "weight_v"} <= set(t_sd)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    # several training-mode calls: u and v advance identically
    compare_module(m, t, randn(*in_shape), steps=3)
    check_params_equal(m, t)
    close(m.weight, t.weight)
    # eval: no power iteration, same normalised weight
    m.eval()
    t.eval()
    u_before = np.asarray(m.weight_u).copy()
    compare_module(m, t, randn(*in_shape, seed=5), copy=False, steps=2)
    np.testing.assert_array_equal(np.asarray(m.weight_u), u_before)
    check_params_equal(m, t)


def test_spectral_norm_explicit_dim_and_remove():
    t = tnn.utils.spectral_norm(tnn.Linear(4, 6), dim=1, eps=1e-6)
    m = spectral_norm(nn.Linear(4, 6), dim=1, eps=1e-6)
    assert m.weight_u.shape == tuple(t.weight_u.shape)
    compare_module(m, t, randn(3, 4), steps=2)
    tnn.utils.remove_spectral_norm(t)
    nn.utils.remove_spectral_norm(m)
    assert list(m.state_dict()) == list(t.state_dict())
    close(m.weight, t.weight)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_with_dim_route_tied_gradients_to_the_index(name, dim, keepdim):
    x = np.array([[[1.0, 3.0, 3.0], [0.0, 0.0, -1.0]], [[2.0, 2.0, 2.0], [5.0, -4.0, 5.0]]],
                 np.float32)
    xm, xt = mg(x, True), tt(x, True)
    rm = getattr(minigan, name)(xm, dim=dim, keepdim=keepdim)
    rt = getattr(torch, name)(xt, dim=dim, keepdim=keepdim)
    close(rm.values, rt.values)
    np.testing.assert_array_equal(np.asarray(rm.indices), rt.indices.numpy())
    g = randn(*rt.values.shape, seed=1)
    rm.values.backward(mg(g))
    rt.values.backward(tt(g))
    close(xm.grad, xt.grad)


def test_max_min_positional_dim_and_other_tensor_like_torch():
    x = randn(3, 4)
    for name in ("max", "min"):
        rm, rt = getattr(mg(x), name)(1), getattr(tt(x), name)(1)  # (values, indices)
        close(rm[0], rt[0])
        np.testing.assert_array_equal(np.asarray(rm[1]), rt[1].numpy())
        rm, rt = getattr(minigan, name)(mg(x), 0, True), getattr(torch, name)(tt(x), 0, True)
        close(rm.values, rt.values)
        close(getattr(minigan, name)(mg(x)), getattr(torch, name)(tt(x)))
        y = randn(3, 4, seed=1)
        close(getattr(minigan, name)(mg(x), mg(y)), getattr(torch, name)(tt(x), tt(y)))


# ================================================================ functional
def _same_outputs_and_grads(fn_m, fn_t, *arrays):
    """fn_m on minigan tensors and fn_t on torch ones: the same output, and
    the same gradient of every input for one random upstream gradient."""
    ms, ts = [mg(a, True) for a in arrays], [tt(a, True) for a in arrays]
    ym, yt = fn_m(*ms), fn_t(*ts)
    close(ym, yt)
    g = randn(*yt.shape, seed=3)
    ym.backward(mg(g))
    yt.backward(tt(g))
    for a, b_ in zip(ms, ts):
        close(a.grad, b_.grad)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, groups=2),
                                dict(padding=(0, 2), stride=(1, 3)), dict(padding="same"),
                                dict(padding="valid")], ids=str)
def test_functional_conv2d(kw):
    x, w, b = randn(2, 4, 7, 8), randn(6, 4 // kw.get("groups", 1), 3, 3, seed=1), randn(6, seed=2)
    _same_outputs_and_grads(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), x, w, b)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1),
                                dict(groups=2, dilation=2),
                                dict(stride=(2, 3), output_padding=(1, 2))],
                         ids=str)
def test_functional_conv_transpose2d(kw):
    x, w, b = randn(2, 4, 4, 5), randn(4, 3, 3, 3, seed=1), randn(3 * kw.get("groups", 1), seed=2)
    _same_outputs_and_grads(lambda *a: F.conv_transpose2d(*a, **kw),
                            lambda *a: TF.conv_transpose2d(*a, **kw), x, w, b)


def test_functional_linear_and_avg_pool():
    x, w, b = randn(3, 2, 5), randn(4, 5, seed=1), randn(4, seed=2)
    close(F.linear(mg(x), mg(w), mg(b)), TF.linear(tt(x), tt(w), tt(b)))
    close(F.linear(mg(x), mg(w)), TF.linear(tt(x), tt(w)))
    x = randn(2, 3, 6, 6)
    close(F.avg_pool2d(mg(x), 2), TF.avg_pool2d(tt(x), 2))
    close(F.avg_pool2d(mg(x), 3, 2, 1, count_include_pad=False),
          TF.avg_pool2d(tt(x), 3, 2, 1, count_include_pad=False))
    # PyTorch's positional order: ceil_mode, count_include_pad, divisor_override
    close(F.avg_pool2d(mg(x), 3, 2, 1, True, False), TF.avg_pool2d(tt(x), 3, 2, 1, True, False))
    close(nn.AvgPool2d(3, 2, 1, True, False, None)(mg(x)),
          tnn.AvgPool2d(3, 2, 1, True, False, None)(tt(x)))
    x = randn(1, 2, 5, 5)  # ceil mode's last window would start in the padding: dropped
    for cip in (True, False):
        close(F.avg_pool2d(mg(x), 2, 3, 1, True, cip), TF.avg_pool2d(tt(x), 2, 3, 1, True, cip))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", [(1, 2), (2, 1, 0, 3), (1, 1, 1, 1)])
def test_functional_pad(mode, amounts):
    # torch pads 1 axis of 2-D/3-D inputs, 2 axes of 3-D/4-D ones in non-constant modes
    x = randn(2, 4, 5) if len(amounts) == 2 else randn(2, 3, 4, 5)
    xm, xt = mg(x, True), tt(x, True)
    ym, yt = F.pad(xm, amounts, mode=mode), TF.pad(xt, amounts, mode=mode)
    close(ym, yt)
    g = randn(*yt.shape, seed=1)
    ym.backward(mg(g))
    yt.backward(tt(g))
    close(xm.grad, xt.grad)


def test_functional_pad_constant_value_and_crop():
    x = randn(2, 3, 4)
    close(F.pad(mg(x), (1, 2), value=None), TF.pad(tt(x), (1, 2), value=None))
    close(F.pad(mg(x), (1, 2), value=-3.0), TF.pad(tt(x), (1, 2), value=-3.0))
    close(F.pad(mg(x), (-1, 2, 1, -1)), TF.pad(tt(x), (-1, 2, 1, -1)))
    close(F.pad(mg(x), (1, 1, 1, 1, 1, 1)), TF.pad(tt(x), (1, 1, 1, 1, 1, 1)))


def test_functional_one_hot():
    lab = np.array([[0, 3], [2, 1]], dtype=np.int64)
    np.testing.assert_array_equal(np.asarray(F.one_hot(minigan.tensor(lab))),
                                  TF.one_hot(torch.tensor(lab)).numpy())
    np.testing.assert_array_equal(np.asarray(F.one_hot(minigan.tensor(lab), 6)),
                                  TF.one_hot(torch.tensor(lab), 6).numpy())
    assert F.one_hot(minigan.tensor(lab)).dtype == np.int64


# ================================================================ losses
REDUCTIONS = ["mean", "sum", "none"]


def _loss_check(fn_m, fn_t, x, *others, rtol=RTOL, atol=ATOL, **kw):
    """Value and input gradient of a loss (others are non-differentiable)."""
    xm, xt = mg(x, True), tt(x, True)
    om = [o if not isinstance(o, np.ndarray) else minigan.tensor(o) for o in others]
    ot = [o if not isinstance(o, np.ndarray) else torch.tensor(o) for o in others]
    kw_m = {k: (minigan.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    kw_t = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    ym, yt = fn_m(xm, *om, **kw_m), fn_t(xt, *ot, **kw_t)
    close(ym, yt, rtol, atol, what="loss")
    g = randn(*yt.shape, seed=7)
    ym.backward(mg(g))
    yt.backward(tt(g))
    close(xm.grad, xt.grad, rtol, atol, what="loss input grad")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    x, y = randn(4, 5), randn(4, 5, seed=1)
    _loss_check(F.mse_loss, TF.mse_loss, x, y, reduction=reduction)
    _loss_check(F.l1_loss, TF.l1_loss, x, y, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_with_weight(reduction):
    x, y, w = randn(4, 5), randn(4, 5, seed=1), rng(2).uniform(0, 2, (4, 5)).astype(np.float32)
    _loss_check(F.mse_loss, TF.mse_loss, x, y, reduction=reduction, weight=w)
    _loss_check(F.l1_loss, TF.l1_loss, x, y, reduction=reduction, weight=w)
    with pytest.raises(ValueError):
        F.mse_loss(mg(x), mg(y), weight=mg(w[0]))
    with pytest.raises(ValueError):
        TF.mse_loss(tt(x), tt(y), weight=tt(w[0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_losses(reduction):
    x = randn(6, 3) * 3
    x[0] = [40.0, -40.0, 0.0]
    t = rng(1).uniform(size=(6, 3)).astype(np.float32)
    t[1] = [0.0, 1.0, 1.0]
    w = rng(2).uniform(0.5, 2, size=(6, 3)).astype(np.float32)
    pw = np.array([0.5, 2.0, 3.0], dtype=np.float32)
    fm, ft = F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits
    _loss_check(fm, ft, x, t, reduction=reduction)
    _loss_check(fm, ft, x, t, w, reduction=reduction)
    _loss_check(fm, ft, x, t, reduction=reduction, pos_weight=pw)
    _loss_check(fm, ft, x, t, reduction=reduction, weight=w[0], pos_weight=pw)
    p = 1 / (1 + np.exp(-randn(6, 3, seed=3)))
    _loss_check(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, reduction=reduction)
    _loss_check(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, w, reduction=reduction)
    # probabilities of exactly 0 and 1, and tiny ones: logs clamped at -100,
    # gradient (p - t) / max(p (1 - p), 1e-12)
    p[0] = [0.0, 1.0, 0.5]
    p[1] = [1e-20, 1e-13, 1 - 6e-8]
    _loss_check(F.binary_cross_entropy, TF.binary_cross_entropy, p, t, w, reduction=reduction)


def test_bce_target_gradient_and_second_derivative():
    p = (1 / (1 + np.exp(-randn(4, 3)))).astype(np.float64)
    t = rng(1).uniform(size=(4, 3))
    pm, tm, pt_, tt_ = mg(p, True), mg(t, True), tt(p, True), tt(t, True)
    lm, lt = F.binary_cross_entropy(pm, tm), TF.binary_cross_entropy(pt_, tt_)
    gm = minigan.grad(lm, [pm, tm], create_graph=True)
    gt = torch.autograd.grad(lt, [pt_, tt_], create_graph=True)
    for a, b in zip(gm, gt):
        close(a, b, rtol=1e-10, atol=1e-12)
    (gm[0] * gm[0]).sum().backward()
    (gt[0] * gt[0]).sum().backward()
    close(pm.grad, pt_.grad, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_classification_losses(reduction):
    x = randn(5, 4) * 2
    lab = np.array([0, 3, 1, 1, 2], dtype=np.int64)
    w = np.array([1.0, 0.5, 2.0, 0.3], dtype=np.float32)
    lab_ign = lab.copy()
    lab_ign[2] = -100
    for fm, ft in ((F.cross_entropy, TF.cross_entropy), (F.nll_loss, TF.nll_loss)):
        _loss_check(fm, ft, x, lab, reduction=reduction)
        _loss_check(fm, ft, x, lab, w, reduction=reduction)
        _loss_check(fm, ft, x, lab_ign, w, reduction=reduction)
        _loss_check(fm, ft, x, np.where(lab == 1, 7, lab), reduction=reduction, ignore_index=7)
        # spatial: (N, C, d1, d2)
        xs, ls = randn(2, 4, 3, 2), rng(3).integers(0, 4, size=(2, 3, 2))
        _loss_check(fm, ft, xs, ls, w, reduction=reduction)
        # unbatched: (C,) and a scalar target
        _loss_check(fm, ft, x[0], np.array(2), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_soft_targets_and_label_smoothing(reduction, smoothing):
    x = randn(5, 4) * 2
    probs = rng(4).dirichlet(np.ones(4), size=5).astype(np.float32)
    w = np.array([1.0, 0.5, 2.0, 0.3], dtype=np.float32)
    lab = np.array([0, 3, -100, 1, 2], dtype=np.int64)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    _loss_check(F.cross_entropy, TF.cross_entropy, x, probs, **kw)
    _loss_check(F.cross_entropy, TF.cross_entropy, x, probs, w, **kw)
    _loss_check(F.cross_entropy, TF.cross_entropy, x, lab, **kw)
    _loss_check(F.cross_entropy, TF.cross_entropy, x, lab, w, **kw)
    xs, ls = randn(2, 4, 3), rng(3).integers(0, 4, size=(2, 3))
    _loss_check(F.cross_entropy, TF.cross_entropy, xs, ls, w, **kw)


LOSS_MODULES = [
    ("MSELoss", {}, "reg"), ("L1Loss", dict(reduction="sum"), "reg"),
    ("BCELoss", {}, "prob"), ("BCELoss", dict(weight="w", reduction="none"), "prob"),
    ("BCEWithLogitsLoss", dict(pos_weight="pw"), "logit"),
    ("BCEWithLogitsLoss", dict(weight="w", pos_weight="pw", reduction="sum"), "logit"),
    ("CrossEntropyLoss", dict(weight="cw", label_smoothing=0.1), "class"),
    ("CrossEntropyLoss", dict(ignore_index=1, reduction="none"), "class"),
    ("CrossEntropyLoss", {}, "soft"),
    ("NLLLoss", dict(weight="cw"), "class"),
    ("MSELoss", dict(size_average=False), "reg"),
    ("L1Loss", dict(reduce=False), "reg"),
]


@pytest.mark.parametrize("name,kw,kind", LOSS_MODULES, ids=str)
def test_loss_modules(name, kw, kind):
    arrays = dict(w=rng(5).uniform(0.5, 2, 4).astype(np.float32),
                  pw=np.array([0.5, 1.0, 2.0, 3.0], np.float32),
                  cw=np.array([1.0, 0.5, 2.0, 0.3], np.float32))
    kw_m = {k: minigan.tensor(arrays[v]) if v in arrays else v for k, v in kw.items()}
    kw_t = {k: torch.tensor(arrays[v]) if v in arrays else v for k, v in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy size_average / reduce flags
        m, t = getattr(nn, name)(**kw_m), getattr(tnn, name)(**kw_t)
    assert m.reduction == t.reduction
    assert list(m.state_dict()) == list(t.state_dict())
    assert repr(m) == repr(t)
    x = randn(6, 4)
    target = {"reg": randn(6, 4, seed=1),
              "prob": rng(1).uniform(size=(6, 4)).astype(np.float32),
              "logit": rng(1).uniform(size=(6, 4)).astype(np.float32),
              "class": np.array([0, 1, 3, 2, 1, 0], np.int64),
              "soft": rng(1).dirichlet(np.ones(4), 6).astype(np.float32)}[kind]
    if kind == "prob":
        x = 1 / (1 + np.exp(-x))
    if name == "NLLLoss":
        x = np.asarray(TF.log_softmax(tt(x), 1))
    _loss_check(m, t, x, target)


# ================================================================ optimizers
OPTIM_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.999), weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.3, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, betas=(0.0, 0.9))),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, eps=1e-3)),
]


def _optim_run(lib_optim, params, kw, name, groups, scheduler=None, steps=5, sched_kw=None):
    if groups:
        opt = getattr(lib_optim, name)([{"params": params[:1]},
                                        {"params": params[1:], "lr": kw["lr"] * 3}], **kw)
    else:
        opt = getattr(lib_optim, name)(params, **kw)
    sched = getattr(lib_optim.lr_scheduler, scheduler)(opt, **sched_kw) if scheduler else None
    lrs = []
    for step in range(steps):
        opt.zero_grad()
        for i, p in enumerate(params):
            if step == 2 and i == 0:  # no gradient this step: skipped, its step count too
                continue
            g = randn(*p.shape, seed=100 * step + i)
            if isinstance(p, torch.Tensor):
                p.grad = torch.tensor(g)
            else:
                p.grad = minigan.tensor(g)
        opt.step()
        if sched is not None:
            sched.step()
            lrs.append(sched.get_last_lr())
    return opt, lrs


@pytest.mark.parametrize("name,kw", OPTIM_CASES, ids=str)
@pytest.mark.parametrize("groups", [False, True])
def test_optimizers_step_like_torch(name, kw, groups):
    init_vals = [randn(3, 4, seed=1), randn(4, seed=2)]
    pt = [torch.tensor(v, requires_grad=True) for v in init_vals]
    pm = [nn.Parameter(minigan.tensor(v)) for v in init_vals]
    ot, _ = _optim_run(torch.optim, pt, kw, name, groups)
    om, _ = _optim_run(optim, pm, kw, name, groups)
    for a, b in zip(pm, pt):
        close(a, b, rtol=2e-5, atol=2e-6)
    sdt, sdm = ot.state_dict(), om.state_dict()
    assert list(sdm) == list(sdt) == ["state", "param_groups"]
    assert list(sdm["state"]) == list(sdt["state"])
    for i in sdt["state"]:
        assert set(sdm["state"][i]) == set(sdt["state"][i]), (sdm["state"][i].keys(),
                                                              sdt["state"][i].keys())
        for k, v in sdt["state"][i].items():
            close(np.asarray(sdm["state"][i][k], dtype=np.float32), v.numpy().astype(np.float32),
                  rtol=2e-5, atol=2e-6, what=k)
    assert len(sdm["param_groups"]) == len(sdt["param_groups"])
    for gm, gt in zip(sdm["param_groups"], sdt["param_groups"]):
        assert set(gm) <= set(gt), set(gm) - set(gt)
        for k in gm:
            assert gm[k] == gt[k] or (isinstance(gt[k], tuple) and tuple(gm[k]) == gt[k]), k


def test_adam_defaults_are_torch_defaults():
    pt, pm = [torch.zeros(1, requires_grad=True)], [nn.Parameter(minigan.zeros(1))]
    for name in ("SGD", "Adam", "AdamW", "RMSprop"):
        dm, dt = getattr(optim, name)(pm).defaults, getattr(torch.optim, name)(pt).defaults
        assert set(dm) <= set(dt), set(dm) - set(dt)
        assert all(dm[k] == dt[k] for k in dm), name


def test_optimizer_load_state_dict_from_torch_layout_and_continue():
    """A state saved after 3 steps, loaded into a fresh optimizer, steps on
    exactly as torch's does."""
    v = randn(5, seed=3)
    pt, pm = torch.tensor(v, requires_grad=True), nn.Parameter(minigan.tensor(v))
    kw = dict(lr=0.05, amsgrad=True)
    ot, _ = _optim_run(torch.optim, [pt], kw, "Adam", False, steps=3)
    om, _ = _optim_run(optim, [pm], kw, "Adam", False, steps=3)
    om2 = optim.Adam([pm], **kw)
    om2.load_state_dict(om.state_dict())
    for step in range(2):
        g = randn(5, seed=50 + step)
        pt.grad, pm.grad = torch.tensor(g), minigan.tensor(g)
        ot.step()
        om2.step()
    close(pm, pt, rtol=2e-5, atol=2e-6)


SCHEDULERS = [
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[1, 3, 3], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.8)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (e + 1))),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=2)),  # past T_max: climbs back
    ("LinearLR", dict(start_factor=0.5, total_iters=3)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=4)),
]


@pytest.mark.parametrize("sched,skw", SCHEDULERS, ids=lambda v: str(v))
def test_lr_schedulers(sched, skw):
    if not hasattr(optim.lr_scheduler, sched):
        pytest.skip(f"minigan has no {sched}")
    init_vals = [randn(3, seed=1), randn(2, seed=2)]
    pt = [torch.tensor(v, requires_grad=True) for v in init_vals]
    pm = [nn.Parameter(minigan.tensor(v)) for v in init_vals]
    kw = dict(lr=0.1, momentum=0.5)
    ot, lt = _optim_run(torch.optim, pt, kw, "SGD", True, sched, steps=7, sched_kw=skw)
    om, lm = _optim_run(optim, pm, kw, "SGD", True, sched, steps=7, sched_kw=skw)
    np.testing.assert_allclose(np.array(lm), np.array(lt), rtol=1e-12)
    for a, b in zip(pm, pt):
        close(a, b, rtol=2e-5, atol=2e-6)
    assert [g["initial_lr"] for g in om.param_groups] == [g["initial_lr"] for g in ot.param_groups]


@pytest.mark.parametrize("sched,skw", SCHEDULERS, ids=lambda v: str(v))
def test_lr_schedulers_explicit_epoch_and_resume(sched, skw):
    """step(epoch) uses the closed form; a scheduler rebuilt with last_epoch
    (resuming) continues from there, as torch's."""
    if not hasattr(optim.lr_scheduler, sched):
        pytest.skip(f"minigan has no {sched}")
    out = []
    for lib, p in ((optim, nn.Parameter(minigan.zeros(2))),
                   (torch.optim, torch.zeros(2, requires_grad=True))):
        opt = lib.SGD([p], lr=0.2)
        sch = getattr(lib.lr_scheduler, sched)(opt, **skw)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in (3, 1, 5):
                sch.step(e)
                lrs.append(sch.get_last_lr()[0])
            sch2 = getattr(lib.lr_scheduler, sched)(opt, **skw, last_epoch=5)
            for _ in range(3):
                sch2.step()
                lrs.append(sch2.get_last_lr()[0])
        out.append(lrs)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12)


def test_lr_scheduler_state_dict_keys():
    t = torch.optim.lr_scheduler.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 3)
    m = optim.lr_scheduler.StepLR(optim.SGD([nn.Parameter(minigan.zeros(1))]), 3)
    for k in ("step_size", "gamma", "base_lrs", "last_epoch", "_step_count", "_last_lr",
              "_is_initial"):
        assert k in m.state_dict() and k in t.state_dict()
        assert m.state_dict()[k] == t.state_dict()[k], k


# ================================================================ init
GAINS = [("linear", None), ("conv2d", None), ("conv_transpose2d", None), ("sigmoid", None),
         ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
         ("leaky_relu", 0), ("selu", None), ("conv1d", None), ("conv3d", None)]


@pytest.mark.parametrize("nl,param", GAINS)
def test_calculate_gain(nl, param):
    assert init.calculate_gain(nl, param) == tnn.init.calculate_gain(nl, param)
    assert type(init.calculate_gain(nl, param)) is type(tnn.init.calculate_gain(nl, param))


def test_calculate_gain_errors():
    for args in (("foo",), ("leaky_relu", "x")):
        with pytest.raises(ValueError):
            tnn.init.calculate_gain(*args)
        with pytest.raises(ValueError):
            init.calculate_gain(*args)


def _stats(a):
    a = np.asarray(a.detach().numpy() if isinstance(a, torch.Tensor) else a, dtype=np.float64)
    return a.mean(), a.std(), np.abs(a).max()


INIT_CASES = [
    ("kaiming_uniform_", dict()),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", dict()),
    ("kaiming_normal_", dict(a=0.2, mode="fan_out")),
    ("kaiming_normal_", dict(nonlinearity="tanh")),
    ("xavier_uniform_", dict()),
    ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", dict(gain=0.5)),
    ("normal_", dict(mean=0.5, std=0.02)),
    ("uniform_", dict(a=-2.0, b=3.0)),
    ("orthogonal_", dict(gain=1.5)),
]


@pytest.mark.parametrize("name,kw", INIT_CASES, ids=str)
@pytest.mark.parametrize("shape", [(256, 128, 3, 3), (300, 700), (800, 60)], ids=str)
def test_init_distributions(name, kw, shape):
    if name == "orthogonal_" and len(shape) == 4:
        shape = (64, 16, 3, 3)
    t = torch.empty(shape)
    getattr(tnn.init, name)(t, **kw)
    m = minigan.zeros(*shape)
    out = getattr(init, name)(m, **kw)
    assert out is m
    (mt, st, at), (mm, sm, am) = _stats(t), _stats(m)
    assert abs(sm - st) < 0.02 * st, (sm, st)
    assert abs(mm - mt) < 0.02 * st + 0.01 * abs(mt), (mm, mt)
    if "uniform" in name:
        assert abs(am - at) < 0.01 * at
    if name == "orthogonal_":
        w = np.asarray(m).reshape(shape[0], -1).astype(np.float64)
        small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(small, 1.5 ** 2 * np.eye(len(small)), atol=1e-4)


@pytest.mark.parametrize("name,kw", INIT_CASES, ids=str)
def test_init_generator_argument(name, kw):
    """PyTorch's generator= keyword: minigan takes a NumPy Generator there,
    and the same seed gives the same fill."""
    a = getattr(init, name)(minigan.zeros(20, 30), **kw, generator=np.random.default_rng(3))
    b = getattr(init, name)(minigan.zeros(20, 30), **kw, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert a.dtype == np.float32
    getattr(tnn.init, name)(torch.empty(20, 30), **kw, generator=torch.Generator().manual_seed(3))


@pytest.mark.parametrize("name", ["zeros_", "ones_"])
def test_init_constants(name):
    m = minigan.zeros(3, 4) + 0.5
    getattr(init, name)(m)
    t = torch.full((3, 4), 0.5)
    getattr(tnn.init, name)(t)
    close(m, t)
    init.constant_(m, 0.3)
    close(m, tnn.init.constant_(t, 0.3))


@pytest.mark.parametrize("make", [
    lambda lib: lib.Linear(600, 400),
    lambda lib: lib.Conv2d(64, 128, 3),
    lambda lib: lib.Conv2d(64, 128, 3, groups=4),
    lambda lib: lib.ConvTranspose2d(96, 64, 4),
    lambda lib: lib.ConvTranspose2d(96, 64, 4, groups=2),
    lambda lib: lib.Embedding(500, 64),
    lambda lib: lib.BatchNorm2d(64),
    lambda lib: lib.LayerNorm(64),
], ids=["linear", "conv", "conv-groups", "convT", "convT-groups", "embedding", "bn", "ln"])
def test_default_initialisation(make):
    m, t = make(nn), make(tnn)
    m_sd, t_sd = m.state_dict(), t.state_dict()
    assert list(m_sd) == list(t_sd)
    for k, tv in t_sd.items():
        mv = np.asarray(m_sd[k])
        assert mv.shape == tuple(tv.shape) and mv.dtype == tv.numpy().dtype, k
        if tv.numel() < 10 or float(tv.float().std()) == 0:
            np.testing.assert_array_equal(mv, tv.numpy(), err_msg=k)
            continue
        (mt, st, at), (mm, sm, am) = _stats(tv), _stats(mv)
        n = tv.numel()  # sampling noise of two independent draws of n values
        assert abs(sm - st) < max(0.03, 4 / math.sqrt(n)) * st, (k, sm, st)
        assert abs(mm - mt) < 6 * st / math.sqrt(n), (k, mm, mt)
        if not isinstance(m, nn.Embedding):  # uniform: the same bound
            assert abs(am - at) < 0.05 * at, (k, am, at)


# ================================================================ utils
def test_clip_grad_utilities():
    utils = nn.utils
    names = ("clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
             "vector_to_parameters")
    if not any(hasattr(utils, n) for n in names):
        pytest.skip("minigan.nn.utils has no clip_grad_* / parameters_to_vector")
    vals = [randn(3, 4, seed=1), randn(5, seed=2)]
    grads = [randn(3, 4, seed=3) * 3, randn(5, seed=4)]

    def fresh():
        pm = [nn.Parameter(minigan.tensor(v)) for v in vals]
        pt = [torch.tensor(v, requires_grad=True) for v in vals]
        for a, b, g in zip(pm, pt, grads):
            a.grad, b.grad = minigan.tensor(g), torch.tensor(g)
        return pm, pt

    if hasattr(utils, "clip_grad_norm_"):
        for norm_type in (2.0, 1.0, float("inf"), "inf"):
            for max_norm in (0.5, 100.0):
                pm, pt = fresh()
                total_m = utils.clip_grad_norm_(pm, max_norm, norm_type=norm_type)
                total_t = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
                close(np.asarray(total_m), total_t)
                for a, b in zip(pm, pt):
                    close(a.grad, b.grad)
    if hasattr(utils, "clip_grad_value_"):
        pm, pt = fresh()
        utils.clip_grad_value_(pm, 0.7)
        torch.nn.utils.clip_grad_value_(pt, 0.7)
        for a, b in zip(pm, pt):
            close(a.grad, b.grad)
    if hasattr(utils, "parameters_to_vector"):
        pm, pt = fresh()
        vm, vt = utils.parameters_to_vector(pm), torch.nn.utils.parameters_to_vector(pt)
        close(vm, vt)
        g = randn(17, seed=9)
        vm.backward(mg(g))
        vt.backward(tt(g))
        for a, b in zip(pm, pt):
            close(a.grad, b.grad)
        new = randn(17, seed=8)
        utils.vector_to_parameters(mg(new), pm)
        torch.nn.utils.vector_to_parameters(tt(new), pt)
        for a, b in zip(pm, pt):
            close(a, b)


def test_clip_grad_norm_edge_cases():
    utils = nn.utils
    if not hasattr(utils, "clip_grad_norm_"):
        pytest.skip("minigan.nn.utils has no clip_grad_norm_")
    # no gradients at all, a single tensor, an infinite gradient
    pm, pt = nn.Parameter(minigan.zeros(3)), torch.zeros(3, requires_grad=True)
    close(np.asarray(utils.clip_grad_norm_([pm], 1.0)), torch.nn.utils.clip_grad_norm_([pt], 1.0))
    g = np.array([3.0, 4.0, 0.0], np.float32)
    pm.grad, pt.grad = mg(g), tt(g)
    close(np.asarray(utils.clip_grad_norm_(pm, 1.0, 3.0)),
          torch.nn.utils.clip_grad_norm_(pt, 1.0, 3.0))
    close(pm.grad, pt.grad)
    g = np.array([np.inf, 1.0, 0.0], np.float32)
    pm.grad, pt.grad = mg(g), tt(g)
    with pytest.raises(RuntimeError):
        utils.clip_grad_norm_(pm, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(pt, 1.0, error_if_nonfinite=True)


# ================================================================ errors
def _lib(lib):
    """(nn, functional, optim, tensor) of minigan ("m") or torch ("t")."""
    if lib == "m":
        return nn, F, optim, lambda a: minigan.tensor(np.array(a))
    return tnn, TF, torch.optim, lambda a: torch.tensor(np.array(a))


def _zeros(lib, *shape):
    return _lib(lib)[3](np.zeros(shape, np.float32))


def _param(lib):
    return _lib(lib)[0].Parameter(_zeros(lib, 1))


def _opt(lib, name, *groups, **kw):
    return getattr(_lib(lib)[2], name)(list(groups) if groups else [_param(lib)], **kw)


def _dup_param_groups(lib):
    p = _param(lib)
    return _opt(lib, "SGD", {"params": [p]}, {"params": [p]}, lr=0.1)


def _sn_twice(lib):
    L = _lib(lib)[0]
    return L.utils.spectral_norm(L.utils.spectral_norm(L.Linear(2, 2)))


ERROR_CASES = {
    "conv groups": lambda lib: _lib(lib)[0].Conv2d(4, 6, 3, groups=4),
    "conv same strided": lambda lib: _lib(lib)[0].Conv2d(4, 6, 3, stride=2, padding="same"),
    "conv bad padding str": lambda lib: _lib(lib)[0].Conv2d(4, 6, 3, padding="full"),
    "convT padding_mode": lambda lib: _lib(lib)[0].ConvTranspose2d(4, 6, 3,
                                                                  padding_mode="reflect"),
    "bn one value": lambda lib: _lib(lib)[0].BatchNorm1d(3)(_zeros(lib, 1, 3)),
    "embedding oob": lambda lib: _lib(lib)[0].Embedding(3, 2)(_lib(lib)[3](np.array([3]))),
    "ce oob": lambda lib: _lib(lib)[1].cross_entropy(_zeros(lib, 2, 3),
                                                     _lib(lib)[3](np.array([0, 3]))),
    "dropout p": lambda lib: _lib(lib)[0].Dropout(-0.1),
    "interp both": lambda lib: _lib(lib)[1].interpolate(_zeros(lib, 1, 1, 2, 2), size=4,
                                                        scale_factor=2),
    "interp none": lambda lib: _lib(lib)[1].interpolate(_zeros(lib, 1, 1, 2, 2)),
    "sn twice": _sn_twice,
    "remove sn missing": lambda lib: _lib(lib)[0].utils.remove_spectral_norm(
        _lib(lib)[0].Linear(2, 2)),
    "loss reduction": lambda lib: _lib(lib)[1].mse_loss(_zeros(lib, 2), _zeros(lib, 2),
                                                        reduction="avg"),
    "bce logits shape": lambda lib: _lib(lib)[1].binary_cross_entropy_with_logits(
        _zeros(lib, 3), _zeros(lib, 2)),
    "load sd strict": lambda lib: _lib(lib)[0].Linear(2, 2).load_state_dict({}),
    "load sd shape": lambda lib: _lib(lib)[0].Linear(2, 2).load_state_dict(
        {"weight": _zeros(lib, 3, 2), "bias": _zeros(lib, 2)}),
    "sgd lr": lambda lib: _opt(lib, "SGD", lr=-1),
    "sgd nesterov": lambda lib: _opt(lib, "SGD", lr=0.1, nesterov=True),
    "adam beta": lambda lib: _opt(lib, "Adam", betas=(1.0, 0.9)),
    "adam eps": lambda lib: _opt(lib, "Adam", eps=-1),
    "rmsprop alpha": lambda lib: _opt(lib, "RMSprop", alpha=-1),
    "opt empty": lambda lib: _lib(lib)[2].SGD([], lr=0.1),
    "opt dup param": _dup_param_groups,
    "gain bad": lambda lib: _lib(lib)[0].init.calculate_gain("bogus"),
    "kaiming 1d": lambda lib: _lib(lib)[0].init.kaiming_uniform_(_zeros(lib, 3)),
    "xavier 1d": lambda lib: _lib(lib)[0].init.xavier_uniform_(_zeros(lib, 3)),
    "orth 1d": lambda lib: _lib(lib)[0].init.orthogonal_(_zeros(lib, 3)),
    "kaiming mode": lambda lib: _lib(lib)[0].init.kaiming_uniform_(_zeros(lib, 3, 3),
                                                                  mode="fan_avg"),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_raised_like_torch(name):
    """Where torch refuses an argument with ValueError / IndexError /
    RuntimeError, minigan refuses it with the same exception type."""
    fn = ERROR_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as t_err:
            fn("t")
        with pytest.raises(Exception) as m_err:
            fn("m")
    assert m_err.type is t_err.type, (m_err.value, t_err.value)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_optimizer_param_groups_have_torchs_keys_in_torchs_order(name):
    t = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    m = getattr(minigan.optim, name)([minigan.nn.Parameter(minigan.zeros(2))], lr=0.1)
    tg, mgroup = t.state_dict()["param_groups"][0], m.state_dict()["param_groups"][0]
    assert list(mgroup) == list(tg)
    assert {k: mgroup[k] for k in tg if k != "params"} == {k: tg[k] for k in tg if k != "params"}
