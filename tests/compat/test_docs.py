"""The code in docs/pytorch_scripts.md runs, and every import the table
names resolves."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "pytorch_scripts.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_doc_code_runs(index):
    exec(compile(_blocks()[index], f"{DOC.name}[{index}]", "exec"), {"__name__": "__doc__"})


def test_every_minigan_import_in_the_table_works():
    lines = re.findall(r"\| `[^|]*` \| `([^|]*)` \|", DOC.read_text())
    statements = [s.strip() for line in lines for s in line.split("` / `")]
    assert len(statements) >= 10
    for statement in statements:
        exec(statement, {})
    assert importlib.import_module("minigan.viz").save_image_grid
