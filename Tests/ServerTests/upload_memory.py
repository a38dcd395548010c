#!/usr/bin/env python3
"""Measures `mltui serve`'s memory across one large artifact upload through the
`mlflow-artifacts` proxy: the body is sent in 1 MiB pieces, never whole, and the server's peak
resident memory (VmHWM) before and after is read from /proc. The upload must land whole
(sha256) and the peak must grow by less than --max-growth-mb.

    python upload_memory.py --mltui .build/release/mltui --mb 100
"""

import argparse
import hashlib
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} for {pid}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mltui", required=True)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--max-growth-mb", type=int, default=32)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-upload-memory-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([os.path.abspath(args.mltui), "serve", "--backend-store-uri", os.path.join(work, "mlruns"),
                             "--port", str(port), "--quiet"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    text = proc.stderr.read().decode() if proc.poll() is not None else ""
                    if "is not supported yet" in text:
                        print(f"SKIP: {text.strip()[-300:]}")  # this build cannot write the store yet
                        sys.exit(77)
                    raise SystemExit(f"mltui serve did not start: {text[-2000:]}")
                time.sleep(0.1)
        before = status_kb(proc.pid, "VmHWM")
        rng = random.Random(11)
        digest = hashlib.sha256()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        path = "/api/2.0/mlflow-artifacts/artifacts/0/run/artifacts/big.bin"
        conn.putrequest("PUT", path)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(args.mb << 20))
        conn.endheaders()
        for _ in range(args.mb):
            piece = rng.randbytes(1 << 20)
            digest.update(piece)
            conn.send(piece)
        answer = conn.getresponse()
        answer.read()
        after = status_kb(proc.pid, "VmHWM")
        stored = os.path.join(work, "mlartifacts", "0", "run", "artifacts", "big.bin")
        with open(stored, "rb") as f:
            landed = hashlib.sha256(f.read()).hexdigest() == digest.hexdigest()
        growth = (after - before) / 1024
        print(f"upload of {args.mb} MiB: status {answer.status}, landed whole: {landed}, "
              f"server peak RSS {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after (+{growth:.1f} MiB)")
        ok = answer.status == 200 and landed and growth < args.max_growth_mb
        sys.exit(0 if ok else 1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
