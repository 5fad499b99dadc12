"""Activation functions: a table of ``name -> Activation(forward, backward)``.

Every backward is written from the forward's *output* ``A`` (not its input ``Z``)
where the maths allows, so a layer only has to keep ``A`` for its backward pass:

=============  ========================  ==============================
name           forward  A = f(Z)          backward  dL/dZ from A, dL/dA
=============  ========================  ==============================
linear         Z                         dA
sigmoid        1 / (1 + exp(-Z))         dA * A * (1 - A)
tanh           tanh(Z)                   dA * (1 - A**2)
relu           max(Z, 0)                 dA * (A > 0)
leaky_relu     Z if Z > 0 else 0.01 Z    dA * (1 if A > 0 else 0.01)
softmax        exp(Z - max) / sum        A * (dA - sum(dA * A, axis=1))
=============  ========================  ==============================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An activation: ``forward(Z) -> A`` and ``backward(A, dA) -> dZ``.

    Parameters
    ----------
    name : str
        Name used in model files, error messages and printed summaries.
    forward : callable
        ``(N, n) -> (N, n)``; must not modify its argument.
    backward : callable
        ``(A, dA) -> dZ``, the vector-Jacobian product at the forward's output ``A``.
    derivative : callable or None
        ``A -> f'(Z)`` element-wise, for activations whose Jacobian is diagonal
        (all but softmax); used by ``chainrule explain`` to print ``f'(z)``.
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray] | None = None


class _TimesDerivative:
    """``backward(A, dA) = dA * f'(A)`` for a diagonal Jacobian (a class so it pickles)."""

    def __init__(self, derivative):
        self.derivative = derivative

    def __call__(self, A, dA):
        return dA * self.derivative(A)


def _elementwise(name, forward, derivative):
    """Activation whose Jacobian is diagonal: backward is ``dA * f'(Z)``, f' taken from A."""
    return Activation(name, forward, _TimesDerivative(derivative), derivative)


def _identity(Z):
    return Z


def _identity_backward(A, dA):
    return dA


def _sigmoid_derivative(A):
    return A * (1 - A)


def _tanh_derivative(A):
    return 1 - A * A


def _relu(Z):
    return np.maximum(Z, 0)


def _relu_derivative(A):
    return (A > 0).astype(A.dtype, copy=False)


def _sigmoid(Z):
    # NOTE: scipy's expit is one ufunc that evaluates 1/(1+e^-z) for z >= 0 and e^z/(1+e^z)
    # for z < 0, so exp never overflows (no warning at +-1000) and small outputs keep
    # full relative precision.
    return expit(Z)


def _softmax(Z):
    # NOTE: shifting each row by its max leaves softmax unchanged and keeps exp <= 1.
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_backward(A, dA):
    # NOTE: the Jacobian is diag(a) - a a^T, so J^T dA = a * (dA - <dA, a>) row by row.
    return A * (dA - np.sum(dA * A, axis=1, keepdims=True))


def _leaky(Z):
    return np.where(Z > 0, Z, Z * LEAKY_SLOPE)


def _leaky_derivative(A):
    # NOTE: the slope is positive, so sign(A) = sign(Z) and the output decides the branch.
    return np.where(A > 0, 1, LEAKY_SLOPE).astype(A.dtype, copy=False)


ACTIVATIONS: dict[str, Activation] = {
    # linear's backward is the identity: no multiply by ones on the hot path.
    "linear": Activation("linear", _identity, _identity_backward, np.ones_like),
    "sigmoid": _elementwise("sigmoid", _sigmoid, _sigmoid_derivative),
    "tanh": _elementwise("tanh", np.tanh, _tanh_derivative),
    "relu": _elementwise("relu", _relu, _relu_derivative),
    "leaky_relu": _elementwise("leaky_relu", _leaky, _leaky_derivative),
    "softmax": Activation("softmax", _softmax, _softmax_backward, None),
}


def get_activation(activation: str | Activation | None) -> Activation:
    """Look up an activation by name (``None`` means ``"linear"``), or pass one through.

    Raises
    ------
    ValueError
        If the name is not in :data:`ACTIVATIONS`; the message lists the valid names.
    TypeError
        If ``activation`` is neither a string, ``None`` nor an :class:`Activation`.
    """
    if activation is None:
        return ACTIVATIONS["linear"]
    if isinstance(activation, Activation):
        return activation
    if not isinstance(activation, str):
        raise TypeError(
            f"activation must be a name (str) or an Activation, got {type(activation).__name__}"
        )
    try:
        return ACTIVATIONS[activation]
    except KeyError:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
        ) from None
