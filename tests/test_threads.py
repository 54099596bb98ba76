"""minigan.threads: splitting conv's copies and strided adds over threads
changes no number, survives fork, and checks its argument."""
import multiprocessing

import numpy as np
import pytest

import minigan as mg
from minigan import threads


def _conv_step(seed=0):
    """Forward and backward of the DCGAN's two heavy layers (each pass > 1 MiB)."""
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal((64, 64, 14, 14)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((128, 64, 4, 4)).astype(np.float32), requires_grad=True)
    wt = mg.tensor(rng.standard_normal((128, 64, 4, 4)).astype(np.float32), requires_grad=True)
    y = mg.nn.functional.conv2d(x, w, stride=2, padding=1)
    z = mg.nn.functional.conv_transpose2d(y, wt, stride=2, padding=1)
    gx, gw, gwt = mg.grad((z * z).sum(), [x, w, wt])
    return [a.detach().numpy() for a in (y, z, gx, gw, gwt)]


@pytest.fixture
def two_threads():
    assert mg.set_num_threads is threads.set_num_threads  # PyTorch's name, at the top level
    before = threads.get_num_threads()
    threads.set_num_threads(2)
    yield
    threads.set_num_threads(before)


def test_threaded_passes_give_bitwise_the_same_numbers(two_threads, monkeypatch):
    used = []
    real = threads.parallel_slices
    monkeypatch.setattr(threads, "parallel_slices",
                        lambda fn, length, nbytes: used.append(nbytes >= threads.MIN_BYTES)
                        or real(fn, length, nbytes))
    two = _conv_step()
    assert any(used)  # some pass really was split
    threads.set_num_threads(1)
    one = _conv_step()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def _child(queue):
    queue.put(_conv_step()[1].sum())


def test_a_forked_child_gets_a_working_pool(two_threads):
    expected = _conv_step()[1].sum()  # the parent's pool now exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    p = ctx.Process(target=_child, args=(queue,))
    p.start()
    got = queue.get(timeout=60)
    p.join(timeout=60)
    assert p.exitcode == 0 and got == expected


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_non_positive_ints(bad):
    with pytest.raises(ValueError, match="positive int"):
        threads.set_num_threads(bad)
