"""One command for a machine with an NVIDIA GPU: is minigan's CUDA path right, and how fast is it?

    python benchmarks/gpu_check.py                     # everything, about 5-8 minutes on an H100
    python benchmarks/gpu_check.py --skip-tests        # losses and speed only
    python benchmarks/gpu_check.py --no-write          # print, leave RESULTS.md alone

It installs nothing and needs no network (run it where ``pip install
".[gpu,test]"`` was done). In order:

1. CuPy's configuration (``cupy.show_config()``) and the GPU's name.
2. The CUDA tests on real CuPy: ``pytest -m cuda`` (every test that takes the
   ``device`` fixture, on "cuda"), in a child process with a time limit
   (``--tests-timeout``); passed / failed counts are read from its verbose
   output as it runs, so a run cut short still reports what it did.
3. CPU against GPU from the same weights: DCGAN and WGAN-GP on the digits
   that ship with minigan, ``--steps`` training steps each (default 20) on
   "cpu" (NumPy) and on "cuda" (CuPy), with the same batches and the same
   noise (drawn on the host from one seeded NumPy generator and copied to the
   device, since cuRAND's stream is not NumPy's). The losses of each step
   must agree within ``--atol`` + ``--rtol`` x |loss|: float32 products
   summed in another order drift apart slowly, a wrong op does not.
4. ``benchmarks/speed.py --device cuda``: minigan on CuPy beside PyTorch
   on CUDA (eager), each timed with a device synchronisation around the
   step. Without a CUDA build of PyTorch, minigan's times are given alone,
   with a note. The target is minigan at most 1.5x PyTorch's time on DCGAN
   and WGAN-GP.
5. A dated section in benchmarks/RESULTS.md (under "GPU check") with the
   device's name and all of the above.

Without a usable GPU it prints one line saying why and exits with status 2.
Exit status 1 when a stage failed (a failed test, losses out of tolerance,
speed.py failing), else 0.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import minigan  # noqa: E402
from minigan import backend  # noqa: E402

RESULTS = REPO / "benchmarks" / "RESULTS.md"
SECTION = "## GPU check (benchmarks/gpu_check.py)"
FAMILIES = ("dcgan", "wgan-gp")
TARGET_RATIO = 1.5  # minigan on CuPy at most this many times PyTorch CUDA's step time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=20, help="training steps per family and device")
    p.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    p.add_argument("--atol", type=float, default=0.05, help="loss tolerance, absolute part")
    p.add_argument("--rtol", type=float, default=0.05, help="loss tolerance, relative part")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-tests", action="store_true", help="do not run pytest -m cuda")
    p.add_argument("--skip-speed", action="store_true", help="do not run speed.py --device cuda")
    p.add_argument("--tests-timeout", type=float, default=240.0, metavar="S",
                   help="stop the CUDA tests after S seconds (default 240)")
    p.add_argument("--speed-timeout", type=float, default=180.0, metavar="S")
    p.add_argument("--speed-iters", type=int, default=20)
    p.add_argument("--speed-workloads", nargs="+", default=None,
                   help="workloads for speed.py (default: all of them)")
    p.add_argument("--no-write", action="store_true", help="do not write into RESULTS.md")
    p.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error(f"--steps must be at least 1, got {args.steps}")
    if args.atol < 0 or args.rtol < 0:
        p.error("--atol and --rtol must be non-negative")
    return args


# --------------------------------------------------------------------- the GPU
def gpu_or_none():
    """CuPy when it runs on a GPU here, else None and the reason in one line."""
    try:
        if minigan.cuda.is_available():
            return backend.require_cuda(), None
        backend.require_cuda()  # raises, saying what is missing
    except RuntimeError as exc:
        return None, str(exc).split("; to use a GPU")[0].split("\n")[0]
    return None, "CUDA is not available"


def device_name(cp) -> str:
    name = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def cupy_config(cp) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cp.show_config()
    return out.getvalue().rstrip()


# --------------------------------------------------------------------- 2. tests
_OUTCOME = re.compile(r"\b(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")


def count_outcomes(lines):
    """{outcome: count} and the failed test ids, from ``pytest -v`` lines."""
    counts, failed = {}, []
    for line in lines:
        m = _OUTCOME.search(line)
        # "path::test[cuda] PASSED", not the "-ra" summary's "FAILED path::test - why"
        if m and "::" in line and m.start() > 0:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
            if m.group(1) in ("FAILED", "ERROR"):
                failed.append(line.split(" ")[0])
    return counts, failed


def run_cuda_tests(timeout: float) -> dict:
    """``pytest -m cuda -v`` in a child; counts of each outcome, the failed
    test ids, the time, and whether the limit cut it short."""
    cmd = [sys.executable, "-m", "pytest", "-m", "cuda", "-v", "-p", "no:cacheprovider",
           "-o", "console_output_style=classic", "tests"]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.time()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            proc.wait(timeout=timeout)
            cut = False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            cut = True
        log.seek(0)
        lines = log.read().splitlines()
    counts, failed = count_outcomes(lines)
    summary = next((ln.strip("= ") for ln in reversed(lines) if " in " in ln and "=" in ln), "")
    return {"counts": counts, "failed": failed, "seconds": time.time() - t0, "cut": cut,
            "returncode": proc.returncode, "summary": summary, "tail": lines[-15:]}


# --------------------------------------------------------------------- 3. losses
@contextlib.contextmanager
def host_noise(seed: int):
    """Every noise draw of a training step (z, WGAN-GP's interpolation
    weights, instance noise) comes from one seeded NumPy generator on the
    host and is copied to the device asked for: two runs on two devices
    see the same numbers."""
    from minigan.gan import penalties
    from minigan.gan.updaters import parts, tricks

    rng = np.random.default_rng(seed)

    def normal(shape, dtype=np.float32, device="cpu"):
        return backend.to_device(rng.standard_normal(shape, dtype=np.float64).astype(dtype), device)

    def uniform(shape, dtype=np.float32, device="cpu"):
        return backend.to_device(rng.random(shape, dtype=np.float64).astype(dtype), device)

    saved = [(parts, "normal_array", normal), (tricks, "normal_array", normal),
             (penalties, "uniform_array", uniform)]
    old = [(mod, name, getattr(mod, name)) for mod, name, _ in saved]
    try:
        for mod, name, fn in saved:
            setattr(mod, name, fn)
        yield
    finally:
        for mod, name, fn in old:
            setattr(mod, name, fn)


def train_losses(family: str, device: str, steps: int, seed: int, out_dir: str,
                 weights: dict | None = None, batch_size: int | None = None):
    """(per-step losses [(d_loss, g_loss)], G's and D's weights at the
    start) of ``steps`` updater steps of ``family`` on the digits."""
    from minigan.gan.trainer import TrainConfig, Trainer

    cfg = TrainConfig(model=family, data="digits", device=device, steps=steps, seed=seed,
                      out=out_dir, progress=False, log_every=10 ** 6, sample_every=10 ** 6,
                      checkpoint_every=10 ** 6, batch_size=batch_size)
    t = Trainer(cfg)
    if weights is not None:
        t.G.load_state_dict(weights["G"])
        t.D.load_state_dict(weights["D"])
    start = {name: {k: backend.to_device(v.array, "cpu").copy() for k, v in
                    getattr(t, name).state_dict().items()} for name in ("G", "D")}
    losses = []
    with host_noise(seed + 100):
        for _ in range(steps):
            log = t.updater.step(t.next_real)
            losses.append((float(log["d_loss"]), float(log["g_loss"])))
    return losses, start


def compare_losses(family: str, devices=("cpu", "cuda"), steps: int = 20, seed: int = 0,
                   atol: float = 0.05, rtol: float = 0.05, batch_size: int | None = None) -> dict:
    """Train ``family`` on both devices from the same weights, batches and
    noise; the largest loss differences and whether they are in tolerance.
    ``batch_size`` None: the family's own."""
    with tempfile.TemporaryDirectory() as tmp:
        first, start = train_losses(family, devices[0], steps, seed, os.path.join(tmp, "a"),
                                    batch_size=batch_size)
        second, start2 = train_losses(family, devices[1], steps, seed, os.path.join(tmp, "b"),
                                      start, batch_size=batch_size)
    same_start = all(np.array_equal(start[n][k], start2[n][k]) for n in start for k in start[n])
    a, b = np.asarray(first), np.asarray(second)
    diff = np.abs(a - b)
    ok = bool(np.all(diff <= atol + rtol * np.abs(a))) and same_start and bool(np.all(np.isfinite(b)))
    return {"family": family, "devices": devices, "steps": steps, "first": first, "second": second,
            "max_d": float(diff[:, 0].max()), "max_g": float(diff[:, 1].max()),
            "same_start": same_start, "ok": ok}


# --------------------------------------------------------------------- 4. speed
def run_speed(timeout: float, iters: int, workloads) -> dict:
    cmd = [sys.executable, str(REPO / "benchmarks" / "speed.py"), "--device", "cuda",
           "--iters", str(iters)] + (["--workloads", *workloads] if workloads else [])
    t0 = time.time()
    try:
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        out, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        code = None
    lines = out.splitlines()
    table = [ln for ln in lines if ln.startswith("|")]
    notes = [ln for ln in lines if "torch" in ln.lower() and ("not installed" in ln or "no CUDA" in ln)]
    ratios = {}
    for ln in table[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if len(cells) > 3 and cells[3] not in ("-", ""):
            ratios[cells[0]] = float(cells[3])
    return {"command": " ".join(["python", "benchmarks/speed.py"] + cmd[2:]), "returncode": code,
            "table": table, "notes": notes, "ratios": ratios, "seconds": time.time() - t0,
            "tail": lines[-15:]}


# --------------------------------------------------------------------- 5. RESULTS.md
def config_excerpt(config: str) -> list[str]:
    keep = ("CuPy Version", "CUDA Root", "CUDA Build Version", "CUDA Driver Version",
            "CUDA Runtime Version", "cuBLAS Version", "cuRAND Version", "NVRTC Version",
            "Device 0 Name", "Device 0 Compute Capability", "NumPy Version")
    return [ln.strip() for ln in config.splitlines() if ln.strip().startswith(keep)]


def section_text(when, name, config, tests, losses, speed, argv) -> str:
    out = [f"### {when:%Y-%m-%d %H:%M} UTC, {name}", "",
           "    python benchmarks/gpu_check.py" + "".join(f" {a}" for a in argv), ""]
    excerpt = config_excerpt(config)
    if excerpt:
        out += ["CuPy configuration (excerpt of `cupy.show_config()`):", ""]
        out += [f"    {ln}" for ln in excerpt] + [""]
    if tests is not None:
        c = tests["counts"]
        line = (f"CUDA tests on real CuPy (`pytest -m cuda`): {c.get('PASSED', 0)} passed, "
                f"{c.get('FAILED', 0)} failed, {c.get('ERROR', 0)} errors, {c.get('SKIPPED', 0)} "
                f"skipped in {tests['seconds']:.0f} s")
        if tests["cut"]:
            line += " (stopped at the time limit; the rest did not run)"
        out += [line + "."]
        out += [f"- failed: `{t}`" for t in tests["failed"][:20]]
        if len(tests["failed"]) > 20:
            out += [f"- ... and {len(tests['failed']) - 20} more"]
        out += [""]
    if losses:
        steps = losses[0]["steps"]
        out += [f"CPU (NumPy) against GPU (CuPy), {steps} steps from the same weights, batches "
                "and noise (digits):", "",
                "| family | largest d_loss difference | largest g_loss difference | "
                "last d_loss cpu / gpu | verdict |", "|---|---:|---:|---|---|"]
        for r in losses:
            if "error" in r:
                out += [f"| {r['family']} | - | - | - | FAILED: `{r['error']}` |"]
                continue
            d_cpu, d_gpu = r["first"][-1][0], r["second"][-1][0]
            verdict = "agree" if r["ok"] else ("DIFFERENT START WEIGHTS" if not r["same_start"]
                                               else "OUT OF TOLERANCE")
            out += [f"| {r['family']} | {r['max_d']:.2e} | {r['max_g']:.2e} | "
                    f"{d_cpu:.4f} / {d_gpu:.4f} | {verdict} |"]
        out += [""]
    if speed is not None:
        out += [f"Speed on {name}: `{speed['command']}`", ""]
        out += speed["table"] or ["    (no table: speed.py failed or ran out of time)"] \
            + [f"    {ln}" for ln in speed["tail"]]
        out += [""] + [f"Note: {n}" for n in speed["notes"]]
        verdicts = []
        for wl in FAMILIES:
            if wl in speed["ratios"]:
                ratio = speed["ratios"][wl]
                verdicts.append(f"{wl} {ratio:.2f}x ({'met' if ratio <= TARGET_RATIO else 'not met'})")
        if verdicts:
            out += [f"Target minigan/PyTorch CUDA <= {TARGET_RATIO}x: " + ", ".join(verdicts) + "."]
        out += [""]
    return "\n".join(out).rstrip() + "\n"


def write_section(path: Path, text: str) -> None:
    """Add ``text`` under the GPU check heading (made at the end of the file
    the first time), after the sections already there."""
    doc = path.read_text() if path.exists() else "# Results\n"
    if SECTION not in doc:
        doc = doc.rstrip("\n") + f"\n\n{SECTION}\n\nWritten by `benchmarks/gpu_check.py` on a " \
              "machine with a GPU, one dated section per run.\n"
    start = doc.index(SECTION) + len(SECTION)
    nxt = doc.find("\n## ", start)
    end = len(doc) if nxt < 0 else nxt + 1
    doc = doc[:end].rstrip("\n") + "\n\n" + text + ("\n" + doc[end:] if nxt >= 0 else "")
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(doc)
    os.replace(tmp, path)


# --------------------------------------------------------------------- main
def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    cp, why = gpu_or_none()
    if cp is None:
        print(f"gpu_check.py: no usable GPU here ({why}); nothing was run")
        return 2
    when = datetime.datetime.now(datetime.timezone.utc)
    name = device_name(cp)
    print(f"== GPU: {name}")
    config = cupy_config(cp)
    print(config, flush=True)

    failed_stages = []
    tests = None
    if not args.skip_tests:
        print(f"\n== CUDA tests on real CuPy (pytest -m cuda, limit {args.tests_timeout:.0f} s)",
              flush=True)
        tests = run_cuda_tests(args.tests_timeout)
        print(f"{tests['counts']} in {tests['seconds']:.0f} s" + (" (cut short)" if tests["cut"] else ""))
        print("\n".join(tests["tail"]))
        if tests["failed"] or tests["cut"] or not tests["counts"].get("PASSED"):
            failed_stages.append("tests")

    print(f"\n== CPU against GPU, {args.steps} steps from the same weights", flush=True)
    losses = []
    for family in args.families:
        try:
            r = compare_losses(family, ("cpu", "cuda"), args.steps, args.seed, args.atol, args.rtol)
        except Exception as exc:  # a GPU failure is a finding: record it, go on to the rest
            r = {"family": family, "steps": args.steps, "ok": False,
                 "error": f"{type(exc).__name__}: {exc}".split("\n")[0][:300]}
            print(f"{family}: FAILED on the GPU: {r['error']}", flush=True)
        else:
            print(f"{family}: largest difference d_loss {r['max_d']:.2e}, g_loss {r['max_g']:.2e}: "
                  + ("agree" if r["ok"] else "DIFFER"), flush=True)
        losses.append(r)
        if not r["ok"]:
            failed_stages.append(f"losses ({family})")

    speed = None
    if not args.skip_speed:
        print("\n== speed.py --device cuda", flush=True)
        speed = run_speed(args.speed_timeout, args.speed_iters, args.speed_workloads)
        print("\n".join(speed["table"] or speed["tail"]))
        for n in speed["notes"]:
            print(f"note: {n}")
        if speed["returncode"] != 0:
            failed_stages.append("speed")

    text = section_text(when, name, config, tests, losses, speed, argv)
    if not args.no_write:
        write_section(args.results, text)
        print(f"\nwrote a section into {args.results}")
    print("\nall stages passed" if not failed_stages else f"\nfailed: {', '.join(failed_stages)}")
    return 1 if failed_stages else 0


if __name__ == "__main__":
    sys.exit(main())
