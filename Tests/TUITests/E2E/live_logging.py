"""The real MLflow client logging one RUNNING run for the live-refresh tests.

    live_logging.py URI STATE start            a new experiment "live" with a RUNNING run "trainer"
    live_logging.py URI STATE append N         N more points of "loss", 1,000 per log_batch

Points have increasing steps and timestamps (1 ms apart from the run's start), so the history
order is the same on every store; STATE keeps the run id and the next step.
"""
import json
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric

uri, state_path, command = sys.argv[1:4]
client = MlflowClient(uri)
if command == "start":
    experiment = client.create_experiment("live")
    run = client.create_run(experiment, run_name="trainer")
    client.log_param(run.info.run_id, "lr", "0.01")
    state = {"run": run.info.run_id, "step": 0, "base": int(time.time() * 1000)}
else:
    state = json.load(open(state_path))
    n = int(sys.argv[4])
    first = state["step"]
    for start in range(first, first + n, 1000):
        steps = range(start, min(start + 1000, first + n))
        client.log_batch(state["run"], metrics=[Metric("loss", 1.0 / (s + 1), state["base"] + s, s) for s in steps])
    state["step"] = first + n
json.dump(state, open(state_path, "w"))
