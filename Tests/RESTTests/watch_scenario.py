"""Runs the real MLflow client against a store that `mltui watch` watches.

    watch_scenario.py TRACKING_URI before   # experiment "watched": a run that failed already, a finished one
    watch_scenario.py TRACKING_URI during   # while mltui watches: one run of each alert kind, one healthy

Every run is made with MlflowClient (no fluent API, so nothing ends a run at exit): the run
"stalls" is left RUNNING, silent after its last point.
"""
import math
import sys
import time

from mlflow import MlflowClient

uri, phase = sys.argv[1], sys.argv[2]
client = MlflowClient(tracking_uri=uri)


def experiment_id():
    found = client.get_experiment_by_name("watched")
    return found.experiment_id if found else client.create_experiment("watched")


def log_points(run_id, key, values, gap=0.2):
    for step, value in enumerate(values):
        client.log_metric(run_id, key, value, step=step)
        time.sleep(gap)


exp = experiment_id()
if phase == "before":
    run = client.create_run(exp, run_name="old-crash")
    log_points(run.info.run_id, "loss", [1.0, 0.9, 0.8], gap=0.01)
    client.set_terminated(run.info.run_id, "FAILED")
    run = client.create_run(exp, run_name="old-good")
    log_points(run.info.run_id, "loss", [1.0, 0.5], gap=0.01)
    client.set_terminated(run.info.run_id, "FINISHED")
elif phase == "during":
    healthy = client.create_run(exp, run_name="healthy")
    # Quick, so no gap of it comes near a stall.
    log_points(healthy.info.run_id, "loss", [1.0 / (i + 1) for i in range(8)], gap=0.02)
    client.set_terminated(healthy.info.run_id, "FINISHED")

    diverges = client.create_run(exp, run_name="diverges")
    log_points(diverges.info.run_id, "acc", [0.5, 0.6], gap=0.05)
    log_points(diverges.info.run_id, "loss", [1.0, 0.7, 0.6, 3.0, math.nan])
    client.log_metric(diverges.info.run_id, "grad_norm", math.inf, step=4)
    client.set_terminated(diverges.info.run_id, "FINISHED")

    crashes = client.create_run(exp, run_name="crashes")
    log_points(crashes.info.run_id, "loss", [1.0, 0.9, 0.8])
    client.set_terminated(crashes.info.run_id, "FAILED")

    killed = client.create_run(exp, run_name="killed")
    log_points(killed.info.run_id, "loss", [1.0, 0.9])
    client.set_terminated(killed.info.run_id, "KILLED")

    stalls = client.create_run(exp, run_name="stalls")
    log_points(stalls.info.run_id, "loss", [1.0 / (i + 1) for i in range(10)])
    # Left RUNNING and silent: mltui watch should call it stalled.
else:
    sys.exit(f"unknown phase {phase}")
print("done", flush=True)
