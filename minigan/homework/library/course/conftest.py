"""pytest setup for the library track (build your own minigan).

* ``@pytest.mark.task("<id>", points=<p>)`` marks the task each test grades
  (``minigan homework grade`` scores the points of the passing tests).
* The tests never import your library: they reach it through
  ``minigan.homework.harness.student("minigan")``, which imports the
  ``minigan/`` folder next to ``tests/`` in a worker process, runs a probe
  there and checks the numbers it sends back against NumPy, here.
* The fast layer stays off (``MINIGAN_FAST_LAYER=0``, which the workers
  inherit): its overrides would run instead of your code.

Run one assignment with ``python -m pytest tests/test_2_elementwise.py``, one
task with ``python -m pytest tests -m "task" -k <test name>``, or everything
with ``python -m pytest tests``.
"""
import os

os.environ["MINIGAN_FAST_LAYER"] = "0"
# One BLAS thread, set before the workers start NumPy (as minigan's own test
# suite does): the tests run small products, and OpenBLAS's spinning threads
# make them many times slower when anything else wants the other core.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name, points=1): the library task this test "
                                       "grades, and the points it is worth")


def pytest_sessionfinish(session):
    from minigan.homework.harness import close_all
    close_all()
