"""Optimizers and learning-rate schedules.

An optimizer updates the network's whole flat parameter vector in a handful of NumPy
calls. Its state is explicit (``velocity``; ``m``, ``v``, ``t``; ``square_avg``) and
its update lines follow the papers. ``weight_decay`` is the classic L2 penalty
``0.5 * wd * ||W||^2``: it adds ``wd * W`` to the gradient of the weights (never the
biases) before the update.

A learning rate is a number or a schedule: any callable ``t -> lr`` of the number of
steps already taken (``t = 0`` for the first step), such as :class:`StepDecay`.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_real as _check_real


# ----------------------------------------------------------------------------- schedules
class Schedule:
    """Base class of learning-rate schedules: ``schedule(t) -> lr`` for step ``t >= 0``."""

    def __call__(self, t: int) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class StepDecay(Schedule):
    """``lr * gamma ** (t // step_size)``: multiply by ``gamma`` every ``step_size`` steps."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1):
        self.lr = _check_real("lr", lr, 0, low_open=True)
        self.step_size = int(_check_real("step_size", step_size, 1))
        self.gamma = _check_real("gamma", gamma, 0, 1, low_open=True)

    def __call__(self, t):
        return self.lr * self.gamma ** (t // self.step_size)


class ExponentialDecay(Schedule):
    """``lr * decay_rate ** (t / decay_steps)``: smooth exponential decay."""

    def __init__(self, lr: float, decay_rate: float, decay_steps: int = 1):
        self.lr = _check_real("lr", lr, 0, low_open=True)
        self.decay_rate = _check_real("decay_rate", decay_rate, 0, 1, low_open=True)
        self.decay_steps = _check_real("decay_steps", decay_steps, 0, low_open=True)

    def __call__(self, t):
        return self.lr * self.decay_rate ** (t / self.decay_steps)


class InverseTimeDecay(Schedule):
    """``lr / (1 + decay_rate * t / decay_steps)``: the classic 1/t decay."""

    def __init__(self, lr: float, decay_rate: float, decay_steps: int = 1):
        self.lr = _check_real("lr", lr, 0, low_open=True)
        self.decay_rate = _check_real("decay_rate", decay_rate, 0)
        self.decay_steps = _check_real("decay_steps", decay_steps, 0, low_open=True)

    def __call__(self, t):
        return self.lr / (1 + self.decay_rate * t / self.decay_steps)


# ----------------------------------------------------------------------------- optimizers
class Optimizer:
    """Base class: holds the learning rate (number or schedule) and weight decay.

    ``setup(params, decay_mask)`` allocates the state for a parameter vector;
    ``step(params, grads)`` updates ``params`` in place.
    """

    def __init__(self, lr, weight_decay=0.0):
        if callable(lr):
            self.lr = lr
        else:
            self.lr = _check_real("lr", lr, 0, low_open=True)
        self.weight_decay = _check_real("weight_decay", weight_decay, 0)
        self.t = 0
        self._decay = None
        self.params = None  # the parameter vector the state belongs to (set by setup)

    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        lr = self.lr(self.t) if callable(self.lr) else self.lr
        return float(lr)

    def setup(self, params: np.ndarray, decay_mask: np.ndarray | None = None) -> None:
        """Reset the state for ``params``; ``decay_mask`` is 1 on weights, 0 on biases."""
        self.t = 0
        self._decay = None
        self.params = params
        if self.weight_decay and decay_mask is not None:
            self._decay = (self.weight_decay * decay_mask).astype(params.dtype)
        self._reset(params)

    def _reset(self, params):  # pragma: no cover - interface
        raise NotImplementedError

    def _gradient(self, params, grads):
        """The gradient with the L2 term ``wd * W`` added (a new array only when wd > 0)."""
        return grads if self._decay is None else grads + self._decay * params

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Apply one update to ``params`` in place from ``grads`` (same shape)."""
        lr = self.current_lr()
        self._update(params, self._gradient(params, grads), lr)
        self.t += 1

    def _update(self, params, g, lr):  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    ``v = momentum * v + g``; ``p -= lr * v`` (or ``p -= lr * (g + momentum * v)`` with
    Nesterov), the convention of PyTorch and Sutskever et al. (2013).
    """

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _check_real("momentum", momentum, 0, 1, high_open=True)
        if nesterov and not self.momentum:
            raise ValueError(f"nesterov=True needs momentum > 0, got momentum={momentum!r}")
        self.nesterov = bool(nesterov)
        self.velocity = None

    def _reset(self, params):
        self.velocity = np.zeros_like(params) if self.momentum else None

    def _update(self, params, g, lr):
        if not self.momentum:
            params -= lr * g
            return
        v = self.velocity
        v *= self.momentum
        v += g
        params -= lr * (g + self.momentum * v) if self.nesterov else lr * v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015).

    ``m = b1 m + (1-b1) g``; ``v = b2 v + (1-b2) g^2``;
    ``p -= lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1-b1^t)``,
    ``v_hat = v / (1-b2^t)``.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.beta1 = _check_real("beta1", beta1, 0, 1, high_open=True)
        self.beta2 = _check_real("beta2", beta2, 0, 1, high_open=True)
        self.eps = _check_real("eps", eps, 0, low_open=True)
        self.m = self.v = None

    def _reset(self, params):
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)

    def _update(self, params, g, lr):
        b1, b2, m, v = self.beta1, self.beta2, self.m, self.v
        t = self.t + 1
        m += (1 - b1) * (g - m)
        v += (1 - b2) * (g * g - v)
        # NOTE: lr * m_hat / (sqrt(v_hat) + eps) rewritten with the bias corrections folded
        # into two scalars (Kingma & Ba, end of section 2): same value, no m_hat/v_hat arrays.
        c2 = math.sqrt(1 - b2**t)
        params -= (lr * c2 / (1 - b1**t)) * m / (np.sqrt(v) + self.eps * c2)


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, 2012).

    ``s = rho s + (1-rho) g^2``; ``p -= lr * g / (sqrt(s) + eps)``.
    """

    def __init__(self, lr=0.001, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.rho = _check_real("rho", rho, 0, 1, high_open=True)
        self.eps = _check_real("eps", eps, 0, low_open=True)
        self.square_avg = None

    def _reset(self, params):
        self.square_avg = np.zeros_like(params)

    def _update(self, params, g, lr):
        s = self.square_avg
        s += (1 - self.rho) * (g * g - s)
        params -= lr * g / (np.sqrt(s) + self.eps)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get_optimizer(optimizer, lr=None) -> Optimizer:
    """An :class:`Optimizer` from an instance or a name in :data:`OPTIMIZERS`."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        cls = OPTIMIZERS[optimizer.lower()]
        return cls() if lr is None else cls(lr=lr)
    raise ValueError(
        f"optimizer must be an Optimizer or one of {sorted(OPTIMIZERS)}, got {optimizer!r}"
    )
