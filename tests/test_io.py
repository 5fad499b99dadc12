"""Model files: safetensors round trips, atomic writes, and damaged or hostile files."""

import json
import pathlib

import numpy as np
import pytest
from safetensors.numpy import save as st_save

import chainrule as cr
from chainrule import io as cio


def trained(dtype="float64", labels=("no", "yes")):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.array(labels)[(X[:, 0] > 0).astype(int)]
    net = cr.Network([cr.Dense(2, 6, "tanh"), cr.Dense(6, 2, "softmax")], seed=1, dtype=dtype)
    net.fit(X, y, epochs=5, optimizer=cr.Adam(0.05))
    return net, X


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip(tmp_path, dtype):
    net, X = trained(dtype)
    path = net.save(tmp_path / "m.safetensors", metadata={"note": "hi"})
    net2 = cr.load(path)
    assert net2.dtype == net.dtype
    np.testing.assert_array_equal(net2.params, net.params)
    np.testing.assert_array_equal(net2.predict(X), net.predict(X))
    assert list(net2.classes_) == ["no", "yes"] and net2.loss_.name == "cross_entropy"
    assert net2.metadata == {"note": "hi"}
    assert [repr(a) for a in net2.layers] == [repr(a) for a in net.layers]


def test_integer_classes_and_regression(tmp_path):
    net, X = trained(labels=(3, 7))
    net2 = cr.load(net.save(tmp_path / "a.safetensors"))
    assert net2.predict(X).tolist() == net.predict(X).tolist()
    assert net2.classes_.dtype.kind == "i"
    reg = cr.Network([cr.Dense(1, 3, "tanh"), cr.Dense(3, 1)], seed=0)
    reg.fit(np.linspace(0, 1, 10).reshape(-1, 1), np.linspace(0, 1, 10), epochs=2)
    reg2 = cr.load(reg.save(tmp_path / "r.safetensors"))
    assert reg2.classes_ is None
    np.testing.assert_array_equal(reg2.predict([[0.5]]), reg.predict([[0.5]]))


def test_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    net, _ = trained()
    path = net.save(tmp_path / "m.safetensors")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pathlib.Path, "write_bytes", crash)
    net.params[:] = 0
    with pytest.raises(OSError, match="disk full"):
        net.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_custom_activation_cannot_be_saved(tmp_path):
    act = cr.Activation("cube", lambda Z: Z**3, lambda A, dA: dA)
    net = cr.Network([cr.Dense(2, 2, act)], seed=0)
    with pytest.raises(ValueError, match="custom activation 'cube'"):
        net.save(tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def _write(tmp_path, tensors, header):
    path = tmp_path / "bad.safetensors"
    meta = None if header is None else {"chainrule": json.dumps(header)}
    path.write_bytes(st_save(tensors, metadata=meta))
    return path


def good_header():
    return {"format": "chainrule", "version": 1, "dtype": "float64",
            "layers": [{"n_in": 2, "n_out": 2, "activation": "relu", "init": "he"}],
            "classes": None, "loss": None, "user": {}}


def good_tensors():
    return {"layers.0.W": np.ones((2, 2)), "layers.0.b": np.zeros(2)}


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda t, h: (t, None), "no chainrule metadata"),
        (lambda t, h: (t, {**h, "version": 99}), "format version 99 is not supported"),
        (lambda t, h: (t, {**h, "dtype": "float16"}), "dtype must be one of"),
        (lambda t, h: (t, {**h, "layers": [{"n_in": 2**40, "n_out": 2, "activation": "relu",
                                             "init": "he"}]}), r"expected \(1099511627776, 2\)"),
        (lambda t, h: (t, {**h, "layers": [{"n_in": -2, "n_out": 2, "activation": "relu",
                                             "init": "he"}]}), "bad sizes"),
        (lambda t, h: (t, {**h, "layers": [{"n_in": 2, "n_out": 2, "activation": "evil",
                                             "init": "he"}]}), "unknown activation"),
        (lambda t, h: ({"layers.0.W": np.ones((3, 2)), "layers.0.b": np.zeros(2)}, h),
         r"tensor layers.0.W has shape \(3, 2\)"),
        (lambda t, h: ({"layers.0.W": np.ones((2, 2), np.float32), "layers.0.b": np.zeros(2)},
                       h), "dtype float32"),
        (lambda t, h: ({"layers.0.W": np.full((2, 2), np.nan), "layers.0.b": np.zeros(2)}, h),
         "holds NaN or inf"),
        (lambda t, h: ({"layers.0.W": np.ones((2, 2))}, h), "do not match the layers"),
        (lambda t, h: (t, {**h, "classes": {"values": [0, 1, 2]}}),
         "do not match the output layer"),
        (lambda t, h: (t, {**h, "classes": {"values": [0, [1]]}}), "do not match the output"),
        (lambda t, h: (t, {**h, "classes": ["a", "b"]}), "do not match the output layer"),
        (lambda t, h: (t, {**h, "loss": ["mse"]}), r"unknown loss \['mse'\]"),
        (lambda t, h: (t, {**h, "dtype": ["float64"]}), "dtype must be one of"),
        (lambda t, h: (t, {**h, "user": [1]}), "metadata 'user' must be an object"),
        (lambda t, h: (t, {**h, "layers": [{"n_in": True, "n_out": 2, "activation": "relu",
                                             "init": "he"}]}), "bad sizes"),
        (lambda t, h: (t, {**h, "layers": [{"n_in": 2, "n_out": 2, "activation": ["relu"],
                                             "init": "he"}]}), "unknown activation"),
        (lambda t, h: (t, {**h, "layers": "relu"}), "no layers"),
    ],
)
def test_bad_model_files_raise_one_documented_error(tmp_path, mutate, match):
    tensors, header = mutate(good_tensors(), good_header())
    path = _write(tmp_path, tensors, header)
    with pytest.raises(cr.ModelFileError, match=match):
        cr.load(path)


def test_tiny_file_cannot_ask_for_a_huge_network(tmp_path):
    # a 2**20 x 2**20 layer would need 8 TiB: refused from the tensors' shapes, unallocated
    header = {**good_header(), "layers": [{"n_in": 2**20, "n_out": 2**20, "activation": "relu",
                                           "init": "he"}]}
    path = _write(tmp_path, good_tensors(), header)
    assert path.stat().st_size < 1000
    with pytest.raises(cr.ModelFileError, match=r"tensor layers.0.W has shape \(2, 2\)"):
        cr.load(path)


def test_non_finite_weights_are_not_saved(tmp_path):
    net, _ = trained()
    net.params[0] = np.inf
    with pytest.raises(ValueError, match="hold NaN or inf; refusing to save"):
        net.save(tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_good_handwritten_file_loads(tmp_path):
    net = cr.load(_write(tmp_path, good_tensors(), good_header()))
    np.testing.assert_array_equal(net.layers[0].W, np.ones((2, 2)))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00" * 4, (2**62).to_bytes(8, "little") + b"{}", b"\x10\x00\x00\x00\x00\x00\x00"
     b"\x00not json at all", b"garbage" * 50],
)
def test_damaged_bytes(tmp_path, data):
    path = tmp_path / "x.safetensors"
    path.write_bytes(data)
    with pytest.raises(cr.ModelFileError):
        cr.load(path)


def test_truncated_real_file(tmp_path):
    net, _ = trained()
    path = net.save(tmp_path / "m.safetensors")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(cr.ModelFileError, match="damaged"):
        cr.load(path)
    with pytest.raises(cr.ModelFileError, match="not found"):
        cr.load(tmp_path / "missing.safetensors")
    assert issubclass(cio.ModelFileError, ValueError)


def test_no_pickle_in_the_package():
    src = pathlib.Path(cr.__file__).parent
    for py in src.rglob("*.py"):
        text = py.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, py
