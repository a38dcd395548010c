"""Runs a list of tracking writes through MLflow's own SqlAlchemyStore, for SQLWriterTests:
the same list goes through mltui's SQLWriter, and the two stores and outcomes are compared.

    python sqlite_writes.py DB ARTIFACT_ROOT OPS.json > outcomes.json

DB is an SQLite file or a store URI (an empty PostgreSQL database); MLflow creates the store when missing (all migrations, the Default experiment). Each op is
{"op": name, ...fields, "save": optional name}; a string field "$name" stands for what an
earlier op saved (an experiment, run or model id). Answers one outcome per op:
{"ok": true} or {"code": MLflow error code, "message": MLflow's message}.
"""

import json
import sys

from mlflow.entities import (Dataset, DatasetInput, ExperimentTag, InputTag, LoggedModelInput,
                             LoggedModelOutput, LoggedModelParameter, LoggedModelStatus,
                             LoggedModelTag, Metric, Param, RunStatus, RunTag)
from mlflow.exceptions import MlflowException
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

db, root = sys.argv[1], sys.argv[2]
store = SqlAlchemyStore(db if "://" in db else f"sqlite:///{db}", root)
saved = {}


def val(v):
    if isinstance(v, str) and v.startswith("$"):
        return saved[v[1:]]
    if isinstance(v, list):
        return [val(x) for x in v]
    return v


def metric(m):
    key, value, ts, step = m[:4]
    return Metric(key, float(value), ts, step, model_id=val(m[4]) if len(m) > 4 else None)


def run_op(o):
    op = o["op"]
    if op == "create_experiment":
        return store.create_experiment(o["name"], o.get("artifact_location"),
                                       [ExperimentTag(k, v) for k, v in o.get("tags", [])])
    if op == "rename_experiment":
        return store.rename_experiment(val(o["id"]), o["name"])
    if op == "delete_experiment":
        return store.delete_experiment(val(o["id"]))
    if op == "restore_experiment":
        return store.restore_experiment(val(o["id"]))
    if op == "set_experiment_tag":
        return store.set_experiment_tag(val(o["id"]), ExperimentTag(o["key"], o["value"]))
    if op == "delete_experiment_tag":
        return store.delete_experiment_tag(val(o["id"]), o["key"])
    if op == "create_run":
        run = store.create_run(val(o["experiment_id"]), o.get("user_id", ""), o.get("start_time"),
                               [RunTag(k, v) for k, v in o.get("tags", [])], o.get("run_name"))
        return run.info.run_id
    if op == "update_run":
        status = RunStatus.from_string(o["status"]) if o.get("status") else None
        return store.update_run_info(val(o["run_id"]), status, o.get("end_time"), o.get("run_name"))
    if op == "delete_run":
        return store.delete_run(val(o["run_id"]))
    if op == "restore_run":
        return store.restore_run(val(o["run_id"]))
    if op == "log_metric":
        return store.log_metric(val(o["run_id"]), metric(o["metric"]))
    if op == "log_param":
        return store.log_param(val(o["run_id"]), Param(o["key"], o["value"]))
    if op == "set_tag":
        return store.set_tag(val(o["run_id"]), RunTag(o["key"], o["value"]))
    if op == "delete_tag":
        return store.delete_tag(val(o["run_id"]), o["key"])
    if op == "log_batch":
        return store.log_batch(val(o["run_id"]), [metric(m) for m in o.get("metrics", [])],
                               [Param(k, v) for k, v in o.get("params", [])],
                               [RunTag(k, v) for k, v in o.get("tags", [])])
    if op == "log_inputs":
        datasets = [DatasetInput(Dataset(d["name"], d["digest"], d["source_type"], d["source"],
                                         d.get("schema"), d.get("profile")),
                                 [InputTag(k, v) for k, v in d.get("tags", [])])
                    for d in o.get("datasets", [])]
        models = [LoggedModelInput(val(m)) for m in o.get("models", [])]
        return store.log_inputs(val(o["run_id"]), datasets=datasets, models=models)
    if op == "log_outputs":
        return store.log_outputs(val(o["run_id"]), [LoggedModelOutput(val(m), s) for m, s in o["models"]])
    if op == "create_logged_model":
        model = store.create_logged_model(
            val(o["experiment_id"]), o.get("name"), val(o.get("source_run_id")),
            [LoggedModelTag(k, v) for k, v in o.get("tags", [])],
            [LoggedModelParameter(k, v) for k, v in o.get("params", [])], o.get("model_type"))
        return model.model_id
    if op == "finalize_logged_model":
        return store.finalize_logged_model(val(o["model_id"]), LoggedModelStatus(o["status"]))
    if op == "set_logged_model_tags":
        return store.set_logged_model_tags(val(o["model_id"]), [LoggedModelTag(k, v) for k, v in o["tags"]])
    if op == "delete_logged_model_tag":
        return store.delete_logged_model_tag(val(o["model_id"]), o["key"])
    if op == "log_logged_model_params":
        return store.log_logged_model_params(val(o["model_id"]),
                                             [LoggedModelParameter(k, v) for k, v in o["params"]])
    raise ValueError(f"unknown op {op}")


outcomes = []
with open(sys.argv[3]) as f:
    ops = json.load(f)
for o in ops:
    try:
        result = run_op(o)
        if "save" in o:
            saved[o["save"]] = result
        outcomes.append({"ok": True})
    except MlflowException as e:
        outcomes.append({"code": e.error_code, "message": e.message})
    except Exception as e:  # what MLflow lets through (an IntegrityError): a server's INTERNAL_ERROR
        outcomes.append({"code": "INTERNAL_ERROR", "message": str(e)})
print(json.dumps(outcomes))
