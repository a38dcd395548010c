#!/usr/bin/env python3
"""Benchmark: the CPU a live refresh tick costs mltui while many runs train, incremental against
reading every history whole (the refresh before incremental reads, `MLTUI_LIVE_RELOAD=whole`).

    .venv-mlflow/bin/python scripts/bench_live.py --mltui .build/release/mltui
        [--format file|sqlite|both] [--runs 50] [--history 10000] [--rate 10] [--ticks 15] [--refresh 2]

Per store format, in a temporary folder: the real client makes an experiment of --runs RUNNING runs
with --history points of "loss" each, then a logger (the real client, one process) logs --rate
points a second to every run (one log_batch per run per second) while the release binary runs
under tmux (160x70, a private socket) with a 1-per---refresh-seconds live refresh, a sparkline
column of "loss" (every run on screen) and a chart of 20 marked runs: each tick reloads the
table, 50 sparklines and 20 chart lines. `MLTUI_TICK_STATS` gives each tick's CPU time (user +
system, the whole process) and what it read; the first ticks (the first whole reads) are skipped.
Prints the mean and p50 of --ticks ticks per mode and the ratio; asserts nothing. Stops every
process it starts.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON = sys.executable

SETUP = r"""
import sys, time, json
from mlflow import MlflowClient
from mlflow.entities import Metric
uri, runs, history, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
c = MlflowClient(uri)
e = c.create_experiment("live")
base = int(time.time() * 1000) - history * 100
ids = []
for r in range(runs):
    run = c.create_run(e, run_name=f"run-{r:02d}")
    for start in range(0, history, 1000):
        c.log_batch(run.info.run_id, metrics=[Metric("loss", 1.0 / (s + 1), base + s * 100, s)
                                              for s in range(start, min(start + 1000, history))])
    ids.append(run.info.run_id)
json.dump({"runs": ids, "step": history}, open(out, "w"))
"""

LOGGER = r"""
import sys, time, json
from mlflow import MlflowClient
from mlflow.entities import Metric
uri, state, rate = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
c = MlflowClient(uri)
step = state["step"]
while True:
    started = time.time()
    now = int(started * 1000)
    for run in state["runs"]:
        c.log_batch(run, metrics=[Metric("loss", 1.0 / (step + i + 1), now + i, step + i) for i in range(rate)])
    step += rate
    time.sleep(max(0.0, 1.0 - (time.time() - started)))
"""


def tmux(socket, *args):
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True).stdout


def wait_for(socket, text, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in tmux(socket, "capture-pane", "-p"):
            return
        time.sleep(0.1)
    raise SystemExit(f"bench_live: timed out waiting for {text!r}:\n" + tmux(socket, "capture-pane", "-p"))


def ticks(path):
    try:
        return [json.loads(line) for line in open(path) if line.strip()]
    except FileNotFoundError:
        return []


def measure(args, uri, folder, whole):
    stats = os.path.join(folder, "ticks-whole.jsonl" if whole else "ticks.jsonl")
    socket = f"mltui-bench-live-{os.getpid()}-{os.path.basename(uri)}-{int(whole)}"
    env = "MLTUI_LIVE_RELOAD=whole " if whole else ""
    command = (f"TERM=xterm-256color XDG_STATE_HOME='{folder}/xdg-{int(whole)}' MLTUI_TICK_STATS='{stats}' {env}"
               f"'{args.mltui}' --refresh {args.refresh} --experiment live '{uri}'; echo \"EXITED $?\"; sleep 60")
    tmux(socket, "new-session", "-d", "-x", "160", "-y", "70", command)
    try:
        wait_for(socket, "run-")
        tmux(socket, "send-keys", "S")
        wait_for(socket, "Sparkline column")
        tmux(socket, "send-keys", "Enter")
        for _ in range(20):
            tmux(socket, "send-keys", "Space")
        tmux(socket, "send-keys", "v")
        wait_for(socket, "Chart · loss")
        skip = len(ticks(stats)) + 3
        deadline = time.time() + (args.ticks + 5) * args.refresh * 6 + 120
        while len(ticks(stats)) < skip + args.ticks and time.time() < deadline:
            time.sleep(0.5)
        got = ticks(stats)[skip:skip + args.ticks]
    finally:
        tmux(socket, "kill-server")
    if not got:
        raise SystemExit("bench_live: no ticks measured")
    return got


def summary(rows):
    cpu = [r["cpuMs"] for r in rows]
    return {"ticks": len(rows), "cpu_mean": statistics.mean(cpu), "cpu_p50": statistics.median(cpu),
            "fileBytes": statistics.mean(r["fileBytes"] for r in rows), "rows": statistics.mean(r["rows"] for r in rows),
            "sqlSteps": statistics.mean(r["sqlSteps"] for r in rows)}


def bench(args, fmt):
    folder = tempfile.mkdtemp(prefix="mltui-bench-live-")
    logger = None
    try:
        uri = ("file://" + folder + "/mlruns") if fmt == "file" else ("sqlite:///" + folder + "/mlflow.db")
        env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
        state = os.path.join(folder, "state.json")
        t0 = time.time()
        subprocess.run([PYTHON, "-c", SETUP, uri, str(args.runs), str(args.history), state], env=env, cwd=folder, check=True)
        print(f"{fmt}: {args.runs} RUNNING runs x {args.history} points written by the real client in {time.time() - t0:.0f} s", flush=True)
        logger = subprocess.Popen([PYTHON, "-c", LOGGER, uri, state, str(args.rate)], env=env, cwd=folder, start_new_session=True)
        results = {}
        for whole in (False, True):
            results[whole] = summary(measure(args, uri, folder, whole))
        inc, full = results[False], results[True]
        for name, r in (("incremental", inc), ("whole reload", full)):
            print(f"  {name:13s} CPU per tick mean {r['cpu_mean']:7.1f} ms, p50 {r['cpu_p50']:7.1f} ms; "
                  f"read per tick {r['fileBytes'] / 1e6:8.2f} MB of files, {r['rows']:9.0f} rows, {r['sqlSteps']:11.0f} SQLite steps "
                  f"({r['ticks']} ticks)")
        if inc["cpu_mean"] > 0:
            print(f"  ratio: whole reload / incremental CPU per tick = {full['cpu_mean'] / inc['cpu_mean']:.1f}x", flush=True)
    finally:
        if logger:
            os.killpg(logger.pid, signal.SIGTERM)
            logger.wait()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mltui", required=True)
    p.add_argument("--format", default="both", choices=["file", "sqlite", "both"])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--history", type=int, default=10000)
    p.add_argument("--rate", type=int, default=10)
    p.add_argument("--ticks", type=int, default=15)
    p.add_argument("--refresh", type=float, default=2)
    args = p.parse_args()
    args.mltui = os.path.abspath(args.mltui)
    print(f"mltui {args.mltui}; {os.cpu_count()} cores; {args.rate} points/s per run; refresh every {args.refresh} s", flush=True)
    for fmt in (["file", "sqlite"] if args.format == "both" else [args.format]):
        bench(args, fmt)


if __name__ == "__main__":
    main()
