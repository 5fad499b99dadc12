"""Input checks shared by every front: each error names the parameter, the rule and the value."""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_real(name, value, low=None, high=None, low_open=False, high_open=False) -> float:
    """``value`` as a float, or a TypeError/ValueError naming ``name``, the rule and the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    rules = []
    if low is not None:
        rules.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        rules.append(f"{'<' if high_open else '<='} {high}")
    ok = math.isfinite(value)
    if low is not None:
        ok = ok and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        rule = " and ".join(rules)
        rule = f" {rule}" if rule else ""
        raise ValueError(f"{name} must be a finite number{rule}, got {value!r}")
    return value


def check_int(name, value, low=None) -> int:
    """``value`` as an int (bools refused), or an error naming ``name``, the rule and the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def check_seed(seed):
    """``seed`` for ``np.random.default_rng`` (None, a Generator or an int >= 0)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    return check_int("seed", seed, 0)


def check_X(X, dtype, n_features=None, name="X") -> np.ndarray:
    """A non-empty, finite, numeric 2-D array of ``dtype`` (a copy only when needed)."""
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(
            f"{name} must be a 2-D numeric array, got {type(X).__name__}: {exc}"
        ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = " (use X.reshape(-1, 1) for a single feature)" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} features (the network's input width), "
            f"got shape {arr.shape}"
        )
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must be finite, got {arr[tuple(bad)]} at row {bad[0]}, column {bad[1]}"
        )
    return arr


def check_y(y, n_samples, name="y") -> np.ndarray:
    """Targets: 1-D or 2-D, ``n_samples`` rows, no NaN/inf if numeric."""
    arr = np.asarray(y)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D (labels or values) or 2-D, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have one row per sample of X ({n_samples}), got {arr.shape[0]}"
        )
    if np.issubdtype(arr.dtype, np.number) and not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise ValueError(f"{name} must be finite, got a NaN or inf at row {bad}")
    if arr.dtype == object and any(v is None for v in arr.ravel()):
        raise ValueError(f"{name} must not contain None")
    return arr
