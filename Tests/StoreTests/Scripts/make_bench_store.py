#!/usr/bin/env python3
"""Writes a large file store directly in MLflow's exact layout (as
`mlflow/store/tracking/file_store.py` writes it), for timing the file store reader only (the
official benchmark uses the real mlflow client; this is ~100x faster to produce). Verify a sample
with the real MLflow: the script prints a `get_run` of one run.

    make_bench_store.py OUTDIR [RUNS=10000] [HISTORY=20]
"""
import os
import random
import sys
import uuid

import yaml


def dump(path, data):
    with open(path, "w", encoding="utf-8") as fh:
        yaml.dump(data, fh, default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=yaml.CSafeDumper)


def write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def main(out, runs, history):
    rng = random.Random(7)
    root = os.path.join(os.path.abspath(out), "mlruns")
    exp = "123456789012345678"
    os.makedirs(os.path.join(root, ".trash"), exist_ok=True)
    os.makedirs(os.path.join(root, "0"), exist_ok=True)
    dump(os.path.join(root, "0", "meta.yaml"), {
        "artifact_location": f"file://{root}/0", "creation_time": 1735689600000, "experiment_id": "0",
        "last_update_time": 1735689600000, "lifecycle_stage": "active", "name": "Default"})
    exp_dir = os.path.join(root, exp)
    os.makedirs(exp_dir, exist_ok=True)
    dump(os.path.join(exp_dir, "meta.yaml"), {
        "artifact_location": f"file://{exp_dir}", "creation_time": 1735689600000, "experiment_id": exp,
        "last_update_time": 1735689600000, "lifecycle_stage": "active", "name": "bench"})
    base = 1735689600000
    for i in range(runs):
        rid = uuid.UUID(int=rng.getrandbits(128)).hex
        rdir = os.path.join(exp_dir, rid)
        for sub in ("metrics", "params", "tags", "artifacts"):
            os.makedirs(os.path.join(rdir, sub), exist_ok=True)
        start = base + i * 1000
        dump(os.path.join(rdir, "meta.yaml"), {
            "artifact_uri": f"file://{rdir}/artifacts", "end_time": start + 500, "entry_point_name": "",
            "experiment_id": exp, "lifecycle_stage": "active", "run_id": rid, "run_name": f"run-{i}",
            "source_name": "", "source_type": 4, "source_version": "", "start_time": start,
            "status": 3, "tags": [], "user_id": "bench"})
        for p in range(20):
            write(os.path.join(rdir, "params", f"param_{p}"), str(rng.choice([0.1, 0.01, 0.001, 32, 64, "adam", "sgd"])))
        for m in range(10):
            lines = "".join(f"{start + s} {rng.random()} {s}\n" for s in range(history))
            write(os.path.join(rdir, "metrics", f"metric_{m}"), lines)
        tags = {"mlflow.runName": f"run-{i}", "mlflow.user": "bench", "mlflow.source.type": "LOCAL",
                "mlflow.source.name": "bench.py", "stage": rng.choice(["dev", "prod"]), "team": "ml",
                "mlflow.source.git.commit": "0" * 40, "note": f"run {i}"}
        for k, v in tags.items():
            write(os.path.join(rdir, "tags", k), v)
    print(root)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000, int(sys.argv[3]) if len(sys.argv) > 3 else 20)
