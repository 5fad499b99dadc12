import warnings

import numpy as np
import pytest

from chainrule.activations import ACTIVATIONS
from chainrule.losses import LOSSES, get_loss
from conftest import numeric_grad, rel_error


def _targets(name, rng, n, k):
    if name == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    if name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("n", [1, 6])
def test_grad_matches_finite_differences(name, n):
    loss = LOSSES[name]
    rng = np.random.default_rng(3)
    P = rng.uniform(0.1, 0.9, size=(n, 3))
    if name == "cross_entropy":
        P /= P.sum(axis=1, keepdims=True)
    T = _targets(name, rng, n, 3)
    numeric = numeric_grad(lambda: loss.value(P, T), P)
    assert rel_error(loss.grad(P, T), numeric) < 1e-7


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy"])
def test_fused_gradient_equals_the_chain_rule(name):
    loss = LOSSES[name]
    act_name = loss.outputs[0]
    act = ACTIVATIONS[act_name]
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(5, 3))
    T = _targets(name, rng, 5, 3)
    P = act.forward(Z)
    chained = act.backward(P, loss.grad(P, T))
    np.testing.assert_allclose(loss.fused[act_name](P, T), chained, rtol=1e-10, atol=1e-14)
    numeric = numeric_grad(lambda: loss.value(act.forward(Z), T), Z)
    assert rel_error(loss.fused[act_name](P, T), numeric) < 1e-7


def test_mse_is_the_blogs_printed_mse():
    P = np.array([[0.2, 0.8], [0.6, 0.4]])
    T = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert LOSSES["mse"].value(P, T) == pytest.approx(np.mean((P - T) ** 2))


def test_cross_entropy_value():
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    T = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    assert LOSSES["cross_entropy"].value(P, T) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy"])
def test_finite_and_warning_free_at_saturation(name):
    loss = LOSSES[name]
    act = ACTIVATIONS[loss.outputs[0]]
    Z = np.array([[-1000.0, 1000.0], [1000.0, -1000.0]])
    T = np.array([[1.0, 0.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = act.forward(Z)
        value = loss.value(P, T)
        grad = loss.grad(P, T)
        fused = loss.fused[act.name](P, T)
    assert np.isfinite(value) and value > 100  # confidently wrong on some rows: huge but finite
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(fused))


def test_unknown_loss_lists_names():
    with pytest.raises(ValueError, match=r"loss must be one of \['binary_cross_entropy', "
                       r"'cross_entropy', 'mse'\], got 'mae'"):
        get_loss("mae")
