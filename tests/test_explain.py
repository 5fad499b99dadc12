"""explain: the step-by-step chain rule agrees with the engine and with finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.activations import ACTIVATIONS, Activation
from chainrule.cli import main
from chainrule.explain import Explanation, explain

X0 = np.array([0.8, -0.3])


def _seed_net(act="sigmoid", out="sigmoid", hidden=(25, 50, 25), n_out=2, dtype="float64"):
    sizes = [2, *hidden, n_out]
    layers = [cr.Dense(a, b, act if i < len(hidden) else out)
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]
    return cr.Network(layers, seed=0, dtype=dtype)


def test_seed_shape_every_number_agrees():
    net = _seed_net()
    e = explain(net, X0, 1, loss="mse")
    assert isinstance(e, Explanation) and e.ok
    assert [s.index for s in e.layers] == [1, 2, 3, 4]
    assert [s.n_out for s in e.layers] == [25, 50, 25, 2]
    np.testing.assert_array_equal(e.target, [[0.0, 1.0]])
    for q in e.quantities():
        assert q.checked and q.n_ok == q.value.size, q.symbol
    # every layer shows f'(z) = a (1 - a) for sigmoid
    assert all(s.fprime is not None and s.fprime.formula == "a (1 - a)" for s in e.layers)


def test_matches_the_engine_gradient():
    net = _seed_net(act="tanh", out="softmax", hidden=(4, 3))
    e = explain(net, X0, 0)
    loss = net.resolve_loss(None)
    T = np.array([[1.0, 0.0]])
    value, P = net.loss_and_gradient(X0.reshape(1, -1), T, loss)
    assert e.loss == "cross_entropy" and e.loss_value == pytest.approx(value)
    np.testing.assert_allclose(e.layers[-1].a.value, P)
    for step, layer in zip(e.layers, net.layers, strict=True):
        np.testing.assert_allclose(step.dW.value, layer.dW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(step.db.value, layer.db, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ACTIVATIONS[step.activation].forward(step.z.value),
                                   step.a.value)
    # the chain: dW = a_prev^T delta, db = delta, dL/da_prev = delta W^T
    for i, (step, layer) in enumerate(zip(e.layers, net.layers, strict=True)):
        a_prev = e.x if i == 0 else e.layers[i - 1].a.value
        np.testing.assert_allclose(step.dW.value, a_prev.T @ step.delta.value)
        np.testing.assert_allclose(step.db.value, step.delta.value[0])
        np.testing.assert_allclose(step.dA_prev.value, step.delta.value @ layer.W.T)
        if i:
            assert e.layers[i - 1].dA is step.dA_prev


def test_fused_softmax_cross_entropy_is_said():
    e = explain(_seed_net(act="relu", out="softmax", hidden=(3, 3)), X0, 1)
    last = e.layers[-1]
    assert "fused" in last.note and last.fprime is None
    np.testing.assert_allclose(last.delta.value, last.a.value - e.target)
    assert "fused" in str(e)


def test_softmax_with_mse_uses_the_jacobian():
    e = explain(_seed_net(act="tanh", out="softmax", hidden=(3,)), X0, 1, loss="mse")
    assert e.ok
    assert "Jacobian" in e.layers[-1].note


def test_binary_cross_entropy_single_unit():
    e = explain(_seed_net(act="leaky_relu", out="sigmoid", hidden=(4,), n_out=1), X0, 1)
    assert e.ok and e.loss == "binary_cross_entropy"
    np.testing.assert_array_equal(e.target, [[1.0]])


def test_wrong_derivative_is_marked():
    real = ACTIVATIONS["sigmoid"]
    wrong = Activation("sigmoid", real.forward, lambda A, dA: dA * A, lambda A: A)
    net = cr.Network([cr.Dense(2, 3, wrong), cr.Dense(3, 2, "softmax")], seed=0)
    e = explain(net, X0, 1)
    assert not e.ok
    first = e.layers[0]
    assert not first.fprime.ok and not first.delta.ok and not first.dW.ok
    assert e.layers[1].delta.ok  # the fused output layer is still right
    text = str(e)
    assert "✗" in text and "FAILED" in text


def test_rendering_truncates_and_markdown():
    e = explain(_seed_net(), X0, 0, loss="mse")
    text = e.render("text", max_entries=4)
    assert "... +1246 more" in text  # dW[2] is 25 x 50
    assert "1250/1250 agree" in text
    md = e.render("markdown")
    assert md.startswith("# The chain rule")
    assert "## Backward pass" in md and "| quantity | formula |" in md
    with pytest.raises(ValueError, match="fmt"):
        e.render("html")


def test_float32_network_and_parameters_unchanged():
    net = _seed_net(act="tanh", out="softmax", hidden=(3,), dtype="float32")
    params = net.params.copy()
    assert explain(net, X0, 0).ok
    np.testing.assert_array_equal(net.params, params)


def test_bad_input():
    net = _seed_net(hidden=(3,))
    with pytest.raises(ValueError, match="x"):
        explain(net, [1.0, 2.0, 3.0], 0)
    with pytest.raises(ValueError, match="eps"):
        explain(net, X0, 0, eps=0)


def test_cli_text_default_seed_shape(capsys):
    rc = main(["explain"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "2-25-50-25-2" in out and "dW[4]" in out and "dL/dx" in out and "OK" in out


def test_cli_markdown_file(tmp_path, capsys):
    path = tmp_path / "sub" / "explain.md"
    rc = main(["explain", "--hidden", "3,3", "--activation", "relu", "--loss", "cross_entropy",
               "--sample", "7", "--output", str(path)])
    assert rc == 0
    assert str(path) in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# The chain rule") and "softmax" in text
    assert [p.name for p in path.parent.iterdir()] == ["explain.md"]  # no temporary left


def test_cli_markdown_stdout(capsys):
    assert main(["explain", "--hidden", "2", "--format", "markdown"]) == 0
    assert "## Forward pass" in capsys.readouterr().out


def test_cli_errors(capsys):
    assert main(["explain", "--sample", "700"]) == 2
    assert "--sample" in capsys.readouterr().err
    assert main(["explain", "--loss", "binary_cross_entropy", "--output-activation",
                 "tanh"]) == 2
    assert "activation in ['sigmoid'], got 'tanh'" in capsys.readouterr().err
