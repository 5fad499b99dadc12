"""The web playground's JSON API (chainrule.playground), through Starlette's test client."""

import argparse
import importlib.util
import socket
import sys

import numpy as np
import pytest

pytest.importorskip("starlette")
if not (importlib.util.find_spec("httpx2") or importlib.util.find_spec("httpx")):
    pytest.skip("starlette's TestClient needs httpx2 (or httpx)", allow_module_level=True)

from starlette.testclient import TestClient  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.cli import CLIError  # noqa: E402
from chainrule.cli import playground as cli_playground  # noqa: E402
from chainrule.data import load_dataset  # noqa: E402
from chainrule.playground import LIMITS, create_app  # noqa: E402

SMALL = {"n_samples": 200, "hidden": [8], "seed": 0}


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def create(client, **settings):
    r = client.post("/api/session", json=settings)
    assert r.status_code == 200, r.text
    return r.json()


def step(client, sid, epochs=1):
    r = client.post(f"/api/session/{sid}/step", json={"epochs": epochs})
    assert r.status_code == 200, r.text
    return r.json()


def test_catalogue_lists_2d_datasets_features_and_caps(client):
    r = client.get("/api/datasets")
    assert r.status_code == 200
    cat = r.json()
    names = [d["name"] for d in cat["datasets"]]
    assert names[:6] == ["moons", "circles", "xor", "spiral", "gaussian", "blobs"]
    assert {"plane", "gauss"} <= set(names) and "digits" not in names
    assert "sin(x1)" in cat["features"] and "softmax" not in cat["activations"]
    assert cat["optimizers"] == ["adam", "rmsprop", "sgd"]
    assert cat["limits"]["max_samples"] == 2000 and cat["limits"]["max_units"] == 64
    assert cat["limits"]["max_layers"] == 6


def test_create_returns_points_network_and_epoch_zero(client):
    d = create(client, dataset="moons", n_samples=200, test_size=0.25, hidden=[8, 4])
    assert d["id"] and d["settings"]["hidden"] == [8, 4]
    ds = d["dataset"]
    assert len(ds["train"]["x"]) == 150 and len(ds["test"]["x"]) == 50
    assert set(ds["train"]["y"]) == {0, 1} and ds["n_classes"] == 2
    assert np.asarray(ds["train"]["x"]).shape == (150, 2)
    assert d["network"]["sizes"] == [2, 8, 4, 2]
    assert d["network"]["activations"] == ["relu", "relu", "softmax"]
    state = d["state"]
    assert state["epoch"] == 0 and state["last"] == {} and state["diverged"] is None
    # the description is available again by id (a page that reloads)
    again = client.get(f"/api/session/{d['id']}").json()
    assert again["dataset"]["train"] == ds["train"]


def test_step_trains_moons_and_accuracy_rises(client):
    d = create(client, dataset="moons", n_samples=400, hidden=[8, 8], lr=0.03)
    first = step(client, d["id"], 2)
    assert first["epoch"] == 2 and first["epochs_run"] == 2
    assert first["metrics"]["epoch"] == [1, 2]
    for _ in range(3):
        last = step(client, d["id"], 10)
    assert last["epoch"] == 32 and last["metrics"]["epoch"] == list(range(23, 33))
    assert set(last["metrics"]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert last["last"]["val_accuracy"] > 0.9
    assert last["last"]["val_accuracy"] > first["last"]["val_accuracy"]
    assert last["last"]["loss"] < first["last"]["loss"]
    # per epoch, one gradient norm per layer (input side first), all positive
    norms = np.asarray(last["grad_norms"])
    assert norms.shape == (10, 3) and np.all(norms > 0)
    assert last["last_grad_norms"] == last["grad_norms"][-1]


def test_boundary_is_a_grid_of_probabilities(client):
    d = create(client, dataset="spiral", classes=3, n_samples=300, hidden=[16])
    for state in (d["state"], step(client, d["id"], 3)):
        b = state["boundary"]
        P = np.asarray(b["probs"])
        assert b["size"] == LIMITS["grid"] == 50
        assert P.shape == (50, 50, 3)
        assert np.all((P >= 0) & (P <= 1))
        np.testing.assert_allclose(P.sum(axis=2), 1, atol=1e-3)  # rounded to 4 decimals
        x0, x1, y0, y1 = b["extent"]
        assert x1 - x0 == pytest.approx(y1 - y0)  # a square view: circles stay round
        raw = np.asarray(d["dataset"]["train"]["x"])
        assert x0 < raw[:, 0].min() and raw[:, 0].max() < x1
        assert y0 < raw[:, 1].min() and raw[:, 1].max() < y1


def test_boundary_is_the_engine_prediction(client):
    """The grid holds net.predict_proba of ds.transform(cell centres), top row first."""
    settings = {"dataset": "circles", "n_samples": 200, "hidden": [6], "seed": 3,
                "features": ["x1", "x2", "x1^2"], "lr": 0.02}
    d = create(client, **settings)
    state = step(client, d["id"], 4)
    ds = load_dataset("circles", n_samples=200, features=["x1", "x2", "x1^2"])
    net = cr.Network([cr.Dense(3, 6, "relu"), cr.Dense(6, 2, "softmax")], seed=3)
    net.fit(ds.X_train, ds.y_train, epochs=4, batch_size=32, optimizer=cr.Adam(0.02))
    x0, x1, y0, y1 = state["boundary"]["extent"]
    g = 50
    xs = x0 + (np.arange(g) + 0.5) * (x1 - x0) / g
    ys = y1 - (np.arange(g) + 0.5) * (y1 - y0) / g
    XX, YY = np.meshgrid(xs, ys)
    P = net.predict_proba(ds.transform(np.column_stack([XX.ravel(), YY.ravel()])))
    np.testing.assert_allclose(np.asarray(state["boundary"]["probs"]), P.reshape(g, g, 2),
                               atol=1e-4)


def test_training_in_chunks_equals_one_fit(client):
    """A step continues the optimizer (Adam's moments and step count): 3 + 2 + 1 epochs over
    three requests give the same weights as one ``fit(epochs=6)`` of the engine."""
    d = create(client, dataset="moons", n_samples=300, hidden=[8], lr=0.01, seed=5)
    logs = [step(client, d["id"], k) for k in (3, 2, 1)]
    val_loss = sum((s["metrics"]["val_loss"] for s in logs), [])

    ds = load_dataset("moons", n_samples=300)
    net = cr.Network([cr.Dense(2, 8, "relu"), cr.Dense(8, 2, "softmax")], seed=5)
    hist = net.fit(ds.X_train, ds.y_train, epochs=6, batch_size=32, optimizer=cr.Adam(0.01),
                   validation_data=(ds.X_test, ds.y_test))
    np.testing.assert_allclose(val_loss, hist.history["val_loss"], rtol=1e-5)


def test_reset_restarts_from_the_same_weights(client):
    d = create(client, **SMALL)
    first = step(client, d["id"], 5)
    r = client.post(f"/api/session/{d['id']}/reset")
    assert r.status_code == 200
    state = r.json()
    assert state["epoch"] == 0 and state["last"] == {} and state["last_grad_norms"] == []
    assert state["boundary"] == d["state"]["boundary"]
    again = step(client, d["id"], 5)
    assert again["epoch"] == 5 and again["metrics"] == first["metrics"]


def test_regression_session_returns_a_value_grid(client):
    d = create(client, dataset="plane", n_samples=200, hidden=[8], activation="tanh", lr=0.02)
    assert d["dataset"]["task"] == "regression" and d["dataset"]["n_classes"] is None
    assert d["network"]["sizes"] == [2, 8, 1] and d["network"]["activations"][-1] == "linear"
    lo, hi = d["dataset"]["value_range"]
    assert lo < 0 < hi
    state = step(client, d["id"], 20)
    values = np.asarray(state["boundary"]["values"], dtype=float)
    assert values.shape == (50, 50) and np.all(np.isfinite(values))
    assert "probs" not in state["boundary"]
    assert set(state["metrics"]) == {"epoch", "loss", "mae", "val_loss", "val_mae"}
    assert state["last"]["val_mae"] < 0.1


def test_features_let_one_layer_solve_circles(client):
    d = create(client, dataset="circles", n_samples=300, features=["x1^2", "x2^2"], hidden=[],
               lr=0.1)
    assert d["network"]["sizes"] == [2, 2]
    state = step(client, d["id"], 30)
    assert state["last"]["val_accuracy"] > 0.95


def test_divergence_stops_the_session_with_a_message(client):
    d = create(client, dataset="moons", n_samples=200, hidden=[8], activation="linear",
               optimizer="sgd", lr=1000.0)
    state = step(client, d["id"], 20)
    assert state["diverged"].startswith("in epoch ")
    assert "loss became" in state["diverged"] and "smaller learning rate" in state["diverged"]
    assert state["epochs_run"] < 20
    np.testing.assert_array_less(-1e-9, np.asarray(state["boundary"]["probs"]))
    later = step(client, d["id"], 5)  # no further training until a reset
    assert later["epochs_run"] == 0 and later["epoch"] == state["epoch"]
    assert later["diverged"] == state["diverged"]
    reset = client.post(f"/api/session/{d['id']}/reset").json()
    assert reset["diverged"] is None and reset["epoch"] == 0


@pytest.mark.parametrize("settings, message", [
    ({"dataset": "mnist"}, "dataset must be one of ['blobs', 'circles', 'gauss', 'gaussian', "
                           "'moons', 'plane', 'spiral', 'xor'], got 'mnist'"),
    ({"dataset": "digits"}, "dataset must be one of"),
    ({"n_samples": 5000}, "n_samples must be <= 2000 in the playground, got 5000"),
    ({"n_samples": 5}, "n_samples must be >= 10, got 5"),
    ({"n_samples": "many"}, "n_samples must be an integer, got str 'many'"),
    ({"hidden": [8, 65]}, "hidden[1] must be <= 64 in the playground, got 65"),
    ({"hidden": [4] * 7}, "hidden must have at most 6 layers in the playground, got 7"),
    ({"hidden": [0]}, "hidden[0] must be >= 1, got 0"),
    ({"hidden": "8,8"}, "hidden must be a list of layer sizes like [8, 8], got str '8,8'"),
    ({"activation": "rlu"}, "activation must be one of ['leaky_relu', 'linear', 'relu', "
                            "'sigmoid', 'tanh'], got 'rlu'"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of ['adam', 'rmsprop', 'sgd'], got 'lbfgs'"),
    ({"lr": 0}, "lr must be a finite number > 0, got 0.0"),
    ({"lr": "fast"}, "lr must be a real number, got str 'fast'"),
    ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ({"weight_decay": -1}, "weight_decay must be a finite number >= 0, got -1.0"),
    ({"momentum": 0.9}, "momentum applies only to optimizer 'sgd', got momentum=0.9 with "
                        "optimizer 'adam'"),
    ({"optimizer": "sgd", "momentum": 1.5}, "momentum must be a finite number >= 0 and < 1"),
    ({"features": ["x3"]}, "features must be names from ['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', "
                           "'sin(x1)', 'sin(x2)'], got 'x3'"),
    ({"features": []}, "features must name at least one of"),
    ({"features": "x1"}, "features must be a list of names"),
    ({"test_size": 1.5}, "test_size must be a finite number > 0 and < 1, got 1.5"),
    ({"noise": -0.1}, "noise must be a finite number >= 0 and <= 2.0, got -0.1"),
    ({"dataset": "moons", "classes": 3}, "classes of 'moons' is always 2"),
    ({"dataset": "spiral", "classes": 11}, "classes must be <= 10 in the playground, got 11"),
    ({"seed": -1}, "seed must be >= 0, got -1"),
    ({"hidden_layers": [8]}, "unknown setting 'hidden_layers'; settings are ['activation', "),
])
def test_bad_settings_are_400_with_the_rule_and_value(client, settings, message):
    r = client.post("/api/session", json=settings)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/json"
    assert message in r.json()["error"]


def test_bad_bodies_are_rejected(client):
    r = client.post("/api/session", content=b"{not json", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and "request body must be JSON" in r.json()["error"]
    r = client.post("/api/session", json=[1, 2])
    assert r.status_code == 400
    assert r.json()["error"] == "request body must be a JSON object, got list"
    r = client.post("/api/session", content=b" " * 70_000)
    assert r.status_code == 413 and "at most 65536 bytes" in r.json()["error"]
    # an empty body is the default settings
    assert client.post("/api/session").json()["settings"]["dataset"] == "moons"


@pytest.mark.parametrize("body, message", [
    ({"epochs": 0}, "epochs must be >= 1, got 0"),
    ({"epochs": 101}, "epochs must be <= 100 in the playground, got 101"),
    ({"epochs": "10"}, "epochs must be an integer, got str '10'"),
    ({"epochs": 1.5}, "epochs must be an integer, got float 1.5"),
    ({"epoch": 1}, "unknown step parameter 'epoch'; the only one is 'epochs'"),
])
def test_bad_step_requests_are_400(client, body, message):
    d = create(client, **SMALL)
    r = client.post(f"/api/session/{d['id']}/step", json=body)
    assert r.status_code == 400
    assert message in r.json()["error"]
    assert client.get(f"/api/session/{d['id']}").json()["state"]["epoch"] == 0


def test_work_per_step_is_capped(client):
    d = create(client, n_samples=2000, batch_size=1, hidden=[4])
    r = client.post(f"/api/session/{d['id']}/step", json={"epochs": 100})
    assert r.status_code == 400
    assert r.json()["error"].startswith(
        "epochs * batches per epoch must be <= 20000 per step in the playground, got "
        "100 * 1400 = 140000")


def test_unknown_session_is_404(client):
    for method, path in [("POST", "/api/session/nope/step"), ("POST", "/api/session/nope/reset"),
                         ("GET", "/api/session/nope"), ("DELETE", "/api/session/nope")]:
        r = client.request(method, path)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"].startswith("unknown session 'nope'")


def test_delete_forgets_the_session(client):
    d = create(client, **SMALL)
    assert client.delete(f"/api/session/{d['id']}").status_code == 200
    assert client.post(f"/api/session/{d['id']}/step").status_code == 404


def test_session_count_is_capped_least_recently_used_first():
    with TestClient(create_app(max_sessions=2)) as client:
        a, b = create(client, **SMALL)["id"], create(client, **SMALL)["id"]
        step(client, a)  # a is now more recent than b
        c = create(client, **SMALL)["id"]
        assert client.get(f"/api/session/{b}").status_code == 404
        assert client.get(f"/api/session/{a}").status_code == 200
        assert client.get(f"/api/session/{c}").status_code == 200
        assert len(client.app.state.sessions) == 2


def test_page_and_static_files_are_served(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    for needle in ('id="boundary"', 'id="play"', 'id="epoch"', "static/app.js",
                   "static/style.css"):
        assert needle in r.text
    assert "http://" not in r.text and "https://" not in r.text  # nothing from the internet
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "https://" not in js.text
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    r = client.get("/nowhere")
    assert r.status_code == 404 and r.json()["error"] == "Not Found: GET /nowhere"
    r = client.put("/api/session")
    assert r.status_code == 405 and "Method Not Allowed" in r.json()["error"]


# ---------------------------------------------------------------------------- the CLI module


def parse(*argv):
    parser = argparse.ArgumentParser()
    cli_playground.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_defaults_and_help():
    args = parse()
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 8000, False)
    assert parse("--port", "0", "--no-browser").port == 0
    with pytest.raises(SystemExit):
        parse("--port", "70000")
    assert "playground" in cli_playground.HELP


def test_cli_says_what_to_install_when_uvicorn_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn -> ModuleNotFoundError
    with pytest.raises(CLIError, match=r"needs starlette and uvicorn, and uvicorn is not "
                                       r"installed: pip install 'chainrule\[playground\]'"):
        cli_playground.run(parse("--no-browser"))


def test_cli_reports_a_busy_port_in_one_line():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(CLIError, match=f"cannot listen on 127.0.0.1:{port}: .*--port"):
            cli_playground.run(parse("--port", str(port), "--no-browser"))
