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
        columns = list(pipeline["raw_names"])
    else:  # saved from Python without a dataset: the inputs are the columns x1..xn
        columns = [f"x{i + 1}" for i in range(net.n_in)]
    try:
        raw = read_features_csv(Path(args.input), columns)
    except DataError as exc:
        raise CLIError(str(exc)) from None
    X = apply_pipeline(pipeline, raw) if pipeline is not None else raw
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
            raise CLIError("--proba needs a classification model; this one predicts values")
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
