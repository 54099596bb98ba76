"""Bad input gets a clear error: the right exception type, and a message that
names what was wrong (the shape, dtype, device, argument or file) so a student
can fix it without reading minigan's source.

One test per bad input. Sections: shapes, dimensions, dtypes, devices,
autograd misuse, state dicts, hyper-parameters, detect_anomaly, files.
"""
from __future__ import annotations

import gzip
import importlib.util
import os
import re
import shutil
import warnings

import numpy as np
import pytest

import minigan
import minigan.nn.functional as F
from minigan import nn, optim
from minigan.data import CorruptFileError, DataLoader, IDXError, infinite, load_mnist, read_idx
from minigan.data.idx import write_idx
from minigan.gan.penalties import gradient_penalty
from minigan.gan.trainer import TrainConfig, Trainer
from minigan.gan.updaters import Updater, UpdaterConfig


def raises(exc, *fragments):
    """pytest.raises(exc) whose message must contain every fragment (literally)."""
    return pytest.raises(exc, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


def ints(*shape, dtype=np.int64):
    return minigan.tensor(np.ones(shape, dtype=dtype))


# --------------------------------------------------------------------- shapes
def test_matmul_shape_mismatch():
    with raises(ValueError, "matmul", "(2, 3)", "(4, 5)"):
        minigan.randn(2, 3) @ minigan.randn(4, 5)


def test_elementwise_shapes_that_do_not_broadcast():
    with raises(ValueError, "Add", "(4, 2)", "(3, 2)"):
        minigan.randn(4, 2) + minigan.randn(3, 2)


def test_linear_wrong_in_features():
    with raises(ValueError, "Linear", "in_features", "3", "(4, 5)"):
        nn.Linear(3, 2)(minigan.randn(4, 5))


def test_conv2d_wrong_channels():
    with raises(ValueError, "Conv2d", "3 channels", "(1, 4, 8, 8)"):
        nn.Conv2d(3, 2, 3)(minigan.randn(1, 4, 8, 8))


def test_conv_transpose2d_wrong_channels():
    with raises(ValueError, "ConvTranspose2d", "3 channels", "(1, 4, 8, 8)"):
        nn.ConvTranspose2d(3, 2, 3)(minigan.randn(1, 4, 8, 8))


def test_batchnorm_wrong_channels():
    with raises(ValueError, "BatchNorm1d", "3 channels", "(4, 5)"):
        nn.BatchNorm1d(3)(minigan.randn(4, 5))
    with raises(ValueError, "BatchNorm2d", "3 channels", "(4, 5, 2, 2)"):
        nn.BatchNorm2d(3)(minigan.randn(4, 5, 2, 2))


def test_mse_loss_shapes_that_broadcast_warn_like_pytorch():
    with pytest.warns(UserWarning, match=r"mse_loss.*\(4,\).*\(4, 1\)"):
        F.mse_loss(minigan.randn(4, 1), minigan.randn(4))


def test_mse_loss_shapes_that_do_not_broadcast():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an error, not a warning followed by one
        with raises(ValueError, "mse_loss", "(3, 2)", "(4, 2)"):
            F.mse_loss(minigan.randn(4, 2), minigan.randn(3, 2))


def test_bce_with_logits_shape_mismatch():
    with raises(ValueError, "binary_cross_entropy_with_logits", "(4,)", "(4, 1)"):
        F.binary_cross_entropy_with_logits(minigan.randn(4, 1), minigan.rand(4))


def test_gradient_penalty_real_and_fake_batches_differ():
    # the GAN losses average real and fake logits separately (their batches may
    # differ); the penalty interpolates between them, so there shapes must agree
    critic = nn.Linear(2, 1)
    with raises(ValueError, "gradient_penalty", "(8, 2)", "(6, 2)"):
        gradient_penalty(critic, minigan.randn(8, 2), minigan.randn(6, 2))


# --------------------------------------------------------------------- dimensions
def test_conv2d_on_2d_input():
    with raises(ValueError, "Conv2d", "4-D", "(3, 8)"):
        nn.Conv2d(3, 2, 3)(minigan.randn(3, 8))


def test_conv_transpose2d_on_5d_input():
    with raises(ValueError, "ConvTranspose2d", "4-D", "(1, 1, 3, 4, 4)"):
        nn.ConvTranspose2d(3, 2, 3)(minigan.randn(1, 1, 3, 4, 4))


def test_batchnorm2d_on_3d_input():
    with raises(ValueError, "BatchNorm2d", "4-D", "(4, 3, 5)"):
        nn.BatchNorm2d(3)(minigan.randn(4, 3, 5))


def test_batchnorm1d_on_4d_input():
    with raises(ValueError, "BatchNorm1d", "(4, 3, 5, 5)"):
        nn.BatchNorm1d(3)(minigan.randn(4, 3, 5, 5))


# --------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.complex64])
def test_linear_refuses_non_float_input(dtype):
    with raises(TypeError, "linear", np.dtype(dtype).name):
        nn.Linear(3, 2)(ints(4, 3, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.complex64])
def test_conv2d_refuses_non_float_input(dtype):
    with raises(TypeError, "conv2d", np.dtype(dtype).name):
        nn.Conv2d(3, 2, 3)(ints(1, 3, 5, 5, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_conv_transpose2d_refuses_non_float_input(dtype):
    with raises(TypeError, "conv_transpose2d", np.dtype(dtype).name):
        nn.ConvTranspose2d(3, 2, 3)(ints(1, 3, 5, 5, dtype=dtype))


def test_batchnorm_refuses_integer_input():
    with raises(TypeError, "batch_norm", "int64"):
        nn.BatchNorm1d(3)(ints(4, 3))


@pytest.mark.parametrize("fn", [minigan.exp, minigan.log, minigan.sqrt, minigan.sigmoid,
                                minigan.tanh, minigan.softplus])
def test_float_ops_turn_integers_into_float32(fn):
    # PyTorch's rule: never an integer sigmoid, never a silent float64
    x = minigan.tensor(np.arange(1, 7).reshape(2, 3))
    y = fn(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), fn(x.float()).numpy())
    with raises(TypeError, fn.__name__, "complex64"):
        fn(ints(2, dtype=np.complex64))


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.complex128])
def test_requires_grad_on_a_non_float_tensor(dtype):
    name = np.dtype(dtype).name
    with raises(TypeError, "floating-point", name):
        minigan.tensor(np.ones(3, dtype=dtype), requires_grad=True)
    with raises(TypeError, "floating-point", name):
        ints(3, dtype=dtype).requires_grad_()


def test_float32_with_float64_is_refused():
    with raises(TypeError, "add", "float32", "float64"):
        minigan.randn(3) + minigan.randn(3).double()
    with raises(TypeError, "matmul", "float32", "float64"):
        minigan.randn(3, 3) @ minigan.randn(3, 3).double()


def test_float64_input_to_a_float32_layer():
    with raises(TypeError, "linear", "float64", "float32"):
        nn.Linear(3, 2)(minigan.randn(4, 3).double())
    with raises(TypeError, "batch_norm", "float64", "float32"):
        nn.BatchNorm1d(3)(minigan.randn(4, 3).double())


@pytest.mark.parametrize("size, error", [((2.5,), TypeError), ((2, -1), ValueError)])
def test_factory_sizes_must_be_non_negative_ints(size, error):
    for make in (minigan.zeros, minigan.ones, minigan.randn, minigan.rand):
        with raises(error, "size", str(size)):
            make(*size)


# --------------------------------------------------------------------- devices
@pytest.mark.cuda
def test_mixed_devices_are_refused():
    if not minigan.cuda.is_available():
        pytest.skip("CUDA not available (CuPy missing or no GPU)")
    with raises(RuntimeError, "same device", "cpu", "cuda"):
        minigan.randn(3) + minigan.randn(3).to("cuda")
    with raises(RuntimeError, "cpu", "cuda"):
        nn.Linear(3, 2)(minigan.randn(4, 3).to("cuda"))


# --------------------------------------------------------------------- autograd misuse
def test_backward_on_a_non_scalar_without_gradient():
    a = minigan.randn(3, requires_grad=True)
    with raises(RuntimeError, "scalar", "(3,)", "gradient"):
        (a * 2).backward()


def test_backward_gradient_of_the_wrong_shape():
    a = minigan.randn(3, requires_grad=True)
    with raises(RuntimeError, "(4,)", "(3,)"):
        (a * 2).backward(minigan.ones(4))


def test_backward_twice_through_a_freed_graph():
    a = minigan.randn(3, requires_grad=True)
    b = a.exp()
    (b * b).sum().backward()
    with raises(RuntimeError, "second time", "retain_graph=True"):
        (b * 3).sum().backward()  # shares Exp's freed node


def test_retain_graph_allows_a_second_backward():
    a = minigan.randn(3, requires_grad=True)
    y = (a.exp() * a).sum()
    y.backward(retain_graph=True)
    first = a.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * first, rtol=1e-6)


def test_inplace_change_of_an_input_a_recorded_op_needs():
    a = minigan.randn(3, requires_grad=True)
    b = a * 2
    c = b * b  # MulFn.backward needs b
    with minigan.no_grad():
        b.add_(1.0)
    with raises(RuntimeError, "MulFn.backward", "in-place", "(3,)", "version 1", "version 0"):
        c.sum().backward()


def test_item_assignment_to_an_input_a_recorded_op_needs():
    a = minigan.randn(3, requires_grad=True)
    b = a * 2
    c = b * b
    with minigan.no_grad():
        b[0] = 5.0  # item assignment bumps the version counter too
    with raises(RuntimeError, "MulFn.backward", "in-place", "version 1"):
        c.sum().backward()


def test_inplace_change_of_an_output_backward_needs():
    a = minigan.randn(3, requires_grad=True)
    b = a.exp()  # Exp.backward needs its output
    with minigan.no_grad():
        b.mul_(2.0)
    with raises(RuntimeError, "Exp", "in-place"):
        b.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad():
    w = minigan.randn(3, requires_grad=True)
    with raises(RuntimeError, "leaf", "no_grad"):
        w.add_(1.0)


# --------------------------------------------------------------------- state dicts
def test_load_state_dict_lists_every_mismatch_and_changes_nothing():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    state = model.state_dict()
    state["0.weight"] = minigan.randn(5, 5)      # wrong shape
    del state["1.bias"]                          # missing
    state["2.weight"] = minigan.randn(1)         # unexpected
    state["0.bias"] = minigan.randn(4) + 100.0   # fine on its own
    with raises(RuntimeError, "missing", "1.bias", "unexpected", "2.weight",
                "0.weight", "(5, 5)", "(4, 3)") as info:
        model.load_state_dict(state)
    assert "Sequential" in str(info.value)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=f"{k} was half-loaded")


def test_load_state_dict_non_strict_still_refuses_wrong_shapes():
    model = nn.Linear(3, 2)
    with raises(RuntimeError, "weight", "(2, 2)", "(2, 3)"):
        model.load_state_dict({"weight": minigan.randn(2, 2)}, strict=False)


# --------------------------------------------------------------------- hyper-parameters
@pytest.mark.parametrize("make", [optim.SGD, optim.Adam, optim.RMSprop])
def test_negative_learning_rate(make):
    with raises(ValueError, "learning rate", "-0.1"):
        make(nn.Linear(2, 2).parameters(), lr=-0.1)


@pytest.mark.parametrize("field", ["lr", "lr_g", "lr_d"])
def test_negative_learning_rate_in_train_config(field):
    with raises(ValueError, "learning rate", "lr", "-0.001"):
        TrainConfig(model="gan", data="ring8", **{field: -0.001}).validate()


def test_n_disc_zero_in_configs():
    with raises(ValueError, "n_disc", "0"):
        TrainConfig(model="gan", data="ring8", n_disc=0).validate()
    with raises(ValueError, "n_disc", "0"):
        UpdaterConfig(n_disc=0).validate()
    G, D = nn.Linear(2, 2), nn.Linear(2, 1)
    with raises(ValueError, "n_disc"):
        Updater(G, D, optim.Adam(G.parameters()), optim.Adam(D.parameters()), 2,
                UpdaterConfig(n_disc=0))


def test_cli_train_with_n_disc_zero_exits_with_a_message(tmp_path, capsys):
    from minigan.cli import main

    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        main(["train", "gan", "--data", "ring8", "--n-disc", "0", "--out", str(out),
              "--no-progress"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("minigan: train: ") and "--n-disc" in err and err.count("\n") == 1
    assert not out.exists()  # refused before anything was written


def test_conv2d_kernel_larger_than_the_padded_input():
    with raises(ValueError, "kernel", "6", "padded input", "5", "padding 1"):
        nn.Conv2d(1, 1, 6, padding=1)(minigan.randn(1, 1, 3, 3))


def test_conv_transpose2d_padding_that_leaves_no_output():
    with raises(ValueError, "conv_transpose2d", "padding"):
        nn.ConvTranspose2d(1, 1, 3, padding=3)(minigan.randn(1, 1, 2, 2))


@pytest.mark.parametrize("kw, name", [(dict(padding=-1), "padding"), (dict(stride=0), "stride"),
                                      (dict(dilation=0), "dilation"),
                                      (dict(kernel_size=0), "kernel_size")])
def test_conv_layer_arguments_out_of_range(kw, name):
    args = dict(in_channels=3, out_channels=2, kernel_size=3) | kw
    for layer in (nn.Conv2d, nn.ConvTranspose2d):
        with raises(ValueError, layer.__name__, name):
            layer(**args)


@pytest.mark.parametrize("kw, name", [(dict(padding=-1), "padding"), (dict(stride=0), "stride")])
def test_functional_conv2d_arguments_out_of_range(kw, name):
    with raises(ValueError, "conv2d", name):
        F.conv2d(minigan.randn(1, 3, 5, 5), minigan.randn(2, 3, 3, 3), **kw)


def test_batch_size_larger_than_the_dataset(tmp_path, capsys):
    with raises(ValueError, "batch_size", "200000", "100000"):
        Trainer(TrainConfig(model="gan", data="ring8", batch_size=200_000, out=str(tmp_path),
                            progress=False))
    # a loader with fewer samples than one batch would give an empty epoch
    # (PyTorch's rule); an endless stream of its batches is refused
    loader = DataLoader(np.zeros((5, 2), np.float32), batch_size=10)
    assert len(loader) == 0
    with raises(ValueError, "no batches", "batch_size"):
        infinite(loader)
    from minigan.cli import main

    assert main(["train", "gan", "--data", "ring8", "--batch-size", "200000",
                 "--out", str(tmp_path / "cli"), "--no-progress"]) != 0
    assert "batch_size 200000" in capsys.readouterr().err


# --------------------------------------------------------------------- detect_anomaly
class _LogModel(nn.Module):
    """A small model whose forward takes the log of a negative number."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return minigan.log(self.fc(x) - 100.0)  # the bad line


def test_detect_anomaly_names_the_op_and_the_users_line_in_forward():
    model = _LogModel()
    with np.errstate(invalid="ignore"), minigan.detect_anomaly():
        with raises(FloatingPointError, "Log", "NaN", "forward", os.path.basename(__file__),
                    "the bad line"):
            model(minigan.randn(4, 3))


def test_detect_anomaly_names_the_op_in_backward():
    w = minigan.zeros(3, requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"), minigan.detect_anomaly():
        y = (minigan.sqrt(w) * 0.0).sum()  # forward is finite; d sqrt(w) = 0 / 0 is not
        with raises(FloatingPointError, "SqrtFn.backward", "NaN", os.path.basename(__file__),
                    "forward is finite"):
            y.backward()


def test_without_detect_anomaly_nan_propagates_silently():
    model = _LogModel()
    w = minigan.zeros(3, requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = model(minigan.randn(4, 3))
        (minigan.sqrt(w) * 0.0).sum().backward()
    assert np.isnan(out.detach().numpy()).all()
    assert np.isnan(w.grad.numpy()).all()


def test_detect_anomaly_finds_user_code_inside_a_folder_named_minigan(tmp_path):
    # a checkout (or CI runner) at .../minigan/ must not hide the user's line
    folder = tmp_path / "minigan" / "experiments"
    folder.mkdir(parents=True)
    (folder / "user_model.py").write_text(
        "import minigan\n\n"
        "def run(x):\n"
        "    return minigan.log(x - 10.0)  # user line\n")
    spec = importlib.util.spec_from_file_location("_reliability_user_model",
                                                  folder / "user_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with np.errstate(invalid="ignore"), minigan.detect_anomaly():
        with raises(FloatingPointError, "user_model.py", "user line"):
            module.run(minigan.ones(2))


# --------------------------------------------------------------------- files
def _checkpoint(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    path = tmp_path / "checkpoint.npz"
    minigan.save({"model": model.state_dict(), "step": 7}, path)
    return model, path


def test_truncated_checkpoint_is_detected_and_nothing_is_loaded(tmp_path):
    model, path = _checkpoint(tmp_path)
    raw = path.read_bytes()
    target = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    before = {k: v.numpy().copy() for k, v in target.state_dict().items()}
    for cut in (0, 10, len(raw) // 2, len(raw) - 1):
        path.write_bytes(raw[:cut])
        with raises(minigan.CheckpointError, str(path), "truncated or corrupted", "Delete it"):
            target.load_state_dict(minigan.load(path)["model"])
    for k, v in target.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_corrupted_checkpoint_byte_is_detected(tmp_path):
    model, path = _checkpoint(tmp_path)
    raw = bytearray(path.read_bytes())
    weight = model.state_dict()["0.weight"].numpy().tobytes()
    at = bytes(raw).index(weight)  # a bit flip inside the stored weight array
    raw[at + 5] ^= 0x10
    path.write_bytes(bytes(raw))
    with raises(minigan.CheckpointError, str(path), "CRC", "Delete it"):
        minigan.load(path)


def test_failed_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    model, path = _checkpoint(tmp_path)
    good = path.read_bytes()

    def dies_halfway(f, **members):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # as if the run were stopped mid-write

    monkeypatch.setattr(minigan.serialization.np, "savez", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        minigan.save({"model": model.state_dict(), "step": 8}, path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["checkpoint.npz"]  # the temporary file is gone
    monkeypatch.undo()
    assert minigan.load(path)["step"] == 7


def test_missing_checkpoint_names_the_path(tmp_path):
    with raises(FileNotFoundError, str(tmp_path / "nope.npz")):
        minigan.load(tmp_path / "nope.npz")
    with raises(FileNotFoundError, "checkpoint.npz", str(tmp_path)):
        Trainer.resume(str(tmp_path))


@pytest.mark.parametrize("command", ["resume", "eval", "sample"])
def test_cli_on_a_missing_or_damaged_checkpoint_says_so_in_one_line(tmp_path, command, capsys):
    from minigan.cli import main

    assert main([command, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("minigan: no checkpoint") and str(tmp_path) in err and err.count("\n") == 1
    (tmp_path / "checkpoint.npz").write_bytes(b"PK\x03\x04 not really a zip")
    assert main([command, str(tmp_path)]) == 2
    message = capsys.readouterr().err
    assert message.startswith("minigan: ") and "checkpoint.npz" in message and "Delete it" in message
    assert message.count("\n") == 1


def test_trainer_is_not_half_loaded_from_a_corrupted_checkpoint(tmp_path):
    trainer = Trainer(TrainConfig(model="gan", data="ring8", batch_size=16, out=str(tmp_path),
                                  progress=False))
    trainer.save_checkpoint()
    path = tmp_path / "checkpoint.npz"
    path.write_bytes(path.read_bytes()[:-100])
    with minigan.no_grad():
        for p in trainer.G.parameters():
            p.add_(1.0)  # differ from the checkpoint, so a partial load would show
    before = {k: v.numpy().copy() for k, v in trainer.G.state_dict().items()}
    with raises(minigan.CheckpointError, str(path)):
        trainer.load_state(minigan.load(path))
    with raises(minigan.CheckpointError, str(path)):
        Trainer.resume(str(tmp_path))
    for k, v in trainer.G.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    assert trainer.step == 0


def test_truncated_idx_file(tmp_path):
    path = write_idx(tmp_path / "images.idx", np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    raw = path.read_bytes()
    path.write_bytes(raw[:-5])
    with raises(IDXError, str(path), "truncated", "(2, 3, 4)"):
        read_idx(path)
    path.write_bytes(raw + b"\x00")
    with raises(IDXError, str(path), "trailing bytes"):
        read_idx(path)


def test_corrupted_gzip_idx_file(tmp_path):
    path = tmp_path / "labels.idx.gz"
    write_idx(path, np.arange(100, dtype=np.uint8))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with raises(IDXError, str(path), "gzip", "delete it"):
        read_idx(path)


def test_corrupted_mnist_file_fails_its_checksum(tmp_path, mnist_dir):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(mnist_dir / name, folder / name)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    # a valid gzip stream whose labels differ: only the checksum can tell
    data = bytearray(gzip.decompress(labels.read_bytes()))
    data[-1] = (data[-1] + 1) % 10
    labels.write_bytes(gzip.compress(bytes(data)))
    with raises(CorruptFileError, str(labels), "MD5", "Delete it"):
        load_mnist("test", root=tmp_path, download=False)


@pytest.mark.parametrize("name, bad", [
    ("broadcast", lambda: minigan.randn(3, 4) + minigan.randn(5)),
    ("matmul", lambda: minigan.randn(3, 4) @ minigan.randn(5, 2)),
    ("reshape", lambda: minigan.randn(6).reshape(4, 2)),
    ("cat", lambda: minigan.cat([minigan.randn(2, 3), minigan.randn(2, 4)], 0)),
    ("Linear", lambda: minigan.nn.Linear(4, 2)(minigan.randn(3, 5))),
    ("Conv2d", lambda: minigan.nn.Conv2d(3, 2, 3)(minigan.randn(1, 4, 5, 5))),
    ("BatchNorm2d", lambda: minigan.nn.BatchNorm2d(3)(minigan.randn(2, 4, 2, 2))),
    ("LayerNorm", lambda: minigan.nn.LayerNorm(4)(minigan.randn(2, 5))),
    ("item", lambda: minigan.randn(2).item()),
])
def test_shape_mistakes_are_shape_errors_caught_as_valueerror_or_runtimeerror(name, bad):
    """minigan.ShapeError is a ValueError (minigan's convention) and a
    RuntimeError (what PyTorch raises for these), and names the shapes."""
    for kind in (ValueError, RuntimeError, minigan.ShapeError):
        with pytest.raises(kind) as info:
            bad()
        assert any(ch.isdigit() for ch in str(info.value)), str(info.value)


@pytest.mark.parametrize("bad", [lambda: minigan.randn(2, 3).sum(axis=5),
                                 lambda: minigan.randn(2, 3).mean(dim=-3),
                                 lambda: minigan.softmax(minigan.randn(2, 3), dim=4)])
def test_axis_out_of_range_is_an_indexerror_as_in_pytorch(bad):
    for kind in (IndexError, ValueError, minigan.DimensionError):
        with pytest.raises(kind, match="out of range"):
            bad()
