"""Network: a list of layers over one flat parameter buffer and one flat gradient buffer."""

from __future__ import annotations

import numpy as np

from ._validation import check_seed, check_X, check_y
from .activations import ACTIVATIONS
from .layers import Dense
from .losses import Loss, get_loss

DTYPES = ("float32", "float64")


def label_index(Y: np.ndarray) -> np.ndarray:
    """Class index per row of outputs or one-hot targets ``(N, K)``: argmax, or >= 0.5 if K=1."""
    return Y[:, 0] >= 0.5 if Y.shape[1] == 1 else np.argmax(Y, axis=1)


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")
    return dt


class Network:
    """A feed-forward network trained by explicit back-propagation.

    Parameters
    ----------
    layers : sequence of Dense, optional
        The layers, input first; more can be appended with :meth:`add`.
    seed : int, numpy.random.Generator or None
        Source of all randomness: weight init, and shuffling when ``fit`` gets no seed.
        The same seed gives the same bits.
    dtype : {"float64", "float32"}
        Precision of the parameters and of every computation.

    Attributes
    ----------
    params, grads : ndarray of shape (n_params,)
        Every parameter and its gradient; each layer's ``W, b, dW, db`` are views.
    classes_ : ndarray or None
        Class labels seen by ``fit`` (classification), in output-unit order.
    loss_ : Loss or None
        The loss of the last ``fit``; ``evaluate`` uses it by default.
    """

    def __init__(self, layers=(), seed=None, dtype="float64"):
        self.dtype = _check_dtype(dtype)
        self.rng = np.random.default_rng(check_seed(seed))
        self.layers: list[Dense] = []
        self.params = np.zeros(0, self.dtype)
        self.grads = np.zeros(0, self.dtype)
        self.decay_mask = np.zeros(0, self.dtype)
        self.classes_ = None
        self.loss_: Loss | None = None
        self.stop_training = False
        self.metadata: dict = {}
        for layer in layers:
            self._append(layer)
        self._build()

    # ------------------------------------------------------------------ structure
    def _append(self, layer):
        if not isinstance(layer, Dense):
            raise TypeError(f"layers must be Dense layers, got {type(layer).__name__}")
        if self.layers and layer.n_in != self.layers[-1].n_out:
            raise ValueError(
                f"layer {len(self.layers)} has n_in={layer.n_in} but the previous layer has "
                f"n_out={self.layers[-1].n_out}; they must be equal"
            )
        if any(layer is other for other in self.layers):
            raise ValueError("the same layer object cannot appear twice in a network")
        if layer.network is not None and layer.network is not self:
            raise ValueError(
                f"{layer!r} already belongs to another network (its weights are views into "
                "that network's buffer); create a new Dense layer instead"
            )
        self.layers.append(layer)

    def add(self, layer: Dense) -> Network:
        """Append a layer (its ``n_in`` must equal the last layer's ``n_out``); returns self."""
        self._append(layer)
        self._build()
        return self

    def _build(self):
        """(Re)allocate the flat buffers and point every layer's views into them."""
        sizes = [layer.n_params for layer in self.layers]
        self.params = np.zeros(sum(sizes), self.dtype)
        self.grads = np.zeros(sum(sizes), self.dtype)
        self.decay_mask = np.zeros(sum(sizes), self.dtype)
        offset = 0
        for layer, size in zip(self.layers, sizes, strict=True):
            block = slice(offset, offset + size)
            layer.bind(self.params[block], self.grads[block], self.rng)
            layer.network = self
            self.decay_mask[offset : offset + layer.n_in * layer.n_out] = 1
            offset += size

    def __setstate__(self, state):
        # NOTE: pickling copies each layer's views into separate arrays; rebuild the flat
        # buffers from those values so the layers are views into params/grads again.
        self.__dict__.update(state)
        self._build()

    @property
    def n_in(self) -> int:
        return self._require_layers().layers[0].n_in

    @property
    def n_out(self) -> int:
        return self._require_layers().layers[-1].n_out

    def _require_layers(self):
        if not self.layers:
            raise ValueError("the network has no layers; pass layers or call add() first")
        return self

    def named_parameters(self):
        """``[(name, value view, gradient view), ...]``: ``layers.0.W``, ``layers.0.b``, ..."""
        out = []
        for i, layer in enumerate(self.layers):
            out.append((f"layers.{i}.W", layer.W, layer.dW))
            out.append((f"layers.{i}.b", layer.b, layer.db))
        return out

    # ------------------------------------------------------------------ maths
    def forward(self, X: np.ndarray):
        """Run every layer; returns ``(P, backward)``.

        ``backward(dP, wrt_z=False, need_dX=False)`` runs the layers' backward closures
        in reverse, filling :attr:`grads`, and returns ``dL/dX`` when ``need_dX``.
        """
        callbacks = []
        for layer in self._require_layers().layers:
            X, backward = layer.forward(X)
            callbacks.append(backward)

        def backward(dY, wrt_z=False, need_dX=False):
            for i in reversed(range(len(callbacks))):
                dY = callbacks[i](dY, wrt_z=wrt_z, need_dX=need_dX or i > 0)
                wrt_z = False
            return dY

        return X, backward

    def loss_and_gradient(self, X, T, loss) -> tuple[float, np.ndarray]:
        """Loss of one batch; fills :attr:`grads` with its gradient. Returns ``(loss, P)``.

        ``X`` and ``T`` must already be arrays of the network's dtype (see :meth:`fit`).
        """
        P, backward = self.forward(X)
        last = self.layers[-1].activation
        fused = loss.fused.get(last.name) if ACTIVATIONS.get(last.name) is last else None
        if fused is not None:
            backward(fused(P, T), wrt_z=True)
        else:
            backward(loss.grad(P, T))
        return loss.value(P, T), P

    # ------------------------------------------------------------------ data
    def default_loss(self) -> str:
        """cross_entropy for softmax, binary_cross_entropy for one sigmoid unit, else mse."""
        last = self.layers[-1]
        if last.activation.name == "softmax":
            return "cross_entropy"
        if last.activation.name == "sigmoid" and last.n_out == 1:
            return "binary_cross_entropy"
        return "mse"

    def resolve_loss(self, loss) -> Loss:
        """The Loss to train with, checked against the output layer."""
        loss = get_loss(self.default_loss() if loss is None else loss)
        out = self.layers[-1].activation.name
        if loss.outputs is not None and out not in loss.outputs:
            raise ValueError(
                f"loss {loss.name!r} needs an output layer with activation in "
                f"{list(loss.outputs)}, got {out!r}"
            )
        return loss

    def is_classifier(self, loss: Loss, y: np.ndarray) -> bool:
        """Whether ``y`` holds class labels for this loss (mse: labels if 1-D, several units)."""
        if loss.classification is not None:
            return loss.classification
        return y.ndim == 1 and self.n_out > 1

    def encode_targets(self, y, loss: Loss, fit=False, name="y") -> np.ndarray:
        """Targets as an ``(N, n_out)`` array of the network's dtype.

        Class labels (any values: ints, strings) become one-hot rows, or a 0/1 column for a
        single sigmoid unit; with ``fit=True`` the classes are learned into ``classes_``.
        """
        n_out = self.n_out
        if not self.is_classifier(loss, y):
            if not np.issubdtype(y.dtype, np.number):
                raise TypeError(
                    f"{name} must be numeric for loss {loss.name!r}, got dtype {y.dtype}"
                )
            T = y.reshape(-1, 1) if y.ndim == 1 else y
            if T.shape[1] != n_out:
                raise ValueError(
                    f"{name} must have {n_out} column(s) to match the output layer, "
                    f"got shape {y.shape}"
                )
            if fit:
                self.classes_ = None
            return np.ascontiguousarray(T, dtype=self.dtype)
        if y.ndim == 2:
            if y.shape[1] != n_out or not np.issubdtype(y.dtype, np.number):
                raise ValueError(
                    f"{name} as a 2-D array must be numeric one-hot rows of width {n_out}, "
                    f"got shape {y.shape} and dtype {y.dtype}"
                )
            if fit:
                self.classes_ = np.arange(n_out if n_out > 1 else 2)
            return np.ascontiguousarray(y, dtype=self.dtype)
        if fit:
            self.classes_ = self._learn_classes(y, name)
        if self.classes_ is None:
            raise ValueError("the network has no classes yet: call fit() before evaluating labels")
        classes = self.classes_
        try:
            idx = np.searchsorted(classes, y)
            idx_clip = np.minimum(idx, len(classes) - 1)
            known = classes[idx_clip] == y
        except TypeError:
            raise TypeError(
                f"{name} labels must be of one comparable type, like the training labels "
                f"{classes[:5].tolist()}; got dtype {y.dtype}"
            ) from None
        if not np.all(known):
            bad = y[np.argmin(known)].tolist()
            raise ValueError(
                f"{name} contains label {bad!r} not seen in training; known labels are "
                f"{classes.tolist()}"
            )
        if n_out == 1:
            return idx_clip.astype(self.dtype).reshape(-1, 1)
        T = np.zeros((len(y), n_out), self.dtype)
        T[np.arange(len(y)), idx_clip] = 1
        return T

    def _learn_classes(self, y, name):
        try:
            classes = np.unique(y)
        except TypeError:
            raise TypeError(
                f"{name} labels must all be of one type (all numbers or all strings)"
            ) from None
        if np.issubdtype(classes.dtype, np.floating) and np.any(classes != np.round(classes)):
            raise ValueError(
                f"{name} must hold class labels for a classification loss, got non-integer "
                f"values such as {classes[classes != np.round(classes)][0]!r}; use loss='mse' "
                "with a linear output layer for regression"
            )
        n_out, k = self.n_out, len(classes)
        if n_out == 1:
            if k != 2:
                raise ValueError(
                    f"{name} must have exactly 2 classes for a single output unit, got {k}: "
                    f"{classes[:10].tolist()}"
                )
            return classes
        if k > n_out:
            raise ValueError(
                f"{name} has {k} classes but the output layer has {n_out} units; "
                f"use Dense(..., {k}, ...) as the last layer"
            )
        if k < n_out:
            # Integer labels 0..n_out-1 with some class absent from this sample: keep the
            # output units aligned with the label values rather than refusing.
            integers = np.issubdtype(classes.dtype, np.integer)
            if integers and classes.min() >= 0 and classes.max() < n_out:
                return np.arange(n_out)
            raise ValueError(
                f"{name} has {k} classes but the output layer has {n_out} units; they must match"
            )
        return classes

    # ------------------------------------------------------------------ user API
    def fit(self, X, y, epochs=10, batch_size=32, optimizer=None, loss=None,
            validation_data=None, shuffle=True, callbacks=(), verbose=0, seed=None,
            track_gradients=False):
        """Train with mini-batch back-propagation; see :func:`chainrule.train.fit`."""
        from .train import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                   loss=loss, validation_data=validation_data, shuffle=shuffle,
                   callbacks=callbacks, verbose=verbose, seed=seed,
                   track_gradients=track_gradients)

    def check_X(self, X, name="X") -> np.ndarray:
        """``X`` validated and converted to this network's dtype."""
        return check_X(X, self.dtype, n_features=self.n_in, name=name)

    def output(self, X, batch_size=8192) -> np.ndarray:
        """The network's raw output ``(N, n_out)``, computed in chunks of ``batch_size`` rows."""
        return self._output(self.check_X(X), batch_size)

    def _output(self, X, batch_size=8192):
        """``output`` for an ``X`` already checked and converted."""
        if len(X) <= batch_size:
            return self.forward(X)[0]
        return np.concatenate(
            [self.forward(X[i : i + batch_size])[0] for i in range(0, len(X), batch_size)]
        )

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``, columns in the order of ``classes_``."""
        P = self.output(X)
        if self.layers[-1].n_out == 1:
            return np.hstack([1 - P, P])
        return P

    def predict(self, X) -> np.ndarray:
        """Class labels (in the user's own label values) or, for regression, predicted values."""
        P = self.output(X)
        if self.classes_ is None:
            if self.layers[-1].activation.name != "softmax":
                return P.ravel() if P.shape[1] == 1 else P
            return np.argmax(P, axis=1)
        return self.classes_[label_index(P).astype(np.intp)]

    def evaluate(self, X, y, loss=None) -> dict:
        """``{"loss": ..., "accuracy": ...}`` (classification) or ``{"loss": ..., "mae": ...}``."""
        X = self.check_X(X)
        y = check_y(y, len(X))
        loss = self.resolve_loss(loss if loss is not None else self.loss_)
        T = self.encode_targets(y, loss)
        return self._metrics(self.output(X), T, loss, self.is_classifier(loss, y))

    @staticmethod
    def _metrics(P, T, loss, classifier) -> dict:
        value = loss.value(P, T)
        if classifier:
            correct = np.count_nonzero(label_index(P) == label_index(T))
            return {"loss": value, "accuracy": correct / len(P)}
        return {"loss": value, "mae": float(np.mean(np.abs(P - T)))}

    def save(self, path, metadata=None):
        """Write the network to a safetensors file atomically; see :func:`chainrule.io.save`."""
        from .io import save

        return save(self, path, metadata)

    def summary(self) -> str:
        """A table of layers, shapes and parameter counts."""
        lines = [f"{'layer':<8}{'shape':<14}{'activation':<12}{'init':<8}{'params':>8}"]
        for i, layer in enumerate(self.layers):
            shape = f"{layer.n_in} -> {layer.n_out}"
            lines.append(
                f"{i:<8}{shape:<14}{layer.activation.name:<12}{layer.init:<8}{layer.n_params:>8}"
            )
        lines.append(f"total parameters: {self.params.size} ({self.dtype.name})")
        return "\n".join(lines)

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}], dtype={self.dtype.name!r})"
