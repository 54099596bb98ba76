"""Allocator tuning (minigan/memory.py): on by default on glibc, off on request."""
import os
import platform
import subprocess
import sys

import pytest

import minigan

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_import_tunes_malloc_on_glibc():
    assert minigan.memory.malloc_tuned()


@pytest.mark.parametrize("setting, expected", [("0", "False"), ("1", str(GLIBC))])
def test_environment_variable_switches_it(setting, expected):
    env = dict(os.environ, MINIGAN_MALLOC_TUNING=setting)
    out = subprocess.run([sys.executable, "-c", "import minigan; print(minigan.memory.malloc_tuned())"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
