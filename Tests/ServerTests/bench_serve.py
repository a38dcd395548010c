#!/usr/bin/env python3
"""Benchmark: `mltui serve` against `mlflow server` over the same store, in the same run
(the figures in BENCHMARKS.md). Prints requests/s, p50 and p99 latency from wrk, and each server's
resident memory (whole process tree: mlflow server runs uvicorn workers and helper processes).

    bench_serve.py --mltui PATH/TO/release/mltui --store URI [--duration 10] [--connections 16]
                   [--mlflow-workers N]  (default: mlflow's own default, 4)
                   [--filter TEMPLATE --threshold T --threshold-range LO HI --history-key KEY]

The defaults fit a store from make_bench_store.py; for the 10,000-run store of
scripts/bench_core.sh pass --filter "metrics.latency_p95 < {t} and params.model = 'gpt-4o'"
--threshold 1200 --threshold-range 800 1600 --history-key m1. `{t}` in the filter is the
threshold: fixed for the repeated search, drawn anew for every request in the varying one.

Needs wrk (Debian package). Servers run one after the other under load, never together.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import call, free_port, keyed_lists_sorted, start, stop, wait_healthy  # noqa: E402


def tree_rss_kib(pid):
    """Resident memory of a process and all its descendants, in KiB."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def unit_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, lua, duration, connections):
    # A 30 s timeout so that slow answers are measured rather than dropped as timeouts.
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", "-s", lua, url],
                         capture_output=True, text=True, timeout=duration + 120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = unit_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = unit_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else ""}


def lua_script(work, name, method, body):
    path = os.path.join(work, name + ".lua")
    with open(path, "w") as f:
        f.write(f'wrk.method = "{method}"\n')
        if body is not None:
            f.write("wrk.body = " + json.dumps(json.dumps(body)) + "\n")
            f.write('wrk.headers["Content-Type"] = "application/json"\n')
    return path


def varying_filter_script(work, exp, template, low, high, max_results=100, order_by=()):
    """A filtered search whose threshold changes with every request, so no server can answer
    from a cache of earlier answers: this measures the search itself."""
    path = os.path.join(work, "varying.lua")
    request = {"experiment_ids": [exp], "max_results": max_results, "filter": template.replace("{t}", "THRESHOLD")}
    if order_by:
        request["order_by"] = list(order_by)
    body = json.dumps(request)
    body = body.replace("%", "%%").replace("THRESHOLD", "%.6f")
    with open(path, "w") as f:
        f.write("init = function(args)\n"
                "  math.randomseed(os.time() + tonumber(tostring({}):match('0x(%x+)') or '0', 16))\n"
                "end\n"
                "request = function()\n"
                f"  local body = string.format({json.dumps(body)}, {low} + math.random() * {high - low})\n"
                "  return wrk.format('POST', nil, {['Content-Type'] = 'application/json'}, body)\n"
                "end\n")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--mlflow", default=os.path.join(os.path.dirname(sys.executable), "mlflow"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--mlflow-workers", type=int)
    ap.add_argument("--filter", default="metrics.accuracy > {t} and params.model = 'bert'")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--threshold-range", type=float, nargs=2, default=[0.3, 0.7])
    ap.add_argument("--history-key", default="loss")
    args = ap.parse_args()
    fixed_filter = args.filter.replace("{t}", repr(args.threshold))
    low, high = args.threshold_range
    probe_filter = args.filter.replace("{t}", f"{low + (high - low) * 0.280862:.6f}")
    work = tempfile.mkdtemp(prefix="mltui-bench-")
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    env.pop("MLFLOW_TRACKING_URI", None)
    pa, pb = free_port(), free_port()
    mlflow_cmd = [args.mlflow, "server", "--backend-store-uri", args.store, "--host", "127.0.0.1", "--port", str(pa)]
    if args.mlflow_workers:
        mlflow_cmd += ["--workers", str(args.mlflow_workers)]
    # mltui first: a Python server keeps working through its queued requests after wrk stops, and
    # would take the CPU from whichever server runs after it; each server is stopped after its turn.
    servers = {
        "mltui serve": (start([args.mltui, "serve", "--quiet", "--backend-store-uri", args.store, "--port", str(pb)],
                              work, env, os.path.join(work, "mltui.log")), f"http://127.0.0.1:{pb}"),
        "mlflow server": (start(mlflow_cmd, work, env, os.path.join(work, "mlflow.log")), f"http://127.0.0.1:{pa}"),
    }
    results = {}
    try:
        for proc, base in servers.values():
            wait_healthy(base, proc, seconds=120)
        base = servers["mlflow server"][1]
        exp = call(base, "GET", "/api/2.0/mlflow/experiments/get-by-name", query={"experiment_name": "bench"}).json()["experiment"]["experiment_id"]
        first = call(base, "POST", "/api/2.0/mlflow/runs/search",
                     body={"experiment_ids": [exp], "max_results": 1, "order_by": ["attributes.start_time ASC"]}).json()
        run0 = first["runs"][0]["info"]["run_id"]
        scenarios = [
            ("runs/search 100/page", "/api/2.0/mlflow/runs/search",
             lua_script(work, "search", "POST", {"experiment_ids": [exp], "max_results": 100})),
            ("runs/search 100/page + filter", "/api/2.0/mlflow/runs/search",
             lua_script(work, "filter", "POST", {"experiment_ids": [exp], "max_results": 100,
                                                 "filter": fixed_filter})),
            ("runs/search + filter, new each time", "/api/2.0/mlflow/runs/search",
             varying_filter_script(work, exp, args.filter, low, high)),
            (f"metrics/get-history ({args.history_key})",
             f"/api/2.0/mlflow/metrics/get-history?run_id={run0}&metric_key={args.history_key}",
             lua_script(work, "history", "GET", None)),
        ]
        # Same answers first: a benchmark of different work would mean nothing.
        for name, path, _ in scenarios:
            body = {"experiment_ids": [exp], "max_results": 100}
            if "filter" in name:
                body["filter"] = fixed_filter
            if "new each time" in name:
                body["filter"] = probe_filter
            answers, seconds = [], []
            for _, b in servers.values():
                # The second of two requests, one at a time: a latency figure even for a server
                # that finishes nothing under load.
                for _ in range(2):
                    started = time.perf_counter()
                    answer = call(b, "POST", path, body=body).body if "runs/search" in name else call(b, "GET", path).body
                    elapsed = time.perf_counter() - started
                answers.append(answer)
                seconds.append(elapsed)
            # File stores list tags/params/metrics in directory order (see conformance.py).
            same = keyed_lists_sorted(json.loads(answers[0])) == keyed_lists_sorted(json.loads(answers[1]))
            print(f"{name}: same answer from both servers: {same}; one request alone: "
                  f"mltui {seconds[0] * 1000:.1f} ms, mlflow {seconds[1] * 1000:.1f} ms ({seconds[1] / seconds[0]:.0f}x)")
        for server, (proc, base) in servers.items():
            for name, path, lua in scenarios:
                wrk(base + path, lua, 2, args.connections)  # warm-up
                r = wrk(base + path, lua, args.duration, args.connections)
                r["rss_mib"] = tree_rss_kib(proc.pid) / 1024
                results[(server, name)] = r
                print(f"{server:14} {name:36} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:8.2f} ms  "
                      f"p99 {r['p99_ms']:8.2f} ms  rss {r['rss_mib']:7.1f} MiB  non-2xx {r['non2xx']} {r['socket_errors']}",
                      flush=True)
            stop(proc)
    finally:
        for proc, _ in servers.values():
            stop(proc)
    print(f"\nstore {args.store}; wrk -t2 -c{args.connections} -d{args.duration}s; mlflow workers: "
          f"{args.mlflow_workers or 'default (4)'}")
    print(f"{'scenario':36} {'throughput x':>12} {'p99 mlflow/mltui':>17} {'memory mltui/mlflow':>20}")
    for name in [s[0] for s in scenarios]:
        a, b = results[("mlflow server", name)], results[("mltui serve", name)]
        ratio = lambda x, y, digits=1: f"{x / y:.{digits}f}x" if y else "n/a (mlflow finished no request)"
        if a["rps"] == 0:
            print(f"{name:36} mlflow server finished no request in {args.duration} s; "
                  f"memory {ratio(b['rss_mib'], a['rss_mib'], 3)}")
            continue
        print(f"{name:36} {ratio(b['rps'], a['rps']):>12} {ratio(a['p99_ms'], b['p99_ms']):>17} "
              f"{ratio(b['rss_mib'], a['rss_mib'], 3):>20}")


if __name__ == "__main__":
    main()
