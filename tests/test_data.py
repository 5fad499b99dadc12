"""Datasets: the blog's exact data, generators, real data, CSV files and their errors."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    CLASSIFICATION_2D,
    DATASETS,
    FEATURES,
    REGRESSION,
    TRAINING_DEFAULTS,
    DataError,
    Dataset,
    load_dataset,
)

GENERATED = [name for name, spec in DATASETS.items() if spec.generated]
REAL = [name for name, spec in DATASETS.items() if not spec.generated]


def _net(ds, hidden, act="relu", seed=0):
    sizes = [ds.n_features, *hidden]
    layers = [cr.Dense(a, b, act) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    if ds.classes is not None:
        layers.append(cr.Dense(sizes[-1], ds.n_classes, "softmax"))
    else:
        layers.append(cr.Dense(sizes[-1], 1, "linear"))
    return cr.Network(layers, seed=seed)


# ---------------------------------------------------------------------------- built-ins


def test_default_moons_is_the_blogs_data_and_split(moons_split):
    ds = load_dataset("moons")
    for ours, blogs in zip((ds.X_train, ds.X_test, ds.y_train, ds.y_test), moons_split,
                           strict=True):
        np.testing.assert_array_equal(ours, blogs)
    np.testing.assert_array_equal(ds.raw_train, moons_split[0])
    assert ds.X_train.dtype == np.float64
    assert ds.feature_names == ["x1", "x2"]
    assert ds.classes.tolist() == [0, 1]
    assert (ds.n_features, ds.n_classes, ds.is_2d, ds.task) == (2, 2, True, "classification")


@pytest.mark.parametrize("name", GENERATED)
def test_generated_datasets_shapes_determinism_and_seed(name):
    ds = load_dataset(name, n_samples=200)
    assert len(ds.X_train) + len(ds.X_test) == 200
    assert len(ds.X_test) == 60  # test_size 0.3
    assert ds.X_train.dtype == np.float64 and np.all(np.isfinite(ds.X_train))
    assert ds.task == DATASETS[name].task
    assert ds.is_2d
    again = load_dataset(name, n_samples=200)
    np.testing.assert_array_equal(ds.X_train, again.X_train)
    np.testing.assert_array_equal(ds.y_train, again.y_train)
    other = load_dataset(name, n_samples=200, seed=7)
    assert not np.array_equal(ds.raw_train, other.raw_train)
    if name in CLASSIFICATION_2D:
        assert ds.classes.tolist() == list(range(DATASETS[name].classes))
        assert set(np.unique(ds.y_train)) == set(ds.classes)
    else:
        assert ds.classes is None and ds.n_classes is None
        assert ds.y_train.dtype == np.float64


def test_generators_do_not_touch_the_global_random_state():
    # The legacy global generator is touched here on purpose: the library must not touch it.
    np.random.seed(123)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    for name in GENERATED:
        load_dataset(name, n_samples=50)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_noise_free_targets_follow_their_formulas():
    sine = load_dataset("sine", n_samples=100, noise=0.0)
    np.testing.assert_allclose(sine.y_train, np.sin(sine.raw_train[:, 0]))
    assert sine.n_raw == 1 and sine.is_2d and sine.feature_names == ["x"]
    plane = load_dataset("plane", n_samples=100, noise=0.0)
    np.testing.assert_allclose(plane.y_train, plane.raw_train.sum(axis=1) / 2)
    xor = load_dataset("xor", n_samples=400, noise=0.0)
    signs = np.sign(xor.raw_train[:, 0] * xor.raw_train[:, 1])
    np.testing.assert_array_equal(xor.y_train, (signs < 0).astype(int))
    assert np.min(np.abs(xor.raw_train)) >= 0.1  # kept off the axes


@pytest.mark.parametrize(("name", "k"), [("spiral", 3), ("spiral", 5), ("blobs", 4)])
def test_class_count_is_chosen_and_balanced(name, k):
    ds = load_dataset(name, classes=k, n_samples=10 * k + 1)
    y = np.concatenate([ds.y_train, ds.y_test])
    assert ds.n_classes == k
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_spiral_arms_are_spirals():
    ds = load_dataset("spiral", classes=3, noise=0.0)
    R = np.vstack([ds.raw_train, ds.raw_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    r = np.hypot(R[:, 0], R[:, 1])
    theta = np.arctan2(R[:, 1], R[:, 0])
    # Noise-free arm j lies on theta = 2 pi (j / 3 + 1.25 r) (mod 2 pi).
    expected = 2 * np.pi * (y / 3 + 1.25 * r)
    np.testing.assert_allclose(np.cos(theta - expected), 1, atol=1e-9)
    assert r.min() >= 0.15 - 1e-12 and r.max() <= 1 + 1e-12


@pytest.mark.parametrize("name", REAL)
def test_real_datasets_load_without_network_and_split_stratified(name):
    ds = load_dataset(name)
    n = len(ds.X_train) + len(ds.X_test)
    assert n == {"digits": 1797, "iris": 150, "wine": 178, "breast_cancer": 569,
                 "diabetes": 442}[name]
    assert len(ds.feature_names) == ds.n_features == ds.n_raw
    assert not ds.is_2d
    if name == "diabetes":
        assert ds.task == "regression" and ds.classes is None
        return
    assert ds.task == "classification"
    # Stratified: every class's share of the test split is within one row of the whole's.
    y = np.concatenate([ds.y_train, ds.y_test])
    for c in ds.classes:
        share = np.mean(y == c) * len(ds.y_test)
        assert abs(np.sum(ds.y_test == c) - share) <= 1


def test_digits_are_scaled_to_unit_range():
    ds = load_dataset("digits")
    assert ds.raw_train.max() == 16
    np.testing.assert_array_equal(ds.X_train, ds.raw_train / 16)
    assert ds.n_features == 64 and ds.n_classes == 10


def test_digits_reach_96_percent_test_accuracy():
    d = TRAINING_DEFAULTS["digits"]
    ds = load_dataset("digits", standardize=d["standardize"])
    net = _net(ds, d["hidden"], d["activation"])
    net.fit(ds.X_train, ds.y_train, epochs=d["epochs"], batch_size=d["batch_size"],
            optimizer=cr.Adam(lr=d["lr"]), seed=0)
    assert net.evaluate(ds.X_test, ds.y_test)["accuracy"] >= 0.96


def test_three_arm_spiral_reaches_95_percent_at_default_noise():
    d = TRAINING_DEFAULTS["spiral"]
    ds = load_dataset("spiral", classes=3)
    net = _net(ds, d["hidden"], d["activation"])
    hist = net.fit(ds.X_train, ds.y_train, epochs=d["epochs"], batch_size=d["batch_size"],
                   optimizer=cr.Adam(lr=d["lr"]), validation_data=(ds.X_test, ds.y_test),
                   seed=0)
    assert hist.history["val_accuracy"][-1] >= 0.95


@pytest.mark.parametrize("name", ["wine", "diabetes"])
def test_training_defaults_learn_real_data(name):
    d = TRAINING_DEFAULTS[name]
    ds = load_dataset(name, standardize=d["standardize"])
    net = _net(ds, d["hidden"], d["activation"])
    net.fit(ds.X_train, ds.y_train, epochs=d["epochs"], batch_size=d["batch_size"],
            optimizer=cr.Adam(lr=d["lr"]), seed=0)
    score = net.evaluate(ds.X_test, ds.y_test)
    if name == "wine":
        assert score["accuracy"] >= 0.9
    else:  # standardized target: predicting the mean scores ~0.8
        assert score["mae"] < 0.65


# ---------------------------------------------------------------------------- scaling, features


def test_standardize_fits_on_train_only_and_transform_repeats_it():
    ds = load_dataset("moons", standardize=True)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1)
    mean, std = ds.raw_train.mean(axis=0), ds.raw_train.std(axis=0)
    np.testing.assert_allclose(ds.X_test, (ds.raw_test - mean) / std)
    np.testing.assert_allclose(ds.transform(ds.raw_test), ds.X_test)


def test_constant_columns_survive_standardization():
    ds = load_dataset("digits", standardize=True)  # corner pixels are always 0
    assert np.all(np.isfinite(ds.X_train))
    assert np.any(ds.raw_train.std(axis=0) == 0)


def test_regression_target_standardization_round_trips():
    plain = load_dataset("diabetes")
    ds = load_dataset("diabetes", standardize=True)
    assert ds.y_train.mean() == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(ds.inverse_target(ds.y_test), plain.y_test)
    kept = load_dataset("diabetes", standardize=True, standardize_target=False)
    np.testing.assert_array_equal(kept.y_train, plain.y_train)


def test_features_expand_2d_data_and_transform_matches():
    names = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert list(FEATURES) == names
    ds = load_dataset("circles", n_samples=100, features=names)
    R = ds.raw_train
    expected = np.column_stack([R[:, 0], R[:, 1], R[:, 0] ** 2, R[:, 1] ** 2,
                                R[:, 0] * R[:, 1], np.sin(R[:, 0]), np.sin(R[:, 1])])
    np.testing.assert_allclose(ds.X_train, expected)
    assert ds.feature_names == names and ds.n_features == 7 and ds.n_raw == 2
    scaled = load_dataset("circles", n_samples=100, features=["x1^2", "x2^2"], standardize=True)
    np.testing.assert_allclose(scaled.transform(scaled.raw_test), scaled.X_test)
    np.testing.assert_allclose(scaled.X_train.mean(axis=0), 0, atol=1e-12)


def test_squared_features_make_circles_linearly_separable():
    ds = load_dataset("circles", features=["x1^2", "x2^2"], noise=0.05)
    net = cr.Network([cr.Dense(2, 2, "softmax")], seed=0)
    net.fit(ds.X_train, ds.y_train, epochs=40, optimizer=cr.Adam(lr=0.05), seed=0)
    assert net.evaluate(ds.X_test, ds.y_test)["accuracy"] >= 0.97


# ---------------------------------------------------------------------------- argument errors


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        (dict(name="mooons"), ValueError, ["dataset must be one of", "'blobs'", "'mooons'"]),
        (dict(name="moons", n_samples=5), ValueError, ["n_samples", ">= 10", "5"]),
        (dict(name="moons", n_samples=2.5), TypeError, ["n_samples", "integer", "2.5"]),
        (dict(name="moons", noise=-0.1), ValueError, ["noise", ">= 0", "-0.1"]),
        (dict(name="moons", classes=3), ValueError, ["classes", "'moons'", "always 2", "3"]),
        (dict(name="sine", classes=3), ValueError, ["classes", "regression", "3"]),
        (dict(name="spiral", classes=1), ValueError, ["classes", ">= 2", "1"]),
        (dict(name="spiral", classes=8, n_samples=12), ValueError, ["n_samples", "16", "12"]),
        (dict(name="moons", test_size=1.5), ValueError, ["test_size", "< 1", "1.5"]),
        (dict(name="moons", test_size=0), ValueError, ["test_size", "> 0", "0"]),
        (dict(name="moons", seed=-1), ValueError, ["seed", ">= 0", "-1"]),
        (dict(name="moons", standardize="yes"), TypeError, ["standardize", "True or False"]),
        (dict(name="digits", n_samples=100), ValueError, ["n_samples", "'digits'", "100"]),
        (dict(name="iris", noise=0.1), ValueError, ["noise", "'iris'", "0.1"]),
        (dict(name="moons", target="y"), ValueError, ["target", "CSV", "'y'"]),
        (dict(name="moons", task="regression"), ValueError, ["task", "'classification'"]),
        (dict(name="moons", task="cluster"), ValueError, ["task must be one of", "'cluster'"]),
        (dict(name="moons", features=["x1", "x3"]), ValueError,
         ["features", "'sin(x1)'", "'x3'"]),
        (dict(name="moons", features=["x1", "x1"]), ValueError, ["features", "repeat", "'x1'"]),
        (dict(name="moons", features=[]), ValueError, ["features", "at least one"]),
        (dict(name="moons", features="x1"), TypeError, ["features", "list"]),
        (dict(name="digits", features=["x1"]), ValueError, ["features", "2-D", "64"]),
        (dict(name="sine", features=["x1"]), ValueError, ["features", "2-D", "'sine'"]),
    ],
)
def test_argument_errors_name_parameter_rule_and_value(kwargs, exc, words):
    with pytest.raises(exc) as info:
        load_dataset(**kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_transform_checks_the_raw_width():
    ds = load_dataset("moons", n_samples=50)
    with pytest.raises(ValueError, match=r"raw must have shape \(N, 2\).*\(4, 3\)"):
        ds.transform(np.zeros((4, 3)))


# ---------------------------------------------------------------------------- CSV files


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _csv_rows(n=40, seed=0, labels=("a", "b")):
    rng = np.random.default_rng(seed)
    lines = ["height,weight,species"]
    for i in range(n):
        lines.append(f"{rng.normal():.4f},{rng.normal():.4f},{labels[i % len(labels)]}")
    return "\n".join(lines) + "\n"


def test_csv_with_string_labels_is_split_stratified(tmp_path):
    path = _write(tmp_path, _csv_rows(40))
    ds = load_dataset(str(path))
    assert isinstance(ds, Dataset)
    assert ds.task == "classification"
    assert ds.classes.tolist() == ["a", "b"]
    assert ds.feature_names == ["height", "weight"] and ds.target_name == "species"
    assert len(ds.X_test) == 12
    assert np.sum(ds.y_test == "a") == np.sum(ds.y_test == "b") == 6
    # The engine trains on string labels directly.
    net = cr.Network([cr.Dense(2, 4, "relu"), cr.Dense(4, 2, "softmax")], seed=0)
    net.fit(ds.X_train, ds.y_train, epochs=2)
    assert set(net.predict(ds.X_test)) <= {"a", "b"}


def test_csv_target_column_by_name_and_numeric_labels(tmp_path):
    path = _write(tmp_path, "label,x1,x2\n" + "".join(
        f"{i % 3},{i * 0.5},{-i}\n" for i in range(30)))
    ds = load_dataset(path, target="label", standardize=True)
    assert ds.target_name == "label" and ds.feature_names == ["x1", "x2"]
    assert ds.classes.tolist() == [0, 1, 2] and ds.y_train.dtype.kind == "i"
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)
    assert ds.is_2d  # two feature columns: 2-D plots and features work
    load_dataset(path, target="label", features=["x1", "x1*x2"])


def test_csv_real_valued_target_is_regression(tmp_path):
    path = _write(tmp_path, "a,b,price\n" + "".join(
        f"{i},{i % 7},{i * 1.25 + 0.1}\n" for i in range(20)))
    ds = load_dataset(path)
    assert ds.task == "regression" and ds.classes is None
    assert ds.y_train.dtype == np.float64
    as_classes = _write(tmp_path, "a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(20)),
                        name="cls.csv")
    assert load_dataset(as_classes).task == "classification"
    assert load_dataset(as_classes, task="regression").task == "regression"


def test_csv_tolerates_blank_lines_spaces_and_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffx, y ,c\n1, 2,a\n\n3,4 ,b\n5,6,a\n7,8,b\n".encode())
    ds = load_dataset(path, test_size=0.5)
    assert ds.feature_names == ["x", "y"]
    assert sorted(ds.raw_train[:, 0].tolist() + ds.raw_test[:, 0].tolist()) == [1, 3, 5, 7]


@pytest.mark.parametrize(
    ("text", "kwargs", "words"),
    [
        ("", {}, ["empty"]),
        ("\n\n", {}, ["empty"]),
        ("x,y,c\n", {}, ["no data rows", "row 1"]),
        ("x,y,c\n1,2,a\n3,4\n5,6,b\n", {}, ["row 3", "2 fields", "expected 3"]),
        ("x,y,c\n1,2,a\n3,4,b,9\n", {}, ["row 3", "4 fields"]),
        ("x,y,c\n1,2,a\n3,oops,b\n", {}, ["row 3", "column 'y'", "column 2", "'oops'"]),
        ("x,y,c\n1,2,a\n3,,b\n", {}, ["row 3", "column 'y'", "empty cell"]),
        ("x,y,c\n1,nan,a\n3,4,b\n", {}, ["row 2", "column 'y'", "'nan'", "finite"]),
        ("x,y,c\n1,2,a\n3,4,b\n", {"target": "label"},
         ["target column 'label'", "['x', 'y', 'c']"]),
        ("x,y,c\n1,2,a\n3,4,a\n5,6,a\n", {}, ["column 'c'", "only one class", "'a'"]),
        ("x,y,c\n1,2,a\n3,4,\n", {}, ["row 3", "column 'c'", "empty target"]),
        ("x,y,c\n1,2,a\n3,4,b\n5,6,b\n7,8,a\n9,9,c\n", {},
         ["row 6", "column 'c'", "class 'c'", "only 1 row"]),
        ("x,,c\n1,2,a\n", {}, ["row 1", "column 2", "empty column name"]),
        ("x,x,c\n1,2,a\n", {}, ["row 1", "column 2", "duplicate", "'x'"]),
        ("c\n1\n2\n", {}, ["row 1", "at least one feature"]),
        ("x,v\n1,2.5\n2,oops\n3,4\n", {"task": "regression"}, ["row 3", "column 'v'", "'oops'"]),
        ("x,c\n1,0.5\n2,1\n3,0\n", {"task": "classification"},
         ["row 2", "column 'c'", "whole numbers", "'0.5'"]),
        ('x,c\n1,"a\n', {}, ["row", "malformed"]),
    ],
)
def test_bad_csv_gives_one_line_naming_file_row_and_column(tmp_path, text, kwargs, words):
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_dataset(str(path), **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for word in words:
        assert word in message, (word, message)


def test_missing_csv_and_folder_and_binary_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        load_dataset(str(tmp_path / "nope.csv"))
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match="folder"):
        load_dataset(str(tmp_path / "dir.csv"))
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="UTF-8"):
        load_dataset(binary)


def test_csv_only_parameters_are_refused_for_csv(tmp_path):
    path = _write(tmp_path, _csv_rows(10))
    with pytest.raises(ValueError, match=r"n_samples applies only to generated.*500"):
        load_dataset(path, n_samples=500)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
    assert set(REGRESSION) <= set(DATASETS)
