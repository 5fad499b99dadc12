"""gradcheck: real derivatives pass, deliberately wrong ones fail, kinks never fail."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.activations import ACTIVATIONS, Activation
from chainrule.cli import main
from chainrule.gradcheck import GradcheckReport, gradcheck
from chainrule.losses import LOSSES, Loss


def _data(n=8, n_in=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    y = np.arange(n) % k  # every class present
    return X, y


def _net(hidden_act, out_act, n_out=3, seed=0, dtype="float64"):
    return cr.Network([cr.Dense(3, 5, hidden_act), cr.Dense(5, 4, hidden_act),
                       cr.Dense(4, n_out, out_act)], seed=seed, dtype=dtype)


# ----------------------------------------------------------------------------- mutations
def _mutant_elementwise(name, wrong_derivative):
    real = ACTIVATIONS[name]
    return Activation(name, real.forward, lambda A, dA: dA * wrong_derivative(A),
                      wrong_derivative)


def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


#: Classic back-propagation mistakes, one per activation.
WRONG_ACTIVATIONS = {
    "linear": lambda: _mutant_elementwise("linear", lambda A: np.full_like(A, 2.0)),
    # the derivative applied to the output as if it were the input: s(a)(1 - s(a))
    "sigmoid": lambda: _mutant_elementwise("sigmoid", lambda A: _sigmoid(A) * (1 - _sigmoid(A))),
    # forgot the square
    "tanh": lambda: _mutant_elementwise("tanh", lambda A: 1 - A),
    # >= instead of >: the dead side passes the gradient through
    "relu": lambda: _mutant_elementwise("relu", lambda A: (A >= 0).astype(A.dtype)),
    # the slope of the negative side off by ten
    "leaky_relu": lambda: _mutant_elementwise("leaky_relu", lambda A: np.where(A > 0, 1.0, 0.1)),
    # only the diagonal of the Jacobian diag(a) - a a^T
    "softmax": lambda: Activation("softmax", ACTIVATIONS["softmax"].forward,
                                  lambda A, dA: A * dA, None),
}


def _layers_for(name, act):
    """A network using ``act`` where it belongs: softmax as output, others hidden."""
    if name == "softmax":
        return [cr.Dense(3, 5, "tanh"), cr.Dense(5, 3, act)]
    return [cr.Dense(3, 5, act), cr.Dense(5, 4, act), cr.Dense(4, 3, "softmax")]


@pytest.mark.parametrize("name", sorted(WRONG_ACTIVATIONS))
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_activation_mutation_is_caught(name, loss):
    X, y = _data()
    real = cr.Network(_layers_for(name, ACTIVATIONS[name]), seed=1)
    report = gradcheck(real, X, y, loss=loss)
    assert report.ok, str(report)
    assert report.max_rel_error < 1e-6
    wrong = cr.Network(_layers_for(name, WRONG_ACTIVATIONS[name]()), seed=1)
    np.testing.assert_array_equal(wrong.params, real.params)
    report = gradcheck(wrong, X, y, loss=loss)
    assert not report.ok
    assert report.max_rel_error > 1e-3
    assert "FAILED" in str(report)


def test_copy_of_softmax_uses_unfused_path_and_passes():
    # A copy is not the table's object, so the engine goes through loss.grad and the
    # softmax Jacobian instead of the fused p - y: both routes must be right.
    X, y = _data()
    sm = ACTIVATIONS["softmax"]
    copy = Activation("softmax", sm.forward, sm.backward, sm.derivative)
    report = gradcheck(cr.Network([cr.Dense(3, 4, "tanh"), cr.Dense(4, 3, copy)], seed=2), X, y,
                       loss="cross_entropy")
    assert report.ok, str(report)


def _mutant_loss(name, grad=None, fused=None):
    real = LOSSES[name]
    return Loss(name, real.value, grad or real.grad, fused=fused if fused is not None else {},
                outputs=real.outputs, classification=real.classification)


#: (loss name, output activation, n_out, mutated Loss): the fused shortcut is mutated
#: where the engine would take it, the plain gradient elsewhere.
WRONG_LOSSES = {
    "mse-forgot-2": ("mse", "sigmoid", 3,
                     lambda: _mutant_loss("mse", grad=lambda P, T: (P - T) / P.size)),
    "mse-linear-sign": ("mse", "linear", 3,
                        lambda: _mutant_loss("mse", grad=lambda P, T: (T - P) * (2 / P.size))),
    "cross_entropy-fused-no-mean": (
        "cross_entropy", "softmax", 3,
        lambda: _mutant_loss("cross_entropy", fused={"softmax": lambda P, T: P - T})),
    "cross_entropy-grad-no-mean": (
        "cross_entropy", "softmax-copy", 3,
        lambda: _mutant_loss("cross_entropy", grad=lambda P, T: -T / P)),
    "binary_cross_entropy-fused-no-mean": (
        "binary_cross_entropy", "sigmoid", 1,
        lambda: _mutant_loss("binary_cross_entropy", fused={"sigmoid": lambda P, T: P - T})),
    "binary_cross_entropy-grad-no-denominator": (
        "binary_cross_entropy", "sigmoid-copy", 1,
        lambda: _mutant_loss("binary_cross_entropy", grad=lambda P, T: (P - T) / P.size)),
}


def _output(name):
    if name.endswith("-copy"):
        real = ACTIVATIONS[name[:-5]]
        return Activation(real.name, real.forward, real.backward, real.derivative)
    return name


@pytest.mark.parametrize("case", sorted(WRONG_LOSSES))
def test_loss_mutation_is_caught(case):
    name, out, n_out, make = WRONG_LOSSES[case]
    X, y = _data(k=3 if n_out > 1 else 2)
    net = cr.Network([cr.Dense(3, 5, "tanh"), cr.Dense(5, n_out, _output(out))], seed=3)
    good = gradcheck(net, X, y, loss=LOSSES[name])
    assert good.ok, str(good)
    bad = gradcheck(net, X, y, loss=make())
    assert not bad.ok
    assert bad.max_rel_error > 1e-2


def test_every_activation_and_loss_has_a_mutation():
    assert set(WRONG_ACTIVATIONS) == set(ACTIVATIONS)
    assert {case[0] for case in WRONG_LOSSES.values()} == set(LOSSES)


# ----------------------------------------------------------------------------- kinks
@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_kink_within_eps_is_skipped_not_failed(act):
    X, y = _data()
    net = _net(act, "softmax", seed=4)
    # Move unit 0 of the first layer so that sample 0's pre-activation is 1e-7: +-1e-6
    # on its bias crosses the kink, and a naive finite difference averages two slopes.
    layer = net.layers[0]
    layer.b[0] -= (X[0] @ layer.W[:, 0] + layer.b[0]) - 1e-7
    loss = net.resolve_loss(None)
    T = net.encode_targets(y, loss, fit=True)
    net.classes_ = None
    net.loss_and_gradient(X, T, loss)
    analytic = layer.db[0]
    k = layer.n_in * layer.n_out  # flat index of b[0] in the first block
    naive = []
    for sign in (1, -1):
        net.params[k] += sign * 1e-6
        naive.append(loss.value(net.forward(X)[0], T))
        net.params[k] -= sign * 1e-6
    numeric = (naive[0] - naive[1]) / 2e-6
    assert abs(numeric - analytic) > 1e-4 * max(abs(analytic), abs(numeric))  # a real kink

    report = gradcheck(net, X, y)
    assert report.ok, str(report)
    assert report.n_kinks >= 1
    assert report.tensors[1].n_kinks >= 1  # layers.0.b
    assert "kink" in str(report)


# ----------------------------------------------------------------------------- report
def test_report_fields_and_table():
    X, y = _data()
    net = _net("tanh", "softmax")
    report = gradcheck(net, X, y)
    assert isinstance(report, GradcheckReport)
    assert [t.name for t in report.tensors] == [n for n, _, _ in net.named_parameters()]
    assert report.n_params == net.params.size == report.n_checked
    assert not report.sampled
    assert report.loss == "cross_entropy"
    assert report.worst is not None and report.worst.max_rel_error == report.max_rel_error
    assert report.tensors[2].shape == (5, 4)
    text = str(report)
    for name in ("layers.0.W", "layers.2.b", "max rel err", "OK"):
        assert name in text


def test_network_left_unchanged():
    X, y = _data()
    net = _net("sigmoid", "softmax")
    params, grads = net.params.copy(), net.grads.copy()
    gradcheck(net, X, y)
    np.testing.assert_array_equal(net.params, params)
    np.testing.assert_array_equal(net.grads, grads)
    assert net.classes_ is None


def test_trained_network_with_string_labels():
    X, _ = _data(n=30)
    y = np.where(X[:, 0] > 0, "pos", "neg")
    net = cr.Network([cr.Dense(3, 6, "tanh"), cr.Dense(6, 2, "softmax")], seed=0)
    net.fit(X, y, epochs=2, batch_size=10)
    classes = net.classes_.copy()
    report = gradcheck(net, X[:8], y[:8])
    assert report.ok
    np.testing.assert_array_equal(net.classes_, classes)


def test_float32_network_is_checked_in_float64():
    X, y = _data()
    net = _net("tanh", "softmax", dtype="float32")
    params = net.params.copy()
    report = gradcheck(net, X, y)
    assert report.ok and report.dtype == "float32"
    assert "float32" in str(report)
    np.testing.assert_array_equal(net.params, params)


def test_sampling_reports_size_and_is_deterministic():
    X, y = _data()
    net = cr.Network([cr.Dense(3, 40, "tanh"), cr.Dense(40, 30, "tanh"),
                      cr.Dense(30, 3, "softmax")], seed=0)
    a = gradcheck(net, X, y, max_checks=200, seed=5)
    b = gradcheck(net, X, y, max_checks=200, seed=5)
    assert a.sampled and a.ok
    assert 200 <= a.n_checked < 300 < net.params.size
    assert all(t.n_checked >= min(t.n_params, 10) for t in a.tensors)
    assert [t.worst_index for t in a.tensors] == [t.worst_index for t in b.tensors]
    assert "sampled" in str(a)


def test_regression_targets():
    X, _ = _data()
    Y = np.stack([X[:, 0] * 2, X[:, 1] - X[:, 2]], axis=1)
    net = cr.Network([cr.Dense(3, 6, "tanh"), cr.Dense(6, 2, "linear")], seed=0)
    assert gradcheck(net, X, Y, loss="mse").ok


@pytest.mark.parametrize("kwargs, match", [({"eps": 0.0}, "eps"), ({"tol": -1.0}, "tol"),
                                           ({"max_checks": 0}, "max_checks")])
def test_bad_arguments(kwargs, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        gradcheck(_net("tanh", "softmax"), X, y, **kwargs)


def test_wrong_loss_for_output_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="cross_entropy"):
        gradcheck(_net("tanh", "sigmoid"), X, y, loss="cross_entropy")


# ----------------------------------------------------------------------------- CLI
def test_cli_ok(capsys):
    rc = main(["gradcheck", "--hidden", "6,5", "--activation", "tanh", "--loss",
               "cross_entropy", "--samples", "8"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "layers.2.W" in out and "OK" in out and "softmax" in out


def test_cli_float32_sampled_relu(capsys):
    rc = main(["gradcheck", "--hidden", "20,20", "--activation", "relu", "--dtype", "float32",
               "--loss", "binary_cross_entropy", "--max-checks", "100"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "sampled" in out and "float32" in out


def test_cli_exits_1_on_a_wrong_gradient(capsys, monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "tanh", WRONG_ACTIVATIONS["tanh"]())
    rc = main(["gradcheck", "--hidden", "4", "--activation", "tanh", "--loss", "cross_entropy",
               "--samples", "8"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "WRONG" in out and "FAILED" in out


def test_cli_errors(capsys):
    assert main(["gradcheck", "--loss", "cross_entropy", "--output-activation", "sigmoid"]) == 2
    assert "needs an output layer with activation in ['softmax'], got 'sigmoid'" in (
        capsys.readouterr().err)
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck", "--hidden", "3,x"])
    assert exc.value.code == 2
    assert "--hidden" in capsys.readouterr().err
