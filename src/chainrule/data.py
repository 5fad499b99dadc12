"""Datasets: the 2-D toys people teach with, scikit-learn's bundled real data, and CSV files.

Everything goes through :func:`load_dataset`, which returns a :class:`Dataset`: a train/test
split of network inputs (after optional feature expansion and standardization, both fitted on
the training rows only) together with the original coordinates, so plots can draw in the data's
own plane and :meth:`Dataset.transform` can turn any grid of points into network inputs.

>>> ds = load_dataset("moons")                    # the blog's data and split, exactly
>>> ds.X_train.shape, ds.X_test.shape
((700, 2), (300, 2))
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import check_int, check_real

CLASSIFICATION = "classification"
REGRESSION_TASK = "regression"
TASKS = (CLASSIFICATION, REGRESSION_TASK)

#: A CSV target written as integers with at most this many distinct values is read as labels.
MAX_AUTO_CLASSES = 20


class DataError(ValueError):
    """A data file that cannot be used; the message is one line naming file, row and column."""


# ---------------------------------------------------------------------------- input features

#: Playground-style input features of raw 2-D points ``P`` of shape (N, 2): name -> P -> (N,).
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda P: P[:, 0],
    "x2": lambda P: P[:, 1],
    "x1^2": lambda P: P[:, 0] ** 2,
    "x2^2": lambda P: P[:, 1] ** 2,
    "x1*x2": lambda P: P[:, 0] * P[:, 1],
    "sin(x1)": lambda P: np.sin(P[:, 0]),
    "sin(x2)": lambda P: np.sin(P[:, 1]),
}


# ---------------------------------------------------------------------------- generators
# Each takes (n_samples, noise, rng, classes) and returns raw points (N, d) and targets (N,).
# Points of generated data live roughly in [-1.5, 2.5]^2, like the blog's moons.


def _split_counts(n: int, k: int) -> list[int]:
    """``n`` items over ``k`` groups as evenly as possible (the first groups get the extra)."""
    return [n // k + (1 if j < n % k else 0) for j in range(k)]


def _moons(n, noise, seed, classes):
    from sklearn.datasets import make_moons

    # random_state=seed, not a Generator: this is what reproduces the blog's data bit for bit.
    return make_moons(n_samples=n, noise=noise, random_state=seed)


def _circles(n, noise, seed, classes):
    from sklearn.datasets import make_circles

    return make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)


def _xor(n, noise, seed, classes):
    rng = np.random.default_rng(seed)
    P = rng.uniform(-1, 1, (n, 2))
    # NOTE: as in TensorFlow Playground, points are pushed off the axes (a 0.1 gap) so that the
    # noise-free labels are unambiguous; noise then blurs the gap.
    P += np.where(P >= 0, 0.1, -0.1)
    y = (P[:, 0] * P[:, 1] < 0).astype(np.int64)
    return P + noise * rng.standard_normal((n, 2)), y


def _spiral(n, noise, seed, classes):
    rng = np.random.default_rng(seed)
    turns = 1.25
    parts, labels = [], []
    for j, m in enumerate(_split_counts(n, classes)):
        # Radius from 0.15 to 1 (the arms meet at the centre, where no net can separate them);
        # sqrt spreads the points evenly along the arm's length rather than bunching inside.
        r = 0.15 + 0.85 * np.sqrt(rng.uniform(0, 1, m))
        theta = 2 * math.pi * (j / classes + turns * r)
        P = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
        parts.append(P + noise * rng.standard_normal((m, 2)))
        labels.append(np.full(m, j, dtype=np.int64))
    return _shuffled(rng, np.vstack(parts), np.concatenate(labels))


def _gaussian(n, noise, seed, classes):
    return _blob_points(n, noise, seed, np.array([[-1.0, -1.0], [1.0, 1.0]]))


def _blobs(n, noise, seed, classes):
    angle = 2 * math.pi * np.arange(classes) / classes + math.pi / 2
    return _blob_points(n, noise, seed, 1.5 * np.column_stack([np.cos(angle), np.sin(angle)]))


def _blob_points(n, noise, seed, centers):
    rng = np.random.default_rng(seed)
    counts = _split_counts(n, len(centers))
    y = np.repeat(np.arange(len(centers), dtype=np.int64), counts)
    P = centers[y] + noise * rng.standard_normal((n, 2))
    return _shuffled(rng, P, y)


def _shuffled(rng, P, y):
    perm = rng.permutation(len(y))
    return P[perm], y[perm]


def _plane(n, noise, seed, classes):
    rng = np.random.default_rng(seed)
    P = rng.uniform(-1, 1, (n, 2))
    return P, (P[:, 0] + P[:, 1]) / 2 + noise * rng.standard_normal(n)


#: TensorFlow Playground's "gauss" regression: six bumps of alternating sign on a 3 x 2 lattice.
_GAUSS_CENTERS = np.array([[-2 / 3, 0.4], [0, 0.4], [2 / 3, 0.4],
                           [-2 / 3, -0.4], [0, -0.4], [2 / 3, -0.4]])
_GAUSS_SIGNS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])


def _gauss(n, noise, seed, classes):
    rng = np.random.default_rng(seed)
    P = rng.uniform(-1, 1, (n, 2))
    d2 = ((P[:, None, :] - _GAUSS_CENTERS[None]) ** 2).sum(axis=2)
    y = (_GAUSS_SIGNS * np.exp(-d2 / (2 * 0.2**2))).sum(axis=1)
    return P, y + noise * rng.standard_normal(n)


def _sine(n, noise, seed, classes):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-math.pi, math.pi, n)
    return x.reshape(-1, 1), np.sin(x) + noise * rng.standard_normal(n)


def _sklearn_loader(loader_name):
    def load(n, noise, seed, classes):
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader_name)()
        names = [str(name) for name in bunch.get("feature_names", [])]
        return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target), names

    return load


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of :data:`DATASETS`: how to make a built-in dataset and its defaults."""

    task: str
    make: Callable = field(repr=False)
    description: str
    n_samples: int | None = None  # None: fixed real data
    noise: float | None = None
    seed: int | None = None
    classes: int | None = None
    variable_classes: bool = False  # whether ``classes`` may be chosen
    prescale: float = 1.0  # raw / prescale is the network input before standardization

    @property
    def generated(self) -> bool:
        return self.n_samples is not None


def _gen(task, make, description, noise, seed=0, classes=None, variable_classes=False):
    return DatasetSpec(task, make, description, 1000, noise, seed, classes, variable_classes)


#: Built-in datasets: name -> :class:`DatasetSpec` (task, defaults, one-line description).
DATASETS: dict[str, DatasetSpec] = {
    "moons": _gen(CLASSIFICATION, _moons, "two interleaving half circles (the blog's data)",
                  0.2, seed=100, classes=2),
    "circles": _gen(CLASSIFICATION, _circles, "a ring around a disc", 0.1, classes=2),
    "xor": _gen(CLASSIFICATION, _xor, "four quadrants, opposite ones share a class", 0.05,
                classes=2),
    "spiral": _gen(CLASSIFICATION, _spiral, "interleaved spiral arms, one per class", 0.04,
                   classes=2, variable_classes=True),
    "gaussian": _gen(CLASSIFICATION, _gaussian, "two Gaussian blobs", 0.5, classes=2),
    "blobs": _gen(CLASSIFICATION, _blobs, "k Gaussian blobs on a circle", 0.5, classes=3,
                  variable_classes=True),
    "plane": _gen(REGRESSION_TASK, _plane, "a tilted plane y = (x1 + x2) / 2", 0.05),
    "gauss": _gen(REGRESSION_TASK, _gauss, "six Gaussian bumps of alternating sign", 0.05),
    "sine": _gen(REGRESSION_TASK, _sine, "1-D regression y = sin(x) on [-pi, pi]", 0.1),
    "digits": DatasetSpec(CLASSIFICATION, _sklearn_loader("load_digits"),
                          "8x8 images of handwritten digits, 10 classes (1797 rows)",
                          prescale=16.0),
    "iris": DatasetSpec(CLASSIFICATION, _sklearn_loader("load_iris"),
                        "iris flowers, 4 measurements, 3 species (150 rows)"),
    "wine": DatasetSpec(CLASSIFICATION, _sklearn_loader("load_wine"),
                        "wine chemistry, 13 measurements, 3 cultivars (178 rows)"),
    "breast_cancer": DatasetSpec(CLASSIFICATION, _sklearn_loader("load_breast_cancer"),
                                 "tumour measurements, 30 features, 2 classes (569 rows)"),
    "diabetes": DatasetSpec(REGRESSION_TASK, _sklearn_loader("load_diabetes"),
                            "disease progression from 10 measurements (442 rows)"),
}

CLASSIFICATION_2D = ("moons", "circles", "xor", "spiral", "gaussian", "blobs")
REGRESSION_2D = ("plane", "gauss")
REGRESSION_1D = ("sine",)
REGRESSION = (*REGRESSION_2D, *REGRESSION_1D, "diabetes")
REAL = ("digits", "iris", "wine", "breast_cancer", "diabetes")

#: Settings that train each built-in dataset well (what ``chainrule train`` uses by default):
#: hidden sizes, hidden activation, epochs, Adam learning rate, batch size, standardize.
TRAINING_DEFAULTS: dict[str, dict] = {
    # the blog's 2-25-50-25-2 shape; with the chainrule recipe's lr decay, 60 epochs reach
    # the data's Bayes rate (~97 %) for every seed (tests/test_cli_train.py)
    "moons": dict(hidden=[25, 50, 25], activation="relu", epochs=60, lr=0.01, batch_size=32,
                  standardize=False),
    "circles": dict(hidden=[16, 16], activation="relu", epochs=100, lr=0.01, batch_size=32,
                    standardize=False),
    "xor": dict(hidden=[16, 16], activation="relu", epochs=100, lr=0.01, batch_size=32,
                standardize=False),
    "spiral": dict(hidden=[64, 64], activation="relu", epochs=100, lr=0.01, batch_size=32,
                   standardize=False),
    "gaussian": dict(hidden=[8], activation="relu", epochs=30, lr=0.01, batch_size=32,
                     standardize=False),
    "blobs": dict(hidden=[16], activation="relu", epochs=50, lr=0.01, batch_size=32,
                  standardize=False),
    "plane": dict(hidden=[8], activation="tanh", epochs=50, lr=0.01, batch_size=32,
                  standardize=False),
    "gauss": dict(hidden=[32, 32], activation="tanh", epochs=300, lr=0.01, batch_size=32,
                  standardize=False),
    "sine": dict(hidden=[32, 32], activation="tanh", epochs=200, lr=0.01, batch_size=32,
                 standardize=False),
    "digits": dict(hidden=[64], activation="relu", epochs=30, lr=0.01, batch_size=32,
                   standardize=False),
    "iris": dict(hidden=[16], activation="relu", epochs=100, lr=0.01, batch_size=16,
                 standardize=True),
    "wine": dict(hidden=[16], activation="relu", epochs=100, lr=0.01, batch_size=16,
                 standardize=True),
    "breast_cancer": dict(hidden=[32], activation="relu", epochs=50, lr=0.001, batch_size=32,
                          standardize=True),
    "diabetes": dict(hidden=[32], activation="relu", epochs=200, lr=0.001, batch_size=32,
                     standardize=True),
}


# ---------------------------------------------------------------------------- Dataset


@dataclass
class Dataset:
    """A train/test split ready for a network, with the original coordinates kept for plots.

    Attributes
    ----------
    name : str
        The built-in name, or the CSV path as given.
    task : {"classification", "regression"}
    X_train, X_test : ndarray of shape (N_train, n_features), (N_test, n_features)
        Network inputs (after feature expansion, prescaling and standardization), float64.
    y_train, y_test : ndarray of shape (N_train,), (N_test,)
        Class labels (ints or strings) or float targets (standardized when
        ``standardize_target``; see :meth:`inverse_target`).
    raw_train, raw_test : ndarray of shape (N_train, n_raw), (N_test, n_raw)
        The original coordinates, before features and scaling; 2-D plots draw these.
    feature_names : list of str
        Names of the columns of ``X_train``.
    classes : ndarray or None
        Sorted unique labels (classification), else None.
    raw_names : list of str
        Names of the columns of ``raw_train`` (``x1``, ``x2`` for generated 2-D data).
    description : str
        One line about the data.
    target_name : str
        Name of the target (the CSV column, or ``y``).
    target_mean, target_scale : float
        Regression targets were stored as ``(y - target_mean) / target_scale``.
    """

    name: str
    task: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray
    raw_test: np.ndarray
    feature_names: list[str]
    classes: np.ndarray | None
    raw_names: list[str] = field(default_factory=list)
    description: str = ""
    target_name: str = "y"
    target_mean: float = 0.0
    target_scale: float = 1.0
    # Fitted pipeline raw -> inputs: feature names (None: raw columns), prescale, mean, std.
    _features: list[str] | None = field(default=None, repr=False)
    _prescale: float = field(default=1.0, repr=False)
    _mean: np.ndarray | None = field(default=None, repr=False)
    _std: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_features(self) -> int:
        """Width of the network input (columns of ``X_train``)."""
        return self.X_train.shape[1]

    @property
    def n_raw(self) -> int:
        """Width of the original data (columns of ``raw_train``)."""
        return self.raw_train.shape[1]

    @property
    def n_classes(self) -> int | None:
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)

    @property
    def is_2d(self) -> bool:
        """Whether the raw data can be drawn in the plane: 2 columns, or 1 for 1-D regression."""
        return self.n_raw == 2 or (self.n_raw == 1 and self.task == REGRESSION_TASK)

    def transform(self, raw) -> np.ndarray:
        """Raw coordinates to network inputs, with the features and scaling fitted on train.

        Parameters
        ----------
        raw : array_like of shape (N, n_raw)
            Points in the data's own coordinates, e.g. a plotting grid.

        Returns
        -------
        ndarray of shape (N, n_features), float64
        """
        R = np.asarray(raw, dtype=np.float64)
        if R.ndim != 2 or R.shape[1] != self.n_raw:
            raise ValueError(
                f"raw must have shape (N, {self.n_raw}) like raw_train, got {R.shape}"
            )
        return _apply(R, self._features, self._prescale, self._mean, self._std)

    def pipeline(self) -> dict:
        """The fitted raw -> input pipeline as plain JSON data (stored in model files).

        :func:`apply_pipeline` replays it on new raw data, as :meth:`transform` does.
        """
        return {
            "raw_names": list(self.raw_names),
            "features": None if self._features is None else list(self._features),
            "prescale": float(self._prescale),
            "mean": None if self._mean is None else np.asarray(self._mean).tolist(),
            "std": None if self._std is None else np.asarray(self._std).tolist(),
            "target_name": self.target_name,
            "target_mean": float(self.target_mean),
            "target_scale": float(self.target_scale),
        }

    def inverse_target(self, y) -> np.ndarray:
        """Regression targets (or predictions) back in the data's original units."""
        return np.asarray(y, dtype=np.float64) * self.target_scale + self.target_mean

    def __repr__(self) -> str:
        kind = f"{self.n_classes} classes" if self.classes is not None else "regression"
        return (
            f"Dataset({self.name!r}, {kind}, train={self.X_train.shape}, "
            f"test={self.X_test.shape}, features={self.feature_names})"
        )


def apply_pipeline(state: dict, raw) -> np.ndarray:
    """Replay a :meth:`Dataset.pipeline` on raw data ``(N, len(state["raw_names"]))``."""
    R = np.asarray(raw, dtype=np.float64)
    n_raw = len(state["raw_names"])
    if R.ndim != 2 or R.shape[1] != n_raw:
        raise ValueError(f"raw must have shape (N, {n_raw}), got {R.shape}")
    mean = None if state["mean"] is None else np.asarray(state["mean"])
    std = None if state["std"] is None else np.asarray(state["std"])
    return _apply(R, state["features"], state["prescale"], mean, std)


def _expand(R, features):
    """Raw (N, 2) points to the chosen feature columns (N, len(features))."""
    if features is None:
        return R
    return np.column_stack([FEATURES[f](R) for f in features])


def _apply(R, features, prescale, mean, std):
    X = _expand(R, features)
    if prescale != 1.0:
        X = X / prescale
    if mean is not None:
        X = (X - mean) / std
    return np.ascontiguousarray(X, dtype=np.float64)


# ---------------------------------------------------------------------------- load_dataset


def load_dataset(name: str, *, n_samples: int | None = None, noise: float | None = None,
                 classes: int | None = None, seed: int | None = None, test_size: float = 0.3,
                 split_seed: int = 42, standardize: bool = False,
                 features: list[str] | None = None, target: str | None = None,
                 task: str | None = None, standardize_target: bool | None = None) -> Dataset:
    """Load a built-in dataset or a CSV file, split it and prepare the network inputs.

    Parameters
    ----------
    name : str or path
        A key of :data:`DATASETS`, or a path to a CSV file (``*.csv``, or any existing file).
    n_samples : int, optional
        Points to generate (generated data only); default 1000.
    noise : float, optional
        Noise level (generated data only), default per dataset: moons 0.2, circles 0.1,
        xor 0.05, spiral 0.04, gaussian 0.5, blobs 0.5 (standard deviation of the Gaussian
        added to the points; for the blobs it is their spread), plane 0.05, gauss 0.05,
        sine 0.1 (standard deviation of the noise added to the target).
    classes : int, optional
        Number of classes of ``spiral`` (arms, default 2) and ``blobs`` (default 3).
    seed : int, optional
        Seed of the generator (generated data only). Default per dataset: moons 100 (the
        blog's), every other 0. Ignored by fixed data (real datasets and CSV files).
    test_size : float
        Fraction of the rows held out as the test split, in (0, 1).
    split_seed : int
        Seed of the train/test split. Generated data is split without stratification, as in
        the blog; real data and CSV files are split stratified by class (classification).
    standardize : bool
        Scale each input column to zero mean and unit variance using the training rows only.
    features : list of str, optional
        Playground input features for 2-D data, from :data:`FEATURES` (default the raw
        ``["x1", "x2"]``).
    target : str, optional
        CSV only: the target column (default the last).
    task : {"classification", "regression"}, optional
        CSV only: override the guess (strings, or at most 20 distinct integers like "3", are class
        labels; any other numbers are a regression target).
    standardize_target : bool, optional
        Regression only: also scale the target with the training rows' mean and standard
        deviation (default: same as ``standardize``); see :meth:`Dataset.inverse_target`.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        A CSV file that cannot be read; one line naming the file, row and column.
    ValueError, TypeError
        A bad argument; the message names the parameter, the rule and the value.

    Examples
    --------
    >>> ds = load_dataset("spiral", classes=3, noise=0.05)
    >>> ds.n_classes
    3
    """
    if not isinstance(name, (str, Path)):
        raise TypeError(f"name must be a dataset name or a file path, got {type(name).__name__}")
    test_size = check_real("test_size", test_size, 0, 1, low_open=True, high_open=True)
    split_seed = check_int("split_seed", split_seed, 0)
    standardize = _check_bool("standardize", standardize)
    if standardize_target is not None:
        standardize_target = _check_bool("standardize_target", standardize_target)
    if seed is not None:
        seed = check_int("seed", seed, 0)
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got {task!r}")

    key = str(name)
    if key in DATASETS:
        spec = DATASETS[key]
        if target is not None:
            raise ValueError(f"target applies only to CSV files, not to dataset {key!r}; "
                             f"got {target!r}")
        if task is not None and task != spec.task:
            raise ValueError(f"task of dataset {key!r} is {spec.task!r}, got {task!r}")
        raw, y, n_classes, raw_names = _make_builtin(key, spec, n_samples, noise, classes,
                                                     seed)
        task, stratify = spec.task, spec.task == CLASSIFICATION and not spec.generated
        description, prescale, target_name = spec.description, spec.prescale, "y"
    elif key.lower().endswith(".csv") or Path(key).is_file():
        for param, value in (("n_samples", n_samples), ("noise", noise), ("classes", classes)):
            if value is not None:
                raise ValueError(f"{param} applies only to generated datasets, not to a CSV "
                                 f"file; got {value!r}")
        raw, y, raw_names, target_name, task = _read_csv(Path(key), target, task)
        stratify, prescale, n_classes = task == CLASSIFICATION, 1.0, None
        description = f"CSV file {key}: {len(raw)} rows, target {target_name!r}"
    else:
        raise ValueError(
            f"dataset must be one of {sorted(DATASETS)} or a path to a .csv file, got {key!r}"
        )

    features = _check_features(features, raw, key, task)
    split = _split(raw, y, test_size, split_seed, stratify, key)
    raw_train, raw_test, y_train, y_test = split

    F_train = _expand(raw_train, features)
    mean = std = None
    if standardize:
        F = F_train / prescale
        mean = F.mean(axis=0)
        # NOTE: a constant column (e.g. a digits pixel that is always blank) keeps scale 1
        # instead of dividing by zero.
        std = F.std(axis=0)
        std[std == 0] = 1.0
    X_train = _apply(raw_train, features, prescale, mean, std)
    X_test = _apply(raw_test, features, prescale, mean, std)

    target_mean, target_scale = 0.0, 1.0
    if task == CLASSIFICATION:
        labels = np.unique(y_train)
        if n_classes is not None and len(labels) < n_classes:
            raise ValueError(f"the training split of {key!r} lacks some classes; use more "
                             f"n_samples or a smaller test_size, got n_samples={len(raw)}")
        class_array = np.unique(y)
    else:
        class_array = None
        if standardize if standardize_target is None else standardize_target:
            target_mean = float(y_train.mean())
            target_scale = float(y_train.std()) or 1.0
            y_train = (y_train - target_mean) / target_scale
            y_test = (y_test - target_mean) / target_scale

    return Dataset(
        name=key, task=task, X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
        raw_train=raw_train, raw_test=raw_test,
        feature_names=list(features) if features is not None else list(raw_names),
        classes=class_array, raw_names=raw_names, description=description,
        target_name=target_name, target_mean=target_mean, target_scale=target_scale,
        _features=features, _prescale=prescale, _mean=mean, _std=std,
    )


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _make_builtin(key, spec, n_samples, noise, classes, seed):
    """Raw points, targets, class count and column names of a built-in dataset."""
    if not spec.generated:
        for param, value in (("n_samples", n_samples), ("noise", noise), ("classes", classes)):
            if value is not None:
                raise ValueError(f"{param} applies only to generated datasets; {key!r} is fixed "
                                 f"real data, got {param}={value!r}")
        raw, y, names = spec.make(None, None, None, None)
        if len(names) != raw.shape[1]:
            names = [f"x{i + 1}" for i in range(raw.shape[1])]
        return raw, y, None, names
    n = spec.n_samples if n_samples is None else check_int("n_samples", n_samples, 10)
    noise = spec.noise if noise is None else check_real("noise", noise, 0)
    seed = spec.seed if seed is None else seed
    if classes is not None:
        classes = check_int("classes", classes, 2)
        if spec.classes is None:
            raise ValueError(f"classes applies only to classification datasets; {key!r} is "
                             f"regression, got classes={classes}")
        if not spec.variable_classes and classes != spec.classes:
            variable = sorted(k for k, s in DATASETS.items() if s.variable_classes)
            raise ValueError(f"classes of {key!r} is always {spec.classes} (only {variable} take "
                             f"a class count), got {classes}")
    else:
        classes = spec.classes
    if classes is not None and n < 2 * classes:
        raise ValueError(f"n_samples must be >= 2 * classes ({2 * classes}) so each class has "
                         f"points in both splits, got {n}")
    raw, y = spec.make(n, noise, seed, classes)
    raw = np.asarray(raw, dtype=np.float64)
    names = ["x"] if raw.shape[1] == 1 else [f"x{i + 1}" for i in range(raw.shape[1])]
    return raw, np.asarray(y), classes, names


def _check_features(features, raw, key, task):
    """The feature list (None for the raw columns), checked against the data's shape."""
    if features is None:
        return None
    if isinstance(features, str) or not all(isinstance(f, str) for f in features):
        raise TypeError(f"features must be a list of names from {list(FEATURES)}, got "
                        f"{features!r}")
    features = list(features)
    if raw.shape[1] != 2:
        raise ValueError(f"features apply only to 2-D data (2 raw columns); {key!r} has "
                         f"{raw.shape[1]}, got features={features}")
    if not features:
        raise ValueError(f"features must name at least one of {list(FEATURES)}, got []")
    for f in features:
        if f not in FEATURES:
            raise ValueError(f"features must be names from {list(FEATURES)}, got {f!r}")
    if len(set(features)) != len(features):
        dup = next(f for f in features if features.count(f) > 1)
        raise ValueError(f"features must not repeat a name, got {dup!r} twice in {features}")
    return features


def _split(raw, y, test_size, split_seed, stratify, key):
    from sklearn.model_selection import train_test_split

    n = len(raw)
    n_test = math.ceil(test_size * n)
    if n_test < 1 or n - n_test < 1:
        raise ValueError(f"test_size={test_size} leaves an empty split of the {n} rows of "
                         f"{key!r}; it must leave at least one row on each side")
    if stratify:
        labels, counts = np.unique(y, return_counts=True)
        if np.any(counts < 2):
            j = int(np.argmin(counts))
            raise DataError(f"{key}: class {labels[j].item()!r} has only 1 row; a stratified "
                            "train/test split needs at least 2 rows per class")
        if n_test < len(labels) or n - n_test < len(labels):
            raise DataError(f"{key}: test_size={test_size} gives {n_test} test rows of {n}, "
                            f"too few to hold each of the {len(labels)} classes in both splits")
    return train_test_split(raw, y, test_size=test_size, random_state=split_seed,
                            stratify=y if stratify else None)


# ---------------------------------------------------------------------------- CSV


def _read_table(path: Path, min_columns: int = 1):
    """A CSV file's header, data records and their line numbers, checked for shape."""
    where = str(path)
    if not path.exists():
        raise DataError(f"{where}: file not found")
    if path.is_dir():
        raise DataError(f"{where}: is a folder, not a CSV file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, strict=True)  # an unclosed quote is an error, not EOF
            header, rows, lines = None, [], []
            for record in reader:
                if not record or all(not cell.strip() for cell in record):
                    continue  # blank lines are not rows of data
                if header is None:
                    header, header_line = [c.strip() for c in record], reader.line_num
                    continue
                rows.append(record)
                lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not a UTF-8 text file ({exc.reason} at byte "
                        f"{exc.start})") from None
    except csv.Error as exc:
        raise DataError(f"{where}: row {reader.line_num}: malformed CSV ({exc})") from None
    except OSError as exc:
        raise DataError(f"{where}: cannot read the file ({exc.strerror})") from None

    if header is None:
        raise DataError(f"{where}: the file is empty; expected a header row and data rows")
    for j, col in enumerate(header):
        if not col:
            raise DataError(f"{where}: row {header_line}, column {j + 1}: empty column name in "
                            "the header")
        if header.index(col) != j:
            raise DataError(f"{where}: row {header_line}, column {j + 1}: duplicate column name "
                            f"{col!r} in the header")
    if len(header) < min_columns:
        raise DataError(f"{where}: row {header_line}: the header has {len(header)} column "
                        f"({header[0]!r}); need at least one feature column and a target")
    if not rows:
        raise DataError(f"{where}: no data rows after the header (row {header_line})")
    width = len(header)
    for record, line in zip(rows, lines, strict=True):
        if len(record) != width:
            raise DataError(f"{where}: row {line} has {len(record)} fields, expected {width} "
                            f"like the header")
    return header, rows, lines


def read_features_csv(path, columns: list[str]) -> np.ndarray:
    """The named numeric columns of a CSV file, as an ``(N, len(columns))`` float64 array.

    Used to feed new data to a trained model (``chainrule predict``); other columns, such
    as the target, are ignored. Raises :class:`DataError` naming file, row and column.
    """
    path = Path(path)
    header, rows, lines = _read_table(path)
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path}: column {missing[0]!r} not found; the model needs columns "
                        f"{columns}, the file has {header}")
    idx = [header.index(c) for c in columns]
    raw = np.empty((len(rows), len(idx)))
    for i, (record, line) in enumerate(zip(rows, lines, strict=True)):
        for k, j in enumerate(idx):
            raw[i, k] = _number(record[j], str(path), line, j, header[j])
    return raw


def _read_csv(path: Path, target, task):
    """Raw features, targets, feature names, target name and task from a CSV file."""
    if target is not None and not isinstance(target, str):
        raise TypeError(f"target must be a column name, got {type(target).__name__} {target!r}")
    where = str(path)
    header, rows, lines = _read_table(path, min_columns=2)
    width = len(header)

    if target is None:
        t = width - 1
    elif target in header:
        t = header.index(target)
    else:
        raise DataError(f"{where}: target column {target!r} not found; columns are {header}")
    feature_cols = [j for j in range(width) if j != t]
    names = [header[j] for j in feature_cols]

    raw = np.empty((len(rows), len(feature_cols)))
    for i, (record, line) in enumerate(zip(rows, lines, strict=True)):
        for k, j in enumerate(feature_cols):
            raw[i, k] = _number(record[j], where, line, j, header[j])

    cells = [record[t].strip() for record in rows]
    for cell, line in zip(cells, lines, strict=True):
        if not cell:
            raise DataError(f"{where}: row {line}, column {header[t]!r} (column {t + 1}): empty "
                            "target cell")
    y = _targets(cells)
    if task is None:
        task = CLASSIFICATION if _looks_like_labels(y) else REGRESSION_TASK
    if task == REGRESSION_TASK:
        if y.dtype.kind not in "iuf":
            bad = next(i for i, c in enumerate(cells) if _try_float(c) is None)
            raise DataError(f"{where}: row {lines[bad]}, column {header[t]!r} (column {t + 1}): "
                            f"a regression target must be a number, got {cells[bad]!r}")
        y = y.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{where}: row {lines[i]}, column {header[t]!r} (column {t + 1}): "
                            f"the target must be a finite number, got {cells[i]!r}")
    else:
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                i = int(np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))[0])
                raise DataError(f"{where}: row {lines[i]}, column {header[t]!r} (column "
                                f"{t + 1}): class labels must be whole numbers or text, got "
                                f"{cells[i]!r}")
            y = y.astype(np.int64)
        labels, first, counts = np.unique(y, return_index=True, return_counts=True)
        if len(labels) < 2:
            raise DataError(f"{where}: column {header[t]!r} (the target, column {t + 1}) has "
                            f"only one class ({labels[0].item()!r}); classification needs at "
                            "least 2")
        if np.any(counts < 2):
            j = int(np.argmin(counts))
            raise DataError(f"{where}: row {lines[first[j]]}, column {header[t]!r} (column "
                            f"{t + 1}): class {labels[j].item()!r} has only 1 row; a stratified "
                            "train/test split needs at least 2 rows per class")
    return raw, y, names, header[t], task


def _try_float(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def _number(cell, where, line, j, col):
    value = _try_float(cell)
    if value is None or not math.isfinite(value):
        what = "empty cell" if not cell.strip() else f"cannot read {cell.strip()!r} as a number"
        if value is not None:
            what = f"{cell.strip()!r} is not a finite number"
        raise DataError(f"{where}: row {line}, column {col!r} (column {j + 1}): {what}; feature "
                        "columns must be numeric")
    return value


def _targets(cells):
    """Target cells as int64 if all are written as integers, float64 if all numbers, else str."""
    values = [_try_float(c) for c in cells]
    if any(v is None for v in values):
        return np.array(cells)
    if all(_is_int_text(c) for c in cells):
        return np.array([int(c) for c in cells], dtype=np.int64)
    return np.array(values, dtype=np.float64)


def _is_int_text(cell):
    digits = cell.lstrip("+-")
    return digits.isdigit() and len(digits) < 19  # beyond that int64 overflows


def _looks_like_labels(y):
    if y.dtype.kind not in "iuf":
        return True
    return y.dtype.kind in "iu" and len(np.unique(y)) <= MAX_AUTO_CLASSES
