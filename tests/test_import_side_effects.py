"""``import minigan`` changes nothing in the process: no environment
variable, no allocator setting, no thread (beyond those NumPy's BLAS starts
when NumPy itself is imported)."""
import json
import subprocess
import sys

PROBE = r"""
import ctypes, json, os, sys, threading
calls = []
libc = ctypes.CDLL("libc.so.6") if sys.platform.startswith("linux") else None
import numpy
env_before = dict(os.environ)
tasks_before = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
threads_before = threading.active_count()
import minigan, minigan.nn, minigan.optim, minigan.gan
from minigan.fast import memory
print(json.dumps({
    "env_changed": sorted(k for k in set(env_before) | set(os.environ)
                          if env_before.get(k) != os.environ.get(k)),
    "malloc_tuned": memory.malloc_tuned(),
    "python_threads": threading.active_count() - threads_before,
    "os_threads": (len(os.listdir("/proc/self/task")) - tasks_before) if tasks_before is not None else 0,
    "heavy_modules": sorted(m for m in ("matplotlib", "scipy", "cupy", "numba", "torch") if m in sys.modules),
}))
"""


def test_import_minigan_changes_nothing_in_the_process():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"env_changed": [], "malloc_tuned": False, "python_threads": 0, "os_threads": 0,
                      "heavy_modules": []}, report


def test_import_sets_no_openblas_spin_time():
    script = "import os; os.environ.pop('OPENBLAS_THREAD_TIMEOUT', None); import minigan; " \
             "print('OPENBLAS_THREAD_TIMEOUT' in os.environ)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
