"""Writes, with the real mlflow client, the SQLite store of the marks, pickers and filter
completion end-to-end test (PickersEndToEndTests). Usage: make_pickers_store.py OUTDIR
Creates OUTDIR/mlflow.db: experiment "pickers" whose runs log f1 and best_f1 (an exact key
and a longer one holding it) and a "pipeline" tag with three values."""
import os
import sys

import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

out = os.path.abspath(sys.argv[1])
os.makedirs(out, exist_ok=True)
uri = "sqlite:///" + out + "/mlflow.db"
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)
exp = client.create_experiment("pickers", artifact_location="file://" + out + "/artifacts")
for i, (name, pipeline, f1) in enumerate([("run-train", "train", 0.81), ("run-transfer", "transfer", 0.77),
                                          ("run-eval", "eval", 0.64), ("run-plain", None, 0.5)]):
    run = client.create_run(exp, run_name=name, start_time=1_700_000_000_000 + i * 1000)
    client.log_metric(run.info.run_id, "best_f1", f1 + 0.05)
    client.log_metric(run.info.run_id, "f1", f1)
    client.log_param(run.info.run_id, "lr", str(0.01 * (i + 1)))
    if pipeline:
        client.set_tag(run.info.run_id, "pipeline", pipeline)
    client.set_terminated(run.info.run_id, "FINISHED")
