"""Writes the small file store the bad-store tests break, and rewrites a run's meta.yaml in a
loop as the MLflow client does while a run is updated.

  bad_store.py make DIR            -> DIR/mlruns; prints {"experiment_id", "runs": [r0, r1, r2]}
                                      (r0 also logs the dataset "d" as a training input)
  bad_store.py rewrite ROOT RUN N  -> N updates of RUN through the client (each rewrites meta.yaml)
"""
import json
import sys

import mlflow
import numpy
from mlflow import MlflowClient


def make(directory):
    mlflow.set_tracking_uri("file:" + directory + "/mlruns")
    experiment_id = mlflow.create_experiment("bad")
    runs = []
    for i in range(3):
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"r{i}") as run:
            mlflow.log_param("p", str(i))
            mlflow.set_tag("t", f"tag-{i}")
            for step in range(3):
                mlflow.log_metric("m", i + step / 10, step=step)
            if i == 0:
                mlflow.log_input(mlflow.data.from_numpy(numpy.array([1, 2, 3]), name="d"), context="training")
            runs.append(run.info.run_id)
    print(json.dumps({"experiment_id": experiment_id, "runs": runs}))


def rewrite(root, run_id, count):
    # update_run goes through FileStore.update_run_info -> _overwrite_run_info, which
    # truncates meta.yaml and writes it anew (no temporary file and rename).
    client = MlflowClient("file:" + root)
    for i in range(count):
        client.update_run(run_id, status="RUNNING" if i % 2 else "FINISHED")
        client.log_metric(run_id, "live", i, step=i)
    print(json.dumps({"updates": count}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        rewrite(sys.argv[2], sys.argv[3], int(sys.argv[4]))
