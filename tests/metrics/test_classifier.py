"""The committed MNIST classifier: its file, its accuracy, its batched API."""
import functools
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan.data import load_mnist
from minigan.metrics import classifier as clf

#: Held-out accuracy the committed weights reached (benchmarks/train_classifier.py,
#: first 8,000 MNIST test digits train, last 2,000 held out).
ACHIEVED_HELD_OUT_ACCURACY = 0.994


@functools.lru_cache(maxsize=1)
def _held_out(path):
    x, y = load_mnist("test", root=path, download=False)
    return x[8000:], y[8000:]


def _random_digits(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32)


def test_weights_file_is_small_float32_and_loads_in_eval_mode():
    assert os.path.getsize(clf.WEIGHTS_PATH) < 1.5e6
    model = clf.load_mnist_classifier()
    assert isinstance(model, clf.LeNet) and not model.training
    assert all(not m.training for m in model.modules())
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.hidden == 128 and model.num_classes == 10
    info = clf.classifier_info()
    assert info["train_digits"] == "MNIST test split [0:8000]"
    assert info["held_out_accuracy"] >= ACHIEVED_HELD_OUT_ACCURACY


def test_held_out_accuracy_of_committed_weights(mnist_dir):
    x, y = _held_out(mnist_dir)
    acc = float((clf.predict(x) == y).mean())
    assert acc >= ACHIEVED_HELD_OUT_ACCURACY, f"held-out accuracy {acc:.4f}"
    assert acc == pytest.approx(clf.classifier_info()["held_out_accuracy"], abs=1e-9)


def test_features_probabilities_shapes_and_batching():
    x = _random_digits(7)
    f = clf.features(x)
    p = clf.probabilities(x)
    assert f.shape == (7, 128) and f.dtype == np.float32 and (f >= 0).all()  # after a ReLU
    assert p.shape == (7, 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(clf.features(x, batch_size=3), f, rtol=1e-5, atol=1e-6)
    f2, z = clf.features_and_logits(x)
    np.testing.assert_array_equal(f2, f)
    np.testing.assert_array_equal(clf.predict(x), z.argmax(axis=1))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


def test_accepts_tensors_and_float64_and_matches_the_module():
    x = _random_digits(4)
    model = clf.load_mnist_classifier()
    with mg.no_grad():
        direct = model(mg.tensor(x)).numpy()
    np.testing.assert_allclose(clf.logits(mg.tensor(x)), direct, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(clf.logits(x.astype(np.float64)), direct, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((3, 28, 28), np.float32), r"\(N, 1, 28, 28\)"),
    (np.zeros((3, 1, 32, 32), np.float32), r"\(N, 1, 28, 28\)"),
    (np.zeros((0, 1, 28, 28), np.float32), "empty"),
    (np.full((2, 1, 28, 28), 255.0, np.float32), r"\[-1, 1\]"),
    (np.full((2, 1, 28, 28), np.nan, np.float32), "NaN"),
])
def test_bad_images_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        clf.features(bad)


def test_training_mode_model_and_bad_batch_size_are_refused(tmp_path):
    model = clf.LeNet(dropout=0.5)
    with pytest.raises(ValueError, match="eval"):
        clf.features(_random_digits(2), model=model)
    with pytest.raises(ValueError, match="batch_size"):
        clf.features(_random_digits(2), batch_size=0)
    with pytest.raises(FileNotFoundError, match="train_classifier"):
        clf.load_mnist_classifier(tmp_path / "missing.npz")
    mg.save(model.state_dict(), tmp_path / "plain.npz")  # weights without the architecture
    with pytest.raises(ValueError, match="save_classifier"):
        clf.load_mnist_classifier(tmp_path / "plain.npz")


def test_save_and_load_round_trip(tmp_path):
    model = clf.LeNet(channels=(4, 8), hidden=16).eval()
    clf.save_classifier(model, tmp_path / "m.npz", note="tiny")
    loaded = clf.load_mnist_classifier(tmp_path / "m.npz")
    assert loaded.channels == (4, 8) and loaded.hidden == 16
    x = _random_digits(3)
    np.testing.assert_array_equal(clf.features(x, model=loaded), clf.features(x, model=model))
    assert clf.classifier_info(tmp_path / "m.npz") == {"note": "tiny"}


def test_training_script_shift_is_a_translation():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "train_classifier.py"
    spec = importlib.util.spec_from_file_location("train_classifier", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    x = np.random.default_rng(0).uniform(-1, 1, (50, 1, 28, 28)).astype(np.float32)
    shifted = script.random_shift(x, 2, np.random.default_rng(1))
    assert shifted.shape == x.shape and shifted.dtype == x.dtype
    for i in range(len(x)):
        # every shifted image is x[i] moved by some (dy, dx) with |dy|, |dx| <= 2, filled with -1
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                ref = np.full((28, 28), -1.0, np.float32)
                ref[max(dy, 0):28 + min(dy, 0), max(dx, 0):28 + min(dx, 0)] = \
                    x[i, 0, max(-dy, 0):28 + min(-dy, 0), max(-dx, 0):28 + min(-dx, 0)]
                found |= np.array_equal(shifted[i, 0], ref)
        assert found, f"image {i} is not a shift of the input"
    assert script.random_shift(x, 0, np.random.default_rng(1)) is x
