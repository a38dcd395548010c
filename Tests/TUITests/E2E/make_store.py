"""Writes a small store with the real mlflow client for the TUI end-to-end test, until
scripts/make_fixtures.py (fixtures branch) lands. Usage: make_store.py OUTDIR [POSTGRES_URI]
Creates OUTDIR/fs/mlruns and OUTDIR/sqlite/mlflow.db with the same content; given a PostgreSQL
URI (an empty database), the same content there instead, its artifacts in OUTDIR/postgres."""
import math
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402


def fill(uri, artifact_root):
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    exp = client.create_experiment("vision-模型", artifact_location=artifact_root + "/vision")
    client.create_experiment("empty one", artifact_location=artifact_root + "/empty")
    gone = client.create_experiment("deleted-exp", artifact_location=artifact_root + "/gone")
    client.delete_experiment(gone)
    mlflow.set_experiment(experiment_id=exp)
    t0 = 1_700_000_000_000
    with mlflow.start_run(run_name="parent-sweep"):
        mlflow.set_tag("team", "vision")
        mlflow.set_tag("mlflow.note.content", "Sweep over learning rates.\nSecond line of the note.")
        mlflow.log_param("model", "resnet")
        # Text artifacts for the browser's pager and editor (`o`, `e`).
        mlflow.log_text("first file\n", "a-first.txt")
        mlflow.log_text("notes line one\nnotes line two\n", "notes.txt")
        for i, (model, lr, f1) in enumerate([("gpt-4o", "0.01", 0.91), ("llama", "0.1", 0.72), ("gpt-4o", "0.001", float("nan"))]):
            with mlflow.start_run(run_name=f"child-{i}-λ", nested=True):
                mlflow.log_param("model", model)
                mlflow.log_param("lr", lr)
                mlflow.log_metric("f1", f1)
                mlflow.log_metric("latency_p95", 900 + 300 * i)
                mlflow.set_tag("stage", "dev" if i else "prod")
                mlflow.set_tag("team", "vision")
                # A value wider than a column's default width; loss curves of the same shape on
                # ranges far apart (a shared sparkline scale draws them at different heights).
                mlflow.log_param("checkpoint", f"gpt-4o-mini-2024-07-18-ckpt{i}")
                if i < 2:
                    for step in range(8):
                        mlflow.log_metric("loss", (0.10 if i == 0 else 0.90) + 0.01 * step, step=step)
    with mlflow.start_run(run_name="日本語の実験-run"):
        mlflow.log_metric("f1", float("inf"))
        mlflow.log_param("model", "gpt-4o")
        mlflow.set_tag("stage", "prod")
    r = client.create_run(exp, run_name="crashed 🚀")
    client.log_metric(r.info.run_id, "f1", -math.inf)
    client.set_terminated(r.info.run_id, "FAILED")
    client.create_run(exp, run_name="still-running")


out = sys.argv[1]
if len(sys.argv) > 2:
    fill(sys.argv[2], "file://" + os.path.abspath(out + "/postgres/artifacts"))
    sys.exit(0)
os.makedirs(out + "/fs", exist_ok=True)
os.makedirs(out + "/sqlite", exist_ok=True)
fill("file://" + os.path.abspath(out + "/fs/mlruns"), "file://" + os.path.abspath(out + "/fs/artifacts"))
fill("sqlite:///" + os.path.abspath(out + "/sqlite/mlflow.db"), "file://" + os.path.abspath(out + "/sqlite/artifacts"))
