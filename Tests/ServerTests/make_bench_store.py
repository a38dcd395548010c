#!/usr/bin/env python3
"""A 10,000-run store for the serve benchmark, written by the real MLflow client.

    make_bench_store.py URI [RUNS]      (URI: /abs/mlruns or sqlite:////abs/bench.db)

One experiment "bench"; each run has 5 params, 5 metrics, 3 tags and a status, so searches with
filters have something to select; run 0 also has a 1,000-point "loss" history for get-history.
"""

import os
import sys
import time

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402


def main():
    uri = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("bench")
    base = 1_735_689_600_000
    started = time.time()
    for i in range(runs):
        run = client.create_run(exp, start_time=base + i * 1000, run_name=f"run-{i:05d}",
                                tags={"team": ["vision", "nlp", "speech"][i % 3]})
        rid = run.info.run_id
        ts = base + i * 1000 + 10
        client.log_batch(
            rid,
            metrics=[Metric("loss", 1.0 / (1 + i % 97), ts, 0), Metric("accuracy", (i % 1000) / 1000, ts, 0),
                     Metric("f1", (i % 313) / 313, ts, 0), Metric("lr", 10 ** -(i % 5), ts, 0),
                     Metric("epoch", i % 50, ts, 0)],
            params=[Param("model", ["resnet", "bert", "wav2vec"][i % 3]), Param("batch_size", str(2 ** (i % 8))),
                    Param("optimizer", ["adam", "sgd"][i % 2]), Param("seed", str(i)), Param("dropout", str((i % 5) / 10))],
            tags=[RunTag("stage", ["dev", "prod"][i % 2]), RunTag("gpu", str(i % 8 == 0))],
        )
        if i == 0:
            history = [Metric("loss", 1.0 / (s + 1), ts + s, s) for s in range(1000)]
            for k in range(0, 1000, 500):
                client.log_batch(rid, metrics=history[k:k + 500])
        client.set_terminated(rid, ["FINISHED", "FAILED", "KILLED"][0 if i % 10 else (i // 10) % 3], end_time=ts + 500)
        if i % 1000 == 999:
            print(f"{i + 1} runs in {time.time() - started:.0f}s", flush=True)
    print(f"experiment {exp}: {runs} runs in {uri}")


if __name__ == "__main__":
    main()
