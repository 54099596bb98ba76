"""The CLI tunes the process (minigan.fast.tune_process) once for train and
resume runs, and not for sample or eval."""
import minigan.fast
from minigan.cli import main


def test_train_and_resume_tune_the_process_once(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(minigan.fast, "tune_process", lambda: calls.append(1) or {})
    out = tmp_path / "run"
    assert main(["train", "gan", "--data", "ring8", "--steps", "2", "--batch-size", "8",
                 "--out", str(out), "--no-progress"]) == 0
    # the CLI tunes before building the Trainer and Trainer.run() again (idempotent)
    assert len(calls) >= 1
    after_train = len(calls)
    assert main(["resume", str(out), "--steps", "3", "--no-progress"]) == 0
    assert len(calls) > after_train
    after_resume = len(calls)
    assert main(["sample", str(out / "checkpoint.npz"), "--n", "4",
                 "--out", str(tmp_path / "s.png")]) == 0
    assert main(["eval", str(out)]) == 0
    assert len(calls) == after_resume  # sampling and scoring tune nothing
    capsys.readouterr()
