#!/usr/bin/env python3
"""Benchmark: `mltui runs --format json` vs MLflow's own `mlflow.search_runs`, same request, same run.

    bench_core.py MLTUI_BINARY OUTDIR [--runs N]

Builds once (cached in OUTDIR, keyed by N and GENERATOR_VERSION) a store of N runs (default
10,000; 20 params, 10 metrics x 10 steps, 8 tags each) with the real MLflow client (file store;
the SQLite copy by `mlflow migrate-filestore`), then measures wall time and peak RSS of:
  mltui     mltui runs --tracking-uri U --experiment-id E [--filter F] --format json (median of 3;
            for the file store without the run cache, filling an empty one, and with it filled)
  mlflow    python -c "mlflow.search_runs(...)"  (whole process, import included; the time of the
            search_runs call alone is printed too)
  floor     sqlite3 CLI running the SQL MLflow generates (SqlAlchemyStore._search_runs) plus
            loading the params/tags/latest metrics of the result; for the file store `cat` of
            every file
  syscalls  file store only: scripts/read_floor.c (compiled here with cc), which opens, reads and
            closes every file of every run once on all cores and does nothing else: the least
            any reader must spend, so mlflow/syscalls bounds the speed-up any reader can reach
for the unfiltered request and for `params.model = 'gpt-4o' and metrics.latency_p95 < 1200`.
Prints figures and ratios; asserts nothing about time.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import time

GENERATOR_VERSION = 1
FILTER = "params.model = 'gpt-4o' and metrics.latency_p95 < 1200"
BASE_MS = 1_735_689_600_000


def generate(out, runs):
    """Writes the file store with MlflowClient.log_batch (one batch per run), then the SQLite store
    from it with `mlflow migrate-filestore` (logging 10,000 runs into SQLite one commit at a time
    takes MLflow about half an hour; the migration writes the same rows in bulk)."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "fs"))
    os.makedirs(os.path.join(out, "sqlite"))
    started = time.time()
    client = MlflowClient(os.path.join(out, "fs", "mlruns"))
    exp = client.create_experiment("bench")
    rng = random.Random(7)
    for i in range(runs):
        start = BASE_MS + i * 1000
        model = ("gpt-4o", "llama-3", "mistral")[i % 3]
        run = client.create_run(exp, start_time=start, run_name=f"run-{i:05d}", tags={"mlflow.user": "bench"})
        params = [Param("model", model)] + [Param(f"p{k:02d}", str(rng.randint(0, 1000))) for k in range(19)]
        tags = [RunTag(f"t{k}", f"tag-{rng.randint(0, 50)}") for k in range(6)]  # + mlflow.user, mlflow.runName = 8
        metrics = []
        for k in range(10):
            key = "latency_p95" if k == 0 else f"m{k}"
            for step in range(10):
                value = rng.uniform(400, 2000) if k == 0 else rng.random()
                metrics.append(Metric(key, value, start + step, step))
        client.log_batch(run.info.run_id, metrics=metrics, params=params, tags=tags)
        client.set_terminated(run.info.run_id, "FINISHED", end_time=start + 500)
        if (i + 1) % 1000 == 0:
            print(f"  file store: {i + 1}/{runs} runs, {time.time() - started:.0f} s", flush=True)
    timings = {"fs": time.time() - started}
    started = time.time()
    mlflow_cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
    subprocess.run([mlflow_cli, "migrate-filestore", "--source", os.path.join(out, "fs", "mlruns"),
                    "--target", "sqlite:///" + os.path.join(out, "sqlite", "mlflow.db")],
                   check=True, stdout=subprocess.DEVNULL, cwd=os.path.join(out, "sqlite"))
    timings["sqlite"] = time.time() - started
    return timings


def measure(argv, stdout=subprocess.DEVNULL, env=None):
    """Wall seconds, peak RSS (MiB) and exit status of one child process. Peak RSS comes from
    GNU time: wait4's ru_maxrss would count the pages the child shared with this Python process
    before exec."""
    report = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mltui-bench-time-{os.getpid()}")
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report] + argv, stdout=stdout,
                          stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - started
    with open(report) as fh:
        lines = fh.read().split()
    os.remove(report)
    rss_kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return wall, rss_kib / 1024.0, proc.returncode, proc.stderr.decode(errors="replace")


def sql_for(filtered, exp):
    where = ""
    if filtered:
        where = ("AND EXISTS (SELECT 1 FROM params p WHERE p.run_uuid = r.run_uuid AND p.key = 'model' AND p.value = 'gpt-4o') "
                 "AND EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = 'latency_p95' "
                 "AND m.value < 1200 AND m.is_nan = 0) ")
    page = ("SELECT r.run_uuid FROM runs r WHERE r.experiment_id IN ({exp}) AND r.lifecycle_stage IN ('active') " + where +
            "ORDER BY r.start_time DESC, r.run_uuid ASC LIMIT 50000").format(exp=int(exp))
    return ("PRAGMA case_sensitive_like = ON;\n"
            "SELECT r.run_uuid, r.name, r.experiment_id, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, "
            "r.lifecycle_stage FROM runs r WHERE r.run_uuid IN (" + page + ") ORDER BY r.start_time DESC, r.run_uuid ASC;\n"
            "SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN (" + page + ");\n"
            "SELECT run_uuid, key, value FROM params WHERE run_uuid IN (" + page + ");\n"
            "SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (" + page + ");\n")


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mltui, out = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 10_000
    store = os.path.join(out, f"store-{runs}-v{GENERATOR_VERSION}")
    marker = os.path.join(store, ".complete")
    if not os.path.exists(marker):
        print(f"generating {runs} runs in both formats with MLflow (once; cached in {store})", flush=True)
        timings = generate(store, runs)
        with open(marker, "w") as fh:
            json.dump(timings, fh)
    with open(marker) as fh:
        gen = json.load(fh)
    print(f"store: {store}  (generated with MLflow: file store {gen['fs']:.0f} s, SQLite by migrate-filestore {gen['sqlite']:.0f} s)")

    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    env.pop("MLFLOW_TRACKING_URI", None)
    fs_root = os.path.join(store, "fs", "mlruns")
    exp_fs = next(d for d in os.listdir(fs_root) if d not in ("0", ".trash", "models"))
    uris = {"file": (fs_root, exp_fs), "sqlite": ("sqlite:///" + os.path.join(store, "sqlite", "mlflow.db"), exp_fs)}

    read_floor = os.path.join(out, "read_floor")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "read_floor.c")
    if subprocess.run(["cc", "-O2", "-pthread", "-o", read_floor, source]).returncode != 0:
        read_floor = None

    rows = []
    header = f"{'store':7} {'request':9} {'tool':22} {'wall s':>8} {'peak RSS MiB':>13} {'runs':>6}  note"
    print()
    print(header)
    print("-" * len(header))
    for fmt, (uri, exp) in uris.items():
        # Warm the page cache once so no tool pays for cold reads the others do not.
        path = uri if fmt == "file" else uri[len("sqlite:///"):]
        subprocess.run(["sh", "-c", f"find '{os.path.dirname(path) if fmt == 'sqlite' else path}' -type f -exec cat {{}} + > /dev/null"])
        for label, flt in (("all", ""), ("filtered", FILTER)):
            # mltui: the file store once without its run cache, then with an empty cache (the first
            # process, which fills it) and again (a later process, every entry checked by stat).
            if fmt == "file":
                cache = os.path.join(out, "run-cache")
                shutil.rmtree(cache, ignore_errors=True)
                variants = [("mltui, no run cache", "", 3), ("mltui, cache empty", cache, 1), ("mltui, cache filled", cache, 3)]
            else:
                variants = [("mltui", "", 3)]
            mltui_rows = []
            for tool_name, cache_dir, repeats in variants:
                args = [mltui, "runs", "--tracking-uri", uri, "--experiment-id", exp, "--format", "json"]
                if flt:
                    args += ["--filter", flt]
                tmp = os.path.join(out, "mltui-out.json")
                # The median of `repeats` runs: a process of half a second is at the mercy of the
                # shared machine; the cache-empty run is the one that fills the cache, so once.
                samples = []
                for _ in range(repeats):
                    with open(tmp, "wb") as fh:
                        samples.append(measure(args, stdout=fh, env=dict(env, MLTUI_CACHE_DIR=cache_dir)))
                    if samples[-1][2] != 0:
                        break
                wall, rss, code, err = sorted(samples, key=lambda sample: sample[0])[len(samples) // 2]
                count, note = "?", f"FAILED exit {code}: {err.strip()[-120:]}"
                if code == 0:
                    try:
                        with open(tmp) as fh:
                            count, note = len(json.load(fh).get("runs", [])), ""
                    except ValueError:
                        note = "FAILED: output is not one JSON document"
                mltui_rows.append((tool_name, (wall, rss, count, note)))
            # MLflow in a Python process
            code_py = ("import os,time,json,warnings; warnings.filterwarnings('ignore'); import mlflow; "
                       f"mlflow.set_tracking_uri({uri!r}); t=time.perf_counter(); "
                       f"df=mlflow.search_runs(experiment_ids=[{exp!r}], filter_string={flt!r}, max_results=100000); "
                       "print(json.dumps({'n': len(df), 'search_s': time.perf_counter()-t}))")
            res = os.path.join(out, "mlflow-out.json")
            with open(res, "wb") as fh:
                wall_py, rss_py, code_py_status, err_py = measure([sys.executable, "-c", code_py], stdout=fh, env=env)
            info = {}
            if code_py_status == 0:
                with open(res) as fh:
                    info = json.loads(fh.read().strip().splitlines()[-1])
            p = (wall_py, rss_py, info.get("n", "?"),
                 f"search_runs call alone {info['search_s']:.2f} s" if info else f"FAILED: {err_py.strip()[-120:]}")
            # floor
            if fmt == "sqlite":
                sql = os.path.join(out, "floor.sql")
                with open(sql, "w") as fh:
                    fh.write(sql_for(bool(flt), exp))
                wall_f, rss_f, code_f, err_f = measure(["sh", "-c", f"sqlite3 -readonly '{uri[len('sqlite:///'):]}' < '{sql}'"])
                f = (wall_f, rss_f, "", "sqlite3 CLI, _search_runs SQL + params/tags/latest metrics" + ("" if code_f == 0 else f" FAILED {err_f[-80:]}"))
            else:
                wall_f, rss_f, code_f, err_f = measure(["sh", "-c", f"find '{uri}' -type f -exec cat {{}} + > /dev/null"])
                f = (wall_f, rss_f, "", "cat of every file of the file store")
            tools = mltui_rows + [("mlflow.search_runs", p), ("floor", f)]
            s_floor = None
            if fmt == "file" and read_floor:
                wall_s, rss_s, code_s, err_s = measure([read_floor, os.path.join(uri, exp)])
                s_floor = (wall_s, rss_s, "", "open+read+close of every run file, all cores" + ("" if code_s == 0 else f" FAILED {err_s[-80:]}"))
                tools.append(("syscalls", s_floor))
            for tool, (w, r, n, note) in tools:
                print(f"{fmt:7} {label:9} {tool:22} {w:8.2f} {r:13.1f} {n!s:>6}  {note}", flush=True)
            for tool_name, m in mltui_rows:
                rows.append((fmt, label, tool_name, m, p, f, s_floor))

    print()
    print("ratios (lower is better for mltui):")
    for fmt, label, tool_name, m, p, f, s_floor in rows:
        print(f"  {fmt:7} {label:9} {tool_name:20} mltui/mlflow wall {m[0] / p[0]:6.3f}  (mlflow is {p[0] / m[0]:5.1f}x slower)   "
              f"mltui/mlflow RSS {m[1] / p[1]:6.3f}   mltui/floor wall {m[0] / f[0]:6.1f}"
              + (f"   mlflow/syscalls {p[0] / s_floor[0]:5.1f}x  mltui/syscalls {m[0] / s_floor[0]:4.2f}" if s_floor else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
