#!/usr/bin/env python3
"""Benchmark: mltui's REST backend against MLflow's Python client, over the same `mlflow server`.

    .venv-mlflow/bin/python scripts/bench_rest.py [--mltui .build/release/mltui] [--runs 10000]

Builds (once, cached in /tmp/mltui-bench-<runs>) a SQLite store of N runs with MLflow's own
SqlAlchemyStore schema and ORM, starts `mlflow server` on a free 127.0.0.1 port, then measures,
in the same run:
  first screen : the first 100 runs (what the UI shows first)
                 mltui: `mltui runs --max-results 100 --format json` (whole process)
                 python: MlflowClient().search_runs([exp], max_results=100) (in-process, import excluded)
  all runs     : every run of the experiment
                 mltui: `mltui runs --format json` (whole process, JSON printed)
                 python: mlflow.search_runs(experiment_ids=[exp]) (in-process, a DataFrame)
Each figure is the median of --repeat runs. Prints figures and ratios; asserts nothing.
"""

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

VENV = os.path.dirname(sys.executable)  # the MLflow venv running this script


def build_store(path, runs):
    """N runs in one experiment: 4 params, 5 tags, 3 metrics (with a short history) each."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    from mlflow.store.tracking.dbmodels.models import SqlRun, SqlTag, SqlParam, SqlMetric, SqlLatestMetric
    import uuid

    os.makedirs(os.path.dirname(path), exist_ok=True)
    store = SqlAlchemyStore(f"sqlite:///{path}", os.path.join(os.path.dirname(path), "mlruns"))
    exp = store.create_experiment("bench-10k")
    rng = random.Random(7)
    base = 1735689600000
    with store.ManagedSessionMaker() as session:
        for i in range(runs):
            rid = uuid.uuid4().hex
            start = base + i * 1000
            session.add(SqlRun(run_uuid=rid, name=f"run-{i}", source_type="LOCAL", source_name="bench.py",
                               entry_point_name="", user_id="bench", status="FINISHED", start_time=start,
                               end_time=start + 900, source_version="", lifecycle_stage="active",
                               artifact_uri=f"{os.path.dirname(path)}/mlruns/{exp}/{rid}/artifacts",
                               experiment_id=int(exp)))
            for k, v in (("mlflow.user", "bench"), ("mlflow.runName", f"run-{i}"), ("mlflow.source.name", "bench.py"),
                         ("mlflow.source.type", "LOCAL"), ("team", rng.choice(["a", "b", "c"]))):
                session.add(SqlTag(key=k, value=v, run_uuid=rid))
            for k, v in (("lr", str(rng.random())), ("model", rng.choice(["gpt", "llama", "mistral"])),
                         ("epochs", str(rng.randint(1, 50))), ("seed", str(i))):
                session.add(SqlParam(key=k, value=v, run_uuid=rid))
            for key in ("loss", "accuracy", "latency_ms"):
                value = 0.0
                for step in range(3):
                    value = rng.random()
                    session.add(SqlMetric(key=key, value=value, timestamp=start + step, step=step, is_nan=False, run_uuid=rid))
                session.add(SqlLatestMetric(key=key, value=value, timestamp=start + 2, step=2, is_nan=False, run_uuid=rid))
            if i % 1000 == 999:
                session.flush()
    return exp


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(db, port, log):
    proc = subprocess.Popen([f"{VENV}/mlflow", "server", "--backend-store-uri", f"sqlite:///{db}",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                            stdout=log, stderr=log, start_new_session=True)
    for _ in range(180):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read() == b"OK":
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    sys.exit("mlflow server did not start; see " + log.name)


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mltui", default=".build/release/mltui")
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    mltui = os.path.abspath(args.mltui)
    if not os.access(mltui, os.X_OK):
        sys.exit(f"{mltui} not found: swift build -c release --product mltui")

    work = f"/tmp/mltui-bench-{args.runs}"
    db = os.path.join(work, "mlflow.db")
    if not os.path.exists(db):
        t0 = time.perf_counter()
        build_store(db, args.runs)
        print(f"built {args.runs}-run store in {time.perf_counter() - t0:.1f}s: {db}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(os.path.join(work, "server.log"), "w") as log:
        server = start_server(db, port, log)
    try:
        import mlflow
        from mlflow import MlflowClient
        mlflow.set_tracking_uri(url)
        client = MlflowClient(url)
        exp = client.get_experiment_by_name("bench-10k").experiment_id

        def run_mltui(*extra):
            out = subprocess.run([mltui, "runs", "--tracking-uri", url, "--experiment-id", exp, "--format", "json", *extra],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
            return out.stdout

        # Warm both paths once (server caches, page cache), and check they agree on the count.
        n_mltui = run_mltui().count(b'"run_uuid"')
        n_python = len(mlflow.search_runs(experiment_ids=[exp]))
        print(f"runs: mltui {n_mltui}, python {n_python}")

        first_mltui = timed(lambda: run_mltui("--max-results", "100"), args.repeat)
        first_python = timed(lambda: client.search_runs([exp], max_results=100), args.repeat)
        all_mltui = timed(run_mltui, args.repeat)
        all_python = timed(lambda: mlflow.search_runs(experiment_ids=[exp]), args.repeat)

        print(f"first screen (100 runs): mltui {first_mltui * 1000:8.1f} ms   python client {first_python * 1000:8.1f} ms   "
              f"ratio python/mltui {first_python / first_mltui:5.2f}x")
        print(f"all {n_mltui} runs:        mltui {all_mltui * 1000:8.1f} ms   python client {all_python * 1000:8.1f} ms   "
              f"ratio python/mltui {all_python / all_mltui:5.2f}x")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
