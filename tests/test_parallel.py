"""minigan.fast.parallel.in_halves: when it splits, that both halves run, that a
failure on the second thread reaches the caller, and that it never splits
inside its own worker (which would wait on itself)."""
import threading

import numpy as np
import pytest

from minigan.fast import blas, parallel


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(blas, "get_num_threads", lambda: 2)


def record(calls):
    def fn(lo, hi):
        calls.append((lo, hi, threading.current_thread().name))
    return fn


def test_large_work_is_split_in_two_halves_on_two_threads(two_threads):
    calls = []
    parallel.in_halves(record(calls), 10, parallel.MIN_ELEMENTS)
    assert sorted(c[:2] for c in calls) == [(0, 5), (5, 10)]
    assert {c[2].startswith("minigan-pass") for c in calls} == {True, False}


@pytest.mark.parametrize("n, elements, threads, xp", [
    (10, parallel.MIN_ELEMENTS - 1, 2, np),  # too little work
    (1, 10 * parallel.MIN_ELEMENTS, 2, np),  # nothing to split
    (10, 10 * parallel.MIN_ELEMENTS, 1, np),  # set_num_threads(1)
    (10, 10 * parallel.MIN_ELEMENTS, 2, object()),  # not NumPy (CuPy runs on the GPU)
])
def test_otherwise_one_call_on_this_thread(n, elements, threads, xp, monkeypatch):
    monkeypatch.setattr(blas, "get_num_threads", lambda: threads)
    calls = []
    parallel.in_halves(record(calls), n, elements, xp)
    assert calls == [(0, n, threading.current_thread().name)]


def test_an_error_on_the_second_thread_reaches_the_caller(two_threads):
    def fn(lo, hi):
        if lo > 0:
            raise ValueError("upper half failed")
    with pytest.raises(ValueError, match="upper half failed"):
        parallel.in_halves(fn, 4, parallel.MIN_ELEMENTS)
    parallel.in_halves(lambda lo, hi: None, 4, parallel.MIN_ELEMENTS)  # the pool still works


def test_no_split_inside_the_worker(two_threads):
    calls = []

    def outer(lo, hi):
        parallel.in_halves(record(calls), hi - lo, parallel.MIN_ELEMENTS)

    parallel.in_halves(outer, 4, parallel.MIN_ELEMENTS)  # would deadlock if the worker split
    # this thread's half splits again ((0, 1) here, (1, 2) on the worker); the
    # worker's half runs whole, on the worker
    worker = sorted(c[:2] for c in calls if c[2].startswith("minigan-pass"))
    here = sorted(c[:2] for c in calls if not c[2].startswith("minigan-pass"))
    assert worker == [(0, 2), (1, 2)] and here == [(0, 1)]
