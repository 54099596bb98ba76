"""A training run killed with SIGKILL at random moments, then resumed, is the
run that was never interrupted: same final weights to the bit, same logs.

The run is the real command line (``python -m minigan train gan --data ring8``)
in a subprocess, so nothing in the test process can paper over a half-written
file. Kills land at random delays and, on purpose, while ``checkpoint.npz`` is
being rewritten (its temporary file exists): the atomic temp-file + rename
write must leave the previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigan

REPO = Path(__file__).resolve().parents[2]
STEPS, LOG_EVERY, CHECKPOINT_EVERY = 400, 5, 20
TEMP_PREFIX = ".tmp-"  # what minigan.save names its temporary file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["MPLBACKEND"] = "Agg"
    # one BLAS thread: the nets are tiny, and BLAS threads fighting over two
    # cores (with the reference run beside them) make a 5 s run take a minute
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def _train(out):
    cmd = [sys.executable, "-m", "minigan", "train", "gan", "--data", "ring8",
           "--steps", str(STEPS), "--checkpoint-every", str(CHECKPOINT_EVERY),
           "--log-every", str(LOG_EVERY), "--out", str(out), "--no-progress", "--seed", "0"]
    return subprocess.Popen(cmd, env=_env(), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _resume(out):
    cmd = [sys.executable, "-m", "minigan", "resume", str(out), "--no-progress"]
    return subprocess.Popen(cmd, env=_env(), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{out}\nstderr:\n{err}"
    return out


def _kill(proc):
    """SIGKILL (no cleanup handlers run); True if it was still running."""
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    return alive


def _kill_after(proc, delay):
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        pass
    return _kill(proc)


def _last_logged_step(out):
    try:
        lines = (out / "metrics.jsonl").read_bytes().splitlines()
    except FileNotFoundError:
        return -1
    for line in reversed(lines):
        try:
            return int(json.loads(line)["step"])
        except (ValueError, KeyError):
            continue  # a line still being written
    return -1


def _kill_at_step(proc, out, target, delay, timeout=20.0):
    """Kill ``proc`` ``delay`` seconds after it logs step ``target`` (a random
    point of the loop: mid-step, mid-log or mid-checkpoint). True if it was running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _last_logged_step(out) >= target:
            time.sleep(delay)
            break
        time.sleep(0.001)
    return _kill(proc)


def _kill_while_writing(proc, out, min_step, timeout=20.0):
    """Kill ``proc`` the moment a checkpoint's temporary file appears (after the
    checkpoint of ``min_step`` exists). True if the kill landed mid-write."""
    ckpt = out / "checkpoint.npz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _checkpoint_step(ckpt) >= min_step and any(
                name.startswith(TEMP_PREFIX) for name in os.listdir(out)):
            _kill(proc)
            return any(name.startswith(TEMP_PREFIX) for name in os.listdir(out))
        time.sleep(0.0002)
    _kill(proc)
    return False


_step_cache: dict = {}


def _checkpoint_step(path):
    """The step saved in ``path`` (-1 if none yet); re-read only when the file changes."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return -1
    key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if _step_cache.get(path, (None,))[0] != key:
        _step_cache[path] = (key, int(minigan.load(path)["step"]))
    return _step_cache[path][1]


def _training_records(out):
    lines = (out / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "d_loss" in r]


def _assert_same_tree(a, b, where=""):
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for k in a:
            _assert_same_tree(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same_tree(x, y, f"{where}[{i}]")
    elif isinstance(a, (minigan.Tensor, np.ndarray)):
        x, y = np.asarray(a), np.asarray(b)
        assert x.dtype == y.dtype and x.shape == y.shape, where
        assert x.tobytes() == y.tobytes(), f"{where}: differs (max |diff| {np.abs(x - y).max()})"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def test_killed_and_resumed_run_equals_the_uninterrupted_one(tmp_path):
    rng = np.random.default_rng()  # fresh moments each run; the seed is in failure messages
    seed = int(rng.integers(2**31))
    rng = np.random.default_rng(seed)
    ref_dir, run_dir = tmp_path / "reference", tmp_path / "killed"
    reference = _train(ref_dir)  # runs beside the killed one, on the other core

    # the first kill must come after a checkpoint exists, else there is nothing to resume
    proc = _train(run_dir)
    while _checkpoint_step(run_dir / "checkpoint.npz") < 0 and proc.poll() is None:
        time.sleep(0.01)
    kills = [("after first checkpoint", _kill_after(proc, rng.uniform(0.0, 0.3)))]
    mid_write = 0
    for i in range(4):
        start = _checkpoint_step(run_dir / "checkpoint.npz")
        proc = _resume(run_dir)
        if i % 2 == 0:
            # let it get a little way past where it restarted, then kill mid-write
            hit = _kill_while_writing(proc, run_dir, min_step=start + CHECKPOINT_EVERY)
            mid_write += hit
            kills.append((f"while writing after step {start}", hit))
        else:
            # a random moment a few steps on (a step is a few milliseconds); in
            # steps rather than seconds, so a fast machine cannot finish the run
            target = start + LOG_EVERY * int(rng.integers(1, 12))
            delay = rng.uniform(0.0, 0.05)
            kills.append((f"{delay:.3f} s after logging step {target}",
                          _kill_at_step(proc, run_dir, target, delay)))
        # a kill never leaves an unreadable checkpoint
        assert _checkpoint_step(run_dir / "checkpoint.npz") >= start
    note = f"kills (seed {seed}): {kills}"
    assert mid_write >= 1, f"no kill landed while the checkpoint was being written; {note}"
    assert _checkpoint_step(run_dir / "checkpoint.npz") < STEPS, \
        f"the run finished before the last kill, so the resume below proves nothing; {note}"

    done = _finish(_resume(run_dir))
    assert f"done: {STEPS} steps" in done, done
    _finish(reference)

    killed, uninterrupted = minigan.load(run_dir / "checkpoint.npz"), \
        minigan.load(ref_dir / "checkpoint.npz")
    assert killed["step"] == STEPS
    for part in ("G", "G_ema", "D", "opt_G", "opt_D", "rng", "sampler"):
        _assert_same_tree(killed[part], uninterrupted[part], part)
    # and the final checkpoint loads into a fresh generator
    from minigan.gan.models import build

    G, _, _ = build("gan", "2d")
    G.load_state_dict(killed["G"])

    records = _training_records(run_dir)
    steps = [r["step"] for r in records]
    assert steps == list(range(LOG_EVERY, STEPS + 1, LOG_EVERY)), \
        f"logged steps after kills and resumes are not every {LOG_EVERY} exactly once: {steps}; {note}"
    assert records == _training_records(ref_dir), f"the logged figures differ; {note}"
