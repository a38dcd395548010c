#!/usr/bin/env python3
"""MLflow's own answers over a file store, for FileStoreTests.

    filestore_oracle.py make OUTDIR            writes OUTDIR/mlruns with the real MLflow client
    filestore_oracle.py answer MLRUNS REQ.json prints MLflow's answers to the requests as JSON
    filestore_oracle.py latest FOLDER          MLflow's latest value of each metric file in FOLDER

`make` writes a small store with every oddity the file store reader must handle. (The shared
fixture stores come from scripts/make_fixtures.py; the tests compare against MLflow over those
too when that script is present.) Floats are printed with repr() so NaN/inf survive JSON.
"""
import json
import os
import sys
import tempfile

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
os.environ.pop("MLFLOW_TRACKING_URI", None)

import logging
import warnings

warnings.filterwarnings("ignore")
logging.getLogger("mlflow").setLevel(logging.ERROR)

BASE = 1_735_689_600_000


def make(out):
    import mlflow
    from mlflow.entities import DatasetInput, InputTag, LoggedModelOutput, Metric, Param, RunTag
    from mlflow.entities import Dataset as DatasetEntity
    from mlflow.tracking import MlflowClient

    root = os.path.join(os.path.abspath(out), "mlruns")
    c = MlflowClient(tracking_uri=root)
    alpha = c.create_experiment("alpha", tags={"team": "ml", "nested/key": "v/1", "multi": "line1\nline2"})
    beta = c.create_experiment("日本語 🚀 beta")
    gone = c.create_experiment("gone", tags={"reason": "old"})

    def run(exp, name, start, status="FINISHED", params=None, metrics=None, tags=None, end=True):
        r = c.create_run(exp, start_time=BASE + start, tags=tags or {}, run_name=name)
        rid = r.info.run_id
        if params:
            c.log_batch(rid, params=[Param(k, str(v)) for k, v in params.items()])
        for key, values in (metrics or {}).items():
            c.log_batch(rid, metrics=[Metric(key, v, BASE + start + i * 10, i) for i, v in enumerate(values)])
        if status != "RUNNING":
            c.set_terminated(rid, status, end_time=BASE + start + 5000 if end else None)
        return rid

    models = ["cnn", "rnn", "mlp"]
    ids = []
    for i in range(9):
        ids.append(run(alpha, f"run-{i}", 1000 * (i % 7), status=["FINISHED", "FAILED", "KILLED"][i % 3],
                       params={"model": models[i % 3], "lr": ["0.1", "0.01", "0.001"][i % 3], "epochs": i},
                       metrics={"loss": [2.0 - 0.2 * i, 1.0 - 0.1 * i], "acc": [0.5 + 0.05 * i],
                                "train/loss": [float(i)]},
                       tags={"stage": ["dev", "prod"][i % 2]}))
    # Oddities on one run.
    edge = run(alpha, "edge: 'quoted' \"name\"", 9000, params={
        "key with spaces": "v a l", "empty": "", "unicode_ключ": "значение", "long": "x" * 3000,
        "path/with/slash": "a/b"}, tags={"multi_line": "first\nsecond\n  third", "empty_tag": ""},
        metrics={"nanm": [float("nan")], "infm": [float("inf")], "ninfm": [float("-inf")],
                 "big": [1.2345678901234567e19], "tiny": [1e-12]})
    t0 = BASE + 9500
    c.log_batch(edge, metrics=[Metric("ooo", 5.0, t0 + 30, 1), Metric("ooo", 7.0, t0 + 10, 3),
                               Metric("ooo", 6.0, t0 + 5, 3), Metric("ooo", 1.0, t0 + 40, 2)])
    c.log_batch(edge, metrics=[Metric("dup", 1.5, t0, 0)])
    c.log_batch(edge, metrics=[Metric("dup", 1.5, t0, 0)])
    c.log_batch(edge, metrics=[Metric("hist", float(v), t0 + v, v) for v in range(250)])
    # A metric tied to a dataset: a 5-field line.
    c.log_batch(edge, metrics=[Metric("ds_metric", 0.75, t0, 4, dataset_name="mydata", dataset_digest="abc123")])
    # Dataset input.
    ds = DatasetEntity(name="mydata", digest="abc123", source_type="local",
                       source=json.dumps({"uri": "/data/my data.csv"}),
                       schema=json.dumps({"mlflow_colspec": [{"type": "long", "name": n, "required": True} for n in "abcdefgh"]}),
                       profile=json.dumps({"num_rows": 3}))
    c.log_inputs(edge, [DatasetInput(ds, [InputTag("mlflow.data.context", "training")])])
    c.log_inputs(ids[0], [DatasetInput(ds, [InputTag("mlflow.data.context", "eval")])])
    # A logged model output.
    model = c.create_logged_model(alpha, name="m1", source_run_id=edge)
    c.log_outputs(edge, [LoggedModelOutput(model.model_id, 2)])
    # Artifacts.
    with tempfile.TemporaryDirectory() as tmp:
        c.log_text(edge, "hello\n", "dir/hello.txt")
        c.log_text(edge, "deep\n", "dir/sub/deep.txt")
        c.log_text(edge, "top\n", "a.txt")
    # Nested runs, a running run without end time, a run named only by its tag.
    parent = run(alpha, "parent", 12000, status="RUNNING")
    run(alpha, "child-1", 12100, tags={"mlflow.parentRunId": parent}, metrics={"loss": [0.3]})
    run(alpha, "child-2", 12200, tags={"mlflow.parentRunId": parent}, metrics={"loss": [float("nan")]})
    # Same start time: order falls back to run_id.
    run(alpha, "tie-a", 13000)
    run(alpha, "tie-b", 13000)
    # Deleted run.
    c.delete_run(run(alpha, "deleted-run", 14000, params={"model": "cnn"}, metrics={"loss": [0.01]}))
    run(beta, "ベータ", 100, params={"model": "cnn"}, metrics={"loss": [0.2]})
    run(gone, "gone-run", 200, params={"model": "cnn"})
    c.delete_experiment(gone)
    run("0", "default-run", 50)
    print(root)


def floats(v):
    return repr(float(v))


def run_json(r):
    return {
        "info": {"run_id": r.info.run_id, "experiment_id": r.info.experiment_id, "run_name": r.info.run_name,
                 "user_id": r.info.user_id, "status": r.info.status, "start_time": r.info.start_time,
                 "end_time": r.info.end_time, "artifact_uri": r.info.artifact_uri,
                 "lifecycle_stage": r.info.lifecycle_stage},
        "metrics": {k: floats(v) for k, v in r.data.metrics.items()},
        "params": r.data.params,
        "tags": r.data.tags,
        "inputs": [{"name": d.dataset.name, "digest": d.dataset.digest, "source_type": d.dataset.source_type,
                    "source": d.dataset.source, "schema": d.dataset.schema, "profile": d.dataset.profile,
                    "tags": {t.key: t.value for t in d.tags}} for d in r.inputs.dataset_inputs],
        "outputs": [{"model_id": o.model_id, "step": o.step} for o in (r.outputs.model_outputs if r.outputs else [])],
    }


def answer(root, request_file):
    from mlflow.entities import ViewType
    from mlflow.store.tracking.file_store import FileStore

    store = FileStore(root)
    with open(request_file) as fh:
        req = json.load(fh)
    out = {"experiments": [], "runs": {}, "histories": {}, "latest": {}, "searches": [], "experiment_searches": []}
    exps = store.search_experiments(view_type=ViewType.ALL, max_results=50000)
    for e in exps:
        out["experiments"].append({"experiment_id": e.experiment_id, "name": e.name,
                                   "artifact_location": e.artifact_location, "lifecycle_stage": e.lifecycle_stage,
                                   "creation_time": e.creation_time, "last_update_time": e.last_update_time,
                                   "tags": e.tags, "workspace": e.workspace})
        for r in store.search_runs([e.experiment_id], "", ViewType.ALL, max_results=50000):
            full = store.get_run(r.info.run_id)
            out["runs"][r.info.run_id] = run_json(full)
            out["latest"][r.info.run_id] = {
                m.key: {"value": floats(m.value), "timestamp": m.timestamp, "step": m.step}
                for m in store.get_all_metrics(r.info.run_id)}
            for key in full.data.metrics:
                out["histories"][r.info.run_id + " " + key] = [
                    [m.timestamp, floats(m.value), m.step, m.dataset_name, m.dataset_digest]
                    for m in store.get_metric_history(r.info.run_id, key)]
    by_name = {e.name: e.experiment_id for e in exps}
    for s in req.get("searches", []):
        # Experiments are named in the request; unknown names are passed on as (missing) ids.
        s["experiments"] = [by_name.get(x, x) for x in s["experiments"]]
        try:
            view = getattr(ViewType, s.get("view", "ACTIVE_ONLY"))
            ids, token, tokens = [], None, []
            while True:
                page = store.search_runs(s["experiments"], s.get("filter", ""), view,
                                         max_results=s.get("max_results", 1000), order_by=s.get("order_by"),
                                         page_token=token)
                ids += [r.info.run_id for r in page]
                token = page.token
                # The file store's tokens are bytes (base64.b64encode); the REST layer sends text.
                tokens.append(token.decode() if isinstance(token, bytes) else token)
                if not token:
                    break
            out["searches"].append({"experiments": s["experiments"], "ids": ids, "tokens": tokens})
        except Exception as exc:  # noqa: BLE001
            out["searches"].append({"experiments": s["experiments"], "error": str(exc)})
    for s in req.get("experiment_searches", []):
        try:
            view = getattr(ViewType, s.get("view", "ACTIVE_ONLY"))
            page = store.search_experiments(view_type=view, max_results=s.get("max_results", 1000),
                                            filter_string=s.get("filter"), order_by=s.get("order_by"))
            out["experiment_searches"].append({"ids": [e.experiment_id for e in page],
                                                "token": page.token.decode() if isinstance(page.token, bytes) else page.token})
        except Exception as exc:  # noqa: BLE001
            out["experiment_searches"].append({"error": str(exc)})
    json.dump(out, sys.stdout)


def latest(folder):
    """MLflow's latest value of every metric file in a folder."""
    from mlflow.store.tracking.file_store import FileStore

    out = {}
    for name in sorted(os.listdir(folder)):
        m = FileStore._get_metric_from_file(folder, name, "r", "e")
        out[name] = [m.timestamp, floats(m.value), m.step]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "latest":
        latest(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "answer":
        answer(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
