#!/usr/bin/env python3
"""`mltui serve` reading a store while the real MLflow client writes to it (a training job):
every answer must be a 200 with valid JSON, never a 5xx or a stack trace.

    live_writes.py --mltui PATH/TO/mltui --kind fs|sqlite [--seconds 20]

Makes a fresh store in a temporary directory, starts a writer process (new runs, metric
batches, params, tags, terminations) and 8 reader threads against the server.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import call, free_port, start, stop, wait_healthy  # noqa: E402

WRITER = r"""
import os, sys, time
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
from mlflow import MlflowClient
from mlflow.entities import Metric
client = MlflowClient(tracking_uri=sys.argv[1])
exp = client.get_experiment_by_name("live").experiment_id
deadline = time.time() + float(sys.argv[2])
i = 0
while time.time() < deadline:
    run = client.create_run(exp, run_name=f"live-{i}")
    rid = run.info.run_id
    client.log_param(rid, "i", str(i))
    for step in range(0, 40, 10):
        now = int(time.time() * 1000)
        client.log_batch(rid, metrics=[Metric("loss", 1 / (step + 1), now, step + k) for k in range(10)])
    client.set_tag(rid, "phase", "done")
    client.set_terminated(rid)
    i += 1
print(i)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--kind", choices=["fs", "sqlite"], required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-live-")
    store = os.path.join(work, "mlruns") if args.kind == "fs" else f"sqlite:///{work}/live.db"
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    env.pop("MLFLOW_TRACKING_URI", None)
    subprocess.run([args.python, "-c", "import sys, mlflow; mlflow.MlflowClient(tracking_uri=sys.argv[1])"
                    ".create_experiment('live')", store], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([args.mltui, "serve", "--quiet", "--backend-store-uri", store, "--port", str(port)], work, env,
                   os.path.join(work, "mltui.log"))
    statuses, bad, lock = {}, [], threading.Lock()
    try:
        wait_healthy(base, server)
        exp = call(base, "GET", "/api/2.0/mlflow/experiments/get-by-name", query={"experiment_name": "live"}).json()["experiment"]["experiment_id"]
        writer = subprocess.Popen([args.python, "-c", WRITER, store, str(args.seconds)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stop_at = time.time() + args.seconds

        def reader():
            while time.time() < stop_at:
                answers = [call(base, "POST", "/api/2.0/mlflow/runs/search",
                                body={"experiment_ids": [exp], "max_results": 50, "filter": "metrics.loss < 2"})]
                runs = answers[0].json().get("runs", []) if answers[0].json() else []
                for r in runs[:3]:
                    rid = r["info"]["run_id"]
                    answers.append(call(base, "GET", "/api/2.0/mlflow/runs/get", query={"run_id": rid}))
                    answers.append(call(base, "GET", "/api/2.0/mlflow/metrics/get-history",
                                        query={"run_id": rid, "metric_key": "loss"}))
                with lock:
                    for a in answers:
                        statuses[a.status] = statuses.get(a.status, 0) + 1
                        if a.status != 200 or a.json() is None:
                            bad.append((a.status, a.body[:300]))

        threads = [threading.Thread(target=reader) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        out, err = writer.communicate(timeout=120)
        written = out.strip() or f"writer failed: {err[-500:]}"
    finally:
        stop(server)
    print(f"[{args.kind}] writer logged {written} runs; reader answers by status: {statuses}")
    for status, body in bad[:5]:
        print(f"   {status}: {body!r}")
    sys.exit(1 if bad or not statuses else 0)


if __name__ == "__main__":
    main()
