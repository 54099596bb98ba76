"""The command line: a user's mistake is one line starting ``minigan:``, exit
status 2, no traceback; runs in a folder are never mixed; resume, sample and
eval take a checkpoint file; every output says which generator drew it."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import minigan
from minigan import backend
from minigan.cli import main

REPO = Path(__file__).resolve().parents[1]
TINY = ["--data", "ring8", "--batch-size", "16", "--no-progress"]


def _run(capsys, argv):
    """(exit status, stdout, stderr) of ``minigan argv`` in this process."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's errors leave through SystemExit
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_line(code, err, *words):
    assert code == 2, (code, err)
    assert err.startswith("minigan: ") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err and "usage:" not in err
    for w in words:
        assert w in err, (w, err)


@pytest.mark.parametrize("args, words", [
    (["--lr", "inf"], ["--lr", "inf"]), (["--lr", "nan"], ["--lr"]), (["--lr", "1e9"], ["--lr"]),
    (["--lr", "-0.1"], ["--lr"]), (["--lr-g", "0"], ["--lr-g"]), (["--lr-d", "abc"], ["--lr-d"]),
    (["--ema-decay", "1"], ["--ema-decay"]), (["--ema-decay", "nan"], ["--ema-decay"]),
    (["--gp-weight", "nan"], ["--gp-weight"]), (["--gp-weight", "-1"], ["--gp-weight"]),
    (["--clip", "inf"], ["--clip"]), (["--label-smoothing", "2"], ["--label-smoothing"]),
    (["--instance-noise", "inf"], ["--instance-noise"]), (["--d-threshold", "nan"], ["--d-threshold"]),
    (["--replay-fraction", "1.5"], ["--replay-fraction"]), (["--latent-dim", "1000000000"], ["--latent-dim"]),
    (["--image-size", "100000"], ["--image-size"]), (["--steps", "0"], ["--steps"]),
    (["--seed", "-1"], ["--seed"]), (["--model-option", "ngf"], ["--model-option"]),
])
def test_absurd_values_are_refused_when_parsed(tmp_path, capsys, args, words):
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--out", str(out), *args])
    _assert_one_line(code, err, *words)
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--n", "1000000000"], ["--n"]), (["--out", "x.gif"], ["--out", ".jpg"]),
    (["--truncation", "inf"], ["--truncation"]),
])
def test_sample_arguments_are_checked(tmp_path, capsys, args, words):
    _assert_one_line(*_run(capsys, ["sample", str(tmp_path), *args])[::2], *words)


def test_a_real_process_prints_one_line_and_exits_2(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    for argv in (["train", "gan", "--lr", "inf"], ["resume", str(tmp_path / "nothing")]):
        p = subprocess.run([sys.executable, "-m", "minigan", *argv], env=env, capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == 2, p
        assert p.stderr.startswith("minigan: ") and p.stderr.count("\n") == 1, p.stderr


@pytest.mark.skipif(backend.cuda_is_available(), reason="a GPU is here")
def test_device_cuda_without_a_gpu(tmp_path, capsys):
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--device", "cuda", "--out", str(tmp_path / "r")])
    _assert_one_line(code, err, "--device cuda", "cpu")
    _assert_one_line(*_run(capsys, ["train", "gan", *TINY, "--device", "tpu",
                                    "--out", str(tmp_path / "r")])[::2], "tpu")


def test_mnist_download_without_network(tmp_path, capsys, monkeypatch):
    from minigan.data import idx

    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(idx, "_urlopen", offline)
    code, _, err = _run(capsys, ["train", "dcgan", "--data", "mnist", "--data-root", str(tmp_path / "data"),
                                 "--out", str(tmp_path / "run"), "--no-progress"])
    _assert_one_line(code, err, "download")


def test_full_disk_names_the_file(tmp_path, capsys, monkeypatch):
    import minigan.serialization as serialization

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(serialization.np, "savez", full)
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--steps", "2", "--out", str(out)])
    _assert_one_line(code, err, str(out / "checkpoint.npz"), "No space left")


def test_read_only_disk_names_the_path(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ro" / "run"
    real = os.makedirs

    def read_only(path, *a, **k):
        if str(path).startswith(str(tmp_path / "ro")):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "makedirs", read_only)
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--steps", "2", "--out", str(out)])
    _assert_one_line(code, err, str(out), "Read-only")


def test_out_that_names_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("mine")
    _assert_one_line(*_run(capsys, ["train", "gan", *TINY, "--out", str(f)])[::2], "--out", "file.txt", "folder")
    assert f.read_text() == "mine"


def test_out_of_memory_is_one_line(tmp_path, capsys, monkeypatch):
    import minigan.gan.trainer as trainer_module

    def no_memory(*a, **k):
        raise MemoryError("Unable to allocate 64.0 GiB for an array")

    monkeypatch.setattr(trainer_module.Trainer, "__init__", no_memory)
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--out", str(tmp_path / "r")])
    _assert_one_line(code, err, "memory", "--latent-dim", "--n")


@pytest.mark.parametrize("option, named", [("ngf=abc", "ngf"), ("ngf=-3", "ngf"), ("colour=red", "colour"),
                                           ("ndf=0", "ndf")])
def test_a_bad_model_option_is_named(tmp_path, capsys, option, named):
    code, _, err = _run(capsys, ["train", "dcgan", "--data", "digits", "--model-option", option,
                                 "--out", str(tmp_path / "r"), "--no-progress"])
    _assert_one_line(code, err, named)


# ------------------------------------------------------------------ runs in folders
def _train(capsys, out, *extra):
    code, stdout, err = _run(capsys, ["train", "gan", *TINY, "--steps", "4", "--log-every", "1",
                                      "--checkpoint-every", "2", "--out", str(out), *extra])
    assert code == 0, err
    return stdout


def _logged_steps(out):
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    return [r["step"] for r in lines if "d_loss" in r]


def test_train_refuses_a_folder_that_holds_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    _train(capsys, out)
    before = (out / "checkpoint.npz").read_bytes()
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--steps", "6", "--out", str(out)])
    _assert_one_line(code, err, "minigan resume", "--overwrite", str(out))
    assert (out / "checkpoint.npz").read_bytes() == before
    _train(capsys, out, "--overwrite", "--seed", "5")
    assert _logged_steps(out) == [1, 2, 3, 4]  # the new run's lines only
    assert minigan.load(out / "checkpoint.npz")["config"]["seed"] == 5


def test_a_rerun_after_a_kill_before_the_first_checkpoint_starts_clean(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    # what a run killed at step 3, before its first checkpoint, leaves behind
    (out / "metrics.jsonl").write_text("".join(json.dumps({"step": s, "d_loss": 9.0}) + "\n" for s in (1, 2, 3)))
    (out / "metrics.csv").write_text("step,d_loss\n1,9.0\n")
    _train(capsys, out)
    assert _logged_steps(out) == [1, 2, 3, 4]
    assert all(r.get("d_loss") != 9.0 for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()))


def test_resume_takes_a_checkpoint_file_and_finishes_a_finished_run(tmp_path, capsys):
    out = tmp_path / "run"
    _train(capsys, out)
    # killed after the final checkpoint: no losses.png, no final evaluation line
    (out / "losses.png").unlink()
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert "modes_captured" in lines[-1]
    (out / "metrics.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    code, stdout, err = _run(capsys, ["resume", str(out / "checkpoint.npz"), "--no-progress"])
    assert code == 0, err
    assert "done: 4 steps" in stdout and "modes captured (G_ema)" in stdout
    assert (out / "losses.png").exists()
    records = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if "modes_captured" in r] == [4]
    assert records[-1]["ema"] is True  # G_ema was scored
    # resuming it again changes nothing: no duplicated line
    assert _run(capsys, ["resume", str(out), "--no-progress"])[0] == 0
    assert [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()] == records


def test_resume_below_the_checkpoint_step_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    _train(capsys, out)
    _assert_one_line(*_run(capsys, ["resume", str(out), "--steps", "2"])[::2], "--steps", "4")


def test_sample_writes_jpeg_and_png_and_names_the_generator(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["train", "dcgan", "--data", "digits", "--steps", "2", "--batch-size", "8",
                                 "--out", str(out), "--no-progress"])
    assert code == 0, err
    for name, magic in (("s.jpg", b"\xff\xd8\xff"), ("s.jpeg", b"\xff\xd8\xff"), ("s.png", b"\x89PNG")):
        code, stdout, err = _run(capsys, ["sample", str(out / "checkpoint.npz"), "--n", "16",
                                          "--out", str(tmp_path / name)])
        assert code == 0, err
        assert (tmp_path / name).read_bytes()[:len(magic)] == magic
        assert "G_ema" in stdout
    code, stdout, _ = _run(capsys, ["sample", str(out), "--n", "4", "--no-ema", "--out", str(tmp_path / "r.png")])
    assert code == 0 and "G (the raw generator)" in stdout


def test_sample_jpeg_of_2d_data(tmp_path, capsys):
    out = tmp_path / "run"
    _train(capsys, out)
    assert _run(capsys, ["sample", str(out), "--n", "50", "--out", str(tmp_path / "p.jpg")])[0] == 0
    assert (tmp_path / "p.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_eval_names_the_generator(tmp_path, capsys):
    out = tmp_path / "run"
    _train(capsys, out)
    code, stdout, _ = _run(capsys, ["eval", str(out / "checkpoint.npz")])
    assert code == 0 and stdout.startswith("generator: G_ema (EMA of G's weights")
    code, stdout, _ = _run(capsys, ["eval", str(out), "--generator", "raw"])
    assert code == 0 and stdout.startswith("generator: G (the raw generator)")


def test_a_diverged_run_is_one_line(tmp_path, capsys, monkeypatch):
    import minigan.gan.trainer as trainer_module

    def diverge(self, until=None):
        raise FloatingPointError("step 7: non-finite training figures {'d_loss': nan}; lower the learning rate")

    monkeypatch.setattr(trainer_module.Trainer, "run", diverge)
    code, _, err = _run(capsys, ["train", "gan", *TINY, "--out", str(tmp_path / "r")])
    _assert_one_line(code, err, "non-finite", "learning rate")


def test_conflicting_flags_are_one_line(tmp_path, capsys):
    code, _, err = _run(capsys, ["train", "dcgan", "--vbn", "--model-option", "g_norm=batch",
                                 "--out", str(tmp_path / "r")])
    _assert_one_line(code, err, "--vbn", "g_norm")
