"""The chain rule, step by step, for one sample: every number of a backward pass, checked.

:func:`explain` runs one sample through a network with the layers' own ``forward``
closures, then walks back through their ``backward`` closures, recording for each
layer (numbered from 1; ``a[0]`` is the input ``x``)::

    z[l] = a[l-1] W[l] + b[l]         a[l] = f(z[l])
    dL/da[l]                          (from the loss for the last layer)
    delta[l] = dL/da[l] * f'(z[l])    (softmax + cross-entropy, sigmoid + binary
                                       cross-entropy: fused, delta = a - t)
    dW[l] = a[l-1]^T delta[l]         db[l] = delta[l]
    dL/da[l-1] = delta[l] W[l]^T

Each backward quantity (and ``f'(z)``) is compared with a central finite difference
of the loss (of ``f`` for ``f'(z)``) and marked ✓ (agrees), ✗ (disagrees) or ~ (the
perturbation crossed a relu/leaky_relu kink, so no finite difference is meaningful).
The result renders as plain text or Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_real, check_y
from .activations import ACTIVATIONS
from .gradcheck import KINKED, error_floor, forward_signature, relative_error, same_pattern

#: ``f'(z)`` written from the activation's output ``a``, for printing.
DERIVATIVE_FORMULAS = {
    "linear": "1",
    "sigmoid": "a (1 - a)",
    "tanh": "1 - a^2",
    "relu": "1 if z > 0 else 0",
    "leaky_relu": "1 if z > 0 else 0.01",
}

#: ``dL/da`` of the last layer for one sample (K output units), for printing.
LOSS_GRADIENT_FORMULAS = {
    "mse": "2 (a - t) / K",
    "cross_entropy": "-t / a",
    "binary_cross_entropy": "(a - t) / (a (1 - a) K)",
}

MARKS = {True: "✓", False: "✗", None: "~"}


@dataclass(frozen=True)
class Quantity:
    """One array of the explanation and its finite-difference check.

    Attributes
    ----------
    symbol : str
        ``"dW[2]"``, ``"delta[3]"``, ...
    formula : str
        How it is computed, e.g. ``"a[1]^T delta[2]"``.
    value : ndarray
        The value (``(1, n)`` for per-sample vectors, ``(n_in, n_out)`` for ``dW``).
    numeric : ndarray or None
        The finite difference, same shape (None for forward quantities).
    rel_error : ndarray or None
        Relative error per entry (NaN where skipped at a kink).
    checks : ndarray of object or None
        Per entry True (agrees), False (disagrees) or None (kink: not checked).
    """

    symbol: str
    formula: str
    value: np.ndarray
    numeric: np.ndarray | None = None
    rel_error: np.ndarray | None = None
    checks: np.ndarray | None = None

    @property
    def checked(self) -> bool:
        return self.checks is not None

    @property
    def ok(self) -> bool:
        """No entry disagrees (kinks do not count against it)."""
        return self.checks is None or not any(c is False for c in self.checks.ravel())

    @property
    def n_ok(self) -> int:
        return 0 if self.checks is None else sum(c is True for c in self.checks.ravel())

    @property
    def n_kinks(self) -> int:
        return 0 if self.checks is None else sum(c is None for c in self.checks.ravel())

    @property
    def max_rel_error(self) -> float:
        if self.rel_error is None or np.all(np.isnan(self.rel_error)):
            return 0.0
        return float(np.nanmax(self.rel_error))


@dataclass(frozen=True)
class LayerStep:
    """Forward and backward quantities of one layer (``index`` counts from 1)."""

    index: int
    n_in: int
    n_out: int
    activation: str
    z: Quantity
    a: Quantity
    dA: Quantity | None = None
    fprime: Quantity | None = None
    delta: Quantity | None = None
    dW: Quantity | None = None
    db: Quantity | None = None
    dA_prev: Quantity | None = None
    note: str = ""

    def backward_quantities(self) -> list[Quantity]:
        items = (self.dA, self.fprime, self.delta, self.dW, self.db, self.dA_prev)
        return [q for q in items if q is not None]


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` returns; ``str()`` is the text rendering.

    Attributes
    ----------
    x : ndarray of shape (1, n_in)
    target : ndarray of shape (1, n_out)
        The encoded target ``t``.
    label : object
        The label or target the caller gave.
    loss : str
    loss_value : float
    layers : list of LayerStep
        Input layer first.
    eps, tol : float
    ok : bool
        Every checked number agrees with its finite difference.
    """

    x: np.ndarray
    target: np.ndarray
    label: object
    loss: str
    loss_value: float
    layers: list[LayerStep]
    eps: float
    tol: float
    ok: bool

    def quantities(self) -> list[Quantity]:
        """Every checked quantity once, output layer first (the order of the backward pass).

        A hidden layer's ``dL/da`` is the same object as the ``dL/da_prev`` of the layer
        above it and is listed once.
        """
        seen, out = set(), []
        for step in reversed(self.layers):
            for q in step.backward_quantities():
                if id(q) not in seen:
                    seen.add(id(q))
                    out.append(q)
        return out

    def render(self, fmt: str = "text", max_entries: int = 6) -> str:
        """The explanation as ``"text"`` or ``"markdown"``.

        Arrays with at most ``max_entries`` entries are printed in full, each entry with
        its mark; larger ones show their first ``max_entries`` entries and a summary.
        """
        if fmt not in ("text", "markdown"):
            raise ValueError(f"fmt must be one of ['markdown', 'text'], got {fmt!r}")
        return (_render_markdown if fmt == "markdown" else _render_text)(self, max_entries)

    def __str__(self) -> str:
        return self.render("text")


# ----------------------------------------------------------------------------- maths
def _numeric(f, value, eps):
    """Central differences of the scalar ``f(array) -> (value, pattern)`` at every entry.

    Returns ``(numeric, kink)`` where ``kink`` marks entries whose ``+-eps`` changed the
    kink pattern (see :func:`chainrule.gradcheck.forward_signature`).
    """
    value = np.array(value, dtype=np.float64)
    flat = value.reshape(-1)
    _, center = f(value)
    numeric = np.empty(flat.size)
    kink = np.zeros(flat.size, bool)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = flat[i]
        f_hi, p_hi = f(value)
        flat[i] = old - eps
        lo = flat[i]
        f_lo, p_lo = f(value)
        flat[i] = old
        numeric[i] = (f_hi - f_lo) / (hi - lo)
        kink[i] = not (same_pattern(p_hi, center) and same_pattern(p_lo, center))
    return numeric.reshape(value.shape), kink.reshape(value.shape)


def _checked(symbol, formula, value, numeric, kink, floor, tol):
    rel = relative_error(value, numeric, floor)
    rel[kink] = np.nan
    checks = np.empty(value.shape, object)
    for idx in np.ndindex(value.shape):
        checks[idx] = None if kink[idx] else bool(rel[idx] <= tol)
    return Quantity(symbol, formula, np.array(value, copy=True), numeric, rel, checks)


def _target(net, y, loss):
    """The encoded target row for one label/target, learning nothing into ``net``."""
    from .gradcheck import encode_for_check

    y = np.asarray(y)
    y = y.reshape(1) if y.ndim == 0 else y.reshape(1, -1)
    return encode_for_check(net, check_y(y, 1), loss)


def explain(net, x, y, loss=None, eps: float = 1e-6, tol: float = 1e-5) -> Explanation:
    """Back-propagate one sample and check every intermediate number.

    Parameters
    ----------
    net : Network
        A float64 network (a float32 one is explained through a float64 copy). Its
        parameters are left unchanged; its gradient buffer holds this sample's gradient
        afterwards.
    x : array_like of shape (n_in,) or (1, n_in)
        The sample.
    y : scalar or array_like of shape (n_out,)
        Its class label (integer labels ``0..n_out-1`` for an untrained network) or its
        target row.
    loss : str or Loss, optional
        Default from the output layer.
    eps : float
        Finite-difference step.
    tol : float
        Largest relative error for a ✓ (with the floor of :mod:`chainrule.gradcheck`).

    Returns
    -------
    Explanation
    """
    from .gradcheck import float64_copy

    eps = check_real("eps", eps, 0, low_open=True)
    tol = check_real("tol", tol, 0, low_open=True)
    net = net if net._require_layers().dtype.name == "float64" else float64_copy(net)
    loss = net.resolve_loss(loss)
    X = net.check_X(np.asarray(x).reshape(1, -1), name="x")
    T = _target(net, y, loss)
    layers = net.layers

    # Forward with the layers' own closures; z is recomputed only to be shown.
    inputs, outputs, zs, closures = [X], [], [], []
    for layer in layers:
        a_prev = inputs[-1]
        A, backward = layer.forward(a_prev)
        zs.append(a_prev @ layer.W + layer.b)
        outputs.append(A)
        closures.append(backward)
        inputs.append(A)
    P = outputs[-1]
    loss_value = loss.value(P, T)
    floor = error_floor(loss_value, eps, tol)
    fd_floor = error_floor(1.0, eps, tol)

    def tail(start):
        """Loss as a function of the input of layer ``start`` (0-based)."""
        def f(A):
            P, pattern = forward_signature(layers[start:], A)
            return loss.value(P, T), pattern
        return f

    def from_z(i):
        layer = layers[i]
        rest = tail(i + 1)

        def f(Z):
            A = layer.activation.forward(Z)
            value, pattern = rest(A)
            own = [A > 0] if layer.activation.name in KINKED else []
            return value, own + pattern
        return f

    def from_params(view):
        def f(values):
            saved = view.copy()
            view[...] = values
            try:
                P, pattern = forward_signature(layers, X)
                return loss.value(P, T), pattern
            finally:
                view[...] = saved
        return f

    last = layers[-1].activation
    fused = loss.fused.get(last.name) if ACTIVATIONS.get(last.name) is last else None
    steps: list[LayerStep] = []
    dA = loss.grad(P, T)
    n = len(layers)
    for i in reversed(range(n)):
        layer, act = layers[i], layers[i].activation
        l = i + 1
        if i == n - 1:
            dA_q = _checked(f"dL/da[{l}]", LOSS_GRADIENT_FORMULAS.get(loss.name, "dL/da"),
                            dA, *_numeric(tail(i + 1), outputs[i], eps), floor, tol)
        else:
            dA_q = steps[-1].dA_prev  # the layer above computed (and checked) it
        fprime_q, note = None, ""
        if i == n - 1 and fused is not None:
            delta = fused(P, T)
            note = (f"{act.name} + {loss.name} fused: delta = a - t, the chain rule "
                    "through the activation collapses (no division by a)")
            formula = "a - t  (fused)"
        else:
            delta = act.backward(outputs[i], dA)
            formula = f"dL/da[{l}] * f'(z[{l}])"
            if act.derivative is not None:
                fp = act.derivative(outputs[i])

                def f_act(Z, act=act):
                    A = act.forward(Z)
                    return float(A.sum()), [A > 0] if act.name in KINKED else []

                # NOTE: f is element-wise, so d(sum f(z))/dz_j = f'(z_j).
                fprime_q = _checked(f"f'(z[{l}])", DERIVATIVE_FORMULAS.get(act.name, "f'(z)"),
                                    fp, *_numeric(f_act, zs[i], eps), fd_floor, tol)
            else:
                note = (f"{act.name} has a full Jacobian diag(a) - a a^T, so "
                        "delta = a * (dL/da - <dL/da, a>) instead of an element-wise product")
                formula = "J(a)^T dL/da"
        delta_q = _checked(f"delta[{l}]", formula, delta, *_numeric(from_z(i), zs[i], eps),
                           floor, tol)
        dX = closures[i](delta if fused is not None and i == n - 1 else dA,
                         wrt_z=fused is not None and i == n - 1, need_dX=True)
        dW_q = _checked(f"dW[{l}]", f"a[{l - 1}]^T delta[{l}]", layer.dW.copy(),
                        *_numeric(from_params(layer.W), layer.W, eps), floor, tol)
        db_q = _checked(f"db[{l}]", f"delta[{l}]", layer.db.copy(),
                        *_numeric(from_params(layer.b), layer.b, eps), floor, tol)
        dprev_q = _checked(f"dL/da[{l - 1}]" if i else "dL/dx", f"delta[{l}] W[{l}]^T",
                           dX, *_numeric(tail(i), inputs[i], eps), floor, tol)
        steps.append(LayerStep(
            index=l, n_in=layer.n_in, n_out=layer.n_out, activation=act.name,
            z=Quantity(f"z[{l}]", f"a[{l - 1}] W[{l}] + b[{l}]", zs[i]),
            a=Quantity(f"a[{l}]", f"{act.name}(z[{l}])", outputs[i].copy()),
            dA=dA_q, fprime=fprime_q, delta=delta_q, dW=dW_q, db=db_q, dA_prev=dprev_q,
            note=note))
        dA = dX
    steps.reverse()
    ok = all(q.ok for s in steps for q in s.backward_quantities())
    label = y.item() if isinstance(y, np.generic) else y
    return Explanation(x=X.copy(), target=T, label=label, loss=loss.name, loss_value=loss_value,
                       layers=steps, eps=eps, tol=tol, ok=ok)


# ----------------------------------------------------------------------------- rendering
def _num(v) -> str:
    return f"{v:+.4e}"


def _values(q: Quantity, max_entries: int) -> str:
    flat = q.value.ravel()
    marks = None if q.checks is None else q.checks.ravel()
    shown = flat[:max_entries]
    parts = [_num(v) + ("" if marks is None else " " + MARKS[marks[i]])
             for i, v in enumerate(shown)]
    text = "[" + ", ".join(parts) + (f", ... +{flat.size - len(shown)} more" if
                                     flat.size > len(shown) else "") + "]"
    return text


def _summary(q: Quantity) -> str:
    if not q.checked:
        return ""
    kinks = f", {q.n_kinks} ~" if q.n_kinks else ""
    mark = MARKS[q.ok]
    return f"{mark} {q.n_ok}/{q.value.size} agree{kinks}, max rel err {q.max_rel_error:.1e}"


def _shape(q: Quantity) -> str:
    return "(" + ", ".join(map(str, q.value.shape)) + ")"


def _architecture(e: Explanation) -> str:
    sizes = [e.layers[0].n_in] + [s.n_out for s in e.layers]
    acts = [s.activation for s in e.layers]
    hidden = sorted(set(acts[:-1]))
    return (f"{'-'.join(map(str, sizes))} network, hidden {'/'.join(hidden) or 'none'}, "
            f"output {acts[-1]}")


def _render_text(e: Explanation, max_entries: int) -> str:
    out = [f"chainrule explain: one sample through a {_architecture(e)}; loss {e.loss}",
           f"x = {_values(Quantity('x', '', e.x), max_entries)}   label {e.label!r}   "
           f"target t = {_values(Quantity('t', '', e.target), max_entries)}", "",
           "FORWARD  (z = a_prev W + b, a = f(z))"]

    def line(q, with_summary=True):
        s = f"  {q.symbol:<11} = {q.formula:<24} {_shape(q):<9} {_values(q, max_entries)}"
        summ = _summary(q) if with_summary else ""
        return s + (f"\n  {'':<11}   {'':<24} {'':<9} {summ}" if summ and q.value.size >
                    max_entries else "")

    for s in e.layers:
        out.append(f"layer {s.index} ({s.n_in} -> {s.n_out}, {s.activation})")
        out += [line(s.z), line(s.a)]
    out += [f"loss     L = {e.loss}(a[{len(e.layers)}], t) = {e.loss_value:.6g}", "",
            f"BACKWARD  (each number against a central finite difference, eps={e.eps:g}: "
            f"{MARKS[True]} agrees within {e.tol:g}, {MARKS[False]} does not, "
            f"{MARKS[None]} kink)"]
    for s in reversed(e.layers):
        out.append(f"layer {s.index} ({s.n_in} -> {s.n_out}, {s.activation})")
        if s.note:
            out.append(f"  note: {s.note}")
        out += [line(q) for q in s.backward_quantities()]
    total = sum(q.value.size for q in e.quantities())
    bad = sum(q.value.size - q.n_ok - q.n_kinks for q in e.quantities())
    out += ["", f"{'OK' if e.ok else 'FAILED'}: {total - bad} of {total} back-propagated "
            f"numbers checked ({sum(q.n_kinks for q in e.quantities())} at a kink), "
            f"{bad} disagree"]
    return "\n".join(out)


def _render_markdown(e: Explanation, max_entries: int) -> str:
    def row(q):
        return (f"| `{q.symbol}` | `{q.formula}` | {_shape(q)} | `{_values(q, max_entries)}` | "
                f"{_summary(q) or '-'} |")

    head = "| quantity | formula | shape | values | check |\n|---|---|---|---|---|"
    out = ["# The chain rule, one sample at a time", "",
           f"A {_architecture(e)}, loss `{e.loss}`. "
           f"Input `x = {_values(Quantity('x', '', e.x), 8)}`, label `{e.label!r}`, "
           f"target `t = {_values(Quantity('t', '', e.target), 8)}`.", "",
           "## Forward pass", "", "`z = a_prev W + b`, `a = f(z)`; `a[0]` is the input.", ""]
    for s in e.layers:
        out += [f"### Layer {s.index}: {s.n_in} → {s.n_out}, {s.activation}", "", head,
                row(s.z), row(s.a), ""]
    out += [f"Loss: `L = {e.loss}(a[{len(e.layers)}], t) = {e.loss_value:.6g}`", "",
            "## Backward pass", "",
            f"Every entry is compared with a central finite difference (eps = {e.eps:g}): "
            f"{MARKS[True]} agrees within a relative error of {e.tol:g}, {MARKS[False]} "
            f"does not, {MARKS[None]} the perturbation crossed a relu kink.", ""]
    for s in reversed(e.layers):
        out += [f"### Layer {s.index}: {s.n_in} → {s.n_out}, {s.activation}", ""]
        if s.note:
            out += [f"> {s.note}", ""]
        out += [head] + [row(q) for q in s.backward_quantities()] + [""]
    out += [f"**{'All checked numbers agree.' if e.ok else 'Some numbers disagree.'}**", ""]
    return "\n".join(out)
