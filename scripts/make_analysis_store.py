#!/usr/bin/env python3
"""Write the analysis fixture stores (grouping, best-of columns, charts over many runs, export)
with the real MLflow client (3.17.2).

    make_analysis_store.py OUTDIR

Writes the same logical content twice, as make_fixtures.py does:
  OUTDIR/fs/mlruns          file store
  OUTDIR/sqlite/mlflow.db   SQLite store (artifacts in OUTDIR/sqlite/artifacts)

Experiment "sweep": 30 runs of a hyperparameter sweep. params model (cnn, mlp, xgb; missing on
three runs), seed (0..3), lr, optimizer (missing on some); tags team, stage; metrics f1 and acc
(latest values), loss and val_loss with 0..20-step histories (a NaN point, ties at one step, +inf
in one run, -inf in another), a metric "only_nan" whose history is all NaN on one run; dataset
inputs ("train-v1" or "train-v2") on most runs. Experiment "tiny": 2 runs, one metric.
Deterministic: fixed seed, fixed start/end times and timestamps.
"""

import math
import os
import random
import sys

BASE_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
MINUTE = 60_000


def write(client, mlflow, artifact_root):
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.data.pandas_dataset import from_pandas
    import pandas as pd

    rng = random.Random(7)
    sweep = client.create_experiment("sweep", artifact_location=artifact_root + "/sweep")
    frames = {v: pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]}) for v in ("train-v1", "train-v2")}
    for i in range(30):
        model = ["cnn", "mlp", "xgb"][i % 3] if i not in (5, 17, 29) else None
        seed = i % 4
        lr = [0.1, 0.01, 0.001][(i // 3) % 3]
        start = BASE_MS + i * 10 * MINUTE
        tags = {"team": ["vision", "nlp"][i % 2], "stage": "dev" if i < 20 else "prod"}
        run = client.create_run(sweep, run_name=f"sweep-{i:02d}", start_time=start, tags=tags)
        rid = run.info.run_id
        params = [Param("seed", str(seed)), Param("lr", str(lr))]
        if model is not None:
            params.append(Param("model", model))
        if i % 5 != 0:
            params.append(Param("optimizer", ["adam", "sgd"][i % 2]))
        quality = {"cnn": 0.8, "mlp": 0.7, "xgb": 0.75, None: 0.6}[model] + 0.02 * seed - lr
        metrics = []
        for step in range(21):
            ts = start + step * 1000
            loss = 2.0 * math.exp(-0.15 * step * (1 + lr)) + rng.random() * 0.05 + (1 - quality)
            val = loss + 0.1 + rng.random() * 0.05
            if i == 3 and step == 7:
                loss = float("nan")
            if i == 4 and step == 20:
                val = float("inf")
            if i == 6 and step == 0:
                val = float("-inf")
            metrics.append(Metric("loss", loss, ts, step))
            metrics.append(Metric("val_loss", val, ts, step))
        # Two points at one step: MLflow's latest is the greater timestamp.
        metrics.append(Metric("loss", 0.5, start + 30_000, 10))
        f1 = quality + rng.random() * 0.05
        if i == 8:
            f1 = float("nan")
        metrics.append(Metric("f1", f1, start + 40_000, 20))
        if i % 7 != 0:
            metrics.append(Metric("acc", quality + 0.1 + rng.random() * 0.03, start + 40_000, 20))
        if i == 9:
            metrics += [Metric("only_nan", float("nan"), start + s, s) for s in range(3)]
        for chunk in range(0, len(metrics), 500):
            client.log_batch(rid, metrics=metrics[chunk:chunk + 500], params=params if chunk == 0 else [])
        if i % 6 != 5:
            name = "train-v1" if i < 15 else "train-v2"
            dataset = from_pandas(frames[name], source=f"/data/{name}.csv", name=name)
            client.log_inputs(rid, datasets=[mlflow.entities.DatasetInput(dataset._to_mlflow_entity(), [])])
        client.set_terminated(rid, "FINISHED" if i != 11 else "FAILED", end_time=start + (60 + i) * 1000)

    tiny = client.create_experiment("tiny", artifact_location=artifact_root + "/tiny")
    for i in range(2):
        run = client.create_run(tiny, run_name=f"tiny-{i}", start_time=BASE_MS + i * MINUTE)
        client.log_metric(run.info.run_id, "m", float(i), timestamp=BASE_MS + i * MINUTE, step=0)
        client.set_terminated(run.info.run_id, "FINISHED", end_time=BASE_MS + i * MINUTE + 5000)


def main():
    import warnings
    warnings.filterwarnings("ignore")
    out = os.path.abspath(sys.argv[1])
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import mlflow
    from mlflow.tracking import MlflowClient

    for kind in ("fs", "sqlite"):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        if kind == "fs":
            uri = os.path.join(out, "fs", "mlruns")
            root = "file://" + os.path.join(out, "fs", "mlruns-artifacts")
        else:
            uri = "sqlite:///" + os.path.join(out, "sqlite", "mlflow.db")
            root = "file://" + os.path.join(out, "sqlite", "artifacts")
        mlflow.set_tracking_uri(uri)
        write(MlflowClient(uri), mlflow, root)


if __name__ == "__main__":
    main()
