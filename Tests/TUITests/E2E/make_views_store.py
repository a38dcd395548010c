"""Stores for the view-memory end-to-end tests, written with the real mlflow client.

make_views_store.py URI ARTIFACT_ROOT
    alpha: three runs with metric acc and param lr, one of them started last; beta: one run;
    gamma: none. MLflow lists the newest experiment first: gamma, beta, alpha, Default.
make_views_store.py --log-run URI EXPERIMENT RUN_NAME
    logs one more finished run into EXPERIMENT (while mltui is running on the store)."""
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
from mlflow.tracking import MlflowClient  # noqa: E402

T0 = 1_700_000_000_000

if sys.argv[1] == "--log-run":
    uri, experiment, name = sys.argv[2:5]
    client = MlflowClient(uri)
    run = client.create_run(client.get_experiment_by_name(experiment).experiment_id, run_name=name)
    client.set_terminated(run.info.run_id)
    sys.exit(0)

uri, root = sys.argv[1:3]
client = MlflowClient(uri)
alpha = client.create_experiment("alpha", artifact_location=root + "/alpha")
beta = client.create_experiment("beta", artifact_location=root + "/beta")
client.create_experiment("gamma", artifact_location=root + "/gamma")
for i, (acc, lr) in enumerate([(0.5, "0.1"), (0.9, "0.01"), (0.7, "0.001")]):
    run = client.create_run(alpha, start_time=T0 + 4000 * i, run_name=f"a-run-{i}")
    client.log_metric(run.info.run_id, "acc", acc, timestamp=T0)
    client.log_param(run.info.run_id, "lr", lr)
    client.set_terminated(run.info.run_id, end_time=T0 + 4000 * i + 500)
run = client.create_run(beta, start_time=T0 + 5000, run_name="b-run")
client.set_terminated(run.info.run_id, end_time=T0 + 5500)
