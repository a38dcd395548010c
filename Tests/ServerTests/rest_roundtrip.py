#!/usr/bin/env python3
"""mltui's own REST backend against `mltui serve` must show the same data as mltui reading the
store directly (one of run_acceptance.sh's checks): `mltui experiments|runs|history|artifacts --format json`
with `--tracking-uri http://127.0.0.1:PORT` and with the store's own URI, outputs compared.

    rest_roundtrip.py --mltui PATH/TO/mltui --store URI
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import free_port, start, stop, wait_healthy  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--store", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-roundtrip-")
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    port = free_port()
    remote = f"http://127.0.0.1:{port}"
    server = start([args.mltui, "serve", "--quiet", "--backend-store-uri", args.store, "--port", str(port)], work, env,
                   os.path.join(work, "mltui.log"))
    compared, different = 0, []

    def mltui(uri, *argv):
        done = subprocess.run([args.mltui, *argv, "--tracking-uri", uri, "--format", "json"], cwd=work, env=env,
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr.strip()

    def same(*argv):
        nonlocal compared
        direct, served = mltui(args.store, *argv), mltui(remote, *argv)
        compared += 1
        if direct[:2] != served[:2]:
            different.append((argv, direct, served))
            print(f"DIFF mltui {' '.join(argv)}\n     direct: rc={direct[0]} {direct[1][:200]!r} {direct[2][:200]}\n"
                  f"     served: rc={served[0]} {served[1][:200]!r} {served[2][:200]}")
        else:
            print(f"same mltui {' '.join(argv)}")
        return direct[1]

    try:
        wait_healthy(remote, server)
        exps = json.loads(same("experiments", "--view-type", "ALL")).get("experiments", [])
        same("experiments")
        ids = [e["experiment_id"] for e in exps]
        id_args = [a for i in ids for a in ("--experiment-id", i)]
        runs = json.loads(same("runs", *id_args, "--view-type", "ALL")).get("runs", [])
        same("runs", *id_args, "--filter", "attributes.status = 'FINISHED'", "--order-by", "start_time ASC")
        same("runs", *id_args, "--filter", "metrics.x >")  # invalid filter: same error both ways
        for run in runs:
            rid = run["info"]["run_id"]
            for m in run["data"].get("metrics", []):
                same("history", rid, m["key"])
            same("artifacts", rid)
        same("history", "0" * 32, "loss")
        same("artifacts", "0" * 32)
        zoo = [e["experiment_id"] for e in exps if e["name"] == "model-zoo"]
        models = json.loads(same("models", "--experiment", zoo[0])).get("models", [])
        if not models:
            different.append((("models",), "no logged models in model-zoo", ""))
        same("models", "--experiment", zoo[0], "--filter", "metrics.accuracy > 0.8", "--order-by", "metrics.accuracy:desc")
        same("models", "--experiment", zoo[0], "--filter", "metrics.x >")
        registered = json.loads(same("registry")).get("registered_models", [])
        same("registry", "--filter", "tags.task = 'agent'")
        for m in registered:
            same("registry", m["name"])
        same("registry", "no-such-model")
        same("datasets", *[a for i in ids[:20] for a in ("--experiment", i)])
        same("datasets", "--experiment", zoo[0], "--filter", "metrics.accuracy > 0.8")
    finally:
        stop(server)
    print(f"\n{compared} commands compared, {len(different)} different; logs in {work}")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
