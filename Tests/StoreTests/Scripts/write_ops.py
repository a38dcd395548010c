#!/usr/bin/env python3
"""The real MLflow client writes a fixed sequence of tracking operations straight into a file
store (no server): FileStoreWriterTests performs the same sequence through mltui's file store
writer into another store, and the two must read back equal through scripts/mlflow_dump_store.py.
Keep both sequences in step (FileStoreWriterTests.performOperations)."""
import sys

from mlflow.entities import (Dataset, DatasetInput, InputTag, LoggedModelInput, LoggedModelOutput,
                             LoggedModelStatus, Metric, Param, RunStatus, RunTag)
from mlflow.tracking import MlflowClient

LONG_NAME = "a long experiment name " * 4 + "with: colons, #hashes and ünïcødé"
ODD_VALUE = "line one\nline two\ttabbed " + "word " * 30 + "ünïcødé 🚀"


def main(store):
    c = MlflowClient(tracking_uri=store)
    a = c.create_experiment("exp-a", tags={"team": "x", "odd": ODD_VALUE})
    b = c.create_experiment(LONG_NAME)
    gone = c.create_experiment("exp-gone", artifact_location="s3://bucket/somewhere")
    c.set_experiment_tag(a, "k2", "v2")
    c.delete_experiment_tag(a, "team")
    c.set_experiment_tag(a, "team", "y")
    c.rename_experiment(b, "yes")

    r1 = c.create_run(a, start_time=1000, tags={"k": "v", "mlflow.user": "someone"}, run_name="first: run").info.run_id
    c.log_batch(r1, metrics=[Metric("loss", 1.5, 1001, 0), Metric("loss", float("nan"), 1002, 1),
                             Metric("loss", float("inf"), 1003, 2), Metric("acc", 1e-05, 1004, 0),
                             Metric("acc", 123456789.125, 1005, 1)],
                params=[Param("lr", "0.1"), Param("odd", ODD_VALUE)], tags=[RunTag("t1", "1"), RunTag("yes", "no")])
    c.log_param(r1, "lr", "0.1")
    c.log_param(r1, "batch", "32")
    c.set_tag(r1, "gone", "soon")
    c.delete_tag(r1, "gone")
    c.log_metric(r1, "loss", -0.0, timestamp=1006, step=3)
    dataset = Dataset(name="train data", digest="abc123", source_type="local",
                      source='{"uri": "/data/a file.csv"}', schema='{"cols": ["x"]}', profile=None)
    c.log_inputs(r1, datasets=[DatasetInput(dataset, [InputTag("mlflow.data.context", "training")])])
    c.log_batch(r1, metrics=[Metric("eval", 0.5, 1007, 0, dataset_name="train-data", dataset_digest="abc123")])
    c.update_run(r1, status="FINISHED")
    c.set_terminated(r1, status="FINISHED", end_time=2000)

    model = c.create_logged_model(a, name="my-model", source_run_id=r1, params={"alpha": "0.5"},
                                  tags={"flavor": "sklearn", "drop": "me"}, model_type="classifier")
    mid = model.model_id
    c.log_model_params(mid, {"beta": "2"})
    c.set_logged_model_tags(mid, {"stage": "dev"})
    c.delete_logged_model_tag(mid, "drop")
    c.finalize_logged_model(mid, LoggedModelStatus.READY)
    r2 = c.create_run(a, start_time=3000).info.run_id
    c.log_metric(r2, "score", 0.75, timestamp=3001, step=4, model_id=mid)
    c.log_outputs(r2, [LoggedModelOutput(mid, 4)])
    c.log_inputs(r2, models=[LoggedModelInput(mid)])
    c.set_tag(r2, "mlflow.runName", "renamed")
    c.set_tag(r2, "mlflow.parentRunId", r1)

    r3 = c.create_run(a, start_time=4000, run_name="deleted one").info.run_id
    c.delete_run(r3)
    r4 = c.create_run(a, start_time=5000, run_name="restored").info.run_id
    c.delete_run(r4)
    c.restore_run(r4)
    c.update_run(r4, status="KILLED", name="killed")

    r5 = c.create_run(gone, start_time=6000, run_name="in gone").info.run_id
    c.log_param(r5, "p", "1")
    c.delete_experiment(gone)
    back = c.create_experiment("exp-back")
    c.create_run(back, start_time=7000, run_name="comes back")
    c.delete_experiment(back)
    c.restore_experiment(back)


if __name__ == "__main__":
    main(sys.argv[1])
