"""The stand-in's API list against the real CuPy wheel, and minigan with real
CuPy but no GPU. Both need ``cupy-cuda12x`` installed (it installs without a
GPU or driver: ``pip install "cupy-cuda12x==14.*"``); otherwise they skip."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "minigan" / "testing" / "cupy_standin" / "cupy_api.json"
needs_cupy = pytest.mark.skipif(importlib.util.find_spec("cupy") is None,
                                reason="CuPy is not installed (pip install 'cupy-cuda12x==14.*')")


def test_the_api_list_is_the_committed_one():
    api = json.loads(API.read_text())
    assert api["cupy_version"].startswith("14.")
    assert "asarray" in api["modules"]["cupy"] and "get" in api["classes"]["cupy.ndarray"]["attributes"]


@needs_cupy
def test_the_installed_cupy_has_the_committed_api():
    """Regenerate the list from the installed wheel (tools/cupy_api.py) and compare."""
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "cupy_api.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    installed = subprocess.run([sys.executable, "-c", "import cupy; print(cupy.__version__)"],
                               capture_output=True, text=True).stdout.strip()
    if installed != json.loads(API.read_text())["cupy_version"]:
        pytest.skip(f"CuPy {installed} is installed; the list is of another version (rerun the script)")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


@needs_cupy
def test_real_cupy_without_a_gpu_falls_back_with_one_warning():
    code = ("import warnings, minigan\n"
            "warnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    x = minigan.randn(2); y = minigan.zeros(3)\n"
            "print(minigan.cuda.is_available(), x.device, len([m for m in w if 'falling back' in str(m.message)]))\n"
            "print(minigan.backend.cuda_unavailable_reason())\n"
            "try:\n    minigan.zeros(1, device='cuda')\n"
            "except RuntimeError as e:\n    print(e)\n")
    env = {k: v for k, v in os.environ.items() if k != "MINIGAN_CUPY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**env, "MINIGAN_DEVICE": "cuda"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    if lines[0].startswith("True"):
        pytest.skip("a GPU is present")
    assert lines[0] == "False cpu 1", out.stdout
    assert "CuPy is installed but" in lines[1]
    assert 'pip install ".[gpu]"' in lines[2] and "cupy-cuda12x[ctk]" in lines[2]
