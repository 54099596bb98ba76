"""MNIST sample quality from minigan's own digit classifier: MNIST-FID, IS, class balance.

The classifier is :mod:`minigan.metrics.classifier` (a LeNet trained on MNIST
digits). Everything here takes images ``(N, 1, 28, 28)`` in ``[-1, 1]``.

* **MNIST-FID** (:func:`mnist_fid`): the Fréchet distance (Heusel et al.
  2017) between Gaussians fitted to the classifier's 128 penultimate features
  of generated and of real digits. It is *not* comparable with FID numbers in
  papers, which use Inception-v3 features of ImageNet-style images: only with
  other MNIST-FIDs from the same classifier and the same ``n``. Because the
  estimate is biased upwards at finite ``n``, it always comes with its
  **floor**: the same distance between two disjoint sets of ``n`` real digits.
  A generator is as good as this metric can tell when its FID reaches the
  floor. The distance is computed by the symmetric-eigenvalue route
  (``method="eigh"``): about a fifth of the classifier's 128 ReLU features
  are never active on real digits, so the covariances are singular, where
  ``scipy.linalg.sqrtm`` warns and is ~30x slower for the same value.
* **Inception Score** (:func:`mnist_inception_score`): Salimans et al. 2016
  with the classifier's softmax in place of Inception-v3's; in [1, 10]. Read
  it beside the score of real digits (:func:`mnist_inception_score` of real
  data), the ceiling a perfect generator reaches with this classifier.
* **Class balance** (:func:`class_balance_of`): the fraction of samples the
  classifier puts in each class and its KL divergence to uniform (mode
  collapse drops or over-produces digits; MNIST itself is near-uniform, KL
  about 0.001).

:class:`MNISTEvaluator` computes the real side once and then all of these
for each new batch of samples (what ``Trainer.evaluate`` uses).
"""
from __future__ import annotations

import numpy as np

from . import classifier as _clf
from .fid import fid_from_features
from .inception_score import inception_score
from .memorisation import class_balance

__all__ = ["MNISTEvaluator", "class_balance_of", "fid_with_floor", "mnist_fid", "mnist_inception_score"]


def _resolve_n(n, n_fake, n_real):
    """Samples per side: ``n``, or by default as many as fake and real allow."""
    limit = min(n_fake, n_real // 2)
    if limit < 2:
        raise ValueError(f"need at least 2 fake samples and 4 real ones (two disjoint real sets "
                         f"for the floor), got {n_fake} fake and {n_real} real")
    if n is None:
        return limit
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= limit:
        raise ValueError(f"n must be an int with 2 <= n <= {limit} (at most len(fake) = {n_fake} "
                         f"and len(real) // 2 = {n_real // 2}: the floor needs two disjoint real "
                         f"sets of n), got {n!r}")
    return int(n)


def fid_with_floor(fake_features, real_features, n: int | None = None, seed: int = 0,
                   method: str = "eigh") -> dict:
    """Fréchet distance of fake to real features, with the real-vs-real floor at the same n.

    ``2n`` rows of ``real_features`` are drawn without replacement (a
    permutation seeded by ``seed``, so the result is repeatable and the split
    ignores any order in the data) and cut into disjoint halves A and B::

        fid   = FD(fake[:n], A)
        floor = FD(B, A)

    Both estimates use n samples on each side, so they carry the same
    finite-sample bias; ``fid - floor`` is what the generator adds.

    Args:
        fake_features: (N_fake, D) features of generated samples.
        real_features: (N_real, D) features of real samples, N_real >= 2n.
        n: samples per side; default ``min(N_fake, N_real // 2)``.
        seed: seeds the choice of the real halves.
        method: ``"eigh"`` (default) or ``"sqrtm"``; see :func:`~minigan.metrics.fid.frechet_distance`
            and the module docstring.

    Returns:
        ``{"fid": float, "floor": float, "n": int}``.
    """
    fake = np.asarray(fake_features)
    real = np.asarray(real_features)
    for name, f in (("fake_features", fake), ("real_features", real)):
        if f.ndim != 2:
            raise ValueError(f"{name} must have shape (N, D), got shape {f.shape}")
    n = _resolve_n(n, len(fake), len(real))
    order = np.random.default_rng(seed).permutation(len(real))[:2 * n]
    return _fid_and_floor(fake[:n], real[order[:n]], real[order[n:]], method)


def _fid_and_floor(fake, real_a, real_b, method):
    return {"fid": fid_from_features(fake, real_a, method=method),
            "floor": fid_from_features(real_b, real_a, method=method),
            "n": len(real_a)}


def mnist_fid(fake, real, n: int | None = None, *, model=None, seed: int = 0,
              method: str = "eigh") -> dict:
    """MNIST-FID of generated digits against real ones, always with its floor.

    The Fréchet distance between Gaussians fitted to the LeNet classifier's
    penultimate features (D = 128) of ``n`` generated and ``n`` real digits.
    This is **not comparable with Inception-FID** (papers' FID); compare it
    only with MNIST-FIDs from the same classifier at the same ``n``, and read
    it against ``floor``, the distance between two disjoint sets of ``n`` real
    digits (see :func:`fid_with_floor`).

    Args:
        fake: (N_fake, 1, 28, 28) generated digits in [-1, 1]; the first n are used.
        real: (N_real, 1, 28, 28) real digits, N_real >= 2n.
        n: samples per side; default ``min(N_fake, N_real // 2)``.
        model: a classifier from :func:`~minigan.metrics.classifier.load_mnist_classifier`;
            default the committed one.
        seed: seeds the choice of the two real halves.
        method: the matrix square root route, ``"eigh"`` (default) or ``"sqrtm"``.

    Returns:
        ``{"fid": float, "floor": float, "n": int}``.
    """
    fake = _clf.check_digits(fake, "fake")
    real = _clf.check_digits(real, "real")
    m = _resolve_n(n, len(fake), len(real))
    # Only the rows the distance uses go through the classifier.
    order = np.random.default_rng(seed).permutation(len(real))[:2 * m]
    fake_f = _clf.features(fake[:m], model=model)
    real_f = _clf.features(real[order], model=model)
    # real_f is already in the seeded order: its halves are fid_with_floor's A and B.
    return _fid_and_floor(fake_f, real_f[:m], real_f[m:], method)


def mnist_inception_score(images, splits: int = 10, *, model=None):
    """Inception Score of digits with the LeNet classifier: ``(mean, std)`` over ``splits`` chunks.

        IS = exp( E_x KL( p(y|x) || p(y) ) )

    with p(y|x) the classifier's softmax (from its logits, in float64) and
    p(y) the chunk's mean (see :func:`~minigan.metrics.inception_score.inception_score`).
    Lies in [1, 10]; compare with the score of real MNIST digits under the
    same classifier (about 9.8), not with Inception-v3 scores.
    """
    images = _clf.check_digits(images)
    return inception_score(logits=_clf.logits(images, model=model), splits=splits)


def class_balance_of(images, *, model=None):
    """Class fractions of digits by the classifier's argmax, and their KL to uniform.

    Returns:
        ``(fractions, kl)``: a float64 (10,) array summing to 1 and
        KL(fractions || uniform) (0 balanced, log 10 = 2.303 one digit only);
        see :func:`~minigan.metrics.memorisation.class_balance`.
    """
    labels = _clf.predict(images, model=model)
    return class_balance(labels, num_classes=10)


class MNISTEvaluator:
    """All the MNIST figures of generated digits against one real set, real side computed once.

    For evaluating a generator again and again (the trainer does, every few
    hundred steps): ``2n`` real digits are drawn once (a permutation seeded by
    ``seed``) and cut into halves A and B; their features, the floor FD(B, A)
    and the Inception Score of A are kept. Each call then costs one classifier
    pass over ``n`` generated digits.

    Args:
        real: (N, 1, 28, 28) real digits in [-1, 1], N >= 4.
        n: samples per side; default ``min(2000, N // 2)``.
        seed: seeds the choice of the real halves.
        model: the classifier; default the committed one.
        splits: Inception Score chunks (fewer when n < splits). The score
            grows with the chunk size (n / splits), so compare scores at one n.

    Calling it with ``fake`` (at least ``n`` generated digits; the first ``n``
    are used) returns a dict of floats:

    * ``mnist_fid``: FD(fake, A) on the classifier's features (not Inception-FID);
    * ``mnist_fid_floor``: FD(B, A), what two real sets of n digits score;
    * ``inception_score`` and ``inception_score_real`` (of A), and
      ``inception_score_ratio`` = fake / real (1 for a generator this
      classifier cannot tell from data);
    * ``class_kl``: KL(class fractions of fake || uniform) by the classifier's argmax.
    """

    def __init__(self, real, n: int | None = None, seed: int = 0, model=None, splits: int = 10):
        real = _clf.check_digits(real, "real")
        if n is None:
            n = min(2000, len(real) // 2)
        self.n = _resolve_n(n, n, len(real))
        self.model, self.splits = model, min(splits, self.n)
        order = np.random.default_rng(seed).permutation(len(real))[:2 * self.n]
        feats, logits = _clf.features_and_logits(real[order], model=model)
        self.real_features = feats[:self.n]
        self.floor = fid_from_features(feats[self.n:], self.real_features, method="eigh")
        self.inception_score_real = inception_score(logits=logits[:self.n], splits=self.splits)[0]

    def __call__(self, fake) -> dict:
        fake = _clf.check_digits(fake, "fake")
        if len(fake) < self.n:
            raise ValueError(f"fake has {len(fake)} images; this evaluator compares n = {self.n}")
        feats, logits = _clf.features_and_logits(fake[:self.n], model=self.model)
        score = inception_score(logits=logits, splits=self.splits)[0]
        _, kl = class_balance(logits.argmax(axis=1).astype(np.int64), num_classes=10)
        return {
            "mnist_fid": fid_from_features(feats, self.real_features, method="eigh"),
            "mnist_fid_floor": self.floor,
            "inception_score": score,
            "inception_score_real": self.inception_score_real,
            "inception_score_ratio": score / self.inception_score_real,
            "class_kl": kl,
        }
