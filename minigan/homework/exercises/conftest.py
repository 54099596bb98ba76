"""pytest setup for the exercises: the ``task`` marker.

Every test is marked ``@pytest.mark.task("<name>", points=<p>)``: the
grader scores each task as the sum of the points of its passing tests (a
test without ``points`` is worth 1; one without the marker counts for the
task its file is named after, ``tests/test_<name>.py``). Run one task with
``pytest tests -k <name>``.

The tests never import the exercise modules: they reach them through
``minigan.homework.harness.student("<module>")``, which runs the module in a
worker process and returns plain data for the test to check. Run by plain
``pytest``, that is the module next to this file.
"""
import numpy as np
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name, points=1): the homework task this test "
                                       "grades, and the points it is worth")


@pytest.fixture(autouse=True)
def _seed():
    import minigan

    minigan.manual_seed(0)
    np.random.seed(0)


def pytest_sessionfinish(session):
    from minigan.homework.harness import close_all
    close_all()
