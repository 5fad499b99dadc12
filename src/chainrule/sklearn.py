"""scikit-learn estimators over the chainrule engine, with scikit-learn's parameter names.

>>> from chainrule.sklearn import MLPClassifier
>>> clf = MLPClassifier(hidden_layer_sizes=(25, 50, 25), random_state=0).fit(X, y)

They work in pipelines, grid searches and ``cross_val_score`` and pass scikit-learn's own
estimator checks (``tests/test_sklearn.py``). The maths is the engine's; this module only
translates parameters and data.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_real
from .layers import Dense
from .network import Network
from .optim import SGD, Adam, RMSprop
from .train import EarlyStopping

#: sklearn's activation names -> ours
_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
                "leaky_relu": "leaky_relu"}


class _BaseMLP(BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 momentum=0.9, nesterovs_momentum=True, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, dtype="float64"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.dtype = dtype

    # ------------------------------------------------------------------ helpers
    def _hidden(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = [sizes]
        sizes = list(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1
               for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}"
            )
        return [int(s) for s in sizes]

    def _optimizer(self, batch_size):
        lr = check_real("learning_rate_init", self.learning_rate_init, 0, low_open=True)
        alpha = check_real("alpha", self.alpha, 0)
        # NOTE: scikit-learn adds alpha * W / batch_size to the batch-mean gradient.
        decay = alpha / batch_size
        if self.solver == "adam":
            return Adam(lr, check_real("beta_1", self.beta_1, 0, 1, high_open=True),
                        check_real("beta_2", self.beta_2, 0, 1, high_open=True),
                        check_real("epsilon", self.epsilon, 0, low_open=True),
                        weight_decay=decay)
        if self.solver == "sgd":
            return SGD(lr, momentum=check_real("momentum", self.momentum, 0, 1, high_open=True),
                       nesterov=bool(self.nesterovs_momentum and self.momentum),
                       weight_decay=decay)
        if self.solver == "rmsprop":
            return RMSprop(lr, eps=check_real("epsilon", self.epsilon, 0, low_open=True),
                           weight_decay=decay)
        raise ValueError(f"solver must be one of ['adam', 'rmsprop', 'sgd'], got {self.solver!r}")

    def _fit_network(self, X, y, n_out, output, loss):
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}"
            )
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, numbers.Integral) \
                or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        n = len(X)
        if self.batch_size == "auto":
            batch_size = min(200, n)
        elif isinstance(self.batch_size, numbers.Integral) and self.batch_size >= 1:
            batch_size = min(int(self.batch_size), n)
        else:
            raise ValueError(f"batch_size must be 'auto' or a positive integer, "
                             f"got {self.batch_size!r}")
        sizes = [X.shape[1], *self._hidden(), n_out]
        act = _ACTIVATIONS[self.activation]
        # NOTE: Glorot for every layer, relu included, as scikit-learn initializes: its
        # smaller starting weights make the estimators converge like scikit-learn's own.
        layers = [Dense(a, b, act if i < len(sizes) - 2 else output, init="glorot")
                  for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]
        rng = np.random.default_rng(
            self.random_state if not isinstance(self.random_state, np.random.RandomState)
            else self.random_state.randint(2**31))
        net = Network(layers, seed=rng, dtype=self.dtype)
        callbacks = []
        validation = None
        if self.early_stopping:
            cut = max(1, int(round(self.validation_fraction * n)))
            perm = rng.permutation(n)
            val, train = perm[:cut], perm[cut:]
            validation = (X[val], y[val])
            X, y = X[train], y[train]
            callbacks.append(EarlyStopping("val_loss", patience=self.n_iter_no_change,
                                           min_delta=self.tol, restore_best_weights=True))
        else:
            callbacks.append(EarlyStopping("loss", patience=self.n_iter_no_change,
                                           min_delta=self.tol, restore_best_weights=False))
        history = net.fit(X, y, epochs=int(self.max_iter), batch_size=batch_size,
                optimizer=self._optimizer(batch_size), loss=loss, validation_data=validation,
                shuffle=self.shuffle, callbacks=callbacks, verbose=2 if self.verbose else 0,
                seed=rng)
        self.network_ = net
        self.loss_curve_ = history.history["loss"]
        self.n_iter_ = len(self.loss_curve_)
        self.loss_ = self.loss_curve_[-1]
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_out
        self.out_activation_ = output
        return self

    @property
    def coefs_(self):
        """Weight matrices, ``coefs_[i]`` of shape ``(n_in, n_out)`` of layer ``i``."""
        return [layer.W for layer in self.network_.layers]

    @property
    def intercepts_(self):
        """Bias vectors, ``intercepts_[i]`` of shape ``(n_out,)`` of layer ``i``."""
        return [layer.b for layer in self.network_.layers]

    def _dtype(self):
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be one of ['float32', 'float64'], got {self.dtype!r}")
        return np.dtype(self.dtype)

    def _validated_Xy(self, X, y):
        return validate_data(self, X, y, dtype=self._dtype(),
                             multi_output=isinstance(self, RegressorMixin))

    def _validated_X(self, X):
        check_is_fitted(self, "network_")
        return validate_data(self, X, reset=False, dtype=self._dtype())


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by chainrule's back-propagation.

    Parameters follow :class:`sklearn.neural_network.MLPClassifier` (``hidden_layer_sizes``,
    ``activation`` in {"identity", "logistic", "tanh", "relu"} plus "leaky_relu",
    ``solver`` in {"adam", "sgd"} plus "rmsprop", ``alpha``, ``batch_size``,
    ``learning_rate_init``, ``max_iter``, ``shuffle``, ``random_state``, ``tol``,
    ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ``momentum``,
    ``nesterovs_momentum``, ``beta_1``, ``beta_2``, ``epsilon``), plus ``dtype``.

    Two classes use one sigmoid unit with binary cross-entropy; more use softmax with
    cross-entropy. Fitted attributes: ``classes_``, ``n_features_in_``, ``loss_``,
    ``loss_curve_``, ``n_iter_``, ``coefs_``, ``intercepts_`` and ``network_`` (the
    :class:`chainrule.Network`).
    """

    def fit(self, X, y):
        """Train on ``X`` ``(n_samples, n_features)`` and labels ``y`` ``(n_samples,)``."""
        X, y = self._validated_Xy(X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"y must contain at least 2 classes, got 1 class: {classes.tolist()}"
            )
        if len(classes) == 2:
            out = self._fit_network(X, y, 1, "sigmoid", "binary_cross_entropy")
        else:
            out = self._fit_network(X, y, len(classes), "softmax", "cross_entropy")
        self.classes_ = self.network_.classes_
        return out

    def predict_proba(self, X):
        """Class probabilities ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        X = self._validated_X(X)
        return self.network_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels ``(n_samples,)``."""
        X = self._validated_X(X)
        return self.network_.predict(X)


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by chainrule's back-propagation.

    Same parameters as :class:`MLPClassifier`; a linear output layer with mean squared
    error, one unit per target column.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # one output unit per target column
        return tags

    def fit(self, X, y):
        """Train on ``X`` ``(n_samples, n_features)`` and ``y`` ``(n_samples,)`` or 2-D."""
        X, y = self._validated_Xy(X, y)
        y = np.asarray(y, dtype=X.dtype)
        n_out = 1 if y.ndim == 1 else y.shape[1]
        return self._fit_network(X, y, n_out, "linear", "mse")

    def predict(self, X):
        """Predicted values ``(n_samples,)`` (or ``(n_samples, n_outputs)``)."""
        X = self._validated_X(X)
        return self.network_.predict(X)
