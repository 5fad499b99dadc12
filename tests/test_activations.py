import warnings

import numpy as np
import pytest

from chainrule.activations import ACTIVATIONS, Activation, get_activation
from conftest import numeric_grad, rel_error

NAMES = sorted(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    # stay away from relu's kink at 0, where the derivative is undefined
    Z = rng.normal(size=(4, 5))
    Z[np.abs(Z) < 1e-3] = 0.5
    dA = rng.normal(size=(4, 5))
    analytic = act.backward(act.forward(Z), dA)
    numeric = numeric_grad(lambda: float(np.sum(act.forward(Z) * dA)), Z)
    assert rel_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("name", [n for n in NAMES if n != "softmax"])
def test_derivative_is_elementwise_backward(name):
    act = ACTIVATIONS[name]
    Z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.01
    A = act.forward(Z)
    np.testing.assert_allclose(act.backward(A, np.ones_like(A)), act.derivative(A))


@pytest.mark.parametrize("name", NAMES)
def test_stable_at_plus_minus_1000(name):
    act = ACTIVATIONS[name]
    Z = np.array([[-1000.0, 0.0, 1000.0], [1000.0, -1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = act.forward(Z)
        dZ = act.backward(A, np.ones_like(A))
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))


def test_sigmoid_values_and_float32():
    sig = ACTIVATIONS["sigmoid"].forward
    np.testing.assert_allclose(sig(np.array([[-1000.0, 0.0, 1000.0]])), [[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(sig(np.array([[-30.0]])), [[1 / (1 + np.exp(30.0))]], rtol=1e-12)
    assert sig(np.zeros((2, 2), np.float32)).dtype == np.float32


def test_softmax_rows_sum_to_one():
    sm = ACTIVATIONS["softmax"].forward
    Z = np.random.default_rng(0).normal(scale=300, size=(50, 7))
    P = sm(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.all(P >= 0)
    # shift invariance is what makes the row-max shift legitimate
    np.testing.assert_allclose(sm(Z + 123.0), P)


def test_leaky_relu_slope():
    act = ACTIVATIONS["leaky_relu"]
    A = act.forward(np.array([[-2.0, 3.0]]))
    np.testing.assert_allclose(A, [[-0.02, 3.0]])
    np.testing.assert_allclose(act.derivative(A), [[0.01, 1.0]])


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"activation must be one of \[.*'relu'.*\], got 'rlu'"):
        get_activation("rlu")
    with pytest.raises(TypeError, match="activation must be"):
        get_activation(3)
    assert get_activation(None).name == "linear"
    custom = Activation("cube", lambda Z: Z**3, lambda A, dA: dA * 3 * np.cbrt(A) ** 2)
    assert get_activation(custom) is custom
