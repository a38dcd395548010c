#!/usr/bin/env python3
"""Benchmark: best-of metric columns and grouping over 10,000 runs, mltui against its floors and
against the MLflow Python client, same store, same run.

    bench_analysis.py MLTUI_BINARY OUTDIR [--runs N] [--key K]

The store is bench_core.py's (10,000 runs, 10 metrics x 10 steps; generated once into OUTDIR).
Measures wall time and peak RSS (median of 3) of:
  (a) mltui runs --tracking-uri sqlite:///… --experiment-id E --columns 'max(metrics.K)' --format csv
      against the sqlite3 CLI running one aggregate query (each active run of E with
      max(value) over its non-NaN points of K);
  (b) the MLflow Python client: search_runs, then get_metric_history per run and max() over it,
      the way a user gets this column today; a full pass when it fits in ~3 minutes, else a fixed
      random sample whose time is scaled to all runs (the output says which);
  (c) the same mltui command on the file store (with and without the run cache), and MLflow's;
  (d) mltui runs --group-by params.model --group-by tags.t0 --format csv (ten metric columns,
      every aggregate).
When the binary does not take best-of columns or --group-by yet, (a), (c) and (d) are measured
in-process by the Swift benchmark test SummaryBenchmarkTests (built with
`swift build --build-tests`; MLTUI_BENCH_TESTS=release uses a release test build), and the output
says so.
"""

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import GENERATOR_VERSION, generate, measure  # noqa: E402

REPEATS = 3
HISTORY_BUDGET_S = 180


def median_measure(argv, env, out_path):
    samples = []
    for _ in range(REPEATS):
        with open(out_path, "wb") as fh:
            samples.append(measure(argv, stdout=fh, env=env))
        if samples[-1][2] != 0:
            return samples[-1]
    return sorted(samples, key=lambda s: s[0])[len(samples) // 2]


def aggregate_sql(exp, key):
    # One scan of the key's rows in the (key, ...) primary key. (A LEFT JOIN from runs makes
    # SQLite, which has no statistics here, scan them once per run.)
    return ("SELECT m.run_uuid, max(m.value) FROM metrics m "
            f"WHERE m.key = '{key}' AND m.is_nan = 0 AND m.run_uuid IN "
            f"(SELECT run_uuid FROM runs WHERE experiment_id = {int(exp)} AND lifecycle_stage = 'active') "
            "GROUP BY m.run_uuid;\n")


MLFLOW_HISTORIES = r"""
import json, math, os, random, sys, time, warnings
warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import mlflow
from mlflow.tracking import MlflowClient
uri, exp, key, budget = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
imported = time.perf_counter() - t0
client = MlflowClient(uri)
t = time.perf_counter()
ids = [r.info.run_id for r in client.search_runs([exp], max_results=50000)]
search_s = time.perf_counter() - t
def best(rid):
    values = [m.value for m in client.get_metric_history(rid, key) if not math.isnan(m.value)]
    return max(values) if values else None
# Time 200 runs first; the rest only when a full pass fits the budget, else a fixed sample.
order = list(ids)
random.Random(7).shuffle(order)
t = time.perf_counter()
for rid in order[:200]:
    best(rid)
probe = time.perf_counter() - t
timed = 200
if probe / 200 * len(ids) <= budget:
    for rid in order[200:]:
        best(rid)
    timed = len(ids)
else:
    for rid in order[200:1000]:
        best(rid)
    timed = min(1000, len(ids))
loop = time.perf_counter() - t
print(json.dumps({"runs": len(ids), "timed": timed, "loop_s": loop, "loop_all_s": loop / timed * len(ids),
                  "search_s": search_s, "import_s": imported}))
"""


def swift_in_process(store, key):
    """The Swift benchmark test's figures: {format: {load_s, summaries_s, ...}}."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    config = os.environ.get("MLTUI_BENCH_TESTS", "debug")
    env = dict(os.environ, MLTUI_BENCH_SUMMARIES=store, MLTUI_BENCH_KEY=key)
    proc = subprocess.run(["swift", "test", "-c", config, "--skip-build", "--disable-swift-testing",
                           "--filter", "SummaryBenchmarkTests"], cwd=repo, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("SUMMARY-BENCH "):
            return config, json.loads(line[len("SUMMARY-BENCH "):])
    raise SystemExit(f"SummaryBenchmarkTests failed (build the tests first: swift build [-c release] --build-tests):\n"
                     f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mltui, out = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 10_000
    key = argv[argv.index("--key") + 1] if "--key" in argv else "m1"
    store = os.path.join(out, f"store-{runs}-v{GENERATOR_VERSION}")
    complete = os.path.exists(os.path.join(store, ".complete")) or (
        os.path.isdir(os.path.join(store, "fs", "mlruns")) and os.path.isfile(os.path.join(store, "sqlite", "mlflow.db")))
    if not complete and os.path.exists(store):
        # generate() starts by deleting the folder: never do that to a store someone put there.
        raise SystemExit(f"{store} exists but holds no complete store; remove it to generate one")
    if not complete:
        print(f"generating {runs} runs in both formats with MLflow (once; cached in {store})", flush=True)
        timings = generate(store, runs)
        with open(os.path.join(store, ".complete"), "w") as fh:
            json.dump(timings, fh)
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    env.pop("MLFLOW_TRACKING_URI", None)
    fs_root = os.path.join(store, "fs", "mlruns")
    db = os.path.join(store, "sqlite", "mlflow.db")
    exp = next(d for d in os.listdir(fs_root) if d not in ("0", ".trash", "models"))
    uris = {"sqlite": "sqlite:///" + db, "file": fs_root}
    csv_out = os.path.join(out, "analysis-out.csv")
    column = f"max(metrics.{key})"
    for path in (os.path.dirname(db), fs_root):  # warm the page cache for every tool alike
        subprocess.run(["sh", "-c", f"find '{path}' -type f -exec cat {{}} + > /dev/null"])

    probe = subprocess.run([mltui, "runs", "--tracking-uri", uris["sqlite"], "--experiment-id", exp, "--max-results", "1",
                            "--columns", column, "--format", "csv"], capture_output=True, text=True, env=env)
    cli_columns = probe.returncode == 0 and column in probe.stdout.splitlines()[0] if probe.stdout else False
    probe = subprocess.run([mltui, "runs", "--tracking-uri", uris["sqlite"], "--experiment-id", exp, "--max-results", "1",
                            "--group-by", "params.model", "--format", "csv"], capture_output=True, text=True, env=env)
    cli_group = probe.returncode == 0
    in_process = None
    if not (cli_columns and cli_group):
        in_process = swift_in_process(store, key)
        print(f"note: this mltui does not take {'best-of --columns' if not cli_columns else ''}"
              f"{' and ' if not cli_columns and not cli_group else ''}{'--group-by' if not cli_group else ''} yet; "
              f"those figures are the in-process times of SummaryBenchmarkTests ({in_process[0]} build): "
              "load the runs + metricSummaries + write the frame, no process start")

    header = f"{'store':7} {'what':42} {'wall s':>8} {'peak RSS MiB':>13}  note"
    print()
    print(header)
    print("-" * len(header))
    figures = {}

    def row(fmt, what, wall, rss, note=""):
        figures[(fmt, what)] = wall
        rss_text = f"{rss:13.1f}" if rss is not None else f"{'':13}"
        print(f"{fmt:7} {what:42} {wall:8.3f} {rss_text}  {note}", flush=True)

    for fmt, uri in uris.items():
        cmd = [mltui, "runs", "--tracking-uri", uri, "--experiment-id", exp, "--columns", column, "--format", "csv"]
        if cli_columns:
            variants = [("", "")] if fmt == "sqlite" else [("no run cache", ""), ("run cache filled", os.path.join(out, "analysis-cache"))]
            for label, cache in variants:
                if cache:
                    shutil.rmtree(cache, ignore_errors=True)
                    measure(cmd, env=dict(env, MLTUI_CACHE_DIR=cache))  # fills the cache
                wall, rss, code, err = median_measure(cmd, dict(env, MLTUI_CACHE_DIR=cache), csv_out)
                with open(csv_out) as fh:
                    lines = sum(1 for _ in fh)
                row(fmt, f"mltui --columns '{column}'" + (f" ({label})" if label else ""), wall, rss,
                    f"{lines - 1} rows" if code == 0 else f"FAILED exit {code}: {err.strip()[-120:]}")
        else:
            f = in_process[1][fmt]
            row(fmt, "mltui in-process: load runs", f["load_s"], None, f"{int(f['runs'])} runs")
            row(fmt, f"mltui in-process: {column}", f["summaries_s"], None, "metricSummaries, first call")
            row(fmt, f"mltui in-process: {column} again", f["summaries_again_s"], None,
                "second call (file store: kept summaries, each checked by its stamp)")
            row(fmt, "mltui in-process: write csv", f["frame_s"], None)
            row(fmt, "mltui in-process: total", f["load_s"] + f["summaries_s"] + f["frame_s"], None,
                "load + summaries + csv: the column as the CLI computes it, without process start")
        if fmt == "sqlite":
            sql = os.path.join(out, "analysis-floor.sql")
            with open(sql, "w") as fh:
                fh.write(aggregate_sql(exp, key))
            wall, rss, code, err = median_measure(["sh", "-c", f"sqlite3 -readonly -csv '{db}' < '{sql}'"], env, csv_out)
            row(fmt, "sqlite3 CLI, one aggregate query", wall, rss, "" if code == 0 else f"FAILED {err[-80:]}")
        proc = subprocess.run([sys.executable, "-c", MLFLOW_HISTORIES, uri, exp, key, str(HISTORY_BUDGET_S)],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            print(f"{fmt:7} MLflow client FAILED: {proc.stderr.strip()[-200:]}")
            continue
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        scaled = "" if info["timed"] == info["runs"] else f" (timed {info['timed']} random runs, scaled to {info['runs']})"
        total = info["import_s"] + info["search_s"] + info["loop_all_s"]
        row(fmt, "MLflow client, get_metric_history", info["loop_all_s"], None, "the per-run loop alone" + scaled)
        row(fmt, "MLflow client, whole process", total, None,
            f"import {info['import_s']:.1f} s + search_runs {info['search_s']:.1f} s + loop{scaled}")

        if cli_group:
            cmd = [mltui, "runs", "--tracking-uri", uri, "--experiment-id", exp, "--group-by", "params.model",
                   "--group-by", "tags.t0", "--format", "csv"]
            wall, rss, code, err = median_measure(cmd, env, csv_out)
            with open(csv_out) as fh:
                lines = sum(1 for _ in fh)
            row(fmt, "mltui --group-by model, t0", wall, rss, f"{lines - 1} groups, 10 metrics x 5 aggregates"
                if code == 0 else f"FAILED exit {code}: {err.strip()[-120:]}")
        else:
            f = in_process[1][fmt]
            row(fmt, "mltui in-process: group by model, t0", f["group_s"], None,
                f"{int(f['groups'])} groups, 10 metrics x 5 aggregates, after the runs are loaded")

    print()
    print("ratios:")
    for fmt in uris:
        mltui_wall = figures.get((fmt, f"mltui --columns '{column}'")) or figures.get((fmt, f"mltui --columns '{column}' (no run cache)")) \
            or figures.get((fmt, "mltui in-process: total"))
        if mltui_wall is None:
            continue
        floor = figures.get((fmt, "sqlite3 CLI, one aggregate query"))
        if floor:
            print(f"  {fmt:7} mltui / sqlite3 aggregate query   {mltui_wall / floor:6.2f}x  (goal: within 3x)")
        loop = figures.get((fmt, "MLflow client, get_metric_history"))
        whole = figures.get((fmt, "MLflow client, whole process"))
        summaries = figures.get((fmt, f"mltui in-process: {column}"))
        if loop:
            print(f"  {fmt:7} MLflow client / mltui             {whole / mltui_wall:6.1f}x whole process"
                  + (f", {loop / summaries:6.1f}x history reads alone (get_metric_history loop / metricSummaries)"
                     if summaries else "") + "  (goal: >= 20x)")
        group = figures.get((fmt, "mltui in-process: group by model, t0"))
        if group is not None:
            print(f"  {fmt:7} grouping after load               {group * 1000:6.1f} ms  (goal: within one 16 ms frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
