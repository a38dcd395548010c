#!/usr/bin/env python3
"""Conformance battery: the same requests against the real `mlflow server` and `mltui serve`
over the same store, responses compared field by field (one of run_acceptance.sh's checks).

    conformance.py --mltui PATH/TO/mltui --store URI [--mlflow PATH/TO/mlflow] [--keep-going]

Starts both servers on free 127.0.0.1 ports (same cwd, so the same ./mlartifacts), waits for
/health (bounded), runs the battery, stops both by PID and exits 1 on any difference.
Only the standard library is used, so it runs with the MLflow venv's python or any python3.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

# Answers that differ on purpose, each with its reason (docs/serve.md "Differences").
INTENDED = {
    # mltui serves no gateway and no presigned uploads; it reports so.
    "server-info": "capabilities differ by design",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, cwd, env, log_path):
    log = open(log_path, "wb")
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base, proc, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server at {base} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"server at {base} not healthy after {seconds}s")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


class Answer:
    def __init__(self, status, content_type, body, allow=None):
        self.status = status
        self.content_type = (content_type or "").split(";")[0].strip()
        self.body = body
        # Flask lists a route's methods in its own order: compared as a set.
        self.allow = {m.strip() for m in allow.split(",")} if allow else None

    def json(self):
        try:
            return json.loads(self.body)
        except Exception:
            return None


def call(base, method, path, query=None, body=None, headers=None, raw_body=None):
    url = base + path
    if query:
        url += "?" + urllib.parse.urlencode(query, doseq=True)
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    if raw_body is not None:
        data = raw_body
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return Answer(r.status, r.headers.get("Content-Type"), r.read(), r.headers.get("Allow"))
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.headers.get("Content-Type"), e.read(), e.headers.get("Allow"))


def keyed_lists_sorted(value):
    """MLflow's file store lists tags, params and latest metrics in the filesystem's directory order
    (os.listdir, unsorted), so for file stores those lists are compared as sets of entries."""
    if isinstance(value, dict):
        return {k: keyed_lists_sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [keyed_lists_sorted(v) for v in value]
        if items and all(isinstance(v, dict) and "key" in v and "timestamp" not in v or
                         isinstance(v, dict) and set(v) >= {"key", "value", "timestamp", "step"} and "run_id" in v
                         for v in items):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


# Lists MLflow returns in no defined order: dataset summaries (a Python set, a SQL DISTINCT),
# a registered model's latest versions (a set of stages), logged-model params and metrics
# (directory order or rows), tags and aliases.
UNORDERED = {"dataset_summaries", "latest_versions", "params", "metrics", "tags", "aliases"}


def unordered_sorted(value, keys, key=None):
    if isinstance(value, dict):
        return {k: unordered_sorted(v, keys, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [unordered_sorted(v, keys) for v in value]
        if key in keys:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


def diff(a, b, where="$"):
    """Field-by-field differences between two JSON values, as readable lines."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append(f"{where}.{k}: only mltui has {json.dumps(b[k])[:80]}")
            elif k not in b:
                out.append(f"{where}.{k}: missing in mltui (mlflow: {json.dumps(a[k])[:80]})")
            else:
                out += diff(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items from mlflow, {len(b)} from mltui")
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{where}[{i}]")
    elif a != b and not (isinstance(a, float) and isinstance(b, float) and a != a and b != b):
        out.append(f"{where}: mlflow {json.dumps(a)[:100]} != mltui {json.dumps(b)[:100]}")
    return out


class Battery:
    def __init__(self, mlflow, mltui, store_kind):
        self.mlflow = mlflow
        self.mltui = mltui
        self.kind = store_kind
        self.count = 0
        self.failures = []

    def check(self, name, method, path, query=None, body=None, headers=None, raw_body=None, paths=("/api/2.0/mlflow",),
              own_message=False, unordered=()):
        """Sends one request to both servers (under each given prefix) and compares; returns mlflow's answer."""
        first = None
        for prefix in paths:
            full = prefix + path if path.startswith("/") and prefix else path
            a = call(self.mlflow, method, full, query, body, headers, raw_body)
            b = call(self.mltui, method, full, query, body, headers, raw_body)
            self.count += 1
            problems = []
            if a.status != b.status:
                problems.append(f"status: mlflow {a.status} != mltui {b.status}")
            ja, jb = a.json(), b.json()
            if own_message and isinstance(ja, dict) and isinstance(jb, dict) and "message" in ja and "message" in jb:
                # mltui's filter errors say where the error is (team rule); code and status must match.
                ja, jb = dict(ja, message="-"), dict(jb, message="-")
            if self.kind == "fs":
                ja, jb = keyed_lists_sorted(ja), keyed_lists_sorted(jb)
            if self.kind == "postgres":
                # On PostgreSQL MLflow loads a run's metrics, params and tags (and an experiment's
                # tags) without ORDER BY, in whatever order the plan reads them (a sequential scan:
                # physical order; an index scan: insertion order, which differs once a row was
                # updated), and the plan changes with the table's statistics: compared as sets.
                ja, jb = unordered_sorted(ja, UNORDERED), unordered_sorted(jb, UNORDERED)
            if unordered:
                ja, jb = unordered_sorted(ja, unordered), unordered_sorted(jb, unordered)
            if a.content_type == "application/json" or b.content_type == "application/json":
                if ja is None or jb is None:
                    problems.append(f"body: mlflow {a.body[:80]!r} / mltui {b.body[:80]!r}")
                else:
                    problems += diff(ja, jb)
            elif a.body != b.body:
                problems.append(f"body: mlflow {a.body[:80]!r} != mltui {b.body[:80]!r}")
            if a.content_type != b.content_type:
                problems.append(f"content-type: mlflow {a.content_type} != mltui {b.content_type}")
            if a.allow != b.allow:
                problems.append(f"Allow: mlflow {sorted(a.allow or [])} != mltui {sorted(b.allow or [])}")
            label = f"[{self.kind}] {name} {method} {full}"
            if problems:
                self.failures.append((label, problems))
                print(f"DIFF {label}")
                for p in problems[:8]:
                    print(f"     {p}")
            else:
                print(f"ok   {label}")
            first = first or a
        return first

    def run(self):
        both = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
        self.check("health", "GET", "/health", paths=("",))
        self.check("version", "GET", "/version", paths=("",))
        self.check("unknown endpoint", "GET", "/no/such/endpoint", paths=both)
        self.check("unknown root path", "GET", "/nope", paths=("",))
        self.check("experiments/search without max_results", "GET", "/experiments/search", paths=both)
        self.check("experiments/search GET", "GET", "/experiments/search", query={"max_results": 1000}, paths=both)
        exps = self.check("experiments/search ALL", "POST", "/experiments/search",
                          body={"max_results": 1000, "view_type": "ALL"}).json().get("experiments", [])
        self.check("experiments/search DELETED_ONLY", "POST", "/experiments/search", body={"max_results": 1000, "view_type": "DELETED_ONLY"})
        self.check("experiments/search view_type number", "POST", "/experiments/search", body={"max_results": 1000, "view_type": 3})
        self.check("experiments/search order name", "POST", "/experiments/search",
                   body={"max_results": 1000, "view_type": "ALL", "order_by": ["name ASC"]})
        self.check("experiments/search filter", "POST", "/experiments/search", body={"max_results": 1000, "filter": "name LIKE '%a%'"})
        self.check("experiments/search filter tag", "POST", "/experiments/search", body={"max_results": 1000, "filter": "tags.purpose = 'artifacts'"})
        self.check("experiments/search invalid filter", "POST", "/experiments/search", body={"max_results": 10, "filter": "name = "}, own_message=True)
        self.check("experiments/search too many", "POST", "/experiments/search", body={"max_results": 50001})
        self.check("experiments/search bad max_results", "GET", "/experiments/search", query={"max_results": "abc"})
        token = None
        for page in range(4):
            req = {"max_results": 2, "view_type": "ALL"}
            if token:
                req["page_token"] = token
            token = self.check(f"experiments/search page {page + 1}", "POST", "/experiments/search", body=req).json().get("next_page_token")
            if not token:
                break
        self.check("experiments/search bad token", "POST", "/experiments/search", body={"max_results": 2, "page_token": "!!!"})
        for e in exps:
            self.check("experiments/get", "GET", "/experiments/get", query={"experiment_id": e["experiment_id"]}, paths=both)
            self.check("experiments/get-by-name", "GET", "/experiments/get-by-name", query={"experiment_name": e["name"]})
        self.check("experiments/get missing", "GET", "/experiments/get", query={"experiment_id": "999999"})
        self.check("experiments/get no id", "GET", "/experiments/get")
        self.check("experiments/get-by-name missing", "GET", "/experiments/get-by-name", query={"experiment_name": "no such \u00e9xp"})
        ids = [e["experiment_id"] for e in exps]
        runs = self.check("runs/search ALL", "POST", "/runs/search",
                          body={"experiment_ids": ids, "run_view_type": "ALL", "max_results": 1000}, paths=both).json().get("runs", [])
        self.check("runs/search default", "POST", "/runs/search", body={"experiment_ids": ids})
        self.check("runs/search DELETED_ONLY", "POST", "/runs/search", body={"experiment_ids": ids, "run_view_type": "DELETED_ONLY"})
        for e in ids:
            self.check("runs/search one experiment", "POST", "/runs/search", body={"experiment_ids": [e]})
        metric_keys = sorted({m["key"] for r in runs for m in r["data"].get("metrics", [])})
        param_keys = sorted({p["key"] for r in runs for p in r["data"].get("params", [])})
        for f in ["attributes.status = 'FAILED'", "attributes.status != 'FINISHED'", "tags.mlflow.user = 'alice'",
                  "attributes.run_name LIKE '%a%'", "attributes.run_name ILIKE '%A%'", "attributes.start_time > 0",
                  "datasets.context = 'training'", "tags.`mlflow.parentRunId` != ''"] + \
                 [f"metrics.`{k}` > 0.5" for k in metric_keys[:4]] + [f"params.`{k}` != ''" for k in param_keys[:3]]:
            self.check(f"runs/search filter {f}", "POST", "/runs/search", body={"experiment_ids": ids, "filter": f, "run_view_type": "ALL"})
        for o in [["start_time ASC"], ["attributes.run_name DESC"], ["end_time DESC"]] + \
                 [[f"metrics.`{k}` DESC"] for k in metric_keys[:3]] + [[f"params.`{k}` ASC"] for k in param_keys[:2]]:
            self.check(f"runs/search order {o}", "POST", "/runs/search", body={"experiment_ids": ids, "order_by": o, "run_view_type": "ALL"})
        token = None
        for page in range(3):
            req = {"experiment_ids": ids, "max_results": 3}
            if token:
                req["page_token"] = token
            token = self.check(f"runs/search page {page + 1}", "POST", "/runs/search", body=req).json().get("next_page_token")
            if not token:
                break
        self.check("runs/search invalid filter", "POST", "/runs/search", body={"experiment_ids": ids, "filter": "metrics.x >"}, own_message=True)
        self.check("runs/search invalid OR", "POST", "/runs/search", body={"experiment_ids": ids, "filter": "params.a = '1' OR params.b = '2'"}, own_message=True)
        self.check("runs/search bad token", "POST", "/runs/search", body={"experiment_ids": ids, "page_token": "bm9wZQ=="})
        self.check("runs/search too many", "POST", "/runs/search", body={"experiment_ids": ids, "max_results": 50001})
        self.check("runs/search GET", "GET", "/runs/search")
        self.check("runs/search no content type", "POST", "/runs/search", raw_body=b"{}", headers={"Content-Type": "text/plain"})
        self.check("runs/search malformed json", "POST", "/runs/search", raw_body=b"{bad", headers={"Content-Type": "application/json"})
        self.check("runs/search numeric ids", "POST", "/runs/search", body={"experiment_ids": [1, 2]})
        self.check("runs/search unknown experiment", "POST", "/runs/search", body={"experiment_ids": ["424242"]})
        self.check("runs/search empty", "POST", "/runs/search", body={})
        for r in runs:
            rid = r["info"]["run_id"]
            self.check("runs/get", "GET", "/runs/get", query={"run_id": rid})
            for m in r["data"].get("metrics", []):
                self.check("metrics/get-history", "GET", "/metrics/get-history", query={"run_id": rid, "metric_key": m["key"]})
            self.check("artifacts/list root", "GET", "/artifacts/list", query={"run_id": rid})
            self.walk_artifacts(rid, None, 0)
        self.check("runs/get legacy run_uuid", "GET", "/runs/get", query={"run_uuid": runs[0]["info"]["run_id"]})
        self.check("runs/get missing", "GET", "/runs/get", query={"run_id": "0" * 32})
        self.check("runs/get no id", "GET", "/runs/get")
        longest = max(runs, key=lambda r: len(r["data"].get("metrics", [])))
        rid = longest["info"]["run_id"]
        key = longest["data"]["metrics"][0]["key"]
        token = None
        for page in range(3):
            q = {"run_id": rid, "metric_key": key, "max_results": 2}
            if token:
                q["page_token"] = token
            token = self.check(f"get-history page {page + 1}", "GET", "/metrics/get-history", query=q).json().get("next_page_token")
            if not token:
                break
        self.check("get-history unknown key", "GET", "/metrics/get-history", query={"run_id": rid, "metric_key": "no-such-metric"})
        self.check("get-history max_results 0", "GET", "/metrics/get-history", query={"run_id": rid, "metric_key": key, "max_results": 0})
        self.check("get-history no key", "GET", "/metrics/get-history", query={"run_id": rid})
        self.check("get-history missing run", "GET", "/metrics/get-history", query={"run_id": "0" * 32, "metric_key": key})
        self.check("artifacts/list traversal", "GET", "/artifacts/list", query={"run_id": rid, "path": "../.."})
        self.check("artifacts/list absolute", "GET", "/artifacts/list", query={"run_id": rid, "path": "/etc"})
        self.check("artifacts/list missing path", "GET", "/artifacts/list", query={"run_id": rid, "path": "no/such/dir"})
        self.check("artifacts/list missing run", "GET", "/artifacts/list", query={"run_id": "0" * 32})
        self.run_models(exps)
        art = "/api/2.0/mlflow-artifacts/artifacts"
        self.check("mlflow-artifacts list root", "GET", art, paths=("",))
        self.check("mlflow-artifacts list missing", "GET", art, query={"path": "1/none"}, paths=("",))
        self.check("mlflow-artifacts list traversal", "GET", art, query={"path": "../etc"}, paths=("",))
        self.check("mlflow-artifacts download missing", "GET", art + "/1/none/artifacts/x.txt", paths=("",))
        self.check("mlflow-artifacts download traversal", "GET", art + "/x/%2e%2e/%2e%2e/etc/passwd", paths=("",))
        self.check("unknown method", "DELETE", "/runs/get")
        self.check("wrong method on a POST endpoint", "GET", "/runs/update")
        for name, path, prefixes in [("OPTIONS search", "/experiments/search", both), ("OPTIONS get", "/runs/get", both),
                                     ("OPTIONS write", "/runs/log-batch", both), ("OPTIONS logged model", "/logged-models/m-1", both),
                                     ("OPTIONS unknown", "/no/such/endpoint", both), ("OPTIONS health", "/health", ("",)),
                                     ("OPTIONS version", "/version", ("",)), ("OPTIONS get-artifact", "/get-artifact", ("",)),
                                     ("OPTIONS artifact list", art, ("",)), ("OPTIONS artifact file", art + "/a/b.txt", ("",)),
                                     ("OPTIONS unknown root", "/nope", ("",))]:
            self.check(name, "OPTIONS", path, paths=prefixes)
        self.check("host header", "GET", "/experiments/get", query={"experiment_id": ids[0]}, headers={"Host": "evil.example"})
        self.check("host header with port", "GET", "/experiments/get", query={"experiment_id": ids[0]}, headers={"Host": "localhost:9999"})

    def run_models(self, exps):
        """Logged models, the registry and dataset summaries (the fixtures' `model-zoo`)."""
        plain_check = self.check

        def check(*args, **kwargs):
            kwargs.setdefault("unordered", UNORDERED)
            return plain_check(*args, **kwargs)
        self.check = check
        try:
            self.run_model_battery(exps)
        finally:
            self.check = plain_check

    def run_model_battery(self, exps):
        ajax = ("/ajax-api/2.0/mlflow",)
        zoo = next(e["experiment_id"] for e in exps if e["name"] == "model-zoo")
        ids = [e["experiment_id"] for e in exps]
        lm = "/logged-models/search"

        def search(name, own_message=False, **body):
            return self.check(f"logged-models/search {name}", "POST", lm, body=dict({"experiment_ids": [zoo]}, **body),
                              own_message=own_message)

        models = search("all").json().get("models", [])
        model_ids = [m["info"]["model_id"] for m in models]
        run_ids = sorted({m["info"]["source_run_id"] for m in models if m["info"].get("source_run_id")})
        for f in ["metrics.accuracy > 0.8", "metrics.accuracy < 0.8", "metrics.`accuracy` >= 0.5", "name LIKE 'clf%'",
                  "name ILIKE 'CLF%'", "attributes.name != 'baseline'", "name IN ('baseline', 'clf-small')",
                  "tags.framework = 'sklearn'", "tags.framework LIKE 'sk%'", "params.hidden = '64'", "status = 'READY'",
                  "status = 'PENDING'", "status = '2'", "status = 'NOPE'", f"source_run_id = '{run_ids[0]}'",
                  "model_type = 'agent'", "model_type = 'classifier' AND metrics.accuracy > 0.7",
                  "creation_timestamp > 0", f"model_id = '{model_ids[0]}'"]:
            # On PostgreSQL a status that is not an integer fails the query (400): MLflow's message
            # is psycopg2's, with the SQL; the code and status must match.
            search(f"filter {f}", filter=f, own_message=self.kind == "postgres" and f.startswith("status") and f != "status = '2'")
        for f in ["name = 'a' OR name = 'b'", "metrics.accuracy >> 1", "params.hidden > '100'", "foo.bar = 'x'", "name = "]:
            self.check(f"logged-models/search invalid {f}", "POST", lm, body={"experiment_ids": [zoo], "filter": f}, own_message=True)
        for order in [[{"field_name": "metrics.accuracy", "ascending": False}],
                      [{"field_name": "metrics.accuracy", "ascending": True, "dataset_name": "reviews-eval"}],
                      [{"field_name": "name"}], [{"field_name": "creation_timestamp", "ascending": True}],
                      [{"field_name": "last_updated_timestamp", "ascending": False}, {"field_name": "name"}]]:
            search(f"order {order}", order_by=order)
        self.check("logged-models/search order bad field", "POST", lm,
                   body={"experiment_ids": [zoo], "order_by": [{"field_name": "foo"}]}, own_message=True)
        self.check("logged-models/search order params", "POST", lm,
                   body={"experiment_ids": [zoo], "order_by": [{"field_name": "params.hidden"}]}, own_message=True)
        digests = {}
        for m in models:
            for metric in m["data"].get("metrics", []):
                if metric.get("dataset_name"):
                    digests[metric["dataset_name"]] = metric.get("dataset_digest")
        for name, digest in sorted(digests.items())[:2]:
            search(f"datasets {name}", datasets=[{"dataset_name": name}])
            search(f"datasets {name}@digest", datasets=[{"dataset_name": name, "dataset_digest": digest}])
            search(f"datasets {name}@digest metric", datasets=[{"dataset_name": name, "dataset_digest": digest}],
                   filter="metrics.accuracy > 0.5")
        search("datasets wrong digest", datasets=[{"dataset_name": "reviews-eval", "dataset_digest": "nope"}])
        self.check("logged-models/search datasets without name", "POST", lm, body={"experiment_ids": [zoo], "datasets": [{}]})
        token = None
        for page in range(4):
            body = {"max_results": 2}
            if token:
                body["page_token"] = token
            token = search(f"page {page + 1}", **body).json().get("next_page_token")
            if not token:
                break
        search("max_results 0", max_results=0)
        search("max_results 100000", max_results=100000)
        self.check("logged-models/search unknown experiment", "POST", lm, body={"experiment_ids": ["999999"]})
        self.check("logged-models/search several experiments", "POST", lm, body={"experiment_ids": [zoo, "0"]})
        self.check("logged-models/search no experiment", "POST", lm, body={})
        self.check("logged-models/search ajax", "POST", lm, body={"experiment_ids": [zoo], "max_results": 1}, paths=ajax)
        for mid in model_ids:
            self.check("logged-models/get", "GET", f"/logged-models/{mid}")
        self.check("logged-models/get allow_deleted", "GET", f"/logged-models/{model_ids[0]}", query={"allow_deleted": "true"})
        self.check("logged-models/get unknown", "GET", "/logged-models/m-" + "0" * 32)
        for mid in model_ids:
            listing = self.check("logged-model artifacts", "GET", f"/logged-models/{mid}/artifacts/directories", paths=ajax)
            for f in (listing.json() or {}).get("files", []):
                if not f["is_dir"]:
                    self.check("logged-model artifact file", "GET", f"/logged-models/{mid}/artifacts/files",
                               query={"artifact_file_path": f["path"]}, paths=ajax)

        rm = "/registered-models"
        mv_path = "/model-versions"
        names = [m["name"] for m in self.check("registered-models/search", "GET", rm + "/search").json().get("registered_models", [])]
        for q in [{"filter": "name LIKE '%class%'"}, {"filter": "name ILIKE '%AGENT%'"}, {"filter": "name = 'Support Agent ✨'"},
                  {"filter": "tags.task = 'agent'"}, {"filter": "tags.`task` = 'scoring'"}, {"filter": "tags.task LIKE 'a%'"},
                  {"filter": "name IN ('empty-model', 'length-scorer')"}, {"filter": "name = 'a' AND name = 'b'"},
                  {"order_by": "name DESC"}, {"order_by": "last_updated_timestamp DESC"},
                  {"order_by": ["last_updated_timestamp ASC", "name DESC"]}, {"max_results": 1000}, {"max_results": 1001},
                  {"max_results": 1}, {"max_results": 1, "page_token": "eyJvZmZzZXQiOiAxfQ=="}, {"page_token": "garbage"}]:
            self.check(f"registered-models/search {q}", "GET", rm + "/search", query=q)
        for q in [{"filter": "foo = 'x'"}, {"filter": "name > 'a'"}, {"filter": "name = 'a' OR name = 'b'"}, {"order_by": "foo"}]:
            self.check(f"registered-models/search invalid {q}", "GET", rm + "/search", query=q, own_message=True)
        self.check("registered-models/search POST", "POST", rm + "/search", body={"max_results": 2})
        for name in names + ["nope"]:
            self.check("registered-models/get", "GET", rm + "/get", query={"name": name}, paths=("/api/2.0/mlflow",) + ajax)
            for alias in ["champion", "challenger", "nope"]:
                self.check("registered-models/alias", "GET", rm + "/alias", query={"name": name, "alias": alias})
            latest = UNORDERED | {"model_versions"}
            self.check("get-latest-versions GET", "GET", rm + "/get-latest-versions", query={"name": name}, unordered=latest)
            self.check("get-latest-versions POST", "POST", rm + "/get-latest-versions", body={"name": name}, unordered=latest)
        self.check("registered-models/get no name", "GET", rm + "/get")
        for name in ["..foo", "100%", "a/b", " "]:
            self.check(f"registered-models/get name {name!r}", "GET", rm + "/get", query={"name": name})
        for alias in ["latest", "LATEST", "a.b", "x" * 256]:
            self.check(f"registered-models/alias {alias[:10]!r}", "GET", rm + "/alias", query={"name": "review-classifier", "alias": alias})
        self.check("model-versions/get version with a newline", "GET", mv_path + "/get", query={"name": "review-classifier", "version": "2\n"})
        first = names[0] if names else "x"
        for stages in [["Production", "Archived"], ["staging"], ["None"], ["Bogus"]]:
            self.check(f"get-latest-versions stages {stages}", "POST", rm + "/get-latest-versions",
                       body={"name": first, "stages": stages}, unordered=UNORDERED | {"model_versions"})
            self.check(f"get-latest-versions GET stages {stages}", "GET", rm + "/get-latest-versions",
                       query={"name": first, "stages": stages}, unordered=UNORDERED | {"model_versions"})

        mv = "/model-versions"
        versions = self.check("model-versions/search", "GET", mv + "/search").json().get("model_versions", [])
        version_runs = sorted({v["run_id"] for v in versions if v.get("run_id")})
        for q in [{"filter": f"name = '{first}'"}, {"filter": "name LIKE 'review%'"}, {"filter": "name ILIKE 'SUPPORT%'"},
                  {"filter": f"run_id = '{version_runs[0]}'"}, {"filter": "run_id IN (" + ", ".join(f"'{r}'" for r in version_runs) + ")"},
                  {"filter": "tags.validated = 'true'"}, {"filter": "tags.validated LIKE 't%'"}, {"filter": "version_number > 1"},
                  {"filter": "version_number = 2"}, {"filter": "version_number = '2'"},
                  {"filter": f"name = '{first}' AND version_number >= 2"}, {"order_by": "version_number DESC"},
                  {"order_by": ["name ASC", "version_number ASC"]}, {"order_by": "last_updated_timestamp DESC"},
                  {"max_results": 1}, {"max_results": 1, "page_token": "eyJvZmZzZXQiOiAxfQ=="}, {"max_results": 0},
                  {"max_results": 200000}, {"max_results": 200001}, {"page_token": "garbage"}]:
            self.check(f"model-versions/search {q}", "GET", mv + "/search", query=q)
        for v in versions[:3]:
            self.check("model-versions/search source_path", "GET", mv + "/search", query={"filter": f"source_path = '{v['source']}'"})
        for q in [{"filter": "foo = 'x'"}, {"filter": "current_stage = 'Production'"}, {"filter": "name = 'a' OR name = 'b'"},
                  {"order_by": "foo DESC"}]:
            self.check(f"model-versions/search invalid {q}", "GET", mv + "/search", query=q, own_message=True)
        for v in versions + [{"name": first, "version": "99"}, {"name": first, "version": "abc"}, {"name": "nope", "version": "1"},
                             {"name": "", "version": "1"}]:
            self.check("model-versions/get", "GET", mv + "/get", query={"name": v["name"], "version": v["version"]})
            self.check("model-versions/get-download-uri", "GET", mv + "/get-download-uri",
                       query={"name": v["name"], "version": v["version"]}, paths=("/api/2.0/mlflow",) + ajax)
        deleted = {"name": "review-classifier", "version": "4"}
        self.check("model-versions/get deleted", "GET", mv + "/get", query=deleted)

        ds = "/experiments/search-datasets"
        self.check("search-datasets", "POST", ds, body={"experiment_ids": [zoo]}, paths=("/api/2.0/mlflow",) + ajax)
        self.check("search-datasets all", "POST", ds, body={"experiment_ids": ids[:20]}, paths=ajax)
        self.check("search-datasets none", "POST", ds, body={"experiment_ids": []}, paths=ajax)
        self.check("search-datasets too many", "POST", ds, body={"experiment_ids": [str(i) for i in range(21)]}, paths=ajax)

    def walk_artifacts(self, rid, path, depth):
        q = {"run_id": rid}
        if path:
            q["path"] = path
        files = self.check("artifacts/list", "GET", "/artifacts/list", query=q).json().get("files", [])
        for f in files:
            if f["is_dir"] and depth < 3:
                self.walk_artifacts(rid, f["path"], depth + 1)
            elif not f["is_dir"]:
                self.check("get-artifact", "GET", "/get-artifact", query={"run_uuid": rid, "path": f["path"]}, paths=("",))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--store", required=True, help="backend store URI (sqlite:////abs.db or /abs/mlruns)")
    ap.add_argument("--mlflow", default=os.path.join(os.path.dirname(sys.executable), "mlflow"))
    args = ap.parse_args()
    kind = "sqlite" if args.store.startswith("sqlite:") else "postgres" if args.store.startswith("postgres") else "fs"
    work = tempfile.mkdtemp(prefix="mltui-conformance-")
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    env.pop("MLFLOW_TRACKING_URI", None)
    pa, pb = free_port(), free_port()
    mlflow = start([args.mlflow, "server", "--backend-store-uri", args.store, "--host", "127.0.0.1",
                    "--port", str(pa), "--workers", "1"], work, env, os.path.join(work, "mlflow.log"))
    try:
        mltui = start([args.mltui, "serve", "--backend-store-uri", args.store, "--port", str(pb)], work, env,
                      os.path.join(work, "mltui.log"))
    except OSError:
        stop(mlflow)
        raise
    try:
        wait_healthy(f"http://127.0.0.1:{pb}", mltui)
        wait_healthy(f"http://127.0.0.1:{pa}", mlflow)
        battery = Battery(f"http://127.0.0.1:{pa}", f"http://127.0.0.1:{pb}", kind)
        battery.run()
    finally:
        stop(mltui)
        stop(mlflow)
    print(f"\n{battery.count} requests, {len(battery.failures)} differences ({kind}); logs in {work}")
    sys.exit(1 if battery.failures else 0)


if __name__ == "__main__":
    main()
