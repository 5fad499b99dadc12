"""Playground sessions: settings checked against the playground's caps, a dataset, a network
and its optimizer, trained a few epochs at a time with ``Network.fit``.

Nothing here knows about HTTP; :mod:`chainrule.playground.app` serves it as JSON. Every bad
setting raises ``ValueError``/``TypeError`` naming the parameter, the rule and the value (the
library's own messages where the library checks it).
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict

import numpy as np

from .. import ACTIVATIONS, SGD, Adam, Callback, Dense, Network, RMSprop, TrainingError
from .._validation import check_int, check_real
from ..data import CLASSIFICATION_2D, DATASETS, FEATURES, REGRESSION_2D, load_dataset
from ..optim import Optimizer

#: Size caps, so that one request cannot tie up the server or its memory.
LIMITS = {
    "max_samples": 2000,  # points generated (train + test)
    "max_units": 64,  # units per hidden layer
    "max_layers": 6,  # hidden layers
    "max_classes": 10,  # spiral arms / blobs (one colour each)
    "max_noise": 2.0,
    "max_epochs_per_step": 100,  # epochs one step request may train
    "max_batches_per_step": 20_000,  # gradient steps one step request may take
    "max_sessions": 32,  # kept in memory; the least recently used is dropped first
    "grid": 50,  # the boundary is a grid x grid matrix of predictions
}

DATASET_NAMES = (*CLASSIFICATION_2D, *REGRESSION_2D)
HIDDEN_ACTIVATIONS = tuple(sorted(name for name in ACTIVATIONS if name != "softmax"))
OPTIMIZERS = {"adam": Adam, "rmsprop": RMSprop, "sgd": SGD}

#: The settings a session is made from, with the page's defaults. ``None``: the dataset's own.
DEFAULTS = {
    "dataset": "moons",
    "n_samples": 500,
    "noise": None,
    "classes": None,
    "test_size": 0.3,
    "data_seed": None,
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "activation": "relu",
    "optimizer": "adam",
    "lr": 0.01,
    "batch_size": 32,
    "momentum": 0.0,
    "weight_decay": 0.0,
    "seed": 0,
}


def catalogue() -> dict:
    """What the page needs to build its controls: datasets, features, choices, caps."""
    datasets = []
    for name in DATASET_NAMES:
        spec = DATASETS[name]
        datasets.append({
            "name": name, "task": spec.task, "description": spec.description,
            "noise": spec.noise, "n_samples": spec.n_samples, "classes": spec.classes,
            "variable_classes": spec.variable_classes,
        })
    return {"datasets": datasets, "features": list(FEATURES),
            "activations": list(HIDDEN_ACTIVATIONS), "optimizers": sorted(OPTIMIZERS),
            "defaults": DEFAULTS, "limits": LIMITS}


def _one_of(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def _at_most(name, value, high):
    if value > high:
        raise ValueError(f"{name} must be <= {high} in the playground, got {value}")
    return value


def check_settings(raw: dict) -> dict:
    """The settings of a new session: ``DEFAULTS`` updated with ``raw``, each one checked."""
    if not isinstance(raw, dict):
        raise TypeError(f"settings must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}; settings are {sorted(DEFAULTS)}")
    s = {**DEFAULTS, **raw}
    _one_of("dataset", s["dataset"], DATASET_NAMES)
    _at_most("n_samples", check_int("n_samples", s["n_samples"], 10), LIMITS["max_samples"])
    if s["noise"] is not None:
        check_real("noise", s["noise"], 0, LIMITS["max_noise"])
    if s["classes"] is not None:
        _at_most("classes", check_int("classes", s["classes"], 2), LIMITS["max_classes"])
    hidden = s["hidden"]
    if not isinstance(hidden, list):
        raise TypeError(f"hidden must be a list of layer sizes like [8, 8], got "
                        f"{type(hidden).__name__} {hidden!r}")
    if len(hidden) > LIMITS["max_layers"]:
        raise ValueError(f"hidden must have at most {LIMITS['max_layers']} layers in the "
                         f"playground, got {len(hidden)}: {hidden}")
    for i, units in enumerate(hidden):
        _at_most(f"hidden[{i}]", check_int(f"hidden[{i}]", units, 1), LIMITS["max_units"])
    _one_of("activation", s["activation"], HIDDEN_ACTIVATIONS)
    _one_of("optimizer", s["optimizer"], OPTIMIZERS)
    check_int("batch_size", s["batch_size"], 1)
    check_int("seed", s["seed"], 0)
    # lr and weight_decay are checked by the optimizer itself (make_optimizer);
    # test_size, data_seed and features by load_dataset.
    check_real("momentum", s["momentum"], 0, 1, high_open=True)
    if s["optimizer"] != "sgd" and s["momentum"] != 0:
        raise ValueError(f"momentum applies only to optimizer 'sgd', got momentum="
                         f"{s['momentum']!r} with optimizer {s['optimizer']!r}")
    return s


def make_optimizer(s) -> Optimizer:
    """The settings' optimizer; its constructor checks lr, momentum and weight_decay."""
    if s["optimizer"] == "sgd":
        return SGD(s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])
    return OPTIMIZERS[s["optimizer"]](s["lr"], weight_decay=s["weight_decay"])


class _EpochLog(Callback):
    """Collects each epoch's logs; they survive a TrainingError, unlike fit's History."""

    def __init__(self):
        self.logs: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def _floats(values, digits=6) -> list:
    """Rounded floats for JSON, non-finite values as None (JSON has no NaN)."""
    return [round(float(v), digits) if math.isfinite(v) else None for v in values]


class Session:
    """One learner's dataset, network and optimizer; ``step`` trains, ``reset`` starts over."""

    def __init__(self, settings: dict):
        s = self.settings = check_settings(settings)
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.Lock()
        self.ds = load_dataset(s["dataset"], n_samples=s["n_samples"], noise=s["noise"],
                               classes=s["classes"], seed=s["data_seed"],
                               test_size=s["test_size"], features=s["features"])
        self.classifier = self.ds.task == "classification"
        make_optimizer(s)  # checks lr, momentum and weight_decay before anything is kept
        self._grid_setup()
        self.reset()

    # ------------------------------------------------------------------ setup
    def _grid_setup(self):
        """A square view around all the points and its grid (top row first), as net inputs."""
        R = np.vstack([self.ds.raw_train, self.ds.raw_test])
        lo, hi = R.min(axis=0), R.max(axis=0)
        center = (lo + hi) / 2
        half = 0.55 * max(float(np.max(hi - lo)), 1e-6)
        self.extent = [float(center[0] - half), float(center[0] + half),
                       float(center[1] - half), float(center[1] + half)]
        g = LIMITS["grid"]
        # cell centres, so the grid's pixels tile the view exactly
        xs = np.linspace(self.extent[0], self.extent[1], 2 * g + 1)[1::2]
        ys = np.linspace(self.extent[3], self.extent[2], 2 * g + 1)[1::2]
        XX, YY = np.meshgrid(xs, ys)
        self.grid_X = self.ds.transform(np.column_stack([XX.ravel(), YY.ravel()]))

    def _build_network(self) -> Network:
        s, ds = self.settings, self.ds
        n_out, out = (ds.n_classes, "softmax") if self.classifier else (1, "linear")
        sizes = [ds.n_features, *s["hidden"], n_out]
        layers = [Dense(a, b, s["activation"] if i < len(s["hidden"]) else out)
                  for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]
        return Network(layers, seed=s["seed"])

    def reset(self):
        """Fresh weights (the same ones for the same seed) and a fresh optimizer, epoch 0."""
        self.net = self._build_network()
        # NOTE: fit continues the state (momentum, Adam's moments and step count) of an
        # optimizer that already trained these weights, so a few epochs per request add up to
        # exactly one long run; a new network gets a new optimizer.
        self.optimizer = make_optimizer(self.settings)
        self.epoch = 0
        self.diverged: str | None = None
        self.last_logs: dict = {}
        self.last_grad_norms: list[float] = []
        self.train_time = 0.0

    # ------------------------------------------------------------------ training
    def steps_per_epoch(self) -> int:
        n = len(self.ds.X_train)
        return -(-n // min(self.settings["batch_size"], n))

    def step(self, epochs: int = 1) -> dict:
        """Train ``epochs`` more epochs; the metrics of those epochs and the new boundary."""
        epochs = _at_most("epochs", check_int("epochs", epochs, 1),
                          LIMITS["max_epochs_per_step"])
        batches = epochs * self.steps_per_epoch()
        if batches > LIMITS["max_batches_per_step"]:
            raise ValueError(
                f"epochs * batches per epoch must be <= {LIMITS['max_batches_per_step']} per "
                f"step in the playground, got {epochs} * {self.steps_per_epoch()} = {batches}; "
                "ask for fewer epochs or use a larger batch_size")
        log = _EpochLog()
        grad_norms: list[list[float]] = []
        if self.diverged is None:
            ds, s = self.ds, self.settings
            t0 = time.perf_counter()
            try:
                hist = self.net.fit(ds.X_train, ds.y_train, epochs=epochs,
                                    batch_size=s["batch_size"], optimizer=self.optimizer,
                                    validation_data=(ds.X_test, ds.y_test), callbacks=[log],
                                    track_gradients=True)
                grad_norms = hist.grad_norms
            except TrainingError as exc:
                # fit kept the weights of the last complete epoch; the optimizer's state may
                # hold inf/NaN, so this session trains no further until it is reset. fit counts
                # epochs from the start of its call, hence the session's count up front.
                self.diverged = f"in epoch {self.epoch + len(log.logs) + 1} of the session, {exc}"
            self.train_time += time.perf_counter() - t0
        first = self.epoch + 1
        self.epoch += len(log.logs)
        if log.logs:
            self.last_logs = log.logs[-1]
        if grad_norms:
            self.last_grad_norms = grad_norms[-1]
        keys = list(log.logs[0]) if log.logs else []
        metrics = {"epoch": list(range(first, self.epoch + 1)),
                   **{k: _floats([entry[k] for entry in log.logs]) for k in keys}}
        return {**self.state(), "epochs_run": len(log.logs), "metrics": metrics,
                "grad_norms": [_floats(row, 8) for row in grad_norms]}

    # ------------------------------------------------------------------ views
    def boundary(self) -> dict:
        """The network over the view: ``probs[i][j]`` (classes) or ``values[i][j]`` (regression)
        at the cell of row ``i`` (top first) and column ``j`` (left first)."""
        g = LIMITS["grid"]
        out = {"size": g, "extent": self.extent}
        with np.errstate(over="ignore", invalid="ignore"):
            if self.classifier:
                P = self.net.predict_proba(self.grid_X)
                out["probs"] = np.round(P, 4).reshape(g, g, -1).tolist()
            else:
                V = self.net.predict(self.grid_X).reshape(g, g)
                out["values"] = [_floats(row, 5) for row in V]
        return out

    def state(self) -> dict:
        """Where training stands: epoch, last metrics, gradient norms, boundary."""
        return {
            "id": self.id,
            "epoch": self.epoch,
            "last": dict(zip(self.last_logs, _floats(self.last_logs.values()), strict=True)),
            "last_grad_norms": _floats(self.last_grad_norms, 8),
            "diverged": self.diverged,
            "train_time": round(self.train_time, 4),
            "boundary": self.boundary(),
        }

    def describe(self) -> dict:
        """The session's settings, data points and network shape, plus its state."""
        ds = self.ds

        def points(R, y):
            labels = np.searchsorted(ds.classes, y).tolist() if self.classifier else _floats(y, 5)
            return {"x": np.round(R, 4).tolist(), "y": labels}

        y_all = np.concatenate([ds.y_train, ds.y_test]).astype(np.float64)
        return {
            "id": self.id,
            "settings": self.settings,
            "dataset": {
                "name": ds.name, "task": ds.task, "description": ds.description,
                "n_classes": ds.n_classes, "feature_names": ds.feature_names,
                "train": points(ds.raw_train, ds.y_train),
                "test": points(ds.raw_test, ds.y_test),
                "value_range": None if self.classifier else _floats([y_all.min(), y_all.max()]),
            },
            "network": {"sizes": [self.net.n_in, *(layer.n_out for layer in self.net.layers)],
                        "activations": [layer.activation.name for layer in self.net.layers],
                        "n_params": int(self.net.params.size),
                        "steps_per_epoch": self.steps_per_epoch()},
            "state": self.state(),
        }


class SessionStore:
    """Sessions by id, at most ``max_sessions``: the least recently used is dropped first."""

    def __init__(self, max_sessions: int = LIMITS["max_sessions"]):
        self.max_sessions = check_int("max_sessions", max_sessions, 1)
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, settings: dict) -> Session:
        session = Session(settings)
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session

    def get(self, sid: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                self._sessions.move_to_end(sid)
            return session

    def delete(self, sid: str) -> bool:
        with self._lock:
            return self._sessions.pop(sid, None) is not None

    def __len__(self):
        with self._lock:
            return len(self._sessions)
