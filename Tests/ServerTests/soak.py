#!/usr/bin/env python3
"""Soak benchmark (not a test): `mltui serve` under mixed load for minutes while the real MLflow
client logs into the same store; prints, per interval, requests, errors, p50/p99 latency and the
server's resident memory, then whether memory stayed flat. Exits 1 if any request failed.

    soak.py --mltui PATH/TO/mltui [--kind sqlite|fs] [--minutes 10] [--clients 8] [--interval 30]

The load: runs/search (all runs, a filter, paged), metrics/get-history paged at random offsets,
a 4 MiB artifact download through /get-artifact, experiments/search. The writer: a separate
process with the MLflow client creating runs and logging a metric batch every 100 ms.
"""

import argparse
import base64
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import call, free_port, start, stop, wait_healthy  # noqa: E402


def store_uri(kind, work):
    return "file://" + os.path.join(work, "mlruns") if kind == "fs" else "sqlite:///" + os.path.join(work, "mlflow.db")


def make_store(kind, work, runs=200, points=2000):
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient
    client = MlflowClient(tracking_uri=store_uri(kind, work))
    experiment = client.create_experiment("soak", artifact_location=os.path.join(work, "artifacts"))
    payload = os.path.join(work, "weights.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(4 << 20))
    long_run = None
    rng = random.Random(1)
    for i in range(runs):
        run = client.create_run(experiment, run_name=f"r{i}")
        rid = run.info.run_id
        client.log_batch(rid, params=[Param("lr", str(rng.choice([0.1, 0.01, 0.001]))), Param("model", rng.choice(["a", "b"]))],
                         tags=[RunTag("stage", rng.choice(["dev", "prod"]))],
                         metrics=[Metric("acc", rng.random(), 1_700_000_000_000, 0)])
        if i == 0:
            long_run = rid
            for start_at in range(0, points, 1000):
                client.log_batch(rid, metrics=[Metric("loss", rng.random(), 1_700_000_000_000 + s, s)
                                               for s in range(start_at, min(points, start_at + 1000))])
            client.log_artifact(rid, payload)
        client.set_terminated(rid)
    return experiment, long_run


def writer(kind, work, experiment, stop_at):
    """The real client logging into the same store while it is served."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient
    client = MlflowClient(tracking_uri=store_uri(kind, work))
    step = 0
    while time.time() < stop_at:
        run = client.create_run(experiment)
        for _ in range(50):
            if time.time() >= stop_at:
                break
            client.log_batch(run.info.run_id, metrics=[Metric("loss", random.random(), int(time.time() * 1000), step),
                                                       Metric("acc", random.random(), int(time.time() * 1000), step)])
            step += 1
            time.sleep(0.1)
        client.set_terminated(run.info.run_id)


def rss_kib(pid):
    """Resident memory of the server (its process tree is one process)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--kind", choices=["fs", "sqlite"], default="sqlite")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--interval", type=float, default=30)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-soak-")
    server = None
    try:
        experiment, long_run = make_store(args.kind, work)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start([args.mltui, "serve", "--backend-store-uri", store_uri(args.kind, work), "--port", str(port), "--quiet"],
                       work, dict(os.environ), os.path.join(work, "serve.log"))
        wait_healthy(base, server)
        stop_at = time.time() + args.minutes * 60
        logger = multiprocessing.Process(target=writer, args=(args.kind, work, experiment, stop_at))
        logger.start()

        lock = threading.Lock()
        window = {"latencies": [], "errors": 0, "requests": 0}
        errors = []

        def one(rng):
            kind = rng.random()
            if kind < 0.35:
                body = {"experiment_ids": [experiment], "max_results": rng.choice([50, 200])}
                if rng.random() < 0.5:
                    body["filter"] = f"metrics.acc > {rng.random():.3f} AND params.model = '{rng.choice('ab')}'"
                return call(base, "POST", "/api/2.0/mlflow/runs/search", body=body)
            if kind < 0.7:
                query = {"run_id": long_run, "metric_key": "loss", "max_results": rng.choice([100, 500])}
                offset = rng.randrange(0, 1900)
                if offset:
                    query["page_token"] = base64.b64encode(json.dumps({"offset": offset}).encode()).decode()
                return call(base, "GET", "/api/2.0/mlflow/metrics/get-history", query=query)
            if kind < 0.85:
                return call(base, "GET", "/get-artifact", query={"run_uuid": long_run, "path": "weights.bin"})
            return call(base, "POST", "/api/2.0/mlflow/experiments/search", body={"max_results": 100})

        def client(seed):
            rng = random.Random(seed)
            while time.time() < stop_at:
                t = time.time()
                try:
                    answer = one(rng)
                    ok = answer.status == 200
                    detail = f"{answer.status} {answer.body[:160]!r}"
                except Exception as e:  # a refused or reset connection is an error too
                    ok, detail = False, repr(e)
                elapsed = time.time() - t
                with lock:
                    window["requests"] += 1
                    window["latencies"].append(elapsed)
                    if not ok:
                        window["errors"] += 1
                        errors.append(detail)

        threads = [threading.Thread(target=client, args=(seed,), daemon=True) for seed in range(args.clients)]
        for t in threads:
            t.start()
        print(f"soak: {args.kind} store, {args.clients} clients, {args.minutes:g} min, the MLflow client logging alongside")
        print(f"{'time':>6} {'requests':>9} {'req/s':>7} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} {'RSS MiB':>8}")
        samples = []
        began = time.time()
        while time.time() < stop_at:
            time.sleep(min(args.interval, max(0.1, stop_at - time.time())))
            with lock:
                lat, n, e = window["latencies"], window["requests"], window["errors"]
                window.update(latencies=[], requests=0, errors=0)
            rss = rss_kib(server.pid) / 1024 if server.poll() is None else 0
            elapsed = time.time() - began
            samples.append((elapsed, rss))
            print(f"{elapsed:6.0f} {n:9d} {n / args.interval:7.1f} {e:6d} {percentile(lat, 50) * 1000:7.1f} "
                  f"{percentile(lat, 99) * 1000:7.1f} {rss:8.1f}", flush=True)
            if server.poll() is not None:
                errors.append(f"server exited with {server.returncode}")
                break
        for t in threads:
            t.join(timeout=120)
        logger.join(timeout=120)
        settled = [rss for t, rss in samples if t >= min(120, args.minutes * 30)]
        if settled:
            growth = settled[-1] - settled[0]
            print(f"resident memory after warm-up: {settled[0]:.1f} MiB -> {settled[-1]:.1f} MiB "
                  f"({growth:+.1f} MiB, max {max(settled):.1f})")
        print(f"errors: {len(errors)}")
        for detail in errors[:10]:
            print("  ", detail)
        sys.exit(1 if errors else 0)
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
