"""Shared fixtures: every test that takes ``device`` runs on the CPU, and on
CUDA: on the GPU when CuPy sees one, else on the strict CuPy stand-in
(``minigan.testing.cupy_standin``: NumPy underneath, CuPy's API and its
host/device rules). ``--cupy-standin=never`` skips them instead, ``always``
uses the stand-in even beside a GPU. While the stand-in is in use, every
test marked ``cuda`` (the ``device`` fixture's "cuda" case included) runs
with it playing CuPy; the other tests see the machine as it is."""
from __future__ import annotations

import os

# One BLAS thread for the suite, set before NumPy loads: the tests run small
# products, and OpenBLAS's spinning threads turn a 7 s training test into a
# 200 s one when anything else wants the second core.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import minigan  # noqa: E402
from minigan import backend  # noqa: E402

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)]
_STANDIN = {"on": False}


def pytest_addoption(parser):
    parser.addoption("--cupy-standin", choices=("auto", "always", "never"), default="auto",
                     help="run the cuda tests on minigan.testing.cupy_standin: when no GPU is "
                          "present (auto, the default), always, or never (they are skipped)")


def pytest_configure(config):
    choice = config.getoption("--cupy-standin")
    _STANDIN["on"] = choice == "always" or (choice == "auto" and not minigan.cuda.is_available())


@pytest.fixture(autouse=True)
def _cuda_on_the_standin(request):
    """A test marked ``cuda`` runs with the stand-in playing CuPy (no GPU here)."""
    if request.node.get_closest_marker("cuda") is None:
        yield
        return
    if not _STANDIN["on"]:
        if not minigan.cuda.is_available():
            pytest.skip("CUDA not available (CuPy missing or no GPU) and --cupy-standin=never")
        yield
        return
    from minigan.testing import cupy_standin

    state = backend.use_cupy(cupy_standin)
    try:
        yield
    finally:
        backend.restore_cupy(state)
        minigan.random._generators.pop("cuda", None)
MNIST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


@pytest.fixture(params=DEVICES)
def device(request):
    if request.param == "cuda" and not minigan.cuda.is_available():
        pytest.skip("CUDA not available (CuPy missing or no GPU)")
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    minigan.manual_seed(0)
    np.random.seed(0)


@pytest.fixture
def mnist_dir():
    """The real MNIST test split beside the checkout (``../shared/data/mnist``)."""
    path = Path(os.environ.get("MINIGAN_TEST_MNIST", MNIST_DIR))
    if not (path / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST test split not found at {path}")
    return path


class _ThreadNames(set):
    """Names of the threads that ran split work."""

    @property
    def second_thread_ran(self):
        return any(name.startswith("minigan-pass") for name in self)


@pytest.fixture
def pass_threads(monkeypatch):
    """``use(n)`` makes minigan's NumPy passes behave as if BLAS had ``n``
    threads (:mod:`minigan.fast.parallel` splits only from 2 on) and returns the
    set of names of the threads that will run split work, emptied at each
    call: a test of a split checks its numbers against one thread's, and
    ``.second_thread_ran`` that the second thread really worked. The compiled
    kernels (:mod:`minigan.fast.kernels`), which replace those splits where
    numba is installed, are off meanwhile: tests/fast/ checks them."""
    import threading

    from minigan.fast import blas, kernels, parallel

    monkeypatch.setattr(kernels, "_enabled", False)

    names = _ThreadNames()
    split = parallel.in_halves

    def recording(fn, n, elements, xp=np):
        def traced(lo, hi):
            names.add(threading.current_thread().name)
            return fn(lo, hi)
        return split(traced, n, elements, xp)

    monkeypatch.setattr(parallel, "in_halves", recording)

    def use(n):
        monkeypatch.setattr(blas, "get_num_threads", lambda: n)
        names.clear()
        return names

    return use


@pytest.fixture
def fast_layer_on():
    """The fast layer on for this test, whatever ``MINIGAN_FAST_LAYER`` says:
    for tests of the fast code itself (its layouts, bands, thread splits)."""
    from minigan import fast

    before = fast.enabled()
    fast.set_enabled(True)
    yield
    fast.set_enabled(before)
