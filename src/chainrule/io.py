"""Model files: safetensors tensors + the architecture as JSON in the file's metadata.

No pickle anywhere: a model file holds named arrays and one JSON string, and loading
checks every name, shape, dtype and value against that JSON before building a network.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._atomic import write_bytes
from .activations import ACTIVATIONS
from .layers import INITIALIZERS, Dense
from .losses import LOSSES
from .network import DTYPES, Network

FORMAT = "chainrule"
VERSION = 1
#: Largest model file ``load`` reads (bytes): refuses absurd files before allocating.
MAX_FILE_BYTES = 2**31


class ModelFileError(ValueError):
    """A model file is missing, damaged, hostile or not a chainrule model."""


def save(net: Network, path, metadata: dict | None = None) -> Path:
    """Write ``net`` to ``path`` (safetensors), atomically.

    Parameters
    ----------
    net : Network
    path : str or Path
        Usually ``*.safetensors``.
    metadata : dict, optional
        Extra JSON-serialisable information (training settings, metrics) kept in the file.

    Returns
    -------
    Path
    """
    from safetensors.numpy import save as st_save

    if not np.all(np.isfinite(net.params)):
        raise ValueError("the network's parameters hold NaN or inf; refusing to save them")
    for i, layer in enumerate(net._require_layers().layers):
        if ACTIVATIONS.get(layer.activation.name) is not layer.activation:
            raise ValueError(
                f"layer {i} has a custom activation {layer.activation.name!r}; only the "
                f"built-in activations {sorted(ACTIVATIONS)} can be saved"
            )
    classes = None
    if net.classes_ is not None:
        classes = {"values": net.classes_.tolist()}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "dtype": net.dtype.name,
        "layers": [{"n_in": layer.n_in, "n_out": layer.n_out,
                    "activation": layer.activation.name, "init": layer.init}
                   for layer in net.layers],
        "classes": classes,
        "loss": net.loss_.name if net.loss_ is not None and net.loss_.name in LOSSES else None,
        "user": metadata or {},
    }
    try:
        text = json.dumps(header)
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from None
    tensors = {name: np.ascontiguousarray(value) for name, value, _ in net.named_parameters()}
    path = Path(path)
    write_bytes(path, st_save(tensors, metadata={FORMAT: text}))
    return path


def _fail(path, why):
    raise ModelFileError(f"{path}: not a valid chainrule model file: {why}")


def _open(path):
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        _fail(path, f"{size} bytes is larger than the {MAX_FILE_BYTES}-byte limit")
    data = path.read_bytes()
    # NOTE: the first 8 bytes give the JSON header's length; check it against the file size
    # before safetensors reads it, so a hostile length never becomes a huge allocation.
    if len(data) < 8 or int.from_bytes(data[:8], "little") > len(data) - 8:
        _fail(path, "truncated or damaged header")
    try:
        header_len = int.from_bytes(data[:8], "little")
        raw_header = json.loads(data[8 : 8 + header_len])
        tensors = st_load(data)
    except (SafetensorError, ValueError, UnicodeDecodeError) as exc:
        _fail(path, f"damaged safetensors data ({exc})")
    meta = raw_header.get("__metadata__") or {}
    if FORMAT not in meta:
        _fail(path, "no chainrule metadata (a safetensors file from another program?)")
    try:
        header = json.loads(meta[FORMAT])
    except ValueError:
        _fail(path, "the chainrule metadata is not valid JSON")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        _fail(path, "the chainrule metadata has the wrong format")
    if header.get("version") != VERSION:
        _fail(path, f"format version {header.get('version')!r} is not supported "
                    f"(this chainrule reads version {VERSION})")
    return header, tensors


def _name_in(value, table) -> bool:
    """Whether ``value`` is a string key of ``table`` (a JSON list or dict is not)."""
    return isinstance(value, str) and value in table


def _size(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def load(path) -> Network:
    """Read a model written by :func:`save` and rebuild its :class:`Network`.

    Every header field is type-checked, and the layer sizes are checked against the
    stored tensors before anything is allocated, so a small hostile file cannot ask for
    a huge network.

    Raises
    ------
    ModelFileError
        For a missing, damaged or foreign file, or one whose tensors disagree with its
        architecture (names, shapes, dtypes) or hold NaN/inf.
    """
    header, tensors = _open(path)
    dtype = header.get("dtype")
    if not _name_in(dtype, DTYPES):
        _fail(path, f"dtype must be one of {list(DTYPES)}, got {dtype!r}")
    specs = header.get("layers")
    if not isinstance(specs, list) or not specs:
        _fail(path, "no layers")
    expected = {}
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            _fail(path, f"layer {i} is not an object")
        n_in, n_out = spec.get("n_in"), spec.get("n_out")
        if not (_size(n_in) and _size(n_out)):
            _fail(path, f"layer {i} has bad sizes n_in={n_in!r}, n_out={n_out!r}")
        if not (_name_in(spec.get("activation"), ACTIVATIONS)
                and _name_in(spec.get("init"), INITIALIZERS)):
            _fail(path, f"layer {i} has unknown activation or init {spec!r}")
        expected[f"layers.{i}.W"] = (n_in, n_out)
        expected[f"layers.{i}.b"] = (n_out,)
    if set(tensors) != set(expected):
        _fail(path, f"tensors {sorted(tensors)} do not match the layers {sorted(expected)}")
    for name, shape in expected.items():
        arr = tensors[name]
        if arr.shape != shape or arr.dtype != np.dtype(dtype):
            _fail(path, f"tensor {name} has shape {arr.shape} and dtype {arr.dtype}, expected "
                        f"{shape} and {dtype}")
        if not np.all(np.isfinite(arr)):
            _fail(path, f"tensor {name} holds NaN or inf")
    # every size now matches a tensor actually stored in the file: building is safe
    try:
        net = Network([Dense(s["n_in"], s["n_out"], s["activation"], init=s["init"])
                       for s in specs], seed=0, dtype=dtype)
    except ValueError as exc:
        _fail(path, str(exc))
    for name, target, _ in net.named_parameters():
        target[...] = tensors[name]
    classes = header.get("classes")
    if classes is not None:
        values = classes.get("values") if isinstance(classes, dict) else None
        n_classes = net.n_out if net.n_out > 1 else 2
        kinds = {type(v) for v in values} if isinstance(values, list) else set()
        if len(values or ()) != n_classes or not (kinds <= {int, float} or kinds == {str}):
            _fail(path, f"classes {classes!r} do not match the output layer")
        net.classes_ = np.array(values)
    loss = header.get("loss")
    if loss is not None:
        if not _name_in(loss, LOSSES):
            _fail(path, f"unknown loss {loss!r}")
        net.loss_ = LOSSES[loss]
    user = header.get("user", {})
    if not isinstance(user, dict):
        _fail(path, f"metadata 'user' must be an object, got {type(user).__name__}")
    net.metadata = user
    return net
