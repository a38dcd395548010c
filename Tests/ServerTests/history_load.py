#!/usr/bin/env python3
"""Many clients paging one long metric history at once through `mltui serve`, every page checked.

    history_load.py --mltui PATH/TO/mltui --kind fs|sqlite [--threads 8] [--seconds 60]

Writes a store with the real MLflow client: one run whose history of "loss" has 20,000 points,
with ties (several values at one timestamp and step) and NaN among them, so that page
boundaries fall inside ties. Then `--threads` clients ask `metrics/get-history` with small
`max_results` and page tokens at random offsets for `--seconds`; each page must be exactly the
slice of MLflow's own `get_metric_history` at that offset, and the next-page token must be there
exactly when rows remain. Exits 1 if the server died or any answer differed.
"""

import argparse
import base64
import json
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import call, free_port, start, stop, wait_healthy  # noqa: E402

POINTS = 20_000


def write_store(kind, work):
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import mlflow
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    if kind == "fs":
        uri = "file://" + os.path.join(work, "mlruns")
    else:
        uri = "sqlite:///" + os.path.join(work, "mlflow.db")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("history-load", artifact_location=os.path.join(work, "artifacts"))
    run = client.create_run(experiment)
    rng = random.Random(7)
    metrics = []
    for i in range(POINTS):
        # Ten points share each timestamp, two share each (timestamp, step): ties across pages.
        value = float("nan") if i % 997 == 0 else round(rng.uniform(0, 1), 2)
        metrics.append(Metric("loss", value, 1_700_000_000_000 + i // 10, i // 2))
    for start_at in range(0, POINTS, 1000):
        client.log_batch(run.info.run_id, metrics=metrics[start_at:start_at + 1000])
    client.set_terminated(run.info.run_id)
    expected = [(m.value, m.timestamp, m.step) for m in client.get_metric_history(run.info.run_id, "loss")]
    if len(expected) < POINTS // 2:
        raise SystemExit(f"MLflow returned only {len(expected)} points")
    return uri, run.info.run_id, expected


def same(a, b):
    def equal(x, y):
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        return x == y
    return len(a) == len(b) and all(equal(x, y) for p, q in zip(a, b) for x, y in zip(p, q))


def as_point(m):
    v = m["value"]
    value = float(v) if isinstance(v, str) else float(v)
    return (value, int(m["timestamp"]), int(m["step"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--kind", choices=["fs", "sqlite"], required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-history-load-")
    try:
        uri, run_id, expected = write_store(args.kind, work)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start([args.mltui, "serve", "--backend-store-uri", uri, "--port", str(port), "--quiet"],
                       work, dict(os.environ), os.path.join(work, "serve.log"))
        failures, counts, lock = [], [0], threading.Lock()
        deadline = time.time() + args.seconds
        try:
            wait_healthy(base, server)

            def client(seed):
                rng = random.Random(seed)
                while time.time() < deadline and not failures:
                    size = rng.choice([1, 3, 7, 50, 100, 333, 1000])
                    offset = rng.randrange(0, len(expected))
                    query = {"run_id": run_id, "metric_key": "loss", "max_results": size}
                    if offset:
                        query["page_token"] = base64.b64encode(json.dumps({"offset": offset}).encode()).decode()
                    answer = call(base, "GET", "/api/2.0/mlflow/metrics/get-history", query=query)
                    body = answer.json() or {}
                    got = [as_point(m) for m in body.get("metrics", [])]
                    want = expected[offset:offset + size]
                    more = offset + size < len(expected)
                    problem = None
                    if answer.status != 200:
                        problem = f"status {answer.status}: {answer.body[:200]!r}"
                    elif not same(got, want):
                        problem = f"page differs: {got[:3]}... vs {want[:3]}..."
                    elif ("next_page_token" in body) != more:
                        problem = f"next_page_token present={'next_page_token' in body}, rows remain={more}"
                    with lock:
                        counts[0] += 1
                        if problem:
                            failures.append(f"offset {offset} max_results {size}: {problem}")

            threads = [threading.Thread(target=client, args=(seed,)) for seed in range(args.threads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=args.seconds + 120)
            alive = server.poll() is None
            print(f"{args.kind}: {counts[0]} pages from {args.threads} clients in {args.seconds:.0f} s; "
                  f"server alive: {alive}; wrong answers: {len(failures)}")
            if not alive:
                failures.append(f"server exited with {server.returncode}")
        finally:
            stop(server)
        if failures:
            with open(os.path.join(work, "serve.log"), errors="replace") as f:
                print(f.read()[-3000:])
        for f in failures[:10]:
            print("FAIL", f)
        sys.exit(1 if failures else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
