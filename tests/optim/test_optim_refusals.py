"""Optimizers and schedulers refuse the hyper-parameters PyTorch refuses, with
PyTorch's error type (ValueError for a value out of range, TypeError for a
wrong kind), and a message naming the argument and the value given.

Each case is ``fn(lib)``, run with minigan and, where PyTorch is installed,
with PyTorch, which must raise the same type (as in tests/nn/test_refusals.py;
this file's name differs from that one's because the test folders are not
packages).
"""
from __future__ import annotations

import math

import pytest

import minigan as mg

try:
    import torch
except ImportError:  # the comparisons with PyTorch are skipped
    torch = None


def params(lib):
    return [lib.nn.Parameter(lib.zeros(2))]


def sgd(lib):
    return lib.optim.SGD(params(lib), lr=0.1)


def opt(name, **kw):
    return lambda lib: getattr(lib.optim, name)(params(lib), **kw)


CASES = {  # name -> (fn(lib), error type, words the message must hold)
    "SGD-lr-negative": (opt("SGD", lr=-0.1), ValueError, ("learning rate", "-0.1")),
    "SGD-momentum-negative": (opt("SGD", lr=0.1, momentum=-1), ValueError, ("momentum", "-1")),
    "SGD-weight_decay-negative": (opt("SGD", lr=0.1, weight_decay=-1), ValueError,
                                  ("weight_decay", "-1")),
    "SGD-nesterov-without-momentum": (opt("SGD", lr=0.1, nesterov=True), ValueError,
                                      ("Nesterov", "momentum")),
    "SGD-nesterov-with-dampening": (opt("SGD", lr=0.1, momentum=0.9, dampening=0.5,
                                        nesterov=True), ValueError, ("Nesterov", "dampening")),
    "SGD-lr-str": (opt("SGD", lr="a"), TypeError, ("lr", "str")),
    "Adam-lr-negative": (opt("Adam", lr=-1e-3), ValueError, ("learning rate", "-0.001")),
    "Adam-lr-nan": (opt("Adam", lr=math.nan), ValueError, ("learning rate", "nan")),
    "Adam-beta1-one": (opt("Adam", betas=(1.0, 0.999)), ValueError, ("beta", "index 0", "1.0")),
    "Adam-beta2-negative": (opt("Adam", betas=(0.9, -0.1)), ValueError,
                            ("beta", "index 1", "-0.1")),
    "Adam-beta2-above-one": (opt("Adam", betas=(0.9, 1.5)), ValueError, ("beta", "1.5")),
    "Adam-betas-number": (opt("Adam", betas=0.9), TypeError, ("betas", "0.9")),
    "Adam-eps-negative": (opt("Adam", eps=-1e-8), ValueError, ("epsilon", "-1e-08")),
    "Adam-eps-nan": (opt("Adam", eps=math.nan), ValueError, ("epsilon", "nan")),
    "Adam-weight_decay-negative": (opt("Adam", weight_decay=-1), ValueError,
                                   ("weight_decay", "-1")),
    "Adam-unknown-keyword": (opt("Adam", foo=1), TypeError, ("foo",)),
    "AdamW-lr-negative": (opt("AdamW", lr=-1e-3), ValueError, ("learning rate",)),
    "AdamW-beta2-one": (opt("AdamW", betas=(0.9, 1.0)), ValueError, ("beta", "1.0")),
    "AdamW-eps-negative": (opt("AdamW", eps=-1), ValueError, ("epsilon", "-1")),
    "AdamW-weight_decay-negative": (opt("AdamW", weight_decay=-1), ValueError, ("weight_decay",)),
    "RMSprop-lr-negative": (opt("RMSprop", lr=-1), ValueError, ("learning rate", "-1")),
    "RMSprop-alpha-negative": (opt("RMSprop", alpha=-1), ValueError, ("alpha", "-1")),
    "RMSprop-eps-negative": (opt("RMSprop", eps=-1), ValueError, ("epsilon", "-1")),
    "RMSprop-momentum-negative": (opt("RMSprop", momentum=-1), ValueError, ("momentum", "-1")),
    "RMSprop-weight_decay-negative": (opt("RMSprop", weight_decay=-1), ValueError,
                                      ("weight_decay", "-1")),
    "SGD-empty-params": (lambda lib: lib.optim.SGD([], lr=0.1), ValueError, ("empty",)),
    "SGD-one-tensor-not-iterable": (lambda lib: lib.optim.SGD(lib.nn.Parameter(lib.zeros(2)),
                                                              lr=0.1), TypeError, ("iterable",)),
    "SGD-non-leaf": (lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2)) * 2], lr=0.1),
                     ValueError, ("non-leaf",)),
    "SGD-list-param": (lambda lib: lib.optim.SGD([[1.0]], lr=0.1), TypeError, ("list",)),
    "SGD-group-params-int": (lambda lib: lib.optim.SGD([{"params": params(lib)}, {"params": 3}],
                                                       lr=0.1), TypeError, ("int",)),
    "StepLR-not-an-optimizer": (lambda lib: lib.optim.lr_scheduler.StepLR(3, step_size=1),
                                TypeError, ("int", "Optimizer")),
    "LambdaLR-too-many-lambdas": (lambda lib: lib.optim.lr_scheduler.LambdaLR(
        sgd(lib), lr_lambda=[lambda e: 1, lambda e: 1]), ValueError, ("1", "2")),
    "LambdaLR-not-callable": (lambda lib: lib.optim.lr_scheduler.LambdaLR(sgd(lib), lr_lambda=3),
                              TypeError, ("lr_lambda", "int")),
    "LinearLR-start_factor-0": (lambda lib: lib.optim.lr_scheduler.LinearLR(
        sgd(lib), start_factor=0), ValueError, ("start_factor=0",)),
    "LinearLR-start_factor-2": (lambda lib: lib.optim.lr_scheduler.LinearLR(
        sgd(lib), start_factor=2), ValueError, ("start_factor=2",)),
    "LinearLR-end_factor-2": (lambda lib: lib.optim.lr_scheduler.LinearLR(
        sgd(lib), end_factor=2), ValueError, ("end_factor=2",)),
}


def _duplicate_groups(lib):
    p = params(lib)
    lib.optim.SGD([{"params": p}, {"params": p}], lr=0.1)


def _load_wrong_group_size(lib):
    sgd(lib).load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


CASES["SGD-parameter-in-two-groups"] = (_duplicate_groups, ValueError, ("more than one",))
CASES["SGD-load_state_dict-group-size"] = (_load_wrong_group_size, ValueError, ("2", "1"))


@pytest.mark.parametrize("name", list(CASES))
def test_minigan_refuses(name):
    fn, error, words = CASES[name]
    with pytest.raises(error) as info:
        fn(mg)
    missing = [w for w in words if w not in str(info.value)]
    assert not missing, f"{name}: message {str(info.value)!r} does not name {missing}"


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name", list(CASES))
def test_pytorch_raises_the_same_type(name):
    fn, error, _ = CASES[name]
    with pytest.raises(error):
        fn(torch)


ACCEPTED = {  # what PyTorch accepts, minigan accepts too
    "SGD-lr-inf": opt("SGD", lr=math.inf),
    "SGD-maximize": opt("SGD", lr=0.1, momentum=0.9, maximize=True),
    "Adam-amsgrad": opt("Adam", amsgrad=True),
    "RMSprop-alpha-0": opt("RMSprop", alpha=0),
    "RMSprop-centered-momentum": opt("RMSprop", centered=True, momentum=1.5),
    "SGD-set-of-params": lambda lib: lib.optim.SGD(set(params(lib)), lr=0.1),
    "ExponentialLR-negative-gamma": lambda lib: lib.optim.lr_scheduler.ExponentialLR(sgd(lib),
                                                                                      gamma=-1),
    "CosineAnnealingLR-T_max-0": lambda lib: lib.optim.lr_scheduler.CosineAnnealingLR(sgd(lib),
                                                                                       T_max=0),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_minigan_accepts_what_pytorch_accepts(name):
    ACCEPTED[name](mg)
    if torch is not None:
        ACCEPTED[name](torch)
