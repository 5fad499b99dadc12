"""Gradient checking: the back-propagated gradient against central finite differences.

For every checked parameter ``p`` the numeric derivative is

    (L(p + eps) - L(p - eps)) / (2 eps)

computed in float64 (a float32 network is checked through a float64 copy of itself,
so the check is about the maths, not about float32 rounding). The comparison is a
relative error with a floor,

    rel = |analytic - numeric| / max(|analytic|, |numeric|, floor),
    floor = 10 * machine_eps * |L| / (eps * tol),

because a finite difference is only accurate to about ``machine_eps * |L| / eps`` in
absolute terms: for entries smaller than ``floor`` a relative error of ``tol`` cannot
be resolved, so they are held to the absolute error ``tol * floor`` instead (a few
1e-9 at the defaults). A deliberately wrong derivative is off by the size of the
gradient itself and is caught by many orders of magnitude.

Kinks
-----
relu and leaky_relu are not differentiable at 0. If perturbing a parameter by
``+-eps`` moves any pre-activation of a relu/leaky_relu layer across 0, the finite
difference straddles the kink and measures an average of two slopes, so the entry is
*skipped* and counted in ``n_kinks`` (never reported as an error). The crossing is
detected from the layers' outputs: for both activations ``sign(a) == sign(z)``, so the
pattern ``a > 0`` at ``p - eps``, ``p`` and ``p + eps`` must agree. A correct network
therefore never fails by the bad luck of a pre-activation lying within ``eps`` of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int, check_real, check_y
from .layers import Dense
from .network import Network

#: Activations with a kink at 0, whose crossing makes a finite difference meaningless.
KINKED = frozenset({"relu", "leaky_relu"})


@dataclass(frozen=True)
class TensorCheck:
    """The check of one parameter tensor (``layers.0.W``, ``layers.0.b``, ...).

    Attributes
    ----------
    name : str
    shape : tuple of int
    n_params : int
        Entries in the tensor.
    n_checked : int
        Entries compared (all of them unless sampled), kinks excluded.
    n_kinks : int
        Entries skipped because ``+-eps`` crossed a relu/leaky_relu kink.
    max_rel_error : float
        Largest relative error over the checked entries (0.0 if none).
    worst_index : tuple of int or None
        Index (into the tensor) of that entry.
    analytic, numeric : float
        Back-propagated and finite-difference values at ``worst_index``.
    ok : bool
        ``max_rel_error <= tol``.
    """

    name: str
    shape: tuple[int, ...]
    n_params: int
    n_checked: int
    n_kinks: int
    max_rel_error: float
    worst_index: tuple[int, ...] | None
    analytic: float
    numeric: float
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """What :func:`gradcheck` returns.

    Attributes
    ----------
    tensors : list of TensorCheck
        One per parameter tensor, in ``net.named_parameters()`` order.
    max_rel_error : float
        Largest relative error over every checked entry.
    worst : TensorCheck or None
        The tensor holding that entry (``worst.worst_index``, ``worst.analytic``,
        ``worst.numeric``); None when nothing could be checked.
    ok : bool
        True when every checked entry is within ``tol``.
    loss : str
        Name of the loss that was differentiated.
    loss_value : float
        The loss at the unperturbed parameters.
    eps, tol, floor : float
        Step, tolerance and the relative error's floor (see the module docstring).
    n_params, n_checked, n_kinks : int
        Totals over the tensors; ``sampled`` is True when ``n_checked + n_kinks < n_params``.
    n_samples : int
        Rows of ``X`` the loss was averaged over.
    dtype : str
        The network's own dtype (the check itself always runs in float64).
    """

    tensors: list[TensorCheck]
    max_rel_error: float
    worst: TensorCheck | None
    ok: bool
    loss: str
    loss_value: float
    eps: float
    tol: float
    floor: float
    n_params: int
    n_checked: int
    n_kinks: int
    n_samples: int
    dtype: str
    sampled: bool = field(default=False)

    def __str__(self) -> str:
        head = (f"gradcheck: loss={self.loss} ({self.loss_value:.6g}) on {self.n_samples} "
                f"samples, eps={self.eps:g}, tol={self.tol:g}, float64"
                + ("" if self.dtype == "float64" else f" copy of a {self.dtype} network"))
        rows = [("tensor", "shape", "checked", "kinks", "max rel err", "worst entry", "")]
        for t in self.tensors:
            where = (f"{list(t.worst_index)}: {t.analytic:+.6e} vs {t.numeric:+.6e}"
                     if t.worst_index is not None else "-")
            rows.append((t.name, "x".join(map(str, t.shape)), f"{t.n_checked}/{t.n_params}",
                         str(t.n_kinks), f"{t.max_rel_error:.2e}", where,
                         "ok" if t.ok else "WRONG"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [head]
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        sample = " (sampled)" if self.sampled else ""
        kinks = f", {self.n_kinks} skipped at a relu kink" if self.n_kinks else ""
        lines.append(f"checked {self.n_checked} of {self.n_params} parameters{sample}{kinks}; "
                     f"max relative error {self.max_rel_error:.2e} (floor {self.floor:.1e})")
        if self.ok:
            lines.append("OK: every checked gradient matches its finite difference")
        else:
            w = self.worst
            lines.append(f"FAILED: {w.name}{list(w.worst_index)} back-propagates "
                         f"{w.analytic:+.6e} but the finite difference is {w.numeric:+.6e}")
        return "\n".join(lines)


def float64_copy(net: Network) -> Network:
    """A float64 network with the same layers, activations, parameters and classes."""
    layers = [
        Dense(layer.n_in, layer.n_out, layer.activation, init=layer.init,
              W=np.asarray(layer.W, np.float64), b=np.asarray(layer.b, np.float64))
        for layer in net._require_layers().layers
    ]
    copy = Network(layers, seed=0, dtype="float64")
    copy.classes_ = net.classes_
    return copy


def forward_signature(layers, X):
    """Run ``layers`` forward from ``X``; returns ``(P, kink pattern)``.

    The pattern is the tuple of ``a > 0`` masks of the relu/leaky_relu layers: two
    points with equal patterns lie on the same linear piece of every kinked unit.
    """
    pattern = []
    for layer in layers:
        X, _ = layer.forward(X)
        if layer.activation.name in KINKED:
            pattern.append(X > 0)
    return X, pattern


def same_pattern(a, b) -> bool:
    """Whether two kink patterns from :func:`forward_signature` agree everywhere."""
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def relative_error(analytic, numeric, floor):
    """``|a - n| / max(|a|, |n|, floor)`` element-wise (0 where ``a == n``)."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    diff = np.abs(analytic - numeric)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=diff > 0)


def error_floor(loss_value, eps, tol) -> float:
    """The relative error's floor: ``10 machine_eps |L| / (eps tol)`` (module docstring)."""
    return max(10 * np.finfo(np.float64).eps * abs(loss_value) / (eps * tol),
               np.finfo(np.float64).tiny)


def encode_for_check(net: Network, y: np.ndarray, loss) -> np.ndarray:
    """``net.encode_targets(y, loss)`` that never changes ``net.classes_``.

    An untrained network (``classes_`` is None) takes integer labels in
    ``0 .. max(n_out, 2) - 1`` as its classes, so a batch that happens to miss a class
    (or a single sample) is still encoded in the order training would use.
    """
    if net.classes_ is not None or y.ndim != 1 or not net.is_classifier(loss, y):
        return net.encode_targets(y, loss)
    k = max(net.n_out, 2)
    try:
        if np.issubdtype(y.dtype, np.integer) and y.min() >= 0 and y.max() < k:
            net.classes_ = np.arange(k)
            return net.encode_targets(y, loss)
        return net.encode_targets(y, loss, fit=True)
    finally:
        net.classes_ = None


def _choose(rng, sizes, max_checks):
    """Flat indices to check per tensor: all of them, or a proportional sample (>= 10 each)."""
    total = sum(sizes)
    if total <= max_checks:
        return [np.arange(s) for s in sizes]
    picks = []
    for s in sizes:
        quota = min(s, max(math.ceil(max_checks * s / total), min(s, 10)))
        picks.append(np.sort(rng.choice(s, size=quota, replace=False)))
    return picks


def gradcheck(net: Network, X, y, loss=None, eps: float = 1e-6, tol: float = 1e-6,
              max_checks: int = 4000, seed=0) -> GradcheckReport:
    """Compare ``net``'s back-propagated gradient with central finite differences.

    Parameters
    ----------
    net : Network
        Left unchanged: parameters, gradients and classes are restored.
    X : array_like of shape (N, n_in)
        Keep ``N`` small (a few dozen rows): each checked parameter costs two
        forward passes over ``X``.
    y : array_like of shape (N,) or (N, n_out)
        Labels or targets, as for ``net.fit``.
    loss : str or Loss, optional
        Default from the output layer (``net.default_loss()``).
    eps : float
        Finite-difference step.
    tol : float
        Largest relative error accepted (see the module docstring for the floor).
    max_checks : int
        Parameter budget: with more parameters than this, each tensor is sampled in
        proportion to its size (at least 10 entries each); ``report.n_checked`` says how
        many were compared.
    seed : int or numpy.random.Generator
        Chooses the sample.

    Returns
    -------
    GradcheckReport
        ``report.ok``, ``report.max_rel_error``, per-tensor rows; ``print(report)``
        shows a table.
    """
    eps = check_real("eps", eps, 0, low_open=True)
    tol = check_real("tol", tol, 0, low_open=True)
    max_checks = check_int("max_checks", max_checks, 1)
    dtype = net._require_layers().dtype.name
    work = net if dtype == "float64" else float64_copy(net)
    loss = work.resolve_loss(loss)
    X = work.check_X(X)
    y = check_y(y, len(X))
    saved_params, saved_grads, saved_classes = work.params.copy(), work.grads.copy(), work.classes_
    try:
        T = encode_for_check(work, y, loss)
        return _check(work, X, T, loss, eps, tol, max_checks, np.random.default_rng(seed), dtype)
    finally:
        work.params[...] = saved_params
        work.grads[...] = saved_grads
        work.classes_ = saved_classes


def _check(net, X, T, loss, eps, tol, max_checks, rng, dtype):
    value, _ = net.loss_and_gradient(X, T, loss)
    analytic = net.grads.copy()
    floor = error_floor(value, eps, tol)
    _, center = forward_signature(net.layers, X)
    named = net.named_parameters()
    sizes = [v.size for _, v, _ in named]
    picks = _choose(rng, sizes, max_checks)
    params = net.params
    tensors, offset = [], 0
    for (name, view, _), size, idx in zip(named, sizes, picks, strict=True):
        a_vals, n_vals, kept, kinks = [], [], [], 0
        for j in idx:
            k = offset + int(j)
            old = params[k]
            params[k] = old + eps
            hi = params[k]
            P, sig_hi = forward_signature(net.layers, X)
            L_hi = loss.value(P, T)
            params[k] = old - eps
            lo = params[k]
            P, sig_lo = forward_signature(net.layers, X)
            L_lo = loss.value(P, T)
            params[k] = old
            if not (same_pattern(sig_hi, center) and same_pattern(sig_lo, center)):
                kinks += 1
                continue
            # NOTE: divide by the step actually taken (hi - lo), which rounding makes
            # differ from 2 eps in the last bits.
            n_vals.append((L_hi - L_lo) / (hi - lo))
            a_vals.append(analytic[k])
            kept.append(int(j))
        rel = relative_error(a_vals, n_vals, floor)
        if len(rel):
            w = int(np.argmax(rel))
            worst = (float(rel[w]), tuple(int(i) for i in np.unravel_index(kept[w], view.shape)),
                     float(a_vals[w]), float(n_vals[w]))
        else:
            worst = (0.0, None, math.nan, math.nan)
        tensors.append(TensorCheck(name, tuple(view.shape), size, len(kept), kinks, worst[0],
                                   worst[1], worst[2], worst[3], bool(worst[0] <= tol)))
        offset += size
    checked = [t for t in tensors if t.n_checked]
    top = max(checked, key=lambda t: t.max_rel_error) if checked else None
    n_checked = sum(t.n_checked for t in tensors)
    n_kinks = sum(t.n_kinks for t in tensors)
    return GradcheckReport(
        tensors=tensors,
        max_rel_error=top.max_rel_error if top else 0.0,
        worst=top,
        ok=all(t.ok for t in tensors),
        loss=loss.name,
        loss_value=float(value),
        eps=eps,
        tol=tol,
        floor=floor,
        n_params=int(sum(sizes)),
        n_checked=n_checked,
        n_kinks=n_kinks,
        n_samples=len(X),
        dtype=dtype,
        sampled=n_checked + n_kinks < sum(sizes),
    )
