"""The blog's Layer / NeuralNetwork API, running on the engine."""

import numpy as np
import pytest

from chainrule.seed import Layer, NeuralNetwork


def blog_network(seed):
    nn = NeuralNetwork(seed=seed)
    nn.add_layer(Layer(2, 25, "sigmoid"))
    nn.add_layer(Layer(25, 50, "sigmoid"))
    nn.add_layer(Layer(50, 25, "sigmoid"))
    nn.add_layer(Layer(25, 2, "sigmoid"))
    return nn


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reproduces_the_blog(seed, moons_split, capsys):
    X_train, X_test, y_train, y_test = moons_split
    nn = blog_network(seed)
    train_mses, test_mses, train_accs, test_accs = nn.train(
        X_train, X_test, y_train, y_test, 0.1, 50)
    assert len(train_mses) == len(test_accs) == 50
    # the blog: ~88 % train / ~86 % valid after 50 epochs (its plateau)
    assert 86 <= train_accs[-1] <= 90
    assert 84 <= test_accs[-1] <= 88
    assert train_mses[-1] < train_mses[0]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch #0:"
    assert out[1].startswith("  Train MSE: ") and out[1].endswith("%")
    assert out[2].startswith("  Valid MSE: ")
    assert len(out) == 150


def test_biases_are_trained(moons_split, capsys):
    X_train, X_test, y_train, y_test = moons_split
    nn = blog_network(0)
    b0 = [layer.bias.copy() for layer in nn.layers]
    nn.train(X_train[:50], X_test[:20], y_train[:50], y_test[:20], 0.1, 1)
    assert all(not np.allclose(a, layer.bias) for a, layer in zip(b0, nn.layers, strict=True))


def test_back_propagation_is_the_blogs_update():
    # one hand-written step of the blog's rule on one sample: delta = (o - y) * o (1 - o)
    W = np.array([[0.1, -0.2], [0.3, 0.4]])
    b = np.array([0.05, -0.05])
    nn = NeuralNetwork(seed=0)
    nn.add_layer(Layer(2, 2, "sigmoid", weights=W, bias=b))
    x, y = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    o = 1 / (1 + np.exp(-(x @ W + b)))
    delta = (o - y) * o * (1 - o)
    nn.back_propagation(x, y, 0.5)
    np.testing.assert_allclose(nn.layers[0].weights, W - 0.5 * np.outer(x, delta))
    np.testing.assert_allclose(nn.layers[0].bias, b - 0.5 * delta)
    np.testing.assert_allclose(nn.feed_forward(x).shape, (2,))


def test_any_number_of_classes_and_string_labels(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    labels = np.array(["a", "b", "c"])
    y = labels[np.digitize(X[:, 0], [-0.5, 0.5])]
    nn = NeuralNetwork(seed=0)
    nn.add_layer(Layer(2, 16, "tanh"))
    nn.add_layer(Layer(16, 3, "sigmoid"))
    *_, train_accs, test_accs = nn.train(X[:100], X[100:], y[:100], y[100:], 0.5, 30)
    assert test_accs[-1] > 85
    assert set(nn.predict(X)) <= set(labels)
    assert NeuralNetwork.accuracy(nn.predict(X[100:]), y[100:]) * 100 == test_accs[-1]


def test_errors():
    nn = NeuralNetwork(seed=0)
    nn.add_layer(Layer(2, 3, "sigmoid"))
    with pytest.raises(ValueError, match="n_in=4 but the previous layer has n_out=3"):
        nn.add_layer(Layer(4, 2))
    with pytest.raises(ValueError, match="activation must be one of"):
        Layer(2, 2, "sigmoind")
    with pytest.raises(ValueError, match=r"W must have shape \(2, 2\), got \(3, 2\)"):
        Layer(2, 2, weights=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        nn.back_propagation([0.0, 1.0], [0, 1, 0], -1)
    with pytest.raises(ValueError, match="max_epochs must be >= 1, got 0"):
        nn.train(np.zeros((2, 2)), np.zeros((2, 2)), [0, 1], [0, 1], 0.1, 0)
