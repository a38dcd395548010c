#!/usr/bin/env python3
"""Three `mltui serve` replicas taking writes into one PostgreSQL database behind haproxy (round
robin), beside a training job writing the database directly with the real MLflow client.

    replica_writes.py --mltui PATH/TO/mltui --admin postgresql+psycopg2://USER:PW@127.0.0.1:PORT/postgres

  1. A new empty database; the three replicas start on it at once, so they race to create
     MLflow's schema (one makes it, the others find it made).
  2. Load: real MLflow clients log through haproxy (every request may land on another replica:
     a run created by one is logged to by the next) while the direct writer logs into the
     database; afterwards the real MLflow reads the database directly and finds every run and
     every point exactly once (`scripts/load_writes.py check`).
  3. Kill: clients log without retries and one replica is killed with SIGKILL mid-load; every
     write any replica acknowledged is in the database.
Prints one JSON summary line last; exit 0 when everything holds.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from conformance import free_port, start, stop, wait_healthy  # noqa: E402
from replicas import start_haproxy  # noqa: E402

LOAD = os.path.join(ROOT, "scripts", "load_writes.py")


def admin(uri, sql):
    import psycopg2
    conn = psycopg2.connect(uri.replace("+psycopg2", ""))
    conn.autocommit = True
    conn.cursor().execute(sql)
    conn.close()


def load(target, journal, options, env, timeout=600):
    return subprocess.run([sys.executable, LOAD, "log", target, journal] + options, env=env, capture_output=True,
                          text=True, timeout=timeout)


def check_store(store, journal, env):
    done = subprocess.run([sys.executable, LOAD, "check", store, journal], env=env, capture_output=True, text=True, timeout=600)
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {}
    return done.returncode, summary, done.stderr[-2000:]


def acknowledged(journal):
    total = 0
    for name in os.listdir(journal) if os.path.isdir(journal) else []:
        with open(os.path.join(journal, name)) as f:
            total += sum(1 for _ in f)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--admin", required=True, help="a maintenance database's URI in the cluster")
    ap.add_argument("--haproxy", default="/usr/sbin/haproxy")
    args = ap.parse_args()
    args.mltui = os.path.abspath(args.mltui)
    work = tempfile.mkdtemp(prefix="mltui-replica-writes-")
    database = f"replica_writes_{os.getpid()}"
    admin(args.admin, f"CREATE DATABASE {database}")
    store = args.admin.rsplit("/", 1)[0] + "/" + database
    env = dict(os.environ)
    for key in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        env.pop(key, None)
    artifacts = os.path.join(work, "artifacts")
    problems, summary, procs = [], {}, []

    def expect(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            problems.append(what)

    try:
        ports = [free_port() for _ in range(3)]
        replicas = [start([args.mltui, "serve", "--quiet", "--backend-store-uri", store, "--host", "127.0.0.1", "--port", str(p),
                           "--artifacts-destination", artifacts], work, env, os.path.join(work, f"replica{i}.log"))
                    for i, p in enumerate(ports, 1)]
        procs += replicas
        for port, proc in zip(ports, replicas):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        lb = start_haproxy(args.haproxy, work, env, ports, procs)

        # 2. Load through the replicas and a direct writer beside them.
        journal = os.path.join(work, "journal")
        clients, runs, steps = 12, 10, 100
        direct_runs = 3
        outcome = {}
        beside = threading.Thread(target=lambda: outcome.update(direct=load(
            store, journal, ["--clients", "1", "--runs", str(direct_runs), "--steps", str(steps), "--experiment", "direct"], env)))
        beside.start()
        through = load(lb, journal, ["--clients", str(clients), "--runs", str(runs), "--steps", str(steps), "--steps-per-batch", "10"], env)
        beside.join(timeout=600)
        expect(through.returncode == 0, f"{clients} clients logged through the replicas ({through.stdout.strip()[-200:]} {through.stderr[-600:]})")
        direct = outcome.get("direct")
        expect(direct is not None and direct.returncode == 0,
               f"the direct writer logged into PostgreSQL beside them ({direct and direct.stderr[-600:]})")
        code, found, err = check_store(store, journal, env)
        want_runs = clients * runs + direct_runs
        expect(code == 0 and found.get("runs") == want_runs and found.get("points") == want_runs * steps * 2,
               f"MLflow reads every run ({found.get('runs')} of {want_runs}) and every point once "
               f"({found.get('points')} of {want_runs * steps * 2}) {found.get('first_problems', '')} {err}")
        summary["load"] = found

        # 3. One replica killed mid-load; clients stop at their first failed request.
        killed_journal = os.path.join(work, "journal-killed")
        result = {}
        clients_thread = threading.Thread(target=lambda: result.update(load=load(
            lb, killed_journal, ["--clients", "8", "--runs", "40", "--steps", "100", "--no-retries", "--experiment", "killed"], env)))
        clients_thread.start()
        deadline = time.time() + 120
        while acknowledged(killed_journal) < 800 and time.time() < deadline and clients_thread.is_alive():
            time.sleep(0.05)
        os.killpg(replicas[1].pid, signal.SIGKILL)
        replicas[1].wait(timeout=10)
        at_kill = acknowledged(killed_journal)
        clients_thread.join(timeout=600)
        expect(at_kill >= 800, f"the kill came mid-load ({at_kill} writes acknowledged before it)")
        expect(not clients_thread.is_alive(), "the clients ended")
        code, found, err = check_store(store, killed_journal, env)
        expect(code == 0 and found.get("points", 0) > 0,
               f"every acknowledged write is in the database ({found.get('runs')} runs, {found.get('points')} points, "
               f"{found.get('problems')} missing) {found.get('first_problems', '')} {err}")
        summary["killed"] = found
        for i, proc in enumerate(replicas, 1):
            if i != 2:
                expect(proc.poll() is None, f"replica {i} still serves")
    finally:
        for proc in procs:
            stop(proc)
        for i in range(1, 4):
            path = os.path.join(work, f"replica{i}.log")
            if problems and os.path.exists(path):
                print(f"--- replica{i}.log\n" + open(path, errors="replace").read()[-2000:])
        shutil.rmtree(work, ignore_errors=True)
        try:
            admin(args.admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        except Exception as error:  # the cluster is the caller's; a leftover database is harmless
            print(f"dropping {database}: {error}")
    summary["problems"] = problems
    print(json.dumps(summary))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
