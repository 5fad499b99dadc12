"""Shared test helpers: an independent finite-difference reference."""

import numpy as np
import pytest


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to array ``x`` (edited in place)."""
    g = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def rel_error(a, b):
    """Normwise relative error max|a - b| / max(|a| + |b|).

    NOTE: entry by entry, a gradient of 1e-7 (a path through leaky_relu's 0.01 slope) has a
    finite-difference round-off of ~1e-11, a "relative error" of 1e-4 with nothing wrong;
    measured against the array's scale, round-off stays ~1e-10 and real mistakes stay ~1.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12))


@pytest.fixture
def moons_split():
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=100)
    return train_test_split(X, y, test_size=0.3, random_state=42)
