"""``chainrule predict``: run a saved model on the rows of a CSV file."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from .common import CLIError

HELP = "Predict with a model written by `chainrule train` (or net.save) on a CSV file's rows."


def add_arguments(p):
    p.add_argument("model", help="model file, e.g. chainrule-out/model.safetensors")
    p.add_argument("input", help="CSV file with a header row and the model's input columns")
    p.add_argument("--output", default=None,
                   help="write the predictions to this CSV file (default: standard output)")
    p.add_argument("--proba", action="store_true",
                   help="classification: add one probability column per class")


def _check_pipeline(pipeline, model) -> list[str]:
    """The input column names of a model's stored pipeline, after checking its fields."""
    from ..data import FEATURES

    def ok_numbers(v):
        return v is None or (isinstance(v, list) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v))

    names = pipeline.get("raw_names") if isinstance(pipeline, dict) else None
    features = pipeline.get("features") if isinstance(pipeline, dict) else None
    good = (
        isinstance(names, list) and names and all(isinstance(n, str) for n in names)
        and (features is None or (isinstance(features, list)
                                  and all(isinstance(f, str) and f in FEATURES
                                          for f in features)))
        and isinstance(pipeline.get("prescale"), (int, float))
        and ok_numbers(pipeline.get("mean")) and ok_numbers(pipeline.get("std"))
        and isinstance(pipeline.get("target_mean"), (int, float))
        and isinstance(pipeline.get("target_scale"), (int, float))
    )
    if not good:
        raise CLIError(f"{model}: the model's input pipeline metadata is damaged: {pipeline!r}")
    return list(names)


def run(args) -> int:
    import numpy as np

    from .._atomic import write_text
    from ..data import DataError, apply_pipeline, read_features_csv
    from ..io import ModelFileError, load

    try:
        net = load(args.model)
    except ModelFileError as exc:
        raise CLIError(str(exc)) from None
    pipeline = net.metadata.get("pipeline")
    if pipeline is not None:
        columns = _check_pipeline(pipeline, args.model)
    else:  # saved from Python without a dataset: the inputs are the columns x1..xn
        columns = [f"x{i + 1}" for i in range(net.n_in)]
    try:
        raw = read_features_csv(Path(args.input), columns)
    except DataError as exc:
        raise CLIError(str(exc)) from None
    X = apply_pipeline(pipeline, raw) if pipeline is not None else raw
    if X.shape[1] != net.n_in:
        raise CLIError(f"{args.model}: the model takes {net.n_in} inputs but its input "
                       f"pipeline makes {X.shape[1]}")
    pred = net.predict(X)
    header = [*columns, "prediction"]
    rows = [list(r) for r in raw.tolist()]
    if net.classes_ is None:
        if pipeline is not None:  # regression targets were standardized for training
            pred = pred * pipeline["target_scale"] + pipeline["target_mean"]
        if pred.ndim > 1:
            raise CLIError("models with several regression outputs are not supported here")
        cells = [f"{v:.6g}" for v in pred]
    else:
        cells = [str(v) for v in pred.tolist()]
    for row, cell in zip(rows, cells, strict=True):
        row[:] = [f"{v:.10g}" for v in row] + [cell]
    if args.proba:
        if net.classes_ is None:
            raise CLIError("--proba needs a trained classification model (with classes); "
                           "this one has none")
        P = net.predict_proba(X)
        header += [f"p({c})" for c in net.classes_.tolist()]
        for row, p in zip(rows, np.asarray(P).tolist(), strict=True):
            row += [f"{v:.6f}" for v in p]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output:
        write_text(args.output, buf.getvalue())
        print(f"wrote {len(rows)} predictions to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())
    return 0
