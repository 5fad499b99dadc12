"""Layers. ``forward(X)`` returns ``(Y, backward)``; the closure keeps what backward needs.

A layer never stores its last input: calling ``forward`` twice before a backward
pass gives two independent closures, each with its own ``X`` and ``A``.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_int
from .activations import Activation, get_activation

#: Weight initializers: ``name -> (rng, n_in, n_out) -> (W, b)``, in float64.
INITIALIZERS = {
    # Glorot & Bengio (2010), uniform: keeps activation variance for tanh/sigmoid layers.
    "glorot": lambda rng, n_in, n_out: (
        rng.uniform(-1, 1, (n_in, n_out)) * math.sqrt(6 / (n_in + n_out)),
        np.zeros(n_out),
    ),
    # He et al. (2015), normal: keeps activation variance through relu layers.
    "he": lambda rng, n_in, n_out: (
        rng.standard_normal((n_in, n_out)) * math.sqrt(2 / n_in),
        np.zeros(n_out),
    ),
    # The blog's scheme: N(0, 1/n_out) weights (scaled by fan-OUT) and U(0, 0.1) biases.
    "seed": lambda rng, n_in, n_out: (
        rng.standard_normal((n_in, n_out)) * math.sqrt(1 / n_out),
        rng.uniform(0, 0.1, n_out),
    ),
}


def default_init(activation: Activation) -> str:
    """He for rectifiers, Glorot for everything else."""
    return "he" if activation.name in ("relu", "leaky_relu") else "glorot"


class Dense:
    """Fully connected layer ``A = activation(X @ W + b)``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths: ``X`` is ``(N, n_in)``, ``W`` is ``(n_in, n_out)``.
    activation : str or Activation, default "linear"
        One of :data:`chainrule.activations.ACTIVATIONS`.
    init : {"glorot", "he", "seed"} or None
        Weight initializer; None picks He for relu/leaky_relu and Glorot otherwise.
    W, b : array_like, optional
        Initial weights ``(n_in, n_out)`` and biases ``(n_out,)`` instead of ``init``.

    Notes
    -----
    ``W``, ``b``, ``dW`` and ``db`` are views into the owning network's flat parameter
    and gradient buffers; they exist once the layer is part of a :class:`Network`.
    """

    def __init__(self, n_in, n_out, activation="linear", init=None, W=None, b=None):
        self.n_in = check_int("n_in", n_in, 1)
        self.n_out = check_int("n_out", n_out, 1)
        self.activation = get_activation(activation)
        if init is None:
            init = default_init(self.activation)
        if init not in INITIALIZERS:
            raise ValueError(f"init must be one of {sorted(INITIALIZERS)}, got {init!r}")
        self.init = init
        self._initial = (
            None if W is None and b is None else (self._checked("W", W), self._checked("b", b))
        )
        self.W = self.b = self.dW = self.db = None
        self.network = None  # the Network whose buffers W, b, dW, db are views into

    def _checked(self, name, value):
        shape = (self.n_in, self.n_out) if name == "W" else (self.n_out,)
        if value is None:
            return None
        arr = np.asarray(value, dtype=float)
        if arr.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got a NaN or inf entry")
        return arr

    @property
    def n_params(self) -> int:
        return self.n_in * self.n_out + self.n_out

    def bind(self, params: np.ndarray, grads: np.ndarray, rng: np.random.Generator) -> None:
        """Point ``W, b, dW, db`` into slices of the flat buffers, keeping current values.

        A layer seen for the first time is initialized (from ``W``/``b`` if given, else
        from ``init`` drawing on ``rng``); a layer re-bound after the network grew keeps
        the values it had.
        """
        k = self.n_in * self.n_out
        if self.W is not None:
            old_W, old_b = self.W, self.b
        else:
            old_W, old_b = INITIALIZERS[self.init](rng, self.n_in, self.n_out)
            if self._initial is not None:
                W0, b0 = self._initial
                old_W = old_W if W0 is None else W0
                old_b = old_b if b0 is None else b0
        self.W = params[:k].reshape(self.n_in, self.n_out)
        self.b = params[k:]
        self.dW = grads[:k].reshape(self.n_in, self.n_out)
        self.db = grads[k:]
        self.W[...] = old_W
        self.b[...] = old_b

    def forward(self, X: np.ndarray):
        """``(N, n_in) -> (N, n_out)``; returns ``(A, backward)``.

        ``backward(dA, wrt_z=False, need_dX=True)`` writes ``dW = X^T dZ`` and
        ``db = sum(dZ)`` into the gradient buffer and returns ``dX = dZ W^T``, where
        ``dZ = f'(Z) * dA`` (or ``dZ = dA`` when ``wrt_z``: the caller already went
        through the activation, as the fused losses do).
        """
        Z = X @ self.W
        Z += self.b
        A = self.activation.forward(Z)
        backward_act = self.activation.backward
        W, dW, db = self.W, self.dW, self.db

        def backward(dA, wrt_z=False, need_dX=True):
            dZ = dA if wrt_z else backward_act(A, dA)
            np.matmul(X.T, dZ, out=dW)
            np.add.reduce(dZ, axis=0, out=db)
            return dZ @ W.T if need_dX else None

        return A, backward

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, {self.activation.name!r}, init={self.init!r})"
