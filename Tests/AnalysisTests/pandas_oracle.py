"""Answers grouping and best-of questions with the real MLflow client and pandas, for
PandasDifferentialTests.

    pandas_oracle.py REQUEST.json TRACKING_URI... > answer.json

One answer per tracking URI, in a JSON object keyed by the URI (one process: MLflow and pandas
are imported once).

Request: {"experiment": NAME,
          "best": [{"header": "min(metrics.loss)", "metric": "loss", "kind": "min" | "max" | "step", "step": 10}],
          "groupings": [{"keys": ["params.model", ...], "columns": [header, ...] | null}]}

Answer: {"runs": {run_id: {header: value}}} - each best-of column per run, from
MlflowClient.get_metric_history (absent: the run has no history for the metric) - and
{"groupings": [{"header": [...], "rows": [[...]]}]}: the frame of mlflow.search_runs, with the
best-of columns and "datasets.name" added, grouped by df.groupby(keys, dropna=False) with
size() as count and agg(mean, min, max, median, std) per column (all metrics.* columns when
"columns" is null), rows in pandas' group order.

Floats are written as Python's repr ("nan", "inf", "-inf" included) so JSON can carry them;
missing group values and non-numbers pandas leaves empty are null / "nan" as pandas has them.
"""

import json
import math
import os
import sys
import warnings

AGGREGATES = ["mean", "min", "max", "median", "std"]


def best_value(history, kind, step):
    """min/max skip NaN (NaN when every point is NaN); at a step, the point MLflow calls latest:
    the greatest (timestamp, value), as mlflow/store/tracking/file_store.py _get_metric_from_file."""
    if not history:
        return None
    if kind == "step":
        points = [m for m in history if m.step == step]
        return max(points, key=lambda m: (m.timestamp, m.value)).value if points else None
    values = [m.value for m in history if not math.isnan(m.value)]
    if not values:
        return float("nan")
    return min(values) if kind == "min" else max(values)


def text(value):
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int,)) or type(value).__name__.startswith("int"):
        return str(int(value))
    if type(value).__name__.startswith("float"):
        return repr(float(value))
    return str(value)


def main():
    warnings.filterwarnings("ignore")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient

    with open(sys.argv[1]) as f:
        request = json.load(f)
    json.dump({uri: answer(mlflow, pd, MlflowClient, uri, request) for uri in sys.argv[2:]}, sys.stdout)


def answer(mlflow, pd, MlflowClient, uri, request):
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    df = mlflow.search_runs(experiment_names=[request["experiment"]])
    metric_columns = sorted(c for c in df.columns if c.startswith("metrics."))
    experiment = client.get_experiment_by_name(request["experiment"])
    runs = client.search_runs([experiment.experiment_id], max_results=50000)

    names = {}
    for run in runs:
        found = sorted({d.dataset.name for d in run.inputs.dataset_inputs})
        names[run.info.run_id] = ",".join(found) if found else None
    df["datasets.name"] = df["run_id"].map(names)

    per_run = {run.info.run_id: {} for run in runs}
    histories = {}
    for best in request["best"]:
        column = []
        for run_id in df["run_id"]:
            key = (run_id, best["metric"])
            if key not in histories:
                histories[key] = client.get_metric_history(run_id, best["metric"])
            value = best_value(histories[key], best["kind"], best.get("step"))
            if value is not None:
                per_run[run_id][best["header"]] = repr(float(value))
            column.append(float("nan") if value is None else value)
        df[best["header"]] = pd.Series(column, index=df.index, dtype="float64")

    groupings = []
    for grouping in request["groupings"]:
        keys = grouping["keys"]
        columns = grouping["columns"] or metric_columns
        grouped = df.groupby(keys, dropna=False, sort=True)
        counts = grouped.size()
        aggregated = grouped[columns].agg(AGGREGATES)
        assert list(aggregated.index) == list(counts.index) or len(counts) == 0
        rows = []
        # By position: label lookups cannot find a NaN group key in a MultiIndex.
        for position, index in enumerate(counts.index):
            values = index if isinstance(index, tuple) else (index,)
            row = [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in values]
            row.append(str(int(counts.iloc[position])))
            for column in columns:
                for aggregate in AGGREGATES:
                    row.append(text(float(aggregated[(column, aggregate)].iloc[position])))
            rows.append(row)
        header = keys + ["count"] + [f"{c}.{a}" for c in columns for a in AGGREGATES]
        groupings.append({"header": header, "rows": rows})

    return {"runs": per_run, "groupings": groupings}


if __name__ == "__main__":
    main()
