import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.activations import ACTIVATIONS
from chainrule.losses import LOSSES
from conftest import numeric_grad, rel_error

HIDDEN_ACTS = [a for a in sorted(ACTIVATIONS) if a != "softmax"]


def make_net(n_layers, hidden_act, out_act, n_out, seed=0, n_in=3, width=4, dtype="float64"):
    sizes = [n_in] + [width] * (n_layers - 1) + [n_out]
    layers = [cr.Dense(a, b, hidden_act if i < n_layers - 1 else out_act)
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]
    return cr.Network(layers, seed=seed, dtype=dtype)


def check_gradients(net, X, T, loss):
    """Back-prop against central differences over every parameter of ``net``."""
    # NOTE: random biases too: with zero biases a dead relu layer feeds exact zeros to the
    # next one, whose pre-activations then sit exactly on relu's kink.
    net.params[:] = np.random.default_rng(net.params.size).normal(0, 0.7, net.params.size)
    net.loss_and_gradient(X, T, loss)
    analytic = net.grads.copy()
    numeric = numeric_grad(lambda: net.loss_and_gradient(X, T, loss)[0], net.params)
    return rel_error(analytic, numeric)


def data(n, n_in=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, n_in))


@pytest.mark.parametrize("n_layers", [1, 2, 3, 4])
@pytest.mark.parametrize("act", HIDDEN_ACTS)
@pytest.mark.parametrize("n", [1, 5])
def test_every_activation_every_depth_mse(n_layers, act, n):
    net = make_net(n_layers, act, act, 2, seed=n_layers)
    X = data(n)
    T = np.random.default_rng(9).normal(size=(n, 2))
    assert check_gradients(net, X, T, LOSSES["mse"]) < 1e-6


@pytest.mark.parametrize("n_layers", [1, 2, 3, 4])
@pytest.mark.parametrize("act", HIDDEN_ACTS)
@pytest.mark.parametrize("n", [1, 5])
def test_softmax_cross_entropy(n_layers, act, n):
    net = make_net(n_layers, act, "softmax", 3, seed=n_layers + 10)
    X = data(n, seed=2)
    T = np.eye(3)[np.arange(n) % 3]
    assert check_gradients(net, X, T, LOSSES["cross_entropy"]) < 1e-6


@pytest.mark.parametrize("n_layers", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 5])
def test_sigmoid_binary_cross_entropy(n_layers, n):
    net = make_net(n_layers, "tanh", "sigmoid", 1, seed=n_layers + 20)
    X = data(n, seed=3)
    T = (np.arange(n) % 2).astype(float).reshape(-1, 1)
    assert check_gradients(net, X, T, LOSSES["binary_cross_entropy"]) < 1e-6


@pytest.mark.parametrize("n", [1, 5])
def test_softmax_output_with_mse_uses_the_full_jacobian(n):
    net = make_net(2, "tanh", "softmax", 3, seed=5)
    X = data(n, seed=4)
    T = np.eye(3)[np.arange(n) % 3]
    assert check_gradients(net, X, T, LOSSES["mse"]) < 1e-6


def test_weight_decay_gradient():
    net = make_net(2, "tanh", "linear", 1, seed=1)
    X, T = data(4), np.ones((4, 1))
    wd = 0.3
    opt = cr.SGD(lr=1.0, weight_decay=wd)
    opt.setup(net.params, net.decay_mask)
    before = net.params.copy()
    net.loss_and_gradient(X, T, LOSSES["mse"])
    g = net.grads.copy()
    opt.step(net.params, net.grads)
    # weights get wd * W added to their gradient, biases do not
    expected = before - (g + wd * net.decay_mask * before)
    np.testing.assert_allclose(net.params, expected)
    assert net.decay_mask.sum() == 3 * 4 + 4 * 1


def test_layers_are_views_into_one_buffer():
    net = make_net(3, "relu", "softmax", 2)
    total = sum(layer.n_params for layer in net.layers)
    assert net.params.size == total == net.grads.size
    for layer in net.layers:
        assert np.shares_memory(layer.W, net.params) and np.shares_memory(layer.b, net.params)
        assert np.shares_memory(layer.dW, net.grads) and np.shares_memory(layer.db, net.grads)
    net.params[:] = 0
    assert all(not layer.W.any() for layer in net.layers)


def test_forward_twice_before_backward_is_safe():
    layer = cr.Dense(3, 2, "tanh")
    cr.Network([layer], seed=0)
    X1, X2 = data(4, seed=1), data(4, seed=2)
    _, back1 = layer.forward(X1)
    A2, back2 = layer.forward(X2)
    dA = np.ones((4, 2))
    back1(dA)
    dW1 = layer.dW.copy()
    back2(dA)
    assert not np.allclose(dW1, layer.dW)
    back1(dA)
    np.testing.assert_allclose(layer.dW, dW1)


def test_a_layer_belongs_to_one_network():
    d1, d2 = cr.Dense(2, 3, "relu"), cr.Dense(3, 2, "softmax")
    net = cr.Network([d1, d2], seed=0)
    with pytest.raises(ValueError, match=r"Dense\(2, 3, 'relu', init='he'\) already belongs "
                       "to another network"):
        cr.Network([d1, cr.Dense(3, 2)], seed=1)
    assert np.shares_memory(d1.W, net.params)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        cr.Network([cr.Dense(2, 2)], seed=-1)


def test_add_keeps_existing_weights_and_checks_sizes():
    net = cr.Network(seed=0)
    net.add(cr.Dense(2, 4, "relu"))
    W0 = net.layers[0].W.copy()
    net.add(cr.Dense(4, 3, "softmax"))
    np.testing.assert_array_equal(net.layers[0].W, W0)
    assert np.shares_memory(net.layers[0].W, net.params)
    with pytest.raises(ValueError, match="n_in=5 but the previous layer has n_out=3"):
        net.add(cr.Dense(5, 2))


def test_same_seed_same_bits_different_seed_different(moons_split):
    Xtr, Xte, ytr, yte = moons_split

    def run(seed):
        net = make_net(3, "relu", "softmax", 2, seed=seed, n_in=2, width=8)
        net.fit(Xtr, ytr, epochs=3, batch_size=16, optimizer=cr.Adam(0.01))
        return net.params.copy()

    a, b, c = run(7), run(7), run(8)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_global_numpy_random_is_untouched(moons_split):
    Xtr, _, ytr, _ = moons_split
    np.random.seed(123)  # noqa: NPY002 - checking that the legacy global state is untouched
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002 - checking that the legacy global state is untouched
    net = make_net(2, "relu", "softmax", 2, n_in=2, seed=None)
    net.fit(Xtr, ytr, epochs=1)
    assert np.random.random() == expected  # noqa: NPY002


def test_float32_end_to_end(moons_split):
    Xtr, Xte, ytr, yte = moons_split
    net = make_net(3, "relu", "softmax", 2, n_in=2, width=16, dtype="float32")
    hist = net.fit(Xtr, ytr, epochs=5, optimizer=cr.Adam(0.01), validation_data=(Xte, yte))
    assert net.params.dtype == np.float32 and net.grads.dtype == np.float32
    assert all(layer.W.dtype == np.float32 for layer in net.layers)
    opt = cr.Adam(0.01, weight_decay=0.1)
    net.fit(Xtr, ytr, epochs=1, optimizer=opt)
    assert opt.m.dtype == opt.v.dtype == np.float32
    P, backward = net.forward(Xtr.astype(np.float32))
    assert P.dtype == np.float32
    assert backward(P, need_dX=True).dtype == np.float32
    assert net.predict_proba(Xte).dtype == np.float32
    assert hist.history["val_accuracy"][-1] > 0.8


def test_predict_returns_users_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    names = np.array(["cat", "dog", "emu"])
    y = names[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.8)]
    net = make_net(2, "relu", "softmax", 3, n_in=2, width=16)
    net.fit(X, y, epochs=60, optimizer=cr.Adam(0.02))
    assert set(net.predict(X)) <= set(names)
    assert list(net.classes_) == ["cat", "dog", "emu"]
    assert net.evaluate(X, y)["accuracy"] > 0.9
    P = net.predict_proba(X)
    assert P.shape == (90, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1)


def test_binary_sigmoid_unit_labels():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    net = make_net(2, "tanh", "sigmoid", 1, n_in=2, width=8)
    net.fit(X, y, epochs=80, optimizer=cr.Adam(0.05))
    assert net.loss_.name == "binary_cross_entropy"
    assert net.evaluate(X, y)["accuracy"] > 0.95
    assert set(net.predict(X)) == {"yes", "no"}
    assert net.predict_proba(X).shape == (100, 2)


def test_regression_linear_mse():
    rng = np.random.default_rng(2)
    X = rng.uniform(-3, 3, size=(256, 1))
    y = np.sin(X[:, 0])
    net = cr.Network([cr.Dense(1, 32, "tanh"), cr.Dense(32, 1)], seed=0)
    hist = net.fit(X, y, epochs=300, batch_size=32, optimizer=cr.Adam(0.01))
    assert set(hist.history) == {"loss", "mae"}
    assert net.evaluate(X, y)["mae"] < 0.05
    assert net.predict(X).shape == (256,)


@pytest.mark.parametrize(
    "X, y, exc, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], ValueError, r"X must be finite, got nan at row 0"),
        ([[0.0, np.inf], [1.0, 2.0]], [0, 1], ValueError, r"X must be finite, got inf"),
        (np.zeros((0, 2)), [], ValueError, r"X must not be empty, got shape \(0, 2\)"),
        ([1.0, 2.0], [0, 1], ValueError, r"X must be 2-D .* got shape \(2,\)"),
        ([[1.0, 2.0], [3.0, 4.0]], [0, 1, 1], ValueError, r"y must have one row per sample"),
        ([[1.0, 2.0, 3.0]], [0], ValueError, r"X must have 2 features .* got shape \(1, 3\)"),
        ([["a", "b"]], [0], TypeError, r"X must hold numbers, got an array of dtype <U1"),
        ([[1.0, 2.0], [3.0, 4.0]], [0, np.nan], ValueError, r"y must be finite"),
        ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 1, 2], ValueError,
         r"y has 3 classes but the output layer has 2 units"),
    ],
)
def test_bad_input_is_rejected_and_changes_nothing(X, y, exc, match):
    net = make_net(2, "relu", "softmax", 2, n_in=2)
    before = net.params.copy()
    with pytest.raises(exc, match=match):
        net.fit(X, y, epochs=1)
    np.testing.assert_array_equal(net.params, before)


def test_bad_names_and_sizes():
    with pytest.raises(ValueError, match=r"activation must be one of .* got 'rlu'"):
        cr.Dense(2, 3, "rlu")
    with pytest.raises(ValueError, match=r"init must be one of \['glorot', 'he', 'seed'\]"):
        cr.Dense(2, 3, init="xavier")
    with pytest.raises(ValueError, match="n_out must be >= 1, got 0"):
        cr.Dense(2, 0)
    with pytest.raises(TypeError, match="n_in must be an integer, got float 2.5"):
        cr.Dense(2.5, 3)
    with pytest.raises(ValueError, match=r"dtype must be one of \['float32', 'float64'\]"):
        cr.Network([cr.Dense(2, 2)], dtype="float16")
    net = make_net(2, "relu", "softmax", 2, n_in=2)
    X, y = data(4, n_in=2), [0, 1, 0, 1]
    with pytest.raises(ValueError, match=r"loss must be one of .* got 'hinge'"):
        net.fit(X, y, loss="hinge")
    with pytest.raises(ValueError, match=r"loss 'binary_cross_entropy' needs an output layer "
                       r"with activation in \['sigmoid'\], got 'softmax'"):
        net.fit(X, y, loss="binary_cross_entropy")
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        net.fit(X, y, epochs=0)
    with pytest.raises(ValueError, match="contains label 7 not seen in training"):
        net.fit(X, y, epochs=1, validation_data=(X, [0, 1, 7, 0]))


def test_saturated_network_trains_without_warnings():
    net = make_net(2, "sigmoid", "softmax", 2, n_in=2)
    net.params *= 1000
    X = data(8, n_in=2) * 1000
    y = np.arange(8) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hist = net.fit(X, y, epochs=2, optimizer=cr.SGD(0.01))
    assert np.isfinite(hist.history["loss"]).all()
