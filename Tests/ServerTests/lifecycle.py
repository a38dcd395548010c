#!/usr/bin/env python3
"""`mltui serve` under many concurrent clients, then SIGTERM during a download: the download
must complete byte for byte, new connections must be refused, and the process must exit 0.

    lifecycle.py --mltui PATH/TO/mltui --store URI
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import call, free_port, start, wait_healthy  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("--store", required=True)
    # A reader slower than the server: shows Hummingbird 2.28 closing the connection right after
    # the response end without waiting for the flush (docs/serve.md "Known limitations").
    ap.add_argument("--slow-reader", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-lifecycle-")
    big = os.path.join(work, "mlartifacts", "big.bin")
    os.makedirs(os.path.dirname(big))
    payload = os.urandom(1 << 20) * 64  # 64 MiB
    with open(big, "wb") as f:
        f.write(payload)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([args.mltui, "serve", "--backend-store-uri", args.store, "--port", str(port)], work,
                   dict(os.environ), os.path.join(work, "mltui.log"))
    failures = []
    try:
        wait_healthy(base, server)
        exps = call(base, "POST", "/api/2.0/mlflow/experiments/search", body={"max_results": 1000, "view_type": "ALL"}).json()
        ids = [e["experiment_id"] for e in exps.get("experiments", [])]
        first = call(base, "POST", "/api/2.0/mlflow/runs/search", body={"experiment_ids": ids, "run_view_type": "ALL"})

        def one(_):
            a = call(base, "POST", "/api/2.0/mlflow/runs/search", body={"experiment_ids": ids, "run_view_type": "ALL"})
            return a.status, a.body

        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
            answers = list(pool.map(one, range(512)))
        bad = [s for s, b in answers if s != 200 or b != first.body]
        print(f"{len(answers)} requests from 64 concurrent clients: {len(answers) - len(bad)} identical 200 answers")
        if bad:
            failures.append(f"{len(bad)} concurrent answers differed")

        # A slow download in flight when SIGTERM arrives must still complete.
        response = urllib.request.urlopen(base + "/api/2.0/mlflow-artifacts/artifacts/big.bin", timeout=60)
        digest = hashlib.sha256()
        chunk = response.read(1 << 20)
        digest.update(chunk)
        received = len(chunk)
        os.killpg(server.pid, signal.SIGTERM)
        time.sleep(0.5)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            refused = False
        except OSError:
            refused = True
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            digest.update(chunk)
            received += len(chunk)
            if args.slow_reader:
                time.sleep(0.005)
        complete = received == len(payload) and digest.hexdigest() == hashlib.sha256(payload).hexdigest()
        print(f"download in flight at SIGTERM: {received} of {len(payload)} bytes, intact={complete}")
        print(f"new connection after SIGTERM refused: {refused}")
        if not complete:
            failures.append("in-flight download was cut")
        if not refused:
            failures.append("server still accepted connections after SIGTERM")
        code = server.wait(timeout=30)
        print(f"exit code after SIGTERM: {code}")
        if code != 0:
            failures.append(f"exit code {code}")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
    with open(os.path.join(work, "mltui.log")) as f:
        lines = f.read().splitlines()
    print("log:", lines[0])
    print("    ", lines[-1])
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
