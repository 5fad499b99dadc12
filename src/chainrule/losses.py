"""Loss functions: a table of ``name -> Loss(value, grad, fused)``.

``P`` is the network output, ``T`` the target, both ``(N, K)``. Every value is an
average over the batch, so gradients carry a ``1/N`` and a learning rate does not
depend on the batch size.

====================  ======================================  ===========================
name                  value                                   dL/dP
====================  ======================================  ===========================
mse                   mean((P - T)**2)   (over N*K entries)   2 (P - T) / (N K)
cross_entropy         -sum(T log P) / N                       -T / P / N
binary_cross_entropy  -mean(T log P + (1-T) log(1-P))         (P - T) / (P (1-P)) / (N K)
====================  ======================================  ===========================

``fused`` holds the gradient with respect to the output layer's pre-activation ``Z``
for the pairs where the chain rule collapses (see :data:`LOSSES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Loss:
    """A loss: ``value(P, T) -> float`` and ``grad(P, T) -> dL/dP``.

    Parameters
    ----------
    name : str
    value, grad : callable
        ``(P, T)``, both ``(N, K)``, to a Python float and to an ``(N, K)`` array.
    fused : dict
        ``{activation name: (P, T) -> dL/dZ}``: shortcuts through the output activation.
    outputs : tuple of str or None
        Output activations the loss is defined for (``None``: any).
    classification : bool or None
        True if targets are class labels, False if real values, None if either
        (mse: labels are one-hot encoded when the output has several units).
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    fused: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = field(default_factory=dict)
    outputs: tuple[str, ...] | None = None
    classification: bool | None = None


def _floor(P):
    """Smallest positive normal number of P's dtype: keeps log and 1/P finite."""
    return np.finfo(P.dtype).tiny


def _mse_value(P, T):
    D = P - T
    return float(np.vdot(D, D)) / D.size


def _mse_grad(P, T):
    return (P - T) * (2 / P.size)


def _ce_value(P, T):
    return -float(np.vdot(T, np.log(np.maximum(P, _floor(P))))) / P.shape[0]


def _ce_grad(P, T):
    return -T / np.maximum(P, _floor(P)) / P.shape[0]


def _bce_value(P, T):
    tiny = _floor(P)
    logp = np.log(np.maximum(P, tiny))
    log1mp = np.log(np.maximum(1 - P, tiny))
    return -float(np.vdot(T, logp) + np.vdot(1 - T, log1mp)) / P.size


def _bce_grad(P, T):
    return (P - T) / np.maximum(P * (1 - P), _floor(P)) / P.size


def _softmax_ce_dZ(P, T):
    return (P - T) * (1 / P.shape[0])


def _sigmoid_bce_dZ(P, T):
    return (P - T) * (1 / P.size)


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse_value, _mse_grad),
    # NOTE: softmax followed by cross-entropy: dL/dZ = J_softmax^T (-T/P) / N = (P - T) / N
    # because each row of T sums to 1. Same for sigmoid + binary cross-entropy:
    # P(1-P) * (P-T)/(P(1-P)) = P - T. Both skip the division by a possibly tiny P.
    "cross_entropy": Loss(
        "cross_entropy",
        _ce_value,
        _ce_grad,
        fused={"softmax": _softmax_ce_dZ},
        outputs=("softmax",),
        classification=True,
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        _bce_value,
        _bce_grad,
        fused={"sigmoid": _sigmoid_bce_dZ},
        outputs=("sigmoid",),
        classification=True,
    ),
}


def get_loss(loss: str | Loss) -> Loss:
    """Look up a loss by name, or pass a :class:`Loss` through.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if isinstance(loss, Loss):
        return loss
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a name (str) or a Loss, got {type(loss).__name__}")
    try:
        return LOSSES[loss]
    except KeyError:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}") from None
