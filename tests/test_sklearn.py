"""The scikit-learn estimators: scikit-learn's own checks, and use in its tools."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule.sklearn import MLPClassifier, MLPRegressor


@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0),
                          MLPRegressor(hidden_layer_sizes=(16,), max_iter=200, random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_classifier_on_moons(moons_split):
    Xtr, Xte, ytr, yte = moons_split
    clf = MLPClassifier(hidden_layer_sizes=(25, 50, 25), learning_rate_init=0.01,
                        batch_size=32, max_iter=60, random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.96
    assert clf.n_iter_ == len(clf.loss_curve_) <= 60
    assert clf.predict_proba(Xte).shape == (300, 2)
    assert [W.shape for W in clf.coefs_] == [(2, 25), (25, 50), (50, 25), (25, 1)]
    assert clf.network_.layers[-1].activation.name == "sigmoid"


def test_multiclass_string_labels_in_a_grid_search():
    X, y = load_digits(return_X_y=True)
    names = np.array(list("abcdefghij"))[y]
    Xtr, Xte, ytr, yte = train_test_split(X, names, test_size=0.3, random_state=0, stratify=y)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=30, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(32,), (64,)]}, cv=2)
    grid.fit(Xtr, ytr)
    assert grid.score(Xte, yte) >= 0.94
    assert set(grid.predict(Xte)) <= set("abcdefghij")


def test_regressor_multi_output_and_cross_val():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 3))
    Y = np.column_stack([X[:, 0] * X[:, 1], np.sin(2 * X[:, 2])])
    reg = MLPRegressor(hidden_layer_sizes=(32, 32), activation="tanh", learning_rate_init=0.01,
                       batch_size=32, max_iter=300, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (300, 2)
    assert reg.score(X, Y) > 0.9
    scores = cross_val_score(MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                          max_iter=100, random_state=0), X, Y[:, 1], cv=3)
    assert scores.mean() > 0.5


def test_same_random_state_same_model(moons_split):
    Xtr, _, ytr, _ = moons_split
    a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=3).fit(Xtr, ytr)
    b = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=3).fit(Xtr, ytr)
    c = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=4).fit(Xtr, ytr)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    assert not np.allclose(a.network_.params, c.network_.params)


def test_pickled_network_keeps_one_flat_buffer(moons_split):
    # scikit-learn and joblib persist estimators with pickle; the layers must come back as
    # views into the network's buffers, not loose copies
    Xtr, Xte, ytr, _ = moons_split
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(Xtr, ytr)
    clone = pickle.loads(pickle.dumps(clf))  # noqa: S301 - our own object
    net = clone.network_
    assert all(np.shares_memory(layer.W, net.params) for layer in net.layers)
    np.testing.assert_array_equal(clone.predict_proba(Xte), clf.predict_proba(Xte))
    net.params[:] = 0
    assert not clone.coefs_[0].any()


def test_early_stopping_and_float32(moons_split):
    Xtr, Xte, ytr, yte = moons_split
    clf = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=500,
                        n_iter_no_change=5, learning_rate_init=0.01, random_state=0,
                        dtype="float32").fit(Xtr, ytr)
    assert clf.n_iter_ < 500
    assert clf.network_.params.dtype == np.float32
    assert clf.predict_proba(Xte).dtype == np.float32


@pytest.mark.parametrize(
    "params, match",
    [
        ({"activation": "rlu"}, r"activation must be one of \['identity', 'leaky_relu', "
                                r"'logistic', 'relu', 'tanh'\], got 'rlu'"),
        ({"solver": "lbfgs"}, r"solver must be one of \['adam', 'rmsprop', 'sgd'\], got 'lbfgs'"),
        ({"hidden_layer_sizes": (0,)}, r"hidden_layer_sizes must be positive integers"),
        ({"batch_size": 0}, r"batch_size must be 'auto' or a positive integer, got 0"),
        ({"max_iter": 0}, r"max_iter must be a positive integer, got 0"),
        ({"dtype": "float16"}, r"dtype must be one of \['float32', 'float64'\]"),
        ({"learning_rate_init": -1.0}, r"learning_rate_init must be a finite number > 0"),
        ({"alpha": -1.0}, r"alpha must be a finite number >= 0, got -1.0"),
        ({"solver": "sgd", "momentum": 1.5}, r"momentum must be a finite number >= 0 and < 1"),
    ],
)
def test_bad_parameters(params, match):
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**params).fit(X, y)
