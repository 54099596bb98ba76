"""Allocator tuning (minigan/fast/memory.py): applied by tune_process, never at import."""
import os
import platform
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
SCRIPT = ("import minigan.fast as f; from minigan.fast import memory; before = memory.malloc_tuned(); "
          "applied = f.tune_process(); print(before, applied['malloc'], memory.malloc_tuned())")


@pytest.mark.parametrize("setting, expected", [("0", "False False False"),
                                               ("1", f"False {GLIBC} {GLIBC}")])
def test_tune_process_applies_it_and_the_environment_variable_switches_it_off(setting, expected):
    env = dict(os.environ, MINIGAN_MALLOC_TUNING=setting)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == expected
