"""minigan.set_num_threads / get_num_threads: BLAS threads at run time."""
import numpy as np
import pytest

import minigan as mg
from minigan.fast import blas

has_openblas = pytest.mark.skipif(not blas._find_api(), reason="NumPy's BLAS is not OpenBLAS")


@pytest.fixture
def restore_threads():
    before = mg.get_num_threads()
    yield
    if blas._find_api():
        mg.set_num_threads(before)


@has_openblas
def test_set_then_get_and_products_still_right(restore_threads):
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1
    a = np.random.default_rng(0).standard_normal((300, 200)).astype(np.float32)
    np.testing.assert_allclose(a @ a.T, (a.astype(np.float64) @ a.T.astype(np.float64)), rtol=1e-4,
                               atol=1e-3)
    mg.set_num_threads(2)
    assert 1 <= mg.get_num_threads() <= 2  # OpenBLAS caps it at its build's maximum


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2", None])
def test_bad_counts_are_refused(bad):
    with pytest.raises(ValueError, match="positive int"):
        mg.set_num_threads(bad)


def test_without_openblas_the_error_names_the_environment_variables(monkeypatch):
    monkeypatch.setattr(blas, "_api", ())
    assert mg.get_num_threads() == 1
    with pytest.raises(RuntimeError, match="OMP_NUM_THREADS"):
        mg.set_num_threads(1)
    from minigan.cli import main

    assert main(["train", "gan", "--data", "ring8", "--steps", "1", "--threads", "1"]) == 2


@has_openblas
def test_cli_threads_flag(tmp_path, restore_threads):
    from minigan.cli import main

    mg.set_num_threads(2)
    assert main(["train", "gan", "--data", "ring8", "--steps", "2", "--batch-size", "8",
                 "--out", str(tmp_path), "--no-progress", "--threads", "1"]) == 0
    assert mg.get_num_threads() == 1
    with pytest.raises(SystemExit):
        main(["train", "gan", "--threads", "0"])
