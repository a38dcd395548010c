#!/usr/bin/env python3
"""The real MLflow client logs into a file store while another writer (mltui) logs other runs of
the same experiment: RUNS runs, each BATCHES log_batch calls of 10 metric points, a param and a
tag per batch. Prints the run ids it made."""
import json
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"

from mlflow.entities import Metric, Param, RunTag  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402


def main(store, experiment_id, runs, batches):
    c = MlflowClient(tracking_uri=store)
    ids = []
    for r in range(int(runs)):
        run_id = c.create_run(experiment_id, run_name=f"python-{r}").info.run_id
        for b in range(int(batches)):
            c.log_batch(run_id, metrics=[Metric("m", float(b * 10 + i), b * 10 + i, b * 10 + i) for i in range(10)],
                        params=[Param(f"p{b}", str(b))], tags=[RunTag(f"t{b}", str(b))])
        c.set_terminated(run_id)
        ids.append(run_id)
    json.dump(ids, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
