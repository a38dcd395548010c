#!/usr/bin/env python3
"""The real MLflow client logs the same things to `mlflow server` and to `mltui serve`, each over
a fresh store of the same kind that the server creates; then the real MLflow reads both stores
directly (scripts/mlflow_dump_store.py) and they must be equal, as must the error codes the
client met, the answers to malformed requests, and the artifact files uploaded through each
server's `mlflow-artifacts` proxy.

    python write_client.py --mltui .build/debug/mltui --kind fs|sqlite [--large-mb 20] [--log-model]
    python write_client.py --mltui .build/debug/mltui --kind postgres --postgres postgresql+psycopg2://U:PW@HOST:PORT/postgres

For PostgreSQL each server gets a new empty database in the cluster --postgres names (a
maintenance database the user may create databases from), dropped afterwards.

Exit status 0 when everything matches; otherwise the differences are printed.
"""

import argparse
import difflib
import hashlib
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
# A server error must fail the step at once, not after minutes of retries.
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "60"
os.environ.pop("MLFLOW_TRACKING_URI", None)

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.models import Model  # noqa: E402
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import mlflow_dump_store as DUMP  # noqa: E402
from conformance import free_port, stop  # noqa: E402  (this folder; process groups stopped by id)
T0 = 1_700_000_000_000
SKIPPED = 77


def start(command, cwd, port):
    log = open(os.path.join(cwd, "server.log"), "wb")
    proc = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            text = open(log.name).read()
            if "is not supported yet" in text:
                # This build's store cannot be written yet (openWriter); the test skips.
                print(f"SKIP: {text.strip()[-300:]}")
                sys.exit(SKIPPED)
            raise SystemExit(f"{command[0]} exited with {proc.returncode}:\n{text[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"{command[0]} did not answer /health within 120 s")


def outcome(results, name, call):
    """Runs one step expected to fail and records its error code (or that it did not fail)."""
    try:
        call()
        results.append([name, "ok"])
    except MlflowException as e:
        results.append([name, e.error_code])


def raw(base, method, endpoint, body, content_type="application/json", run_id=None):
    """A hand-written request, for what the client never sends: status and the parsed answer."""
    # http.client sends no Content-Type unless told (urllib would add a form type).
    host, port = base[len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request(method, endpoint, body=body.encode(), headers={"Content-Type": content_type} if content_type else {})
    answer = conn.getresponse()
    status, text = answer.status, answer.read().decode()
    conn.close()
    try:
        answer = json.loads(text)
    except ValueError:
        answer = text
    if isinstance(answer, dict):
        # Ids and times differ between servers; codes and messages must not.
        answer = {k: v for k, v in answer.items() if k in ("error_code", "message")}
    return [method, endpoint, body.replace(run_id, "<run>") if run_id else body, status, answer]


def make_sources(work, large_mb):
    src = os.path.join(work, "src")
    os.makedirs(os.path.join(src, "tree", "sub"), exist_ok=True)
    with open(os.path.join(src, "hello.txt"), "w") as f:
        f.write("hello world\n")
    with open(os.path.join(src, "tree", "a.txt"), "w") as f:
        f.write("a\n")
    with open(os.path.join(src, "tree", "sub", "b.json"), "w") as f:
        json.dump({"b": [1, 2, 3]}, f)
    big = os.path.join(src, "big.bin")
    rng = random.Random(7)
    with open(big, "wb") as f:
        for _ in range(large_mb):
            f.write(rng.randbytes(1 << 20))
    return src


def scenario(uri, src, log_model):
    """Everything a training script logs, plus the client's error paths; returns the outcomes."""
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    results = []
    exp_id = mlflow.set_experiment("writes").experiment_id
    client.set_experiment_tag(exp_id, "team", "ml")
    client.set_experiment_tag(exp_id, "gone", "soon")
    client.delete_experiment_tag(exp_id, "gone")

    with mlflow.start_run(run_name="parent", description="a **note**") as parent:
        run_id = parent.info.run_id
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"beta": "x", "gamma": 3, "long": "v" * 7000})
        for step in range(6):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=T0 + step)
        mlflow.log_metric("loss", 0.25, step=2, timestamp=T0 + 99)
        mlflow.log_metric("nan", float("nan"), timestamp=T0)
        mlflow.log_metric("inf", float("inf"), timestamp=T0)
        mlflow.log_metric("ninf", float("-inf"), step=-3, timestamp=T0)
        mlflow.log_metrics({"a": 1, "b": 2.5}, step=3, timestamp=T0 + 3)
        mlflow.set_tags({"t1": "v1", "t2": "v2", "big": "w" * 9000})
        mlflow.set_tag("t3", "v3")
        client.delete_tag(run_id, "t3")
        mlflow.log_artifact(os.path.join(src, "hello.txt"))
        mlflow.log_artifacts(os.path.join(src, "tree"), artifact_path="tree")
        mlflow.log_text("some notes\n", "notes/n.md")
        mlflow.log_artifact(os.path.join(src, "big.bin"), artifact_path="big")
        mlflow.log_text("scratch\n", "scratch/x.txt")
        get_artifact_repository(parent.info.artifact_uri).delete_artifacts("scratch")
        ds = mlflow.data.from_numpy(np.arange(6).reshape(3, 2), source="data.npy", name="tiny")
        mlflow.log_input(ds, context="training")
        with mlflow.start_run(run_name="child", nested=True):
            mlflow.log_metric("child_metric", 7, timestamp=T0)
        if log_model:
            class Identity(mlflow.pyfunc.PythonModel):
                def predict(self, context, model_input):
                    return model_input

            mlflow.pyfunc.log_model(name="model", python_model=Identity(), pip_requirements=["mlflow"])
        # MLflow 2.x's model history (`runs/log-model`), as the Spark flavor's `Model._log_v2`
        # still records it: twice, so the second entry is appended to the first.
        for path in ("legacy", "legacy-2"):
            legacy = Model(artifact_path=path, run_id=run_id, utc_time_created="2024-05-06 07:08:09.123456",
                           model_uuid="u-" + path, flavors={"spark": {"pyspark_version": "3.5", "config": {"x": 1}},
                                                             "python_function": {"loader_module": "mlflow.spark", "env": 1.0}})
            mlflow.tracking.fluent._record_logged_model(legacy, run_id)
        outcome(results, "change a param", lambda: mlflow.log_param("alpha", 0.6))
        outcome(results, "same param again", lambda: mlflow.log_param("alpha", 0.5))
        outcome(results, "bad metric key", lambda: mlflow.log_metric("bad!key", 1, timestamp=T0))
        outcome(results, "delete a missing tag", lambda: client.delete_tag(run_id, "nope"))

    downloaded = client.download_artifacts(run_id, "big/big.bin", tempfile.mkdtemp())
    results.append(["big file read back", sha(downloaded) == sha(os.path.join(src, "big.bin"))])
    results.append(["listing", sorted(f.path for f in client.list_artifacts(run_id))])
    results.append(["tree listing", sorted(f.path for f in client.list_artifacts(run_id, "tree"))])

    unnamed = mlflow.start_run()
    mlflow.end_run()
    results.append(["generated name", unnamed.info.run_name != ""])
    for status in ("FAILED", "KILLED", "FINISHED", "SCHEDULED"):
        r = client.create_run(exp_id, run_name=f"status-{status.lower()}", tags={"k": status}, start_time=T0)
        client.set_terminated(r.info.run_id, status, end_time=T0 + 5)
    renamed = client.create_run(exp_id, run_name="before")
    client.update_run(renamed.info.run_id, name="after")
    client.log_batch(renamed.info.run_id, metrics=[mlflow.entities.Metric("m", i, T0 + i, i) for i in range(50)],
                     params=[mlflow.entities.Param(f"p{i}", str(i)) for i in range(10)],
                     tags=[mlflow.entities.RunTag("mlflow.runName", "after-tag")])
    deleted = client.create_run(exp_id, run_name="deleted")
    client.delete_run(deleted.info.run_id)
    outcome(results, "write to a deleted run", lambda: client.log_param(deleted.info.run_id, "x", "1"))
    outcome(results, "model history of a deleted run",
            lambda: mlflow.tracking.fluent._record_logged_model(Model(artifact_path="m", run_id="r", flavors={}), deleted.info.run_id))
    restored = client.create_run(exp_id, run_name="restored")
    client.delete_run(restored.info.run_id)
    client.restore_run(restored.info.run_id)
    outcome(results, "a run that does not exist", lambda: client.get_run("0" * 32))

    doomed = client.create_logged_model(exp_id, name="doomed", source_run_id=run_id)
    client.delete_logged_model(doomed.model_id)
    outcome(results, "get a deleted logged model", lambda: client.get_logged_model(doomed.model_id))
    outcome(results, "delete a deleted logged model", lambda: client.delete_logged_model(doomed.model_id))
    outcome(results, "delete a logged model that does not exist", lambda: client.delete_logged_model("m-" + "0" * 32))

    second = client.create_experiment("second", tags={"x": "y"})
    client.rename_experiment(second, "second-renamed")
    in_second = client.create_run(second, run_name="in-second")
    client.delete_experiment(second)
    outcome(results, "create a run in a deleted experiment", lambda: client.create_run(second))
    outcome(results, "log to a run of a deleted experiment", lambda: client.log_param(in_second.info.run_id, "p", "1"))
    client.restore_experiment(second)
    third = client.create_experiment("third")
    client.delete_experiment(third)
    outcome(results, "duplicate experiment", lambda: client.create_experiment("writes"))
    outcome(results, "empty experiment name", lambda: client.create_experiment(""))
    return results


def raw_requests(base, run_id):
    """Request shapes the client never sends, answered by the request parsing and the store."""
    api = "/api/2.0/mlflow/"
    out = []
    for endpoint, body in [
        ("runs/log-metric", '{"run_id": "%s", "key": "k", "value": 1}' % run_id),
        ("runs/log-metric", '{"key": "k", "value": 1, "timestamp": 1}'),
        ("runs/log-metric", '{"run_id": "%s", "key": "k", "value": "abc", "timestamp": 1}' % run_id),
        ("runs/log-metric", '{"run_id": "%s", "key": "s", "value": "1.5", "timestamp": "12", "step": "2"}' % run_id),
        ("runs/set-tag", '{"run_id": "%s", "key": 5, "value": "v"}' % run_id),
        ("runs/log-batch", '{"run_id": "%s", "metrics": [{"key": "a", "value": 1, "timestamp": 1}, {"key": "b", "value": 2}]}' % run_id),
        ("runs/log-batch", '{"run_id": "%s", "params": [{"key": "p1", "value": "a"}, {"key": "p1", "value": "b"}]}' % run_id),
        ("runs/log-batch", '{"run_id": "%s", "params": {"key": "a"}}' % run_id),
        ("runs/update", '{"run_id": "%s", "status": "DONE"}' % run_id),
        ("runs/log-model", json.dumps({"run_id": run_id, "model_json": "not json"})),
        ("runs/log-model", json.dumps({"run_id": run_id, "model_json": json.dumps({"run_id": "r", "flavors": {}, "utc_time_created": "t"})})),
        ("runs/log-model", json.dumps({"run_id": run_id, "model_json": json.dumps(
            {"run_id": None, "artifact_path": "raw", "flavors": {"f": {"config": 1, "k": 1.0, "u": "\u00e9"}}, "utc_time_created": 5,
             "extra": [1], "model_uuid": "u"})})),
        # Answered by Flask's 500 page: the handler's `model.keys()`, the store's `flavors.items()`.
        ("runs/log-model", json.dumps({"run_id": run_id, "model_json": "[1, 2]"})),
        ("runs/log-model", json.dumps({"run_id": run_id, "model_json": json.dumps({"run_id": "r", "artifact_path": "p", "flavors": [1], "utc_time_created": "t"})})),
        ("runs/log-model", json.dumps({"run_id": "0" * 32, "model_json": json.dumps({"run_id": "r", "artifact_path": "p", "flavors": {}, "utc_time_created": "t"})})),
        ("experiments/create", '{"name": ""}'),
        ("experiments/create", '{"name": "x", "artifact_location": "runs:/abc"}'),
        ("experiments/create", '{"name": "y", "artifact_location": "http://elsewhere.example/a"}'),
    ]:
        out.append(raw(base, "POST", api + endpoint, body, run_id=run_id))
    out.append(raw(base, "POST", api + "runs/set-tag", '{"run_id": "%s", "key": "k", "value": "v"}' % run_id, content_type=None, run_id=run_id))
    out.append(raw(base, "POST", api + "runs/set-tag", '{"run_id": "%s", "key": "k", "value": "v"}' % run_id, content_type="text/plain", run_id=run_id))
    out.append(raw(base, "PUT", "/api/2.0/mlflow-artifacts/artifacts/0/dir/", "x", content_type="text/plain", run_id=run_id))
    out.append(raw(base, "PUT", "/api/2.0/mlflow-artifacts/artifacts/0/%2e%2e/escape.txt", "x", content_type="text/plain"))
    return out


def sha(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_files(uri, destination):
    """Each run's uploaded files (path under the run's artifact root -> sha256), by run name."""
    client = MlflowClient(uri)
    files = {}
    for exp in client.search_experiments(view_type=mlflow.entities.ViewType.ALL):
        for run in client.search_runs([exp.experiment_id], run_view_type=mlflow.entities.ViewType.ALL):
            prefix = "mlflow-artifacts:/"
            assert run.info.artifact_uri.startswith(prefix), run.info.artifact_uri
            root = os.path.join(destination, run.info.artifact_uri[len(prefix):])
            found = {}
            for folder, _, names in os.walk(root):
                for name in names:
                    full = os.path.join(folder, name)
                    found[os.path.relpath(full, root)] = sha(full)
            name = "<generated-name>" if DUMP.is_generated_name(run.info.run_name) else run.info.run_name
            files[exp.name + "/" + name] = found
    return files


def dump(uri):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mlflow_dump_store.py"), uri],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"mlflow_dump_store.py {uri} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def new_database(admin_uri, name):
    """A new empty database beside admin_uri's: its URI."""
    import psycopg2
    conn = psycopg2.connect(admin_uri.replace("+psycopg2", ""))
    conn.autocommit = True
    conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.cursor().execute(f"CREATE DATABASE {name}")
    conn.close()
    return admin_uri.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_uri, name):
    import psycopg2
    conn = psycopg2.connect(admin_uri.replace("+psycopg2", ""))
    conn.autocommit = True
    conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.close()


def store_uri(kind, folder, name, postgres):
    if kind == "fs":
        return os.path.join(folder, "mlruns")
    if kind == "sqlite":
        return "sqlite:///" + os.path.join(folder, "mlflow.db")
    return new_database(postgres, f"write_client_{name}_{os.getpid()}")


def serve_and_log(name, command, kind, work, src, log_model, postgres=None):
    folder = os.path.join(work, name)
    os.makedirs(folder)
    uri = store_uri(kind, folder, name, postgres)
    port = free_port()
    proc = start(command + ["--backend-store-uri", uri, "--host", "127.0.0.1", "--port", str(port)], folder, port)
    try:
        base = f"http://127.0.0.1:{port}"
        results = scenario(base, src, log_model)
        parent = MlflowClient(base).search_runs([mlflow.get_experiment_by_name("writes").experiment_id],
                                                filter_string="attributes.run_name = 'parent'")[0]
        results += raw_requests(base, parent.info.run_id)
    finally:
        stop(proc)
    try:
        return {"results": results, "dump": dump(uri), "files": artifact_files(uri, os.path.join(folder, "mlartifacts"))}
    finally:
        if kind == "postgres":
            drop_database(postgres, uri.rsplit("/", 1)[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mltui", required=True)
    parser.add_argument("--kind", choices=["fs", "sqlite", "postgres"], required=True)
    parser.add_argument("--postgres", help="for --kind postgres: a maintenance database's URI")
    parser.add_argument("--large-mb", type=int, default=20)
    parser.add_argument("--log-model", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-write-client-")
    try:
        src = make_sources(work, args.large_mb)
        mlflow_cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
        # mltui first: a build that cannot write the store yet skips at once.
        if args.kind == "postgres" and not args.postgres:
            parser.error("--kind postgres needs --postgres")
        actual = serve_and_log("mltui", [os.path.abspath(args.mltui), "serve", "--quiet"], args.kind, work, src, args.log_model,
                               args.postgres)
        expected = serve_and_log("mlflow", [mlflow_cli, "server", "--workers", "1"], args.kind, work, src, args.log_model,
                                 args.postgres)
        failures = 0
        for part in ("results", "files"):
            if expected[part] != actual[part]:
                failures += 1
                a = json.dumps(expected[part], indent=1, sort_keys=True).splitlines()
                b = json.dumps(actual[part], indent=1, sort_keys=True).splitlines()
                print(f"{part} differ (mlflow server vs mltui serve):")
                print("\n".join(difflib.unified_diff(a, b, "mlflow", "mltui", lineterm="", n=2)))
        if expected["dump"] != actual["dump"]:
            failures += 1
            print("store dumps differ (mlflow server vs mltui serve):")
            print("\n".join(difflib.unified_diff(expected["dump"].splitlines(), actual["dump"].splitlines(),
                                                 "mlflow", "mltui", lineterm="", n=2)))
        print(f"{args.kind}: {len(expected['results'])} outcomes, {sum(len(f) for f in expected['files'].values())} artifact files, "
              f"{'MATCH' if failures == 0 else 'DIFFER'}")
        sys.exit(1 if failures else 0)
    finally:
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
