#!/usr/bin/env python3
"""The real `mlflow` Python client against `mltui serve` and against `mlflow server`, over the same
store (one of run_acceptance.sh's checks): search_experiments, search_runs (to a pandas frame), get_run,
get_metric_history, list_artifacts and download_artifacts, and MLflow 3's model reads
(search_logged_models, search_registered_models, search_model_versions, get_model_version_by_alias,
get_latest_versions, and pyfunc.load_model("models:/NAME@alias") with a prediction) must give the
same results.

    python_client.py --mltui PATH/TO/mltui --store URI      (run with the MLflow venv's python)

Each server is read by a separate `python_client.py --read URL` process (the client caches its
tracking URI), which prints one JSON document; the two documents must be equal.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import free_port, start, stop, wait_healthy  # noqa: E402


def read_everything(url):
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    mlflow.set_tracking_uri(url)
    client = MlflowClient()
    out = {}
    exps = client.search_experiments(view_type=ViewType.ALL)
    out["experiments"] = [dict(e) for e in exps]
    ids = [e.experiment_id for e in exps]
    frame = mlflow.search_runs(experiment_ids=ids, run_view_type=ViewType.ALL)
    frame = frame.reindex(sorted(frame.columns), axis=1)
    out["search_runs_frame"] = json.loads(frame.to_json(orient="split", date_format="iso"))
    out["runs"] = {}
    dst_root = tempfile.mkdtemp(prefix="mltui-download-")
    for run_id in frame["run_id"]:
        run = client.get_run(run_id)
        entry = {"run": run.to_dictionary(), "history": {}, "artifacts": {}, "downloads": {}}
        for key in sorted(run.data.metrics):
            entry["history"][key] = [m.to_dictionary() if hasattr(m, "to_dictionary") else dict(m)
                                     for m in client.get_metric_history(run_id, key)]

        def walk(path, depth):
            infos = client.list_artifacts(run_id, path)
            entry["artifacts"][path or "."] = [(f.path, f.is_dir, f.file_size) for f in infos]
            for f in infos:
                if f.is_dir and depth < 3:
                    walk(f.path, depth + 1)
                elif not f.is_dir:
                    local = client.download_artifacts(run_id, f.path, tempfile.mkdtemp(dir=dst_root))
                    with open(local, "rb") as fh:
                        entry["downloads"][f.path] = hashlib.sha256(fh.read()).hexdigest()

        walk(None, 0)
        out["runs"][run_id] = entry
    out["models"] = read_models(client, ids)
    return out


def canonical(value):
    """Lists sorted (stores list params, tags and latest versions in no defined order)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def read_models(client, experiment_ids):
    import mlflow
    import pandas as pd
    from google.protobuf.json_format import MessageToDict

    def proto(entity):
        return canonical(MessageToDict(entity.to_proto()))

    out = {"logged_models": [proto(m) for m in mlflow.search_logged_models(experiment_ids=experiment_ids, output_format="list")]}
    registered = client.search_registered_models()
    out["registered_models"] = [proto(m) for m in registered]
    out["model_versions"] = [proto(v) for v in client.search_model_versions()]
    out["latest"] = {m.name: canonical([proto(v) for v in client.get_latest_versions(m.name)]) for m in registered}
    out["aliases"] = {f"{m.name}@{a}": proto(client.get_model_version_by_alias(m.name, a))
                      for m in registered for a in m.aliases}
    loaded = mlflow.pyfunc.load_model("models:/length-scorer@champion")
    prediction = loaded.predict(pd.DataFrame({"prompt": ["short", "a longer prompt here"]}))
    out["prediction"] = prediction.to_dict(orient="list")
    if out["prediction"] != {"score": [0, 1], "length": [5, 20]}:
        raise SystemExit(f"models:/length-scorer@champion predicted {out['prediction']}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--read")
    ap.add_argument("--mltui")
    ap.add_argument("--store")
    ap.add_argument("--mlflow", default=os.path.join(os.path.dirname(sys.executable), "mlflow"))
    args = ap.parse_args()
    if args.read:
        print(json.dumps(read_everything(args.read), sort_keys=True, default=str))
        return
    work = tempfile.mkdtemp(prefix="mltui-pyclient-")
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    env.pop("MLFLOW_TRACKING_URI", None)
    pa, pb = free_port(), free_port()
    servers = [
        start([args.mlflow, "server", "--backend-store-uri", args.store, "--host", "127.0.0.1", "--port", str(pa),
               "--workers", "1"], work, env, os.path.join(work, "mlflow.log")),
        start([args.mltui, "serve", "--backend-store-uri", args.store, "--port", str(pb)], work, env,
              os.path.join(work, "mltui.log")),
    ]
    results = {}
    try:
        wait_healthy(f"http://127.0.0.1:{pa}", servers[0])
        wait_healthy(f"http://127.0.0.1:{pb}", servers[1])
        client_env = dict(os.environ)
        client_env.pop("MLFLOW_TRACKING_URI", None)
        for name, port in [("mlflow", pa), ("mltui", pb)]:
            done = subprocess.run([sys.executable, __file__, "--read", f"http://127.0.0.1:{port}"], cwd=work,
                                  env=client_env, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                print(f"client against {name} failed:\n{done.stderr[-3000:]}")
                sys.exit(1)
            results[name] = json.loads(done.stdout)
    finally:
        for s in servers:
            stop(s)
    a, b = results["mlflow"], results["mltui"]
    runs = len(a["runs"])
    checks = {
        "search_experiments": a["experiments"] == b["experiments"],
        "search_runs frame": a["search_runs_frame"] == b["search_runs_frame"],
        "get_run": all(a["runs"][r]["run"] == b["runs"].get(r, {}).get("run") for r in a["runs"]),
        "get_metric_history": all(a["runs"][r]["history"] == b["runs"].get(r, {}).get("history") for r in a["runs"]),
        "list_artifacts": all(a["runs"][r]["artifacts"] == b["runs"].get(r, {}).get("artifacts") for r in a["runs"]),
        "download_artifacts": all(a["runs"][r]["downloads"] == b["runs"].get(r, {}).get("downloads") for r in a["runs"]),
    }
    for part in ["logged_models", "registered_models", "model_versions", "latest", "aliases", "prediction"]:
        checks[part] = a["models"][part] == b["models"][part]
    for name, same in checks.items():
        print(f"{'same' if same else 'DIFFERENT'}  {name}")
    if not checks["search_experiments"]:
        for x, y in zip(a["experiments"], b["experiments"]):
            if x != y:
                print("   mlflow:", json.dumps(x)[:300], "\n   mltui: ", json.dumps(y)[:300])
                break
    print(f"{len(a['models']['logged_models'])} logged models, {len(a['models']['model_versions'])} model versions, "
          f"{len(a['models']['aliases'])} aliases compared; models:/length-scorer@champion loaded through both")
    print(f"{len(a['experiments'])} experiments, {runs} runs, "
          f"{sum(len(e['history']) for e in a['runs'].values())} histories, "
          f"{sum(len(e['downloads']) for e in a['runs'].values())} downloads compared; logs in {work}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
