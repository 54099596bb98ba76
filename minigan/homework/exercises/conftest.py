"""pytest setup for the exercises: the ``task`` marker and imports.

Every test is marked ``@pytest.mark.task("<name>")``; the grader reads the
marker (written into the JUnit XML report as a ``task`` property) to score
each task. A test without the marker counts for the task its file is named
after (``tests/test_<name>.py``). Run one task with ``pytest tests -k <name>``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# the exercise modules live next to this file (top-level modules, not a
# package), so the tests import the copy they sit beside, never the solutions
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the homework task this test grades")


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("task")
        if marker is not None:
            if len(marker.args) != 1:
                raise pytest.UsageError(f'{item.nodeid}: expected @pytest.mark.task("<name>") '
                                        f"with one task name, got args {marker.args}")
            item.user_properties.append(("task", str(marker.args[0])))


@pytest.fixture(autouse=True)
def _seed():
    import minigan

    minigan.manual_seed(0)
    np.random.seed(0)
