#!/usr/bin/env python3
"""Benchmark: `mltui serve` against `mlflow server` taking tracking writes, same store format, same run.

    .venv-mlflow/bin/python scripts/bench_writes.py --mltui .build/release/mltui [--format sqlite|file|both]
    .venv-mlflow/bin/python scripts/bench_writes.py --mltui .build/release/mltui --format postgres \
        --postgres postgresql+psycopg2://USER:PW@127.0.0.1:PORT/postgres
        [--connections 8] [--requests 5000] [--seconds 30] [--client-runs 100] [--client-steps 1000]

Per store format, each server over its own fresh store (created by the server itself) in a
temporary folder (PostgreSQL: a new empty database in the cluster --postgres names, dropped
afterwards), on a free 127.0.0.1 port:
  log-batch : `post_load` (scripts/post_load.c, a C client: the figures measure the server) keeps
              --connections keep-alive connections busy, each POSTing up to --requests `runs/log-batch`
              requests of 10 metrics at one step to its own run, for at most --seconds; throughput,
              p50 and p99 latency.
  memory    : peak proportional set size (PSS) of the server's whole process group (mlflow server
              forks workers) sampled every 50 ms from start through both measurements.
  client    : wall time of the real Python client logging --client-runs runs x --client-steps
              steps (`mlflow.log_metrics` of two metrics per step, as a training loop does),
              start_run to end_run, in one process. mlflow server answers a few hundred requests a
              second at best, so the default 100 x 1,000 takes it many minutes; scale with the flags.
Prints figures and ratios; asserts nothing. Stops every process it starts by process group.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable  # the MLflow venv running this script


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


POSTGRES_ADMIN = None  # --postgres


def postgres_admin(sql):
    import psycopg2
    conn = psycopg2.connect(POSTGRES_ADMIN.replace("+psycopg2", ""))
    conn.autocommit = True
    conn.cursor().execute(sql)
    conn.close()


def store_uri(folder, fmt):
    if fmt == "postgres":
        name = "bench_writes_" + os.path.basename(folder).replace("-", "_")
        postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        postgres_admin(f"CREATE DATABASE {name}")
        return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:///{folder}/mlflow.db" if fmt == "sqlite" else f"{folder}/mlruns"


def start(kind, mltui, folder, fmt, port):
    os.makedirs(folder, exist_ok=True)
    uri, artifacts = store_uri(folder, fmt), os.path.join(folder, "mlartifacts")
    if kind == "mlflow":
        argv = [os.path.join(os.path.dirname(PYTHON), "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
                "--backend-store-uri", uri, "--artifacts-destination", artifacts]
    else:
        argv = [mltui, "serve", "--port", str(port), "--backend-store-uri", uri, "--artifacts-destination", artifacts]
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    log = open(os.path.join(folder, "server.log"), "wb")
    proc = subprocess.Popen(argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(1200):  # bounded: 120 s
        if proc.poll() is not None:
            raise SystemExit(f"{kind} server exited: see {folder}/server.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                if answer.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.1)
    stop(proc)
    raise SystemExit(f"{kind} server did not answer /health within 120 s")


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


class PeakPSS(threading.Thread):
    """Samples the summed PSS of every process in a process group until stopped."""

    def __init__(self, pgid):
        super().__init__(daemon=True)
        self.pgid, self.peak_kib, self.done = pgid, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            total = 0
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[2]) != self.pgid:
                            continue
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
                except (OSError, StopIteration, ValueError, IndexError):
                    continue
            self.peak_kib = max(self.peak_kib, total)
            self.done.wait(0.05)


def post(port, endpoint, body):
    """One setup request; retried a few times, as mlflow server's workers may still be starting."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/2.0/mlflow/{endpoint}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"{}")
        except (ConnectionError, urllib.error.URLError):
            if attempt == 4:
                raise
            time.sleep(1)


def log_batch_load(port, post_load, connections, requests, seconds, folder):
    experiment = post(port, "experiments/create", {"name": "bench-writes"})["experiment_id"]
    runs = [post(port, "runs/create", {"experiment_id": experiment, "start_time": 1700000000000})["run"]["info"]["run_id"]
            for _ in range(connections)]
    metrics = ",".join(f'{{"key":"m{i}","value":{0.5 + i},"timestamp":1700000000000,"step":{{STEP}}}}' for i in range(10))
    bodies = os.path.join(folder, "bodies.jsonl")
    with open(bodies, "w") as f:
        f.write(f'{{"run_id":"{{RUN}}","metrics":[{metrics}]}}\n')
    out = subprocess.run([post_load, str(port), "/api/2.0/mlflow/runs/log-batch", bodies, str(requests), str(seconds)] + runs,
                         capture_output=True, text=True)
    if not out.stdout.strip():
        raise SystemExit(f"post_load failed: {out.stderr}")
    return json.loads(out.stdout)


CLIENT = r"""
import sys, time, mlflow
runs, steps = int(sys.argv[1]), int(sys.argv[2])
mlflow.set_experiment("bench-client")
start = time.perf_counter()
for r in range(runs):
    with mlflow.start_run(run_name=f"run-{r}"):
        mlflow.log_params({"lr": 0.01, "seed": r})
        for s in range(steps):
            mlflow.log_metrics({"loss": 1.0 / (s + 1), "acc": s / steps}, step=s)
print(time.perf_counter() - start)
"""


def client_wall(port, runs, steps):
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"http://127.0.0.1:{port}")
    out = subprocess.run([PYTHON, "-c", CLIENT, str(runs), str(steps)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"client failed: {out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mltui", required=True)
    parser.add_argument("--format", choices=["sqlite", "file", "both", "postgres"], default="both")
    parser.add_argument("--postgres", help="for --format postgres: a maintenance database's URI")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5000, help="log-batch requests per connection, at most")
    parser.add_argument("--seconds", type=float, default=30, help="log-batch load duration, at most")
    parser.add_argument("--client-runs", type=int, default=100)
    parser.add_argument("--client-steps", type=int, default=1000)
    args = parser.parse_args()
    global POSTGRES_ADMIN
    POSTGRES_ADMIN = args.postgres
    if args.format == "postgres" and not args.postgres:
        parser.error("--format postgres needs --postgres")
    mltui = os.path.abspath(args.mltui)
    work = tempfile.mkdtemp(prefix="mltui-bench-writes-")
    post_load = os.path.join(work, "post_load")
    subprocess.run(["cc", "-O2", "-pthread", "-o", post_load, os.path.join(REPO, "scripts", "post_load.c")], check=True)
    formats = ["sqlite", "file"] if args.format == "both" else [args.format]
    rows = []
    try:
        for fmt in formats:
            for kind in ("mltui", "mlflow"):
                folder = os.path.join(work, f"{fmt}-{kind}")
                port = free_port()
                proc = start(kind, mltui, folder, fmt, port)
                sampler = PeakPSS(proc.pid)
                sampler.start()
                try:
                    load = log_batch_load(port, post_load, args.connections, args.requests, args.seconds, folder)
                    wall = client_wall(port, args.client_runs, args.client_steps)
                finally:
                    sampler.done.set()
                    sampler.join()
                    stop(proc)
                    if fmt == "postgres":
                        postgres_admin(f"DROP DATABASE IF EXISTS bench_writes_{fmt}_{kind} WITH (FORCE)")
                rows.append((fmt, kind, load, wall, sampler.peak_kib / 1024))
                print(f"{fmt:6} {kind:6} log-batch {load['per_second']:9.1f} req/s  p50 {load['p50_ms']:7.2f} ms  "
                      f"p99 {load['p99_ms']:7.2f} ms  failed {load['failed']}  | client {args.client_runs}x{args.client_steps} "
                      f"{wall:7.1f} s  | peak PSS {sampler.peak_kib / 1024:7.1f} MiB", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    for fmt in formats:
        m = next(r for r in rows if r[0] == fmt and r[1] == "mltui")
        f = next(r for r in rows if r[0] == fmt and r[1] == "mlflow")
        print(f"{fmt}: log-batch throughput {m[2]['per_second'] / f[2]['per_second']:.1f}x, p99 {f[2]['p99_ms'] / m[2]['p99_ms']:.1f}x lower, "
              f"client wall {f[3] / m[3]:.1f}x faster, memory {m[4] / f[4]:.2f} of mlflow server's")


if __name__ == "__main__":
    main()
