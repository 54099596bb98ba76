"""minigan refuses what PyTorch refuses, with PyTorch's error type.

Each case is written once as ``fn(lib)`` and runs with ``lib = minigan`` and,
where PyTorch is installed, with ``lib = torch``:

* ``test_minigan_refuses``: minigan raises the error type in the table, and
  its message names the argument, what was given and what was expected
  (the table's words). Runs without PyTorch.
* ``test_pytorch_raises_the_same_type``: PyTorch raises that type too
  (skipped without PyTorch), so the table cannot drift from PyTorch.

minigan's own types are subclasses of PyTorch's: :class:`~minigan.errors.DtypeError`
is a TypeError and a NotImplementedError (a RuntimeError), ``ShapeError`` a
ValueError and a RuntimeError, ``DimensionError`` an IndexError. Where PyTorch
gives a result, minigan gives the same one (``test_*_accepts_*``).
"""
from __future__ import annotations

import warnings
from typing import Callable, NamedTuple

import numpy as np
import pytest

import minigan as mg
from minigan.errors import DimensionError, DtypeError

try:
    import torch
except ImportError:  # the comparisons with PyTorch are skipped
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def arr(lib, data, dtype=None):
    return lib.tensor(np.asarray(data, dtype=dtype))


def ints(lib):
    return arr(lib, [-5, 5])


def bools(lib):
    return arr(lib, [True, False])


def complexes(lib):
    return arr(lib, [1 + 1j, -2j], np.complex64)


def image_ints(lib):
    return arr(lib, np.arange(16).reshape(1, 1, 4, 4))


def image_bools(lib):
    return arr(lib, np.ones((1, 1, 4, 4), bool))


def leaf(lib, *shape):
    return lib.ones(*shape, requires_grad=True)


class Case(NamedTuple):
    name: str
    fn: Callable
    error: type  # what PyTorch raises; minigan raises it or a subclass
    words: tuple = ()  # each must appear in minigan's message


CASES: list[Case] = []


def case(name, error, *words):
    def register(fn):
        CASES.append(Case(name, fn, error, words))
        return fn
    return register


def add(name, error, fn, *words):
    CASES.append(Case(name, fn, error, words))


# ---------------------------------------------------------------- activations on non-float input
_FLOAT_ONLY = {  # layer -> (module maker, functional name)
    "LeakyReLU": (lambda nn: nn.LeakyReLU(0.2), "leaky_relu"),
    "Softplus": (lambda nn: nn.Softplus(), "softplus"),
    "Softmax": (lambda nn: nn.Softmax(dim=0), "softmax"),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=0), "log_softmax"),
    "ELU": (lambda nn: nn.ELU(), "elu"),
    "GELU": (lambda nn: nn.GELU(), "gelu"),
}
for _layer, (_make, _fname) in _FLOAT_ONLY.items():
    for _dname, _data in (("int64", ints), ("bool", bools), ("complex64", complexes)):
        add(f"{_layer}-{_dname}", NotImplementedError,
            lambda lib, make=_make, data=_data: make(lib.nn)(data(lib)),
            _fname, "input", _dname, "floating-point")
        add(f"F.{_fname}-{_dname}", NotImplementedError,
            lambda lib, f=_fname, data=_data: getattr(lib.nn.functional, f)(
                data(lib), **({"dim": 0} if "softmax" in f else {})),
            _fname, "input", _dname, "floating-point")
for _dname, _data in (("int64", ints), ("bool", bools)):
    add(f"SiLU-{_dname}", NotImplementedError, lambda lib, data=_data: lib.nn.SiLU()(data(lib)),
        "silu", _dname, "floating-point")
# PyTorch's relu takes integers, but not bool (a plain RuntimeError) nor complex
add("ReLU-bool", RuntimeError, lambda lib: lib.nn.ReLU()(bools(lib)), "relu", "bool", "input")
add("ReLU-complex64", NotImplementedError, lambda lib: lib.nn.ReLU()(complexes(lib)),
    "relu", "complex64", "input")
add("F.relu-bool", RuntimeError, lambda lib: lib.nn.functional.relu(bools(lib)), "relu", "bool")
add("Dropout-int64", RuntimeError, lambda lib: lib.nn.Dropout(0.5)(ints(lib)),
    "dropout", "int64", "floating-point")
add("Dropout-complex64", NotImplementedError, lambda lib: lib.nn.Dropout(0.5)(complexes(lib)),
    "dropout", "complex64", "floating-point")
add("Upsample-int64", NotImplementedError,
    lambda lib: lib.nn.Upsample(scale_factor=2)(image_ints(lib)),
    "interpolate", "input", "int64", "floating-point")
add("Upsample-bool", NotImplementedError,
    lambda lib: lib.nn.Upsample(scale_factor=2)(image_bools(lib)),
    "interpolate", "bool", "floating-point")
add("F.interpolate-int64", NotImplementedError,
    lambda lib: lib.nn.functional.interpolate(image_ints(lib), scale_factor=2),
    "interpolate", "int64", "floating-point")
add("AvgPool2d-bool", NotImplementedError, lambda lib: lib.nn.AvgPool2d(2)(image_bools(lib)),
    "avg_pool2d", "bool", "floating-point")

# ---------------------------------------------------------------- layers on non-float input
add("Linear-int64", RuntimeError, lambda lib: lib.nn.Linear(2, 3)(arr(lib, [[1, 2]])),
    "linear", "input", "int64", "floating-point")
add("Conv2d-int64", RuntimeError, lambda lib: lib.nn.Conv2d(1, 1, 3)(image_ints(lib)),
    "conv2d", "int64", "floating-point")
add("ConvTranspose2d-int64", RuntimeError,
    lambda lib: lib.nn.ConvTranspose2d(1, 1, 3)(image_ints(lib)),
    "conv_transpose2d", "int64", "floating-point")
add("BatchNorm1d-int64", NotImplementedError,
    lambda lib: lib.nn.BatchNorm1d(2)(arr(lib, [[1, 2], [3, 4]])),
    "batch_norm", "input", "int64", "floating-point")
add("BatchNorm2d-int64", NotImplementedError, lambda lib: lib.nn.BatchNorm2d(1)(image_ints(lib)),
    "batch_norm", "int64", "floating-point")
add("InstanceNorm2d-int64", NotImplementedError,
    lambda lib: lib.nn.InstanceNorm2d(1)(image_ints(lib)),
    "instance_norm", "input", "int64", "floating-point")
add("LayerNorm-int64", RuntimeError, lambda lib: lib.nn.LayerNorm(2)(arr(lib, [[1, 2]])),
    "layer_norm", "int64", "floating-point")
add("GroupNorm-int64", RuntimeError, lambda lib: lib.nn.GroupNorm(1, 1)(image_ints(lib)),
    "group_norm", "int64", "floating-point")
add("Linear-dtype-int64", RuntimeError, lambda lib: lib.nn.Linear(2, 3, dtype=lib.int64),
    "dtype", "int64", "floating point")
add("BatchNorm1d-dtype-int64", RuntimeError, lambda lib: lib.nn.BatchNorm1d(2, dtype=lib.int64),
    "dtype", "int64", "floating point")

# ---------------------------------------------------------------- losses on non-float input
add("MSELoss-int64", NotImplementedError, lambda lib: lib.nn.MSELoss()(ints(lib), ints(lib)),
    "mse_loss", "input", "int64", "floating-point")
add("L1Loss-int64", RuntimeError, lambda lib: lib.nn.L1Loss()(ints(lib), ints(lib)),
    "l1_loss", "input", "int64", "floating-point")
add("BCELoss-int64", NotImplementedError,
    lambda lib: lib.nn.BCELoss()(arr(lib, [0, 1]), arr(lib, [0, 1])),
    "binary_cross_entropy", "int64", "floating-point")
add("BCEWithLogitsLoss-int64", NotImplementedError,
    lambda lib: lib.nn.BCEWithLogitsLoss()(ints(lib), ints(lib)),
    "binary_cross_entropy_with_logits", "int64", "floating-point")
add("CrossEntropyLoss-int64-input", NotImplementedError,
    lambda lib: lib.nn.CrossEntropyLoss()(arr(lib, [[1, 2], [3, 4]]), arr(lib, [0, 1])),
    "cross_entropy", "input", "int64", "floating-point")
add("NLLLoss-float-target", RuntimeError,
    lambda lib: lib.nn.NLLLoss()(lib.randn(2, 3), lib.randn(2)), "target", "float32", "integer")
add("MSELoss-reduction", ValueError,
    lambda lib: lib.nn.MSELoss(reduction="avg")(lib.randn(2), lib.randn(2)),
    "reduction", "'avg'", "'mean'")

# ---------------------------------------------------------------- batch norm's eps (PyTorch 2.13)
add("BatchNorm1d-eps0-train", ValueError,
    lambda lib: lib.nn.BatchNorm1d(4, eps=0)(lib.randn(8, 4)), "eps", "0", "positive")
add("BatchNorm2d-eps0-train", ValueError,
    lambda lib: lib.nn.BatchNorm2d(2, eps=0.0)(lib.randn(2, 2, 3, 3)), "eps", "0", "positive")
add("BatchNorm1d-eps-negative-eval", ValueError,
    lambda lib: lib.nn.BatchNorm1d(4, eps=-1.0).eval()(lib.randn(8, 4)),
    "eps", "-1.0", "non-negative")
add("F.batch_norm-eps0-train", ValueError,
    lambda lib: lib.nn.functional.batch_norm(lib.randn(8, 4), None, None, training=True, eps=0.0),
    "eps", "0.0", "positive")
add("BatchNorm1d-1d-input", ValueError, lambda lib: lib.nn.BatchNorm1d(4)(lib.randn(4)),
    "2-D", "(4,)")
add("BatchNorm1d-one-value-per-channel", ValueError,
    lambda lib: lib.nn.BatchNorm1d(4)(lib.randn(1, 4)), "more than 1 value", "(1, 4)")

# ---------------------------------------------------------------- Flatten / Unflatten dims
add("Flatten-start_dim-3-on-2d", IndexError,
    lambda lib: lib.nn.Flatten(start_dim=3)(lib.randn(2, 3)), "start_dim", "3", "[-2, 1]")
add("Flatten-end_dim-5-on-2d", IndexError,
    lambda lib: lib.nn.Flatten(1, 5)(lib.randn(2, 3)), "end_dim", "5", "[-2, 1]")
add("Flatten-start_dim--4-on-2d", IndexError,
    lambda lib: lib.nn.Flatten(-4)(lib.randn(2, 3)), "start_dim", "-4", "[-2, 1]")
add("Flatten-start-after-end", RuntimeError,
    lambda lib: lib.nn.Flatten(2, 1)(lib.randn(2, 3, 4)), "start_dim", "end_dim")
add("Unflatten-dim-3-on-2d", IndexError,
    lambda lib: lib.nn.Unflatten(3, (2, 3))(lib.randn(2, 6)), "dim", "3", "[-2, 1]")
add("Unflatten-wrong-size", RuntimeError,
    lambda lib: lib.nn.Unflatten(1, (2, 2))(lib.randn(2, 6)), "(2, 2)", "6")
add("Unflatten-size-not-tuple", TypeError, lambda lib: lib.nn.Unflatten(1, 6),
    "unflattened_size", "6", "tuple")

# ---------------------------------------------------------------- shapes, sizes, modes
add("Linear-wrong-in_features", RuntimeError, lambda lib: lib.nn.Linear(2, 3)(lib.randn(4, 3)),
    "in_features", "2", "(4, 3)")
add("Conv2d-groups", ValueError, lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    "groups", "divisible")
add("Conv2d-padding_mode", ValueError, lambda lib: lib.nn.Conv2d(1, 1, 3, padding_mode="mirror"),
    "padding_mode", "mirror", "zeros")
add("Conv2d-padding-string", ValueError, lambda lib: lib.nn.Conv2d(1, 1, 3, padding="full"),
    "padding", "full", "same")
add("Conv2d-same-strided", ValueError,
    lambda lib: lib.nn.Conv2d(1, 1, 3, stride=2, padding="same"), "padding='same'", "stride")
add("Conv2d-channels", RuntimeError, lambda lib: lib.nn.Conv2d(2, 1, 3)(lib.randn(1, 3, 5, 5)),
    "channels", "2", "3")
add("ConvTranspose2d-padding_mode", ValueError,
    lambda lib: lib.nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect"), "padding_mode", "zeros")
add("LayerNorm-shape", RuntimeError, lambda lib: lib.nn.LayerNorm(4)(lib.randn(8, 3)),
    "normalized_shape", "(8, 3)")
add("GroupNorm-divisible", ValueError, lambda lib: lib.nn.GroupNorm(3, 4),
    "num_channels", "num_groups", "divisible")
add("InstanceNorm2d-5d", ValueError, lambda lib: lib.nn.InstanceNorm2d(2)(lib.randn(1, 2, 2, 2, 2)),
    "4-D", "(1, 2, 2, 2, 2)")
add("Upsample-size-and-scale", ValueError,
    lambda lib: lib.nn.Upsample(size=4, scale_factor=2)(lib.randn(1, 1, 2, 2)),
    "size", "scale_factor")
add("Upsample-neither", ValueError, lambda lib: lib.nn.Upsample()(lib.randn(1, 1, 2, 2)),
    "size", "scale_factor")
add("Upsample-scale-0", ValueError,
    lambda lib: lib.nn.Upsample(scale_factor=0)(lib.randn(1, 1, 2, 2)), "scale_factor")
add("interpolate-align_corners-nearest", ValueError,
    lambda lib: lib.nn.functional.interpolate(lib.randn(1, 1, 2, 2), scale_factor=2,
                                              align_corners=True), "align_corners", "nearest")
add("Dropout-p-negative", ValueError, lambda lib: lib.nn.Dropout(-0.1), "probability", "-0.1",
    "between 0 and 1")
add("Dropout-p-above-1", ValueError, lambda lib: lib.nn.Dropout(1.5), "1.5", "between 0 and 1")
add("F.dropout-p-above-1", ValueError, lambda lib: lib.nn.functional.dropout(lib.randn(3), 1.5),
    "1.5", "between 0 and 1")
add("Softmax-dim-out-of-range", IndexError, lambda lib: lib.nn.Softmax(2)(lib.randn(3)), "2")
add("GELU-approximate", RuntimeError,
    lambda lib: lib.nn.GELU(approximate="fast")(lib.randn(3)), "approximate", "'fast'", "'tanh'")
add("LeakyReLU-slope-str", TypeError, lambda lib: lib.nn.LeakyReLU("a")(lib.randn(3)),
    "negative_slope", "str", "number")
add("Sequential-index", IndexError, lambda lib: lib.nn.Sequential(lib.nn.ReLU())[3], "3")
add("CrossEntropyLoss-target-out-of-range", IndexError,
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(2, 3), arr(lib, [0, 3])), "3", "classes")
add("BCEWithLogitsLoss-shape", ValueError,
    lambda lib: lib.nn.BCEWithLogitsLoss()(lib.randn(2), lib.randn(3)), "(3,)", "(2,)")
add("BCELoss-shape", ValueError,
    lambda lib: lib.nn.BCELoss()(lib.tensor([0.5, 0.2]), lib.tensor([1.0, 0.0, 1.0])),
    "(3,)", "(2,)")


add("Linear-float64-input", RuntimeError, lambda lib: lib.nn.Linear(2, 3)(lib.randn(4, 2).double()),
    "input", "float64", "weight", "float32")
add("Conv2d-float64-input", RuntimeError,
    lambda lib: lib.nn.Conv2d(1, 1, 3)(lib.randn(1, 1, 5, 5).double()), "float64", "float32")
add("BatchNorm1d-float64-input", RuntimeError,
    lambda lib: lib.nn.BatchNorm1d(2)(lib.randn(4, 2).double()), "float64", "float32")
add("LayerNorm-float64-input", RuntimeError,
    lambda lib: lib.nn.LayerNorm(2)(lib.randn(4, 2).double()), "float64", "float32")
add("Embedding-float-indices", RuntimeError,
    lambda lib: lib.nn.functional.embedding(arr(lib, [0.0]), lib.randn(4, 2)), "indices",
    "float64", "int")
add("CrossEntropyLoss-bool-target", RuntimeError,
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(2, 3), arr(lib, [False, True])),
    "target", "bool", "int")
add("F.one_hot-float", RuntimeError, lambda lib: lib.nn.functional.one_hot(lib.randn(3)),
    "one_hot", "float32", "integer")

# ---------------------------------------------------------------- values out of range
add("Linear-negative-size", RuntimeError, lambda lib: lib.nn.Linear(-1, 3), "in_features", "-1",
    "non-negative")
add("Linear-float-size", TypeError, lambda lib: lib.nn.Linear(2.5, 3), "in_features", "2.5", "int")
add("Conv2d-negative-channels", RuntimeError, lambda lib: lib.nn.Conv2d(-1, 3, 3), "in_channels",
    "-1", "positive")
add("Embedding-negative-size", RuntimeError, lambda lib: lib.nn.Embedding(-1, 2),
    "num_embeddings", "-1", "positive")
add("Embedding-float-size", TypeError, lambda lib: lib.nn.Embedding(2.5, 2), "num_embeddings",
    "2.5", "int")
add("BatchNorm1d-negative-features", RuntimeError, lambda lib: lib.nn.BatchNorm1d(-1),
    "num_features", "-1", "positive")
add("BatchNorm1d-float-features", TypeError, lambda lib: lib.nn.BatchNorm1d(2.5),
    "num_features", "2.5", "integer")
add("ConvTranspose2d-output_padding", RuntimeError,
    lambda lib: lib.nn.ConvTranspose2d(1, 1, 3, output_padding=1)(lib.randn(1, 1, 3, 3)),
    "output_padding", "stride", "dilation")
add("F.conv_transpose2d-output_padding", RuntimeError,
    lambda lib: lib.nn.functional.conv_transpose2d(lib.randn(1, 1, 3, 3), lib.randn(1, 1, 3, 3),
                                                   output_padding=1),
    "output_padding", "stride", "dilation")
add("CrossEntropyLoss-label_smoothing", RuntimeError,
    lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=1.5)(lib.randn(2, 3), arr(lib, [0, 1])),
    "label_smoothing", "1.5", "between 0.0 and 1.0")
add("BCELoss-input-above-1", RuntimeError,
    lambda lib: lib.nn.BCELoss()(lib.tensor([1.5, 0.2]), lib.tensor([1.0, 0.0])),
    "input", "between 0 and 1")
add("F.one_hot-label-too-large", RuntimeError,
    lambda lib: lib.nn.functional.one_hot(arr(lib, [0, 3]), 3), "0..2", "3")
add("F.one_hot-negative-label", RuntimeError,
    lambda lib: lib.nn.functional.one_hot(arr(lib, [-1, 0]), 3), "-1")
add("AvgPool2d-divisor_override-0", RuntimeError,
    lambda lib: lib.nn.AvgPool2d(2, divisor_override=0)(lib.randn(1, 1, 4, 4)),
    "divisor_override", "0", "non-zero")
add("Conv2d-2d-input", RuntimeError, lambda lib: lib.nn.Conv2d(2, 1, 3)(lib.randn(5, 5)),
    "3-D", "4-D", "(5, 5)")
add("F.conv2d-3d-weight", RuntimeError,
    lambda lib: lib.nn.functional.conv2d(lib.randn(1, 1, 5, 5), lib.randn(2, 1, 3)),
    "weight", "4-D", "(2, 1, 3)")
add("Upsample-size-0", RuntimeError, lambda lib: lib.nn.Upsample(size=0)(lib.randn(1, 1, 2, 2)),
    "output size", "(0, 0)")
add("Upsample-scale_factor-length", ValueError,
    lambda lib: lib.nn.Upsample(scale_factor=(2, 2, 2))(lib.randn(1, 1, 2, 2)),
    "scale_factor", "2 spatial axes")
add("MSELoss-shapes-not-broadcastable", RuntimeError,
    lambda lib: lib.nn.MSELoss()(lib.randn(2), lib.randn(3)), "(3,)", "(2,)")
add("vector_to_parameters-short", RuntimeError,
    lambda lib: lib.nn.utils.vector_to_parameters(lib.randn(1), [lib.nn.Parameter(lib.randn(2))]),
    "vec", "1", "2")
add("F.pad-odd-length", RuntimeError, lambda lib: lib.nn.functional.pad(lib.randn(2, 2), (1,)),
    "pad", "even", "(1,)")
add("F.pad-reflect-too-wide", RuntimeError,
    lambda lib: lib.nn.functional.pad(lib.randn(1, 2, 2), (2, 2), mode="reflect"),
    "reflect", "(2, 2)", "size 2")
add("Upsample-scale_factor-negative", RuntimeError,
    lambda lib: lib.nn.Upsample(scale_factor=-1)(lib.randn(1, 1, 2, 2)), "scale_factor", "-1",
    "positive")
add("CrossEntropyLoss-soft-target-shape", RuntimeError,
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(2, 3), lib.randn(2)), "target", "(2,)",
    "(2, 3)")
add("Module.train-str", ValueError, lambda lib: lib.nn.Linear(2, 2).train("x"), "mode", "'x'",
    "bool")
add("Module.to-int64", TypeError, lambda lib: lib.nn.Linear(2, 2).to(lib.int64), "int64",
    "floating-point")

# ---------------------------------------------------------------- Module registration
def _module(lib, **attrs):
    m = lib.nn.Module()
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


for _kind, _reg in (("buffer", lambda lib, m, n: m.register_buffer(n, lib.zeros(2))),
                    ("parameter", lambda lib, m, n: m.register_parameter(
                        n, lib.nn.Parameter(lib.zeros(2)))),
                    ("module", lambda lib, m, n: m.add_module(n, lib.nn.ReLU()))):
    add(f"register_{_kind}-dotted-name", KeyError,
        lambda lib, reg=_reg: reg(lib, lib.nn.Module(), "a.b"), _kind, '"."', "a.b")
    add(f"register_{_kind}-empty-name", KeyError,
        lambda lib, reg=_reg: reg(lib, lib.nn.Module(), ""), _kind, "empty")
    add(f"register_{_kind}-int-name", TypeError,
        lambda lib, reg=_reg: reg(lib, lib.nn.Module(), 1), _kind, "name", "string", "int")
    add(f"register_{_kind}-over-plain-attribute", KeyError,
        lambda lib, reg=_reg: reg(lib, _module(lib, foo=1), "foo"), "'foo'", "already exists")
add("register_buffer-over-parameter", KeyError,
    lambda lib: lib.nn.Linear(2, 2).register_buffer("weight", lib.zeros(2)), "'weight'",
    "already exists")
add("register_parameter-over-buffer", KeyError,
    lambda lib: lib.nn.BatchNorm1d(2).register_parameter("running_mean",
                                                         lib.nn.Parameter(lib.zeros(2))),
    "'running_mean'", "already exists")
add("register_buffer-list", TypeError, lambda lib: lib.nn.Module().register_buffer("a", [1, 2]),
    "'a'", "list", "Tensor")
add("register_parameter-plain-tensor", TypeError,
    lambda lib: lib.nn.Module().register_parameter("a", lib.zeros(2)), "'a'", "Tensor",
    "Parameter")
add("register_parameter-non-leaf", TypeError,
    lambda lib: lib.nn.Module().register_parameter("a", lib.nn.Parameter(lib.zeros(2)) * 2),
    "'a'", "Parameter")
add("add_module-int", TypeError, lambda lib: lib.nn.Module().add_module("a", 3), "int",
    "Module")
add("setattr-tensor-over-parameter", TypeError,
    lambda lib: setattr(lib.nn.Linear(2, 2), "weight", lib.zeros(2, 2)), "'weight'", "Parameter")
add("setattr-int-over-buffer", TypeError,
    lambda lib: setattr(lib.nn.BatchNorm1d(2), "running_mean", 3), "'running_mean'", "int",
    "Tensor")
add("setattr-int-over-submodule", TypeError,
    lambda lib: setattr(_module(lib, a=lib.nn.ReLU()), "a", 3), "'a'", "int")
add("Sequential-int", TypeError, lambda lib: lib.nn.Sequential(lib.nn.ReLU(), 3), "int", "Module")
add("ModuleList-int", TypeError, lambda lib: lib.nn.ModuleList([3]), "int", "Module")
add("ModuleDict-int", TypeError, lambda lib: lib.nn.ModuleDict({"a": 3}), "int", "Module")
add("load_state_dict-shape", RuntimeError,
    lambda lib: lib.nn.Linear(2, 2).load_state_dict({"weight": lib.zeros(3, 2),
                                                     "bias": lib.zeros(2)}), "weight", "(3, 2)")
add("load_state_dict-missing", RuntimeError,
    lambda lib: lib.nn.Linear(2, 2).load_state_dict({"weight": lib.zeros(2, 2)}), "missing",
    "bias")

# ---------------------------------------------------------------- Parameter, requires_grad, .data, hooks
add("Parameter-int64", RuntimeError, lambda lib: lib.nn.Parameter(arr(lib, [1, 2])),
    "floating-point", "int64", "require")
add("requires_grad_-int64", RuntimeError, lambda lib: arr(lib, [1, 2]).requires_grad_(),
    "floating-point", "int64", "require")
add("tensor-int64-requires_grad", RuntimeError,
    lambda lib: lib.tensor([1, 2], requires_grad=True), "floating-point", "int64")
add("zeros-int64-requires_grad", RuntimeError,
    lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True), "floating-point", "int64")
add("requires_grad_(False)-non-leaf", RuntimeError,
    lambda lib: (leaf(lib, 2) * 2).requires_grad_(False), "leaf")
add("data=list", TypeError, lambda lib: setattr(lib.ones(2), "data", [1.0, 2.0]),
    "data", "list", "Tensor")
add("data=int64-on-requires_grad", RuntimeError,
    lambda lib: setattr(leaf(lib, 2), "data", arr(lib, [1, 2])), "data", "int64",
    "floating point")
add("register_hook-no-grad", RuntimeError, lambda lib: lib.ones(2).register_hook(lambda g: g),
    "hook", "require")
add("backward-no-grad", RuntimeError, lambda lib: lib.ones(2).sum().backward(), "grad")
add("backward-non-scalar", RuntimeError, lambda lib: (leaf(lib, 2) * 2).backward(),
    "scalar", "(2,)")
add("backward-gradient-shape", RuntimeError,
    lambda lib: (leaf(lib, 2) * 2).backward(lib.ones(3)), "(3,)", "(2,)")


def _hook_returns(lib, make, non_leaf=False):
    t = leaf(lib, 2)
    u = t * 2 if non_leaf else t
    u.register_hook(lambda g: make(lib))
    (u * 2).sum().backward()


add("hook-returns-wrong-shape", RuntimeError,
    lambda lib: _hook_returns(lib, lambda lib: lib.ones(3)), "hook", "(3,)", "(2,)")
add("hook-returns-wrong-dtype", RuntimeError,
    lambda lib: _hook_returns(lib, lambda lib: lib.ones(2, dtype=lib.float64)), "hook",
    "float64", "float32")
add("hook-returns-list", TypeError,
    lambda lib: _hook_returns(lib, lambda lib: [1.0, 1.0]), "hook", "list", "Tensor")
add("hook-non-leaf-wrong-shape", RuntimeError,
    lambda lib: _hook_returns(lib, lambda lib: lib.ones(3), non_leaf=True), "(3,)", "(2,)")

# ---------------------------------------------------------------- nn.init
for _fname in ("normal_", "uniform_", "xavier_uniform_", "kaiming_uniform_", "kaiming_normal_",
               "orthogonal_"):
    add(f"init.{_fname}-int64", NotImplementedError,
        lambda lib, f=_fname: getattr(lib.nn.init, f)(arr(lib, [[1, 2], [3, 4]])),
        "int64", "floating-point")
for _fname in ("xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"):
    add(f"init.{_fname}-1d", ValueError, lambda lib, f=_fname: getattr(lib.nn.init, f)(lib.zeros(3)),
        "fewer than 2 dimensions", "(3,)")
add("init.orthogonal_-1d", ValueError, lambda lib: lib.nn.init.orthogonal_(lib.zeros(3)),
    "2 or more dimensions", "(3,)")
add("init.kaiming-mode", ValueError,
    lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(3, 3), mode="fan_avg"), "fan_avg", "fan_in")
add("init.calculate_gain-unknown", ValueError, lambda lib: lib.nn.init.calculate_gain("swish"),
    "swish")
add("init.normal_-negative-std", RuntimeError,
    lambda lib: lib.nn.init.normal_(lib.zeros(3), std=-1.0), "std", "-1.0", ">= 0")
add("init.uniform_-a-above-b", RuntimeError,
    lambda lib: lib.nn.init.uniform_(lib.zeros(3), 2.0, 1.0), "a=2.0", "b=1.0")

# ---------------------------------------------------------------- nn.utils
add("spectral_norm-twice", RuntimeError,
    lambda lib: lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))),
    "spectral_norm", "'weight'")
add("spectral_norm-n_power_iterations-0", ValueError,
    lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0),
    "n_power_iterations", "0", "positive")
add("remove_spectral_norm-none", ValueError,
    lambda lib: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(2, 2)), "spectral_norm", "weight")


def _nonfinite_clip(lib):
    p = lib.nn.Parameter(lib.zeros(2))
    p.grad = lib.tensor([float("nan"), 1.0])
    lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


add("clip_grad_norm_-non-finite", RuntimeError, _nonfinite_clip, "non-finite")

IDS = [c.name for c in CASES]
assert len(set(IDS)) == len(IDS), "case names must be unique"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_minigan_refuses(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(case.error) as info:
            case.fn(mg)
    message = str(info.value)
    missing = [w for w in case.words if w not in message]
    assert not missing, f"{case.name}: message {message!r} does not name {missing}"


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pytorch_raises_the_same_type(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(case.error):
            case.fn(torch)


@pytest.mark.parametrize("case", [c for c in CASES if c.error is NotImplementedError], ids=str)
def test_dtype_refusals_are_also_type_errors(case):
    """minigan's convention (TypeError for a wrong dtype) and PyTorch's hold together."""
    with pytest.raises(DtypeError) as info:
        case.fn(mg)
    assert isinstance(info.value, TypeError) and isinstance(info.value, RuntimeError)


# ---------------------------------------------------------------- what PyTorch accepts, minigan accepts
ACCEPTED = {  # name -> fn(lib) returning a tensor; both libraries give the same values
    "ReLU-int64": lambda lib: lib.nn.ReLU()(ints(lib)),
    "F.relu-int64": lambda lib: lib.nn.functional.relu(ints(lib)),
    "Sigmoid-int64": lambda lib: lib.nn.Sigmoid()(ints(lib)),
    "Tanh-bool": lambda lib: lib.nn.Tanh()(bools(lib)),
    "BatchNorm1d-eps0-eval": lambda lib: lib.nn.BatchNorm1d(4, eps=0).eval()(
        arr(lib, np.arange(32, dtype=np.float32).reshape(8, 4))),
    "LayerNorm-eps0": lambda lib: lib.nn.LayerNorm(4, eps=0)(
        arr(lib, np.arange(8, dtype=np.float32).reshape(2, 4))),
    "Flatten-negative-dims": lambda lib: lib.nn.Flatten(-2, -1)(lib.zeros(2, 3, 4)),
    "Flatten-0d": lambda lib: lib.nn.Flatten(0, -1)(lib.tensor(3.0)),
    "Unflatten-negative-dim": lambda lib: lib.nn.Unflatten(-1, (2, 3))(lib.zeros(2, 6)),
    "init.zeros_-int64": lambda lib: lib.nn.init.zeros_(arr(lib, [1, 2])),
    "init.constant_-int64": lambda lib: lib.nn.init.constant_(arr(lib, [1, 2]), 7),
    "Dropout-int64-eval": lambda lib: lib.nn.Dropout(0.5).eval()(ints(lib)),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_minigan_accepts_what_pytorch_accepts(name):
    out = ACCEPTED[name](mg)
    assert isinstance(out, mg.Tensor)
    if torch is not None:
        expected = ACCEPTED[name](torch).detach().numpy()
        got = out.detach().numpy()
        assert got.shape == expected.shape and str(got.dtype) == str(expected.dtype)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_leaky_relu_on_integers_is_refused_not_truncated():
    """The issue's example: LeakyReLU(0.2) on int64 [-5, 5] returned [0, 5]."""
    with pytest.raises(DtypeError, match="leaky_relu: expected a floating-point input, got dtype int64"):
        mg.nn.LeakyReLU(0.2)(mg.tensor([-5, 5]))
    out = mg.nn.LeakyReLU(0.2)(mg.tensor([-5.0, 5.0]))
    np.testing.assert_allclose(out.numpy(), [-1.0, 5.0])


def test_relu_keeps_integers():
    out = mg.nn.ReLU()(mg.tensor([-5, 5]))
    assert out.dtype == np.int64 and out.tolist() == [0, 5]


def test_batchnorm_eps0_eval_is_finite_and_training_refuses():
    """PyTorch 2.13 refuses eps=0 while training (a channel of equal values would
    divide 0 by 0) and accepts it in eval mode, where the running variance (1)
    keeps the result finite."""
    bn = mg.nn.BatchNorm1d(4, eps=0)
    x = mg.randn(8, 4)
    with pytest.raises(ValueError, match=r"eps must be positive during training, but got eps=0"):
        bn(x)
    out = bn.eval()(x).detach().numpy()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, x.numpy(), rtol=1e-6)


def test_flatten_start_dim_beyond_input_is_refused():
    """The issue's example: Flatten(start_dim=3) on a 2-D input returned it unchanged."""
    with pytest.raises(DimensionError, match=r"start_dim=3 is out of range for a 2-D input"):
        mg.nn.Flatten(start_dim=3)(mg.zeros(2, 3))
    assert mg.nn.Flatten()(mg.zeros(2, 3, 4)).shape == (2, 12)


def test_register_buffer_persistent_again_is_saved():
    m = mg.nn.Module()
    m.register_buffer("a", mg.zeros(2), persistent=False)
    assert "a" not in m.state_dict()
    m.register_buffer("a", mg.ones(2))
    assert "a" in m.state_dict()


def test_data_setter_swaps_shape_and_keeps_module_to_working():
    t = mg.ones(2, requires_grad=True)
    t.data = mg.zeros(3)  # PyTorch allows a new shape through .data
    assert t.shape == (3,) and t.requires_grad
    lin = mg.nn.Linear(2, 2).double()
    assert lin.weight.dtype == np.float64
