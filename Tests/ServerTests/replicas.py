#!/usr/bin/env python3
"""Three `mltui serve` replicas over one PostgreSQL database behind haproxy (round robin) answer
as one server while the real MLflow client logs into that database through `mlflow server`.

    replicas.py --mltui PATH/TO/mltui --store postgresql+psycopg2://USER:PW@127.0.0.1:PORT/EMPTY_DB

While a writer logs runs (params, metric steps, tags, an artifact, the end) through `mlflow server`:
  - every replica, reached in turn through haproxy (its X-Replica header names it), shows at least
    the runs the previous answer showed (no replica answers from a stale copy);
  - a run one replica listed can be read (get, history) from the next one;
  - mltui's own REST backend through haproxy never sees fewer runs than it saw before.
Once the writer is done:
  - runs/search paged 5 at a time through haproxy (each page from another replica, the page token
    made by one and read by the next) equals `mlflow server`'s own paging, as do experiments,
    get, metric history, artifact lists and artifact downloads through the replicas' proxy;
  - the real Python client through haproxy (basic auth) reads what it reads through `mlflow server`;
  - mltui's REST backend through haproxy prints what mltui reading PostgreSQL directly prints;
  - without credentials each replica answers 401.
The store must be an empty database: `mlflow server` creates MLflow's schema in it.
"""

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import UNORDERED, call, diff, free_port, start, stop, unordered_sorted, wait_healthy  # noqa: E402

USER, PASSWORD = "team", "replica-pw"


def same_as(a, b):
    """The differences between two answers, lists MLflow returns in no defined order (a run's
    tags, params and latest metrics come in whatever order PostgreSQL's plan reads the rows,
    which changes as the tables grow and are analyzed) compared as sets."""
    return diff(unordered_sorted(a, UNORDERED), unordered_sorted(b, UNORDERED))
RUNS, STEPS = 24, 12


def auth_header(user=USER, password=PASSWORD):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def auth_file(path):
    iterations = 1000
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, iterations)
    with open(path, "w") as f:
        f.write(f"{USER}:pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()} ro\n")


def haproxy_config(path, port, replicas):
    servers = "\n".join(f"    server r{i} 127.0.0.1:{p} check inter 500ms" for i, p in enumerate(replicas, 1))
    with open(path, "w") as f:
        f.write(f"""global
    maxconn 512
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend replicas
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    http-response set-header X-Replica %s
{servers}
""")


def start_haproxy(haproxy, work, env, ports, procs):
    """haproxy (round robin) in front of the replicas on `ports`, its process appended to
    `procs`; its URL once every replica is marked up."""
    hport = free_port()
    haproxy_config(os.path.join(work, "haproxy.cfg"), hport, ports)
    procs.append(start([haproxy, "-db", "-f", os.path.join(work, "haproxy.cfg")], work, env, os.path.join(work, "haproxy.log")))
    lb = f"http://127.0.0.1:{hport}"
    wait_healthy(lb, procs[-1])
    time.sleep(1.5)   # haproxy's first health checks mark every replica up
    return lb


def raw(base, method, path, body=None, headers=None):
    """One request: (status, X-Replica, JSON body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    hdrs = dict(headers or {})
    if data is not None:
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("X-Replica"), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("X-Replica"), None


class Writer(threading.Thread):
    """The real client logging runs through `mlflow server`, one run after another."""

    def __init__(self, tracking_uri):
        super().__init__(daemon=True)
        self.tracking_uri = tracking_uri
        self.error = None
        self.experiment_id = None
        self.ready = threading.Event()

    def run(self):
        try:
            from mlflow import MlflowClient
            from mlflow.entities import Metric, Param, RunTag
            client = MlflowClient(self.tracking_uri)
            self.experiment_id = client.create_experiment("team-sweep")
            self.ready.set()
            scratch = tempfile.mkdtemp(prefix="mltui-replicas-artifact-")
            for i in range(RUNS):
                run = client.create_run(self.experiment_id, run_name=f"trial-{i:02d}", tags={"sweep": "lr", "Owner": "Bob" if i % 2 else "alice"})
                rid = run.info.run_id
                client.log_batch(rid, params=[Param("lr", str(0.001 * (i + 1))), Param("arch", "ResNet" if i % 3 else "vit")])
                for step in range(STEPS):
                    t = 1_735_689_600_000 + i * 60_000 + step
                    client.log_batch(rid, metrics=[Metric("loss", 1.0 / (step + 1 + i), t, step), Metric("acc", step / STEPS, t, step)])
                if i % 4 == 0:
                    path = os.path.join(scratch, "notes.txt")
                    with open(path, "w") as f:
                        f.write(f"run {i}\n" * 100)
                    client.log_artifact(rid, path)
                client.set_terminated(rid, "FINISHED" if i % 5 else "FAILED")
        except Exception as e:  # reported by the main thread
            self.error = repr(e)
        finally:
            self.ready.set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--mlflow", default=os.path.join(os.path.dirname(sys.executable), "mlflow"))
    ap.add_argument("--haproxy", default="/usr/sbin/haproxy")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-replicas-")
    artifacts = os.path.join(work, "artifacts")
    os.makedirs(artifacts)
    env = dict(os.environ)
    for key in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        env.pop(key, None)
    users = os.path.join(work, "users.txt")
    auth_file(users)
    problems = []
    procs = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            problems.append(what)

    try:
        wport = free_port()
        writer_base = f"http://127.0.0.1:{wport}"
        procs.append(start([args.mlflow, "server", "--backend-store-uri", args.store, "--host", "127.0.0.1", "--port", str(wport),
                            "--workers", "1", "--artifacts-destination", artifacts], work, env, os.path.join(work, "mlflow.log")))
        wait_healthy(writer_base, procs[-1], seconds=120)   # it creates MLflow's schema first
        replica_ports = [free_port() for _ in range(3)]
        for i, port in enumerate(replica_ports, 1):
            procs.append(start([args.mltui, "serve", "--quiet", "--backend-store-uri", args.store, "--port", str(port),
                                "--artifacts-destination", artifacts, "--auth-file", users], work, env,
                               os.path.join(work, f"replica{i}.log")))
        for port, proc in zip(replica_ports, procs[1:]):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        lb = start_haproxy(args.haproxy, work, env, replica_ports, procs)

        writer = Writer(writer_base)
        writer.start()
        writer.ready.wait(timeout=120)
        if writer.experiment_id is None:
            raise SystemExit(f"the writer did not start: {writer.error}")
        exp = writer.experiment_id

        # While the writer logs: monotonic answers across replicas.
        seen_replicas, counts, regressions, unreadable, rest_counts = set(), [], [], [], []
        client_env = dict(env, MLFLOW_TRACKING_USERNAME=USER, MLFLOW_TRACKING_PASSWORD=PASSWORD)
        deadline = time.time() + 240
        while writer.is_alive() and time.time() < deadline:
            status, replica, page = raw(lb, "POST", "/api/2.0/mlflow/runs/search", {"experiment_ids": [exp], "max_results": 1000}, auth_header())
            if status != 200:
                problems.append(f"runs/search through haproxy answered {status} ({replica})")
                break
            seen_replicas.add(replica)
            ids = [r["info"]["run_id"] for r in (page or {}).get("runs", [])]
            if counts and len(ids) < counts[-1][1]:
                regressions.append((counts[-1], (replica, len(ids))))
            counts.append((replica, len(ids)))
            if ids:
                # The newest run one replica listed, read from the next one.
                status, other, got = raw(lb, "GET", f"/api/2.0/mlflow/runs/get?run_id={ids[0]}", headers=auth_header())
                if status != 200:
                    unreadable.append((replica, other, ids[0], status))
                status, other, _ = raw(lb, "GET", f"/api/2.0/mlflow/metrics/get-history?run_id={ids[0]}&metric_key=loss", headers=auth_header())
                if status != 200:
                    unreadable.append((replica, other, ids[0], f"history {status}"))
            done = subprocess.run([args.mltui, "runs", "--tracking-uri", lb, "--experiment-id", exp, "--format", "json"],
                                  cwd=work, env=client_env, capture_output=True, text=True, timeout=120)
            if done.returncode == 0:
                n = len(json.loads(done.stdout).get("runs", []))
                if rest_counts and n < rest_counts[-1]:
                    regressions.append(("mltui REST", rest_counts[-1], n))
                rest_counts.append(n)
            else:
                problems.append(f"mltui runs through haproxy failed: {done.stderr.strip()[:200]}")
        writer.join(timeout=60)
        check(writer.error is None and not writer.is_alive(), f"the writer logged {RUNS} runs through mlflow server ({writer.error})")
        check(seen_replicas == {"r1", "r2", "r3"}, f"haproxy spread the reads over {sorted(filter(None, seen_replicas))}")
        check(len(counts) >= 5 and counts[-1][1] > counts[0][1],
              f"{len(counts)} searches during the writes saw the run count grow {counts[0][1] if counts else '-'} -> {counts[-1][1] if counts else '-'}")
        check(not regressions, f"no replica showed fewer runs than the answer before it {regressions[:3]}")
        check(not unreadable, f"every run one replica listed was readable from the next {unreadable[:3]}")
        check(len(rest_counts) >= 3, f"mltui's REST backend read through haproxy {len(rest_counts)} times during the writes")

        # Once written: the replicas together answer as mlflow server.
        def pages(base, headers):
            runs, token, replicas = [], None, []
            for _ in range(100):
                body = {"experiment_ids": [exp], "max_results": 5, "order_by": ["params.arch ASC", "metrics.loss DESC"]}
                if token:
                    body["page_token"] = token
                status, replica, page = raw(base, "POST", "/api/2.0/mlflow/runs/search", body, headers)
                if status != 200:
                    return None, replicas
                replicas.append(replica)
                runs += page.get("runs", [])
                token = page.get("next_page_token")
                if not token:
                    break
            return runs, replicas

        expected, _ = pages(writer_base, {})
        got, replicas = pages(lb, auth_header())
        check(expected is not None and len(expected) == RUNS, f"mlflow server pages {RUNS} runs 5 at a time ({len(expected or [])})")
        check(len(set(replicas)) == 3, f"the pages came from replicas {replicas}")
        d = same_as(expected, got) if got is not None else ["no answer"]
        check(not d, f"runs/search paged across replicas equals mlflow server's paging {d[:3]}")

        requests = [("POST", "/api/2.0/mlflow/experiments/search", {"max_results": 100}),
                    ("GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + exp, None)]
        for run in expected or []:
            rid = run["info"]["run_id"]
            requests += [("GET", f"/api/2.0/mlflow/runs/get?run_id={rid}", None),
                         ("GET", f"/api/2.0/mlflow/metrics/get-history?run_id={rid}&metric_key=loss", None),
                         ("GET", f"/api/2.0/mlflow/artifacts/list?run_id={rid}", None)]
        differing = []
        for method, path, body in requests:
            a = call(writer_base, method, path, body=body)
            for _ in range(3):   # each replica in turn
                b = call(lb, method, path, body=body, headers=auth_header())
                if a.status != b.status or same_as(a.json(), b.json()):
                    differing.append((path, a.status, b.status, same_as(a.json(), b.json())[:2]))
        check(not differing, f"{len(requests)} requests x 3 replicas answer as mlflow server {differing[:3]}")

        # Artifacts through the replicas' proxy, downloaded by the real client.
        with_artifact = [r["info"]["run_id"] for r in expected or [] if r["info"]["run_name"] in ("trial-00", "trial-04", "trial-08")]
        code = """
import json, os, sys, tempfile
from mlflow import MlflowClient
out = {}
for name, uri in (("mlflow", sys.argv[1]), ("replicas", sys.argv[2])):
    client = MlflowClient(uri)
    runs = client.search_runs([sys.argv[3]], order_by=["attributes.run_name ASC"], max_results=1000)
    files = {}
    for rid in json.loads(sys.argv[4]):
        with open(client.download_artifacts(rid, "notes.txt", tempfile.mkdtemp())) as f:
            files[rid] = f.read()
    out[name] = {"runs": [r.to_dictionary() for r in runs], "files": files}
print(json.dumps(out))
"""
        done = subprocess.run([sys.executable, "-c", code, writer_base, lb, exp, json.dumps(with_artifact)], cwd=work, env=client_env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            check(False, f"the Python client through haproxy: {done.stderr.strip()[-400:]}")
        else:
            both = json.loads(done.stdout)
            check(len(both["replicas"]["files"]) == 3 and both["mlflow"]["files"] == both["replicas"]["files"],
                  f"the Python client downloads {len(both['replicas']['files'])} artifacts through the replicas as through mlflow server")
            d = same_as(both["mlflow"]["runs"], both["replicas"]["runs"])
            check(not d and len(both["replicas"]["runs"]) == RUNS, f"the Python client's search_runs through haproxy equals mlflow server's {d[:3]}")

        # mltui's REST backend through haproxy against mltui reading PostgreSQL directly.
        for argv in (["experiments"], ["runs", "--experiment-id", exp, "--order-by", "tags.Owner", "--filter", "params.arch LIKE 'Res%'"],
                     ["runs", "--experiment-id", exp, "--max-results", "7"]):
            direct = subprocess.run([args.mltui, *argv, "--tracking-uri", args.store, "--format", "json"], cwd=work, env=env,
                                    capture_output=True, text=True, timeout=120)
            served = subprocess.run([args.mltui, *argv, "--tracking-uri", lb, "--format", "json"], cwd=work, env=client_env,
                                    capture_output=True, text=True, timeout=120)
            check(direct.returncode == 0 and served.returncode == 0 and direct.stdout == served.stdout,
                  f"mltui {' '.join(argv)}: through haproxy as read directly ({direct.stderr.strip()[:120]} {served.stderr.strip()[:120]})")

        statuses = {raw(lb, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")[:2] for _ in range(3)}
        check({s for s, _ in statuses} == {401} and len(statuses) == 3, f"without credentials every replica answers 401 {sorted(statuses)}")
    finally:
        for proc in reversed(procs):
            stop(proc)
    print(f"\n{len(problems)} problems; logs in {work}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
