"""Answers write-validation questions with MLflow's own checks (mlflow/utils/validation.py), for
WriteValidationDifferentialTests.

Reads a JSON list of cases from stdin: {"fn": <name>, "args": [...]}; writes a JSON list of
answers: {"ok": true, "result": <what the check returns, or null>} or
{"ok": false, "code": <MLflow error code>, "message": <MLflow's message>}.
Floats that JSON cannot carry (nan, inf) arrive as strings and go through float().
"""

import json
import sys

from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.utils import validation as v


def log_batch(run_id, metrics, params, tags):
    # The order of SqlAlchemyStore.log_batch and FileStore.log_batch.
    metrics = [Metric(k, float(val), ts, step) for k, val, ts, step in metrics]
    params = [Param(k, val) for k, val in params]
    tags = [RunTag(k, val) for k, val in tags]
    v._validate_run_id(run_id)
    metrics, params, tags = v._validate_batch_log_data(metrics, params, tags)
    v._validate_batch_log_limits(metrics, params, tags)
    v._validate_param_keys_unique(params)
    return [[[p.key, p.value] for p in params], [[t.key, t.value] for t in tags]]


def dataset_inputs(inputs):
    v._validate_dataset_inputs([
        DatasetInput(Dataset(d["name"], d["digest"], d["source_type"], d["source"], d.get("schema"),
                             d.get("profile")), [InputTag(k, val) for k, val in d["tags"]])
        for d in inputs
    ])


CALLS = {
    "metric_name": lambda name, path: v._validate_metric_name(name, path),
    "param_name": lambda name, path: v._validate_param_name(name, path),
    "tag_name": lambda name, path: v._validate_tag_name(name, path),
    "metric": lambda key, val, ts, step, path: v._validate_metric(key, float(val), ts, step, path),
    "param": lambda key, val, path: (lambda p: [p.key, p.value])(v._validate_param(key, val, path)),
    "tag": lambda key, val, path: (lambda t: [t.key, t.value])(v._validate_tag(key, val, path)),
    "experiment_tag": lambda key, val: v._validate_experiment_tag(key, val),
    "run_id": lambda run_id: v._validate_run_id(run_id),
    "experiment_id": lambda exp_id: v._validate_experiment_id(exp_id),
    "experiment_name": lambda name: v._validate_experiment_name(name),
    "artifact_location": lambda loc: v._validate_experiment_artifact_location(loc),
    "artifact_location_length": lambda loc: v._validate_experiment_artifact_location_length(loc),
    "logged_model_name": lambda name: v._validate_logged_model_name(name),
    "param_keys_unique": lambda keys: v._validate_param_keys_unique([Param(k, "x") for k in keys]),
    "log_batch": log_batch,
    "dataset_inputs": dataset_inputs,
}


def answer(case):
    try:
        return {"ok": True, "result": CALLS[case["fn"]](*case["args"])}
    except MlflowException as e:
        return {"ok": False, "code": e.error_code, "message": e.message}


print(json.dumps([answer(c) for c in json.load(sys.stdin)]))
