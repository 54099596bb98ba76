"""Evaluating generators: numbers computed from arrays of samples or features.

Every function here takes plain arrays (NumPy or CuPy, or minigan Tensors),
computes in float64 and returns Python floats or NumPy arrays, so any feature
extractor or classifier can feed it:

* :mod:`~minigan.metrics.fid`: Fréchet distance between Gaussians fitted to
  two feature sets (FID when the features come from Inception-v3).
* :mod:`~minigan.metrics.inception_score`: Inception Score from class
  probabilities or logits.
* :mod:`~minigan.metrics.parzen`: Parzen-window log-likelihood, the 2014 GAN
  paper's protocol (read its caveats).
* :mod:`~minigan.metrics.modes`: modes captured, high-quality fraction and KL
  to uniform on the 2-D ring / grid mixtures.
* :mod:`~minigan.metrics.memorisation`: nearest training neighbours and class
  balance.

SciPy (for ``sqrtm``) and matplotlib load only inside the functions that use them.
"""
from .fid import feature_statistics, fid_from_features, frechet_distance
from .inception_score import inception_score
from .memorisation import class_balance, nearest_neighbours, plot_nearest_neighbours
from .modes import kl_to_uniform, mode_coverage, mode_metrics
from .parzen import from_tanh_range, parzen_evaluate, parzen_log_likelihood, select_sigma

__all__ = [
    "class_balance",
    "feature_statistics",
    "fid_from_features",
    "frechet_distance",
    "from_tanh_range",
    "inception_score",
    "kl_to_uniform",
    "mode_coverage",
    "mode_metrics",
    "nearest_neighbours",
    "parzen_evaluate",
    "parzen_log_likelihood",
    "plot_nearest_neighbours",
    "select_sigma",
]
