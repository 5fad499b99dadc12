"""The fit loop: batching, History, callbacks, progress."""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ._validation import check_int, check_seed, check_y
from .network import label_index
from .optim import Adam, get_optimizer


class TrainingError(FloatingPointError):
    """The loss became NaN or infinite; the network keeps its last good weights."""


class History:
    """What ``fit`` returns: per-epoch metrics.

    Attributes
    ----------
    history : dict of str -> list of float
        ``loss`` and ``accuracy`` (classification) or ``mae`` (regression), averaged over
        the epoch's batches, and ``val_loss``, ``val_accuracy``/``val_mae`` measured on
        ``validation_data`` after each epoch. Accuracies are fractions in [0, 1].
    epoch : list of int
        The epochs run (0-based).
    grad_norms : list of list of float
        With ``track_gradients=True``: per epoch, the mean L2 norm of each layer's weight
        gradient ``dW`` over the epoch's batches (input layer first).
    train_time : float
        Seconds spent in the loop, validation included.
    params : dict
        The settings ``fit`` ran with.
    """

    def __init__(self, params=None):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.grad_norms: list[list[float]] = []
        self.train_time = 0.0
        self.params = dict(params or {})

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class Callback:
    """Base class of callbacks; ``fit`` calls these hooks. ``self.network`` is set by fit."""

    network = None

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        A History key, default ``"val_loss"`` (needs ``validation_data``).
    patience : int
        Epochs without improvement before stopping.
    min_delta : float
        Smallest change that counts as an improvement.
    mode : {"auto", "min", "max"}
        Whether lower or higher is better; ``auto``: higher for accuracies.
    restore_best_weights : bool
        Put back the weights of the best epoch when training ends.
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, mode="auto",
                 restore_best_weights=True):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be one of ['auto', 'max', 'min'], got {mode!r}")
        self.monitor = monitor
        self.patience = check_int("patience", patience, 0)
        self.min_delta = abs(float(min_delta))
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)

    def on_train_begin(self, logs=None):
        self.best = -math.inf if self.mode == "max" else math.inf
        self.best_epoch = None
        self.best_params = None
        self.wait = 0
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitor must be one of {sorted(logs)}, got {self.monitor!r}"
                + (" (pass validation_data to fit)" if self.monitor.startswith("val_") else "")
            )
        value = logs[self.monitor]
        better = (value > self.best + self.min_delta if self.mode == "max"
                  else value < self.best - self.min_delta)
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_params = self.network.params.copy()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.network.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_params is not None:
            self.network.params[...] = self.best_params


def _format_logs(logs):
    parts = []
    for key, value in logs.items():
        parts.append(f"{key}: {value * 100:.2f}%" if "accuracy" in key else f"{key}: {value:.4f}")
    return " - ".join(parts)


def fit(net, X, y, epochs=10, batch_size=32, optimizer=None, loss=None, validation_data=None,
        shuffle=True, callbacks=(), verbose=0, seed=None, track_gradients=False) -> History:
    """Train ``net`` with mini-batch back-propagation.

    Parameters
    ----------
    net : Network
    X : array_like of shape (N, n_in)
    y : array_like of shape (N,) or (N, n_out)
        Class labels of any type (classification losses, and mse with several output
        units, where they are one-hot encoded as in the seed), or real values (regression).
    epochs : int
    batch_size : int
        Samples per gradient step; 1 is the seed's per-sample SGD. Capped at N.
    optimizer : Optimizer or str, default Adam(lr=0.001)
        Passing the same optimizer to another ``fit`` of the same network continues its
        state (momentum, Adam's moments and step count, the schedule's position).
    loss : str or Loss, default from the output layer (see ``Network.default_loss``)
    validation_data : (X_val, y_val), optional
        Measured after each epoch as ``val_loss`` and ``val_accuracy``/``val_mae``.
    shuffle : bool
        Reshuffle the training set every epoch.
    callbacks : list of Callback
    verbose : {0, 1, 2}
        0 silent, 1 a progress bar (tqdm), 2 one line per epoch.
    seed : int or None
        Seed of the shuffling; None draws from the network's generator.
    track_gradients : bool
        Record per-layer weight-gradient norms in ``History.grad_norms``.

    Returns
    -------
    History

    Raises
    ------
    TrainingError
        When the loss becomes NaN/inf; the weights of the last completed epoch are kept.
    """
    net._require_layers()
    epochs = check_int("epochs", epochs, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    loss = net.resolve_loss(loss)
    X = net.check_X(X)
    y = check_y(y, len(X))
    T = net.encode_targets(y, loss, fit=True)
    net.loss_ = loss
    classifier = net.is_classifier(loss, y)
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val)")
        Xv = net.check_X(validation_data[0], name="validation_data X")
        yv = check_y(validation_data[1], len(Xv), name="validation_data y")
        val = (Xv, net.encode_targets(yv, loss, name="validation_data y"))
    optimizer = get_optimizer(optimizer) if optimizer is not None else Adam()
    if optimizer.params is not net.params:
        # a new optimizer, or one last used on other weights: fresh state. The same
        # optimizer passed to fit again continues (momentum, Adam's m, v, t, the schedule).
        optimizer.setup(net.params, net.decay_mask)
    rng = np.random.default_rng(check_seed(seed)) if seed is not None else net.rng
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
        cb.network = net
    history = History({"epochs": epochs, "batch_size": batch_size, "loss": loss.name,
                       "optimizer": repr(optimizer), "n_samples": len(X)})

    n = len(X)
    batch_size = min(batch_size, n)
    starts = range(0, n, batch_size)
    metric = "accuracy" if classifier else "mae"
    labels = label_index(T) if classifier else None
    params, grads = net.params, net.grads
    net.stop_training = False
    bar = None
    if verbose == 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, unit="epoch", file=sys.stderr, leave=True)
    for cb in callbacks:
        cb.on_train_begin()
    t0 = time.perf_counter()
    # NOTE: a diverging run overflows long before its loss is checked; that check raises a
    # TrainingError naming the epoch and batch, so NumPy's overflow warnings add only noise.
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(epochs):
                for cb in callbacks:
                    cb.on_epoch_begin(epoch)
                last_good = params.copy()
                if shuffle:
                    perm = rng.permutation(n)
                    Xe, Te = X[perm], T[perm]
                    Le = labels[perm] if classifier else None
                else:
                    Xe, Te, Le = X, T, labels
                total_loss = 0.0
                total_metric = 0.0
                norms = np.zeros(len(net.layers)) if track_gradients else None
                for b, i in enumerate(starts):
                    Xb, Tb = Xe[i : i + batch_size], Te[i : i + batch_size]
                    value, P = net.loss_and_gradient(Xb, Tb, loss)
                    if not math.isfinite(value):
                        params[...] = last_good
                        raise TrainingError(
                            f"loss became {value} at epoch {epoch + 1}, batch {b + 1}; training "
                            f"stopped and the weights of the end of epoch {epoch} were kept "
                            "(try a smaller learning rate)"
                        )
                    if track_gradients:
                        norms += [np.linalg.norm(layer.dW) for layer in net.layers]
                    optimizer.step(params, grads)
                    nb = len(Xb)
                    total_loss += value * nb
                    if classifier:
                        total_metric += np.count_nonzero(label_index(P) == Le[i : i + batch_size])
                    else:
                        total_metric += float(np.sum(np.abs(P - Tb))) / Tb.shape[1]
                # NOTE: the batch losses were checked before each step, not after the last
                # one; a final step to inf/NaN weights must not pass as a finished run
                if not np.all(np.isfinite(params)):
                    params[...] = last_good
                    raise TrainingError(
                        f"the weights became NaN or inf at epoch {epoch + 1}; training stopped "
                        f"and the weights of the end of epoch {epoch} were kept (try a "
                        "smaller learning rate)"
                    )
                logs = {"loss": total_loss / n, metric: total_metric / n}
                if val is not None:
                    vm = net._metrics(net._output(val[0]), val[1], loss, classifier)
                    logs.update({f"val_{k}": v for k, v in vm.items()})
                if track_gradients:
                    history.grad_norms.append((norms / len(starts)).tolist())
                history.record(epoch, logs)
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                if verbose == 2:
                    print(f"Epoch {epoch + 1}/{epochs} - {_format_logs(logs)}", flush=True)
                elif bar is not None:
                    bar.set_postfix_str(_format_logs(logs), refresh=False)
                    bar.update(1)
                if net.stop_training:
                    break
    finally:
        history.train_time = time.perf_counter() - t0
        if bar is not None:
            bar.close()
    for cb in callbacks:
        cb.on_train_end({"history": history})
    return history
