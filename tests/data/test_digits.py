"""The embedded UCI digits: stored data, scaling, resizing and splits."""
from importlib import resources

import numpy as np
import pytest

from minigan.data import digits, load_digits

CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_stored_arrays():
    images, labels = digits.load_digits_raw()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == CLASS_COUNTS
    # Fingerprints of the exact pixels, so an accidental re-export shows up.
    assert int(images.sum()) == 561718
    assert int((images.astype(np.int64) * np.arange(64).reshape(8, 8)).sum()) == 17660653


def test_matches_scikit_learn_when_installed():
    datasets = pytest.importorskip("sklearn.datasets")
    bunch = datasets.load_digits()
    images, labels = digits.load_digits_raw()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(labels, bunch.target)


def test_shipped_as_package_data():
    assert resources.files("minigan.data").joinpath("digits.npz").is_file()


@pytest.mark.parametrize("size", [8, 16, 28, 32])
def test_shapes_and_range(size):
    x, y = load_digits(size)
    assert x.shape == (1797, 1, size, size) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == -1.0 and x.max() <= 1.0 and x.max() > 0.9


def test_scaling_at_native_size():
    images, _ = digits.load_digits_raw()
    x, _ = load_digits(8)
    np.testing.assert_array_equal(x[:, 0], images.astype(np.float32) / 8 - 1)
    assert x.max() == 1.0  # 16 -> 1 exactly


def test_bilinear_matches_scipy_zoom():
    ndimage = pytest.importorskip("scipy.ndimage")
    images, _ = digits.load_digits_raw()
    for size in (5, 16, 28):
        ours = digits.resize_images(images[:4], size)
        # grid_mode=True + mode="nearest" is the pixel-centre rule with edge clamping.
        ref = np.stack([ndimage.zoom(im.astype(np.float64), size / 8, order=1, grid_mode=True,
                                     mode="nearest") for im in images[:4]])
        np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_bilinear_keeps_constants_and_nearest_repeats():
    const = np.full((2, 8, 8), 3.0)
    np.testing.assert_allclose(digits.resize_images(const, 28), 3.0)
    images, _ = digits.load_digits_raw()
    x, _ = load_digits(16, mode="nearest")
    expected = np.repeat(np.repeat(images, 2, axis=1), 2, axis=2) / 8.0 - 1
    np.testing.assert_array_equal(x[:, 0], expected.astype(np.float32))


def test_splits():
    x_all, y_all = load_digits()
    x_tr, y_tr = load_digits(split="train")
    x_te, y_te = load_digits(split="test")
    assert len(x_tr) == 1433 and len(x_te) == 364
    # Per class: every fifth image in file order is a test image.
    counts = np.array(CLASS_COUNTS)
    np.testing.assert_array_equal(np.bincount(y_te), (counts + 4) // 5)
    np.testing.assert_array_equal(np.bincount(y_tr), counts - (counts + 4) // 5)
    zeros = np.flatnonzero(y_all == 0)
    np.testing.assert_array_equal(x_te[y_te == 0], x_all[zeros[::5]])
    np.testing.assert_array_equal(x_tr[y_tr == 0], x_all[np.setdiff1d(zeros, zeros[::5])])


@pytest.mark.parametrize("kw, message", [
    ({"size": 0}, "size must be a positive int"),
    ({"size": 7.5}, "size must be a positive int"),
    ({"split": "val"}, "expected None, 'train' or 'test'"),
    ({"mode": "bicubic"}, "expected 'bilinear' or 'nearest'"),
])
def test_bad_arguments(kw, message):
    with pytest.raises(ValueError, match=message):
        load_digits(**kw)
