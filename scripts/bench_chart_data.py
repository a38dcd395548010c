"""Writes one run with a 1,000,000-point metric history into a file store and a SQLite store,
with the real MLflow client (log_batch in chunks of 1000, MLflow's per-request metric limit).
Usage: bench_chart_data.py OUTDIR [POINTS]. Prints "fs RUN_ID" and "sqlite RUN_ID" lines."""
import math
import os
import random
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
from mlflow.entities import Metric  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

out = os.path.abspath(sys.argv[1])
points = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = random.Random(7)


def fill(uri, label):
    client = MlflowClient(uri)
    exp = client.create_experiment("bench-chart", artifact_location=os.path.join(out, label, "artifacts"))
    run = client.create_run(exp, run_name="million")
    base = 1_735_689_600_000
    value = 1.0
    for start in range(0, points, 1000):
        batch = []
        for step in range(start, min(points, start + 1000)):
            value = max(1e-6, value * 0.99999 + rng.gauss(0, 0.001))
            v = value if step != points // 3 else 50.0  # one spike the chart must keep
            if step % 100_003 == 0:
                v = math.nan
            batch.append(Metric("loss", v, base + step * 10, step))
        client.log_batch(run.info.run_id, metrics=batch)
    client.set_terminated(run.info.run_id)
    print(label, run.info.run_id, flush=True)


os.makedirs(os.path.join(out, "sqlite"), exist_ok=True)
fill(os.path.join(out, "fs", "mlruns"), "fs")
fill("sqlite:///" + os.path.join(out, "sqlite", "mlflow.db"), "sqlite")
