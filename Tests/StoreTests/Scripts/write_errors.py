#!/usr/bin/env python3
"""Writes that MLflow's FileStore refuses, made straight on the store (as `mlflow server`'s
handlers call it), printed as JSON {case: {"code", "message"}} with the ids of the objects the
script made replaced by placeholders. FileStoreWriterTests.testErrorsAsMLflowRaisesThem makes
the same calls through mltui's writer; keep the cases in step."""
import json
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"

from mlflow.entities import LoggedModelTag, Metric, Param, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.store.tracking.file_store import FileStore  # noqa: E402

MISSING_RUN = "0123456789abcdef0123456789abcdef"
MISSING_MODEL = "m-0123456789abcdef0123456789abcdef"


def outcome(call):
    try:
        call()
        return {"code": "OK", "message": ""}
    except MlflowException as e:
        return {"code": e.error_code, "message": e.message}
    except Exception as e:  # what `mlflow server` answers as INTERNAL_ERROR
        return {"code": "INTERNAL_ERROR", "message": str(e)}


def main(root):
    s = FileStore(root, root)
    e1 = s.create_experiment("e1")
    s.create_experiment("e2")
    g = s.create_experiment("g")
    r = s.create_run(e1, "u", 1, [], "r").info.run_id
    s.log_param(r, Param("lr", "0.1"))
    d = s.create_run(e1, "u", 2, [], "d").info.run_id
    s.delete_run(d)
    s.delete_experiment(g)
    m = s.create_logged_model(e1, name="m").model_id
    cases = {
        "param change": lambda: s.log_param(r, Param("lr", "0.2")),
        "param change in batch": lambda: s.log_batch(r, [], [Param("lr", "0.3")], []),
        "tag on deleted run": lambda: s.set_tag(d, RunTag("k", "v")),
        "metric on deleted run": lambda: s.log_metric(d, Metric("m", 1.0, 1, 0)),
        "batch on deleted run": lambda: s.log_batch(d, [Metric("m", 1.0, 1, 0)], [], []),
        "update deleted run": lambda: s.update_run_info(d, None, 5, None),
        "run in deleted experiment": lambda: s.create_run(g, "u", 3, [], "x"),
        "run in missing experiment": lambda: s.create_run("12345", "u", 3, [], "x"),
        "run name conflict": lambda: s.create_run(e1, "u", 3, [RunTag("mlflow.runName", "a")], "b"),
        "delete default experiment": lambda: s.delete_experiment("0"),
        "delete missing experiment": lambda: s.delete_experiment("12345"),
        "delete deleted experiment": lambda: s.delete_experiment(g),
        "restore active experiment": lambda: s.restore_experiment(e1),
        "rename to existing name": lambda: s.rename_experiment(e1, "e2"),
        "rename deleted experiment": lambda: s.rename_experiment(g, "g2"),
        "rename to deleted name": lambda: s.rename_experiment(e1, "g"),
        "duplicate experiment": lambda: s.create_experiment("e1"),
        "name of deleted experiment": lambda: s.create_experiment("g"),
        "tag on deleted experiment": lambda: s.set_experiment_tag(g, RunTag("k", "v")),
        "delete missing run tag": lambda: s.delete_tag(r, "nope"),
        "delete missing experiment tag": lambda: s.delete_experiment_tag(e1, "nope"),
        "delete missing model tag": lambda: s.delete_logged_model_tag(m, "nope"),
        "missing model": lambda: s.get_logged_model(MISSING_MODEL),
        "tags of missing model": lambda: s.set_logged_model_tags(MISSING_MODEL, [LoggedModelTag("k", "v")]),
        "model in deleted experiment": lambda: s.create_logged_model(g, name="x"),
        "missing run": lambda: s.get_run(MISSING_RUN),
        "delete missing run": lambda: s.delete_run(MISSING_RUN),
        "tag on missing run": lambda: s.set_tag(MISSING_RUN, RunTag("k", "v")),
    }
    ids = {r: "<r>", d: "<d>", e1: "<e1>", g: "<g>", m: "<m>"}
    out = {}
    for name, call in cases.items():
        result = outcome(call)
        for raw, placeholder in ids.items():
            result["message"] = result["message"].replace(raw, placeholder)
        out[name] = result
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
