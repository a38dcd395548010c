"""Metric histories for the paging tests, written and read back by the real MLflow.

    history_paging.py make OUTDIR     -> writes OUTDIR/fs/mlruns and OUTDIR/mlflow.db with the
                                         same run content; prints MLflow's answers as JSON
    history_paging.py log URI RUN KEY TS VALUE STEP   -> logs one more value (a running job)

Every history has duplicates, NaN next to 0.0 at the same timestamp and step (they tie in
SQL's (timestamp, step, value) order), infinities, equal timestamps and equal steps, and is
logged out of order so file order and SQL order differ.
"""
import json
import math
import os
import sys

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

T = 1795369468000
PAGE_SIZES = [1, 7, 1000]


def points():
    out = []
    values = [0.0, float("nan"), 1.5, float("inf"), -float("inf"), 0.25, -0.0, 1e-05, 2.0]
    for i in range(240):
        ts = T + (i * 7919) % 60          # many equal timestamps, out of order
        step = (i * 31) % 17              # many equal steps
        out.append((ts, values[i % len(values)], step))
    for i in range(12):                   # NaN and 0.0 at the same timestamp and step
        out.append((T + 5, 0.0, i % 3))
        out.append((T + 5, float("nan"), i % 3))
    out += out[:15]                       # exact duplicates
    return out


def log(client, run_id, key, pts):
    # log_batch takes at most 1000 metrics, and SQL rejects duplicates within one batch:
    # the duplicates go in separate batches, as they would from separate log calls.
    seen, batches = set(), [[]]
    for ts, v, s in pts:
        ident = (ts, "nan" if math.isnan(v) else v, s)
        if ident in seen or len(batches[-1]) >= 1000:
            batches.append([])
            seen = set()
        seen.add(ident)
        batches[-1].append(Metric(key, v, ts, s))
    for b in batches:
        client.log_batch(run_id, metrics=b)


def row(m):
    return [m.timestamp, repr(m.value), m.step]


def answers(client, run_id, key):
    store = client._tracking_client.store
    out = {"run": run_id, "full": [row(m) for m in client.get_metric_history(run_id, key)], "pages": {}}
    for size in PAGE_SIZES:
        tokens, rows, token = [], [], None
        while True:
            page = store.get_metric_history(run_id, key, max_results=size, page_token=token)
            rows += [row(m) for m in page]
            token = page.token
            if not token:
                break
            tokens.append(token.decode() if isinstance(token, bytes) else token)
        out["pages"][str(size)] = {"tokens": tokens, "rows": rows}
    return out


def make(outdir):
    os.makedirs(outdir + "/fs", exist_ok=True)
    result = {}
    for kind, uri in [("fs", "file://" + outdir + "/fs/mlruns"), ("sqlite", "sqlite:///" + outdir + "/mlflow.db")]:
        client = MlflowClient(uri)
        exp = client.create_experiment("paging")
        run = client.create_run(exp).info.run_id
        log(client, run, "m", points())
        log(client, run, "grow", [(T + i, float(i), i) for i in range(20)])
        result[kind] = answers(client, run, "m")
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        _, _, uri, run, key, ts, value, step = sys.argv
        MlflowClient(uri).log_metric(run, key, float(value), int(ts), int(step))
