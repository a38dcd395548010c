#!/usr/bin/env python3
"""Write load through a tracking server with the real MLflow client, and a check of what it left.

    load_writes.py log URL JOURNAL_DIR [--clients 32] [--runs 50] [--steps 100] [--steps-per-batch 1]
                   [--experiment NAME] [--no-retries]
    load_writes.py check STORE_URI JOURNAL_DIR

`log`: forks --clients processes (mlflow is imported once, before the fork), each creating --runs
runs in one experiment and logging, per run, two params in one batch and then, per step, two
metrics (`log_batch`, as `mlflow.log_metrics` sends them; --steps-per-batch N puts N steps in one
batch, as a job buffering its metrics does) with values derived from (client, run, step), and
finally ending the run FINISHED. URL may also be a store URI: the client then writes the store
directly, as a training job beside the server does. Every write the server acknowledged is appended to the
client's journal file in JOURNAL_DIR at once (unbuffered), so when the server is killed mid-load
the journals say exactly what it acknowledged. With --no-retries the client gives up on the
first failed request (MLFLOW_HTTP_REQUEST_MAX_RETRIES=0), as the kill test wants. Prints a JSON
summary; exit 1 when a client failed (expected when the server is killed).

`check`: the real MLflow reads STORE_URI directly (not through any server) and every acknowledged
write of every journal must be there: the run, its params, each acknowledged step of each metric
exactly once with its value, FINISHED for an acknowledged end. Prints a JSON summary; exit 1 on
anything missing or wrong.
"""

import argparse
import ctypes
import json
import os
import signal
import sys
import time


def value(client, run, step, metric):
    return round((client + 1) * 1000 + run + step / 1000.0 + (0.5 if metric == "acc" else 0.0), 6)


def log(args):
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    if args.no_retries:
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
        os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "20"
    import mlflow  # noqa: F401  (imported once, before the fork)
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    os.makedirs(args.journal, exist_ok=True)
    client = MlflowClient(tracking_uri=args.url)
    experiment = client.get_experiment_by_name(args.experiment)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(args.experiment)

    def worker(index):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no client outlives the parent
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the client prints a link per ended run
        journal = os.open(os.path.join(args.journal, f"{args.experiment}-client-{index}.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        def ack(*fields):
            os.write(journal, (" ".join(str(f) for f in fields) + "\n").encode())
        tracking = MlflowClient(tracking_uri=args.url)
        try:
            for r in range(args.runs):
                run = tracking.create_run(experiment_id, run_name=f"c{index}-r{r}")
                run_id = run.info.run_id
                ack("run", run_id, index, r)
                tracking.log_batch(run_id, params=[Param("client", str(index)), Param("run", str(r))])
                ack("params", run_id)
                for first in range(0, args.steps, args.steps_per_batch):
                    now = int(time.time() * 1000)
                    steps = range(first, min(first + args.steps_per_batch, args.steps))
                    tracking.log_batch(run_id, metrics=[Metric(m, value(index, r, s, m), now, s)
                                                        for s in steps for m in ("loss", "acc")])
                    for s in steps:
                        ack("step", run_id, s)
                tracking.set_terminated(run_id, "FINISHED")
                ack("end", run_id)
        except Exception as error:  # the server went away: the journal holds what it acknowledged
            ack("error", type(error).__name__)
            os._exit(1)
        os._exit(0)

    children = []
    for index in range(args.clients):
        pid = os.fork()
        if pid == 0:
            worker(index)
        children.append(pid)
    failed = sum(1 for pid in children if os.waitpid(pid, 0)[1] != 0)
    print(json.dumps({"clients": args.clients, "failed_clients": failed}))
    return 1 if failed else 0


def check(args):
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=args.store)
    problems, runs, points = [], 0, 0
    for name in sorted(os.listdir(args.journal)):
        acked = {}  # run id -> {"index", "run", "params", "steps", "end"}
        with open(os.path.join(args.journal, name)) as f:
            for line in f:
                fields = line.split()
                if not fields or fields[0] == "error":
                    continue
                if fields[0] == "run":
                    acked[fields[1]] = {"index": int(fields[2]), "run": int(fields[3]), "params": False, "steps": set(), "end": False}
                elif fields[0] == "params":
                    acked[fields[1]]["params"] = True
                elif fields[0] == "step":
                    acked[fields[1]]["steps"].add(int(fields[2]))
                elif fields[0] == "end":
                    acked[fields[1]]["end"] = True
        for run_id, want in acked.items():
            runs += 1
            try:
                run = client.get_run(run_id)
            except Exception as error:
                problems.append(f"{name}: run {run_id} missing ({error})")
                continue
            if want["params"] and run.data.params != {"client": str(want["index"]), "run": str(want["run"])}:
                problems.append(f"{name}: run {run_id} params {run.data.params}")
            if want["end"] and run.info.status != "FINISHED":
                problems.append(f"{name}: run {run_id} status {run.info.status}, end was acknowledged")
            for metric in ("loss", "acc"):
                history = client.get_metric_history(run_id, metric)
                by_step = {}
                for point in history:
                    by_step.setdefault(point.step, []).append(point.value)
                for step in want["steps"]:
                    got = by_step.get(step, [])
                    expected = value(want["index"], want["run"], step, metric)
                    if got != [expected]:
                        problems.append(f"{name}: run {run_id} {metric}@{step}: {got}, want [{expected}]")
                    else:
                        points += 1
    print(json.dumps({"runs": runs, "points": points, "problems": len(problems), "first_problems": problems[:10]}))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("log")
    p.add_argument("url")
    p.add_argument("journal")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--steps-per-batch", type=int, default=1)
    p.add_argument("--experiment", default="load")
    p.add_argument("--no-retries", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("store")
    c.add_argument("journal")
    args = parser.parse_args()
    sys.exit(log(args) if args.command == "log" else check(args))


if __name__ == "__main__":
    main()
