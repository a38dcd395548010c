#!/usr/bin/env python3
"""Benchmark: mltui over a 100,000-run PostgreSQL store against MLflow over the same database, in
the same run (the figures in BENCHMARKS.md, the cost model in docs/deployment.md). Asserts nothing.

    bench_postgres.py --mltui PATH/TO/release/mltui --workdir DIR [--runs 100000] [--duration 10]
                      [--connections 8]

DIR keeps a PostgreSQL cluster (Debian's server as a user process, initdb'd on first use; as root
it runs as the `postgres` account) with the store, built once per --runs: MLflow's own schema
(`mlflow db upgrade`), experiment "bench" created by the real client, and rows in MLflow's shapes
loaded with COPY (each run: 5 params, 5 latest metrics and their one history point each, 3 tags,
a status), so that 100,000 runs take a minute rather than hours. Then:
  first page   `mltui runs --filter F --order-by O --max-results 100` (whole process, median of 3)
               against `mlflow.search_runs` (whole process; the call alone also printed), same page
  throughput   wrk POST runs/search (the same filter, a threshold drawn per request, 50 runs a
               page; after a 2 s warm-up) against one `mlflow server` (its default workers), one `mltui serve`, and
               1, 2 and 3 `mltui serve` replicas behind haproxy (round robin): requests/s, p50,
               p99, and CPU per request of the replicas and of PostgreSQL (from /proc)
On this 2-core machine the replicas, haproxy, PostgreSQL and wrk share the cores: the per-request
CPU figures, not the replica count, say what N machines would do (projection printed).
"""

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ServerTests"))
from conformance import free_port, start, stop, wait_healthy  # noqa: E402
from bench_serve import varying_filter_script, wrk  # noqa: E402
from replicas import haproxy_config  # noqa: E402

GENERATOR_VERSION = 1
FILTER = "metrics.m1 < {t} and params.p2 = 'b'"
ORDER = "metrics.m3 DESC"
USER, PASSWORD = "mltui", "bench-pw"
TICKS = os.sysconf("SC_CLK_TCK")


def pg_bin():
    for version in sorted(os.listdir("/usr/lib/postgresql"), key=int, reverse=True):
        path = f"/usr/lib/postgresql/{version}/bin"
        if os.path.exists(path + "/initdb"):
            return path
    raise SystemExit("PostgreSQL's server is not installed (apt-get install postgresql)")


def as_server_account(argv):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(prefix + argv, check=True, stdout=subprocess.DEVNULL, close_fds=True)


def start_postgres(workdir):
    data = os.path.join(workdir, "pg")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", workdir], check=True)
    if not os.path.exists(os.path.join(data, "PG_VERSION")):
        pw = os.path.join(workdir, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", pw], check=True)
        as_server_account([pg_bin() + "/initdb", "-D", data, "-U", USER, "--pwfile", pw, "-E", "UTF8",
                           "--auth-local=trust", "--auth-host=scram-sha-256", "--locale=C.UTF-8"])
        os.remove(pw)
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) +
                       [pg_bin() + "/pg_ctl", "-D", data, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    as_server_account([pg_bin() + "/pg_ctl", "-D", data, "-l", os.path.join(workdir, "pg.log"), "-w", "-o",
                       f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data} "
                       "-c shared_buffers=512MB -c max_connections=200", "start"])
    return data, port


def stop_postgres(data):
    as_server_account([pg_bin() + "/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])


def build_store(uri, runs, env):
    """MLflow's schema and experiment by MLflow itself, then the rows by COPY."""
    import psycopg2
    from mlflow import MlflowClient
    mlflow = os.path.join(os.path.dirname(sys.executable), "mlflow")
    subprocess.run([mlflow, "db", "upgrade", uri], check=True, env=env, capture_output=True)
    exp = MlflowClient(uri).create_experiment("bench")
    dsn = uri.replace("postgresql+psycopg2://", "postgresql://")
    conn = psycopg2.connect(dsn)
    rng = random.Random(7)
    base = 1_735_689_600_000
    tables = {name: io.StringIO() for name in ("runs", "params", "tags", "latest_metrics", "metrics")}
    for i in range(runs):
        rid = uuid.UUID(int=rng.getrandbits(128)).hex
        status = ["FINISHED", "FINISHED", "FAILED", "RUNNING"][i % 4]
        start_ms = base + i * 1000
        tables["runs"].write(f"{rid}\trun-{i:06d}\tUNKNOWN\t\tbench\tbench\t{status}\t{start_ms}\t{start_ms + 500}\t\t"
                             f"mlflow-artifacts:/{exp}/{rid}/artifacts\t{exp}\tactive\n")
        for k, v in (("p1", rng.choice(["x", "y", "z"])), ("p2", rng.choice(["a", "b", "c", "d"])), ("p3", str(rng.randint(1, 64))),
                     ("lr", f"{rng.choice([1, 3, 10, 30])}e-4"), ("model", rng.choice(["bert", "gpt", "t5"]))):
            tables["params"].write(f"{k}\t{v}\t{rid}\n")
        for k, v in (("mlflow.runName", f"run-{i:06d}"), ("team", ["vision", "nlp", "speech"][i % 3]), ("mlflow.user", "bench")):
            tables["tags"].write(f"{k}\t{v}\t{rid}\n")
        for m in range(1, 6):
            value = rng.random()
            tables["latest_metrics"].write(f"m{m}\t{value!r}\t{start_ms + 100}\t0\t{rid}\tf\n")
            tables["metrics"].write(f"m{m}\t{value!r}\t{start_ms + 100}\t{rid}\t0\tf\n")
    with conn, conn.cursor() as cur:
        columns = {"runs": "(run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, "
                           "source_version, artifact_uri, experiment_id, lifecycle_stage)",
                   "params": '("key", value, run_uuid)', "tags": '("key", value, run_uuid)',
                   "latest_metrics": '("key", value, timestamp, step, run_uuid, is_nan)',
                   "metrics": '("key", value, timestamp, run_uuid, step, is_nan)'}
        for name in ("runs", "params", "tags", "latest_metrics", "metrics"):
            tables[name].seek(0)
            cur.copy_expert(f"COPY {name} {columns[name]} FROM STDIN WITH (FORMAT text, NULL '')", tables[name])
        cur.execute("ANALYZE")
    conn.close()
    return exp


def proc_cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime, stime
        except OSError:
            pass
    return total / TICKS


def children_of():
    """Every process's children, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return children


def tree(pid):
    """`pid` and all its descendants."""
    children, pids, frontier = children_of(), [pid], [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            pids.append(child)
            frontier.append(child)
    return pids


def postgres_pids(data):
    with open(os.path.join(data, "postmaster.pid")) as f:
        return tree(int(f.readline()))


def timed(argv, env):
    t = time.time()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {done.stderr[-500:]}")
    return time.time() - t, done.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    workdir = os.path.abspath(args.workdir)
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    data, port = start_postgres(workdir)
    procs = []
    try:
        database = f"bench_{args.runs}_v{GENERATOR_VERSION}"
        uri = f"postgresql+psycopg2://{USER}:{PASSWORD}@127.0.0.1:{port}/{database}"
        marker = os.path.join(workdir, database + ".complete")
        if not os.path.exists(marker):
            subprocess.run(["psql", "-h", data, "-p", str(port), "-U", USER, "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {database}",
                            "-c", f"CREATE DATABASE {database}"], check=True, capture_output=True)
            t = time.time()
            exp = build_store(uri, args.runs, env)
            print(f"built {args.runs:,} runs in {time.time() - t:.0f} s")
            with open(marker, "w") as f:
                f.write(exp)
        with open(marker) as f:
            exp = f.read().strip()

        # The first filtered, ordered page, each tool a fresh process.
        threshold = 0.3
        flt = FILTER.replace("{t}", repr(threshold))
        mine = [args.mltui, "runs", "--tracking-uri", uri, "--experiment-id", exp, "--filter", flt, "--order-by", ORDER,
                "--max-results", "100", "--format", "json"]
        code = ("import json, sys, time, mlflow\n"
                "t = time.time()\n"
                f"runs = mlflow.search_runs(experiment_ids=['{exp}'], filter_string={flt!r}, order_by=[{ORDER!r}], max_results=100, output_format='list')\n"
                "print(json.dumps({'call': time.time() - t, 'ids': [r.info.run_id for r in runs]}))\n")
        theirs = [sys.executable, "-c", code]
        mltui_times, mlflow_times, calls = [], [], []
        for _ in range(3):
            seconds, out = timed(mine, env)
            mltui_times.append(seconds)
            mltui_ids = [r["info"]["run_id"] for r in json.loads(out)["runs"]]
            seconds, out = timed(theirs, dict(env, MLFLOW_TRACKING_URI=uri))
            mlflow_times.append(seconds)
            answer = json.loads(out.strip().splitlines()[-1])
            calls.append(answer["call"])
        same = mltui_ids == answer["ids"]
        a, b = statistics.median(mltui_times), statistics.median(mlflow_times)
        print(f"\nfirst page of 100 (filter {flt!r}, order {ORDER!r}) over {args.runs:,} runs, same runs: {same}")
        print(f"  mltui runs             {a * 1000:8.0f} ms (whole process)")
        print(f"  mlflow.search_runs     {b * 1000:8.0f} ms (whole process; the call alone {statistics.median(calls) * 1000:.0f} ms)")
        print(f"  mlflow / mltui         {b / a:8.1f}x (whole process), {statistics.median(calls) / a:.1f}x (call alone)")

        # Throughput: one server at a time, wrk varying the threshold per request.
        bench = tempfile.mkdtemp(prefix="mltui-bench-pg-")
        lua = varying_filter_script(bench, exp, FILTER, 0.2, 0.8, max_results=50, order_by=[ORDER])
        rows = []

        def measure(label, url, server_pids):
            wrk(url + "/api/2.0/mlflow/runs/search", lua, 2, args.connections)   # warm-up, not counted
            time.sleep(1)
            before, pg_before = proc_cpu_seconds(server_pids), proc_cpu_seconds(postgres_pids(data))
            result = wrk(url + "/api/2.0/mlflow/runs/search", lua, args.duration, args.connections)
            after, pg_after = proc_cpu_seconds(server_pids), proc_cpu_seconds(postgres_pids(data))
            requests = result["rps"] * args.duration
            result.update(label=label, server_ms=(after - before) * 1000 / max(requests, 1),
                          pg_ms=(pg_after - pg_before) * 1000 / max(requests, 1))
            rows.append(result)
            print(f"  {label:28s} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                  f"server CPU {result['server_ms']:6.2f} ms/req  PostgreSQL CPU {result['pg_ms']:5.2f} ms/req"
                  f"{'  non-2xx ' + str(result['non2xx']) if result['non2xx'] else ''}")

        print(f"\nruns/search, 50 runs a page, threshold drawn per request; wrk -t2 -c{args.connections} -d{args.duration}s")
        replica_ports = [free_port() for _ in range(3)]
        replicas = []
        for i, p in enumerate(replica_ports):
            replicas.append(start([args.mltui, "serve", "--quiet", "--read-only", "--backend-store-uri", uri, "--port", str(p)],
                                  bench, env, os.path.join(bench, f"replica{i}.log")))
            procs.append(replicas[-1])
            wait_healthy(f"http://127.0.0.1:{p}", replicas[-1])
        measure("mltui serve (1, direct)", f"http://127.0.0.1:{replica_ports[0]}", [replicas[0].pid])
        for n in (1, 2, 3):
            hport = free_port()
            haproxy_config(os.path.join(bench, f"haproxy{n}.cfg"), hport, replica_ports[:n])
            proxy = start(["haproxy", "-db", "-f", os.path.join(bench, f"haproxy{n}.cfg")], bench, env, os.path.join(bench, f"haproxy{n}.log"))
            wait_healthy(f"http://127.0.0.1:{hport}", proxy)
            time.sleep(1.5)
            measure(f"haproxy + {n} mltui replica{'s' if n > 1 else ''}", f"http://127.0.0.1:{hport}", [r.pid for r in replicas[:n]])
            stop(proxy)
        for r in replicas:
            stop(r)
        mport = free_port()
        server = start([os.path.join(os.path.dirname(sys.executable), "mlflow"), "server", "--backend-store-uri", uri,
                        "--host", "127.0.0.1", "--port", str(mport)], bench, env, os.path.join(bench, "mlflow.log"))
        procs.append(server)
        wait_healthy(f"http://127.0.0.1:{mport}", server, seconds=120)
        measure("mlflow server (1)", f"http://127.0.0.1:{mport}", tree(server.pid))
        stop(server)

        one, theirs_row = rows[0], rows[-1]
        print(f"\nmltui serve / mlflow server: {one['rps'] / theirs_row['rps']:.1f}x requests/s, "
              f"p99 {theirs_row['p99_ms'] / one['p99_ms']:.1f}x lower, CPU per request {theirs_row['server_ms'] / one['server_ms']:.1f}x less")
        replica_ms, pg_ms = one["server_ms"], statistics.median(r["pg_ms"] for r in rows[:-1])
        cores = os.cpu_count()
        print(f"projection: a replica needs {replica_ms:.2f} ms of CPU per request and PostgreSQL {pg_ms:.2f} ms, so one core "
              f"of replica serves ~{1000 / replica_ms:.0f} req/s and one PostgreSQL core ~{1000 / pg_ms:.0f} req/s; N replica machines "
              f"of C cores give ~N*C*{1000 / replica_ms:.0f} req/s until the database's cores are busy "
              f"(~{1000 / pg_ms:.0f} req/s per PostgreSQL core). This machine has {cores} cores shared by everything.")
    finally:
        for p in procs:
            stop(p)
        stop_postgres(data)


if __name__ == "__main__":
    sys.exit(main())
