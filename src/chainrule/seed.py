"""The blog's ``Layer`` / ``NeuralNetwork`` API, running on the chainrule engine.

The names and signatures are the blog post's, so its code runs unchanged::

    from chainrule.seed import Layer, NeuralNetwork

    nn = NeuralNetwork()
    nn.add_layer(Layer(2, 25, "sigmoid"))
    nn.add_layer(Layer(25, 50, "sigmoid"))
    nn.add_layer(Layer(50, 25, "sigmoid"))
    nn.add_layer(Layer(25, 2, "sigmoid"))
    train_mses, test_mses, train_accs, test_accs = nn.train(
        X_train, X_test, y_train, y_test, 0.1, 50)

Where it differs from the blog:

- **Biases are trained.** The blog computes each layer's delta but only updates the
  weights; here every step updates weights and biases.
- **Any number of classes.** Labels may be any values (ints, strings); the one-hot code
  is built from the classes seen in ``y_train`` instead of a hard-coded 2.
- **Seeded.** ``NeuralNetwork(seed=...)`` makes the weight initialisation reproducible
  (the blog draws from the global ``np.random``). Initialisation is otherwise the blog's:
  ``W ~ N(0, 1/n_output)``, ``b ~ U(0, 0.1)``.
- **No per-layer state.** A layer does not keep ``activation_output``, ``error`` or
  ``delta`` between calls; the engine's backward closures hold what back-propagation needs.

The update rule is the blog's: per-sample SGD on ``0.5 * sum((y - output)**2)``, in
the order of the training set (no shuffling).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_int, check_real, check_y
from .layers import Dense
from .losses import LOSSES
from .network import Network
from .optim import SGD


class Layer:
    """A dense layer, as in the blog.

    Parameters
    ----------
    n_input, n_output : int
        Input and output widths.
    activation : {None, "sigmoid", "tanh", "relu", ...}
        None means linear (no activation), as in the blog.
    weights : array_like of shape (n_input, n_output), optional
    bias : array_like of shape (n_output,), optional
        Initial values; by default drawn with the blog's scheme when the layer is added
        to a :class:`NeuralNetwork`.
    """

    def __init__(self, n_input, n_output, activation=None, weights=None, bias=None):
        self.dense = Dense(n_input, n_output, activation, init="seed", W=weights, b=bias)
        self.activation = activation

    @property
    def weights(self):
        """``(n_input, n_output)`` weights (a view into the network's parameter buffer)."""
        return self.dense.W

    @property
    def bias(self):
        """``(n_output,)`` biases (a view into the network's parameter buffer)."""
        return self.dense.b


class NeuralNetwork:
    """The blog's network: ``add_layer``, ``feed_forward``, ``back_propagation``, ``train``.

    Parameters
    ----------
    seed : int or None
        Seed of the weight initialisation (None: different every run, like the blog).
    """

    def __init__(self, seed=None):
        self.layers: list[Layer] = []
        self.net = Network(seed=seed)

    def add_layer(self, layer: Layer) -> None:
        """Append a layer; its ``n_input`` must equal the previous layer's ``n_output``."""
        if not isinstance(layer, Layer):
            raise TypeError(f"layer must be a chainrule.seed.Layer, got {type(layer).__name__}")
        self.net.add(layer.dense)
        self.layers.append(layer)

    def feed_forward(self, X):
        """Network output for ``X`` ``(N, n_input)``, or for one sample ``(n_input,)``."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            return self.net.output(X.reshape(1, -1))[0]
        return self.net.output(X)

    def _step_size(self, learning_rate):
        # NOTE: the blog's error term -(y - output) is the gradient of 0.5 * sum_k (o_k - y_k)^2;
        # the engine's mse is mean_k (o_k - y_k)^2, whose gradient is 2/K times smaller.
        return check_real("learning_rate", learning_rate, 0, low_open=True) * self.net.n_out / 2

    def back_propagation(self, X, y, learning_rate):
        """One gradient step on a sample ``X`` ``(n_input,)`` with one-hot target ``y``.

        A batch ``(N, n_input)`` with targets ``(N, n_output)`` takes one step on the
        batch's mean loss.
        """
        X = self.net.check_X(np.atleast_2d(np.asarray(X, dtype=float)))
        T = np.atleast_2d(np.asarray(y, dtype=float))
        if T.shape != (len(X), self.net.n_out):
            raise ValueError(
                f"y must be one-hot targets of shape {(len(X), self.net.n_out)}, got {T.shape}"
            )
        self.net.loss_and_gradient(X, T, LOSSES["mse"])
        optimizer = SGD(self._step_size(learning_rate))
        optimizer.setup(self.net.params)
        optimizer.step(self.net.params, self.net.grads)

    def train(self, X_train, X_test, y_train, y_test, learning_rate, max_epochs):
        """Per-sample SGD for ``max_epochs`` epochs, printing the blog's per-epoch lines.

        Returns
        -------
        train_mses, test_mses, train_accs, test_accs : list of float
            Per-epoch MSE on the one-hot targets and accuracy in percent, as in the blog.
        """
        max_epochs = check_int("max_epochs", max_epochs, 1)
        lr = self._step_size(learning_rate)
        mse = LOSSES["mse"]
        X_train = self.net.check_X(X_train, name="X_train")
        X_test = self.net.check_X(X_test, name="X_test")
        y_train = check_y(y_train, len(X_train), name="y_train")
        y_test = check_y(y_test, len(X_test), name="y_test")
        if y_train.ndim != 1 or y_test.ndim != 1:
            raise ValueError("y_train and y_test must be 1-D arrays of class labels")
        self.net.encode_targets(y_train, mse, fit=True, name="y_train")
        T_test = self.net.encode_targets(y_test, mse, name="y_test")
        T_train = self.net.encode_targets(y_train, mse, name="y_train")
        train_mses, test_mses, train_accs, test_accs = [], [], [], []
        for i in range(max_epochs):
            self.net.fit(X_train, y_train, epochs=1, batch_size=1, optimizer=SGD(lr),
                         loss=mse, shuffle=False)
            train_mse = mse.value(self.net.output(X_train), T_train)
            test_mse = mse.value(self.net.output(X_test), T_test)
            train_acc = self.accuracy(self.predict(X_train), y_train) * 100
            test_acc = self.accuracy(self.predict(X_test), y_test) * 100
            train_mses.append(train_mse)
            test_mses.append(test_mse)
            train_accs.append(train_acc)
            test_accs.append(test_acc)
            print(f"Epoch #{i}:")
            print(f"  Train MSE: {train_mse:.4f}, Accuracy: {train_acc:.2f}%")
            print(f"  Valid MSE: {test_mse:.4f}, Accuracy: {test_acc:.2f}%")
        return train_mses, test_mses, train_accs, test_accs

    @staticmethod
    def accuracy(y_predict, y_test):
        """Fraction of equal entries."""
        y_predict, y_test = np.asarray(y_predict), np.asarray(y_test)
        if y_predict.shape != y_test.shape or y_test.size == 0:
            raise ValueError(
                f"y_predict and y_test must have the same non-empty shape, got "
                f"{y_predict.shape} and {y_test.shape}"
            )
        return float(np.mean(y_predict == y_test))

    def predict(self, X_predict):
        """Predicted class labels (the labels seen in ``train``; indices before training)."""
        return self.net.predict(X_predict)
