"""Sequential, ModuleList, ModuleDict: registration, indexing, state_dict, errors."""
from collections import OrderedDict

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn


def arr(t):
    return np.asarray(t.detach())


def test_sequential_runs_in_order_and_registers_parameters():
    a, b = nn.Linear(3, 4), nn.Linear(4, 2)
    seq = nn.Sequential(a, nn.ReLU(), b)
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(arr(seq(x)), arr(b(a(x).relu())))
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    seq(x).sum().backward()
    assert a.weight.grad is not None and b.bias.grad is not None


def test_sequential_indexing_len_iteration_append():
    layers = [nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 3)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:]
    assert seq.append(nn.Sigmoid()) is seq and len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    seq[1] = nn.ReLU()
    assert isinstance(seq[1], nn.ReLU)
    del seq[1]
    assert len(seq) == 3 and [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq.insert(0, nn.Identity())
    assert isinstance(seq[0], nn.Identity) and seq[1] is layers[0]
    with pytest.raises(IndexError, match="index 7 is out of range for Sequential of length 4"):
        seq[7]


def test_sequential_from_ordered_dict_and_repr():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.LeakyReLU(0.2))]))
    assert seq.fc is seq[0] and seq.act is seq[1]
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert repr(seq) == ("Sequential(\n"
                         "  (fc): Linear(in_features=2, out_features=3, bias=True)\n"
                         "  (act): LeakyReLU(negative_slope=0.2)\n"
                         ")")


def test_nested_state_dict_round_trip_and_train_eval():
    def make():
        return nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5)), nn.Linear(4, 1))

    a, b = make(), make()
    assert "0.0.weight" in a.state_dict()
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    assert not a[0][1].training
    x = mg.randn(6, 3)
    np.testing.assert_array_equal(arr(a(x)), arr(b(x)))
    a.train()
    assert a[0][1].training


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.Linear(2, 1))
    ml += [nn.ReLU()]
    assert len(ml) == 5 and isinstance(ml[-1], nn.ReLU)
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    x = mg.randn(4, 2)
    for layer in ml[:3]:
        x = layer(x)
    assert x.shape == (4, 2)
    del ml[0]
    assert [n for n, _ in ml.named_children()] == ["0", "1", "2", "3"]
    assert len(ml + nn.ModuleList([nn.Tanh()])) == 5

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for blk in self.blocks:
                x = blk(x)
            return x

    assert list(Net().state_dict()) == ["blocks.0.weight", "blocks.0.bias",
                                        "blocks.1.weight", "blocks.1.bias"]
    with pytest.raises(NotImplementedError):
        ml(x)


def test_module_dict():
    md = nn.ModuleDict({"enc": nn.Linear(3, 2), "dec": nn.Linear(2, 3)})
    assert list(md) == ["enc", "dec"] and "enc" in md and len(md) == 2
    md["act"] = nn.ReLU()
    assert list(md.keys()) == ["enc", "dec", "act"]
    assert [k for k, _ in md.items()] == ["enc", "dec", "act"]
    assert list(md.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(md.pop("act"), nn.ReLU) and "act" not in md
    md.update([("extra", nn.Tanh())])
    assert isinstance(md["extra"], nn.Tanh)
    with pytest.raises(KeyError, match="ModuleDict has no module 'nope'"):
        md["nope"]
    with pytest.raises(KeyError, match="must be non-empty and contain no '.'"):
        md["a.b"] = nn.ReLU()
    md.clear()
    assert len(md) == 0


def test_non_modules_are_refused():
    with pytest.raises(TypeError, match="Sequential: expected a minigan.nn.Module, got function"):
        nn.Sequential(nn.Linear(2, 2), lambda x: x)
    with pytest.raises(TypeError, match="ModuleList: expected a minigan.nn.Module, got Tensor"):
        nn.ModuleList([mg.zeros(2)])
    with pytest.raises(TypeError, match="ModuleDict: expected a minigan.nn.Module, got int"):
        nn.ModuleDict({"a": 3})


def test_to_double_reaches_every_contained_module():
    seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.ModuleList([nn.Linear(2, 2)]))
    seq.double()
    assert all(p.dtype == np.float64 for p in seq.parameters())
    assert len(list(seq.parameters())) == 4
