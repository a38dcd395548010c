#!/usr/bin/env python3
"""What a hostile or careless client can do to `mltui serve`, one check per subcommand; each
starts its own server over a small store, stops it by PID and exits 1 on the defect it names.

    hardening.py --mltui PATH/TO/mltui CHECK

Checks: idle-connections, half-sent, host, http10, sigterm-stalled, ports, auth.
Raw sockets and http.client only (the standard library), on 127.0.0.0/8; every loop is bounded.
"""

import argparse
import base64
import hashlib
import http.client
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conformance import free_port, stop, wait_healthy  # noqa: E402

FAILURES = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def make_store(work):
    """A SQLite store with one experiment and run, written by the real MLflow client."""
    import mlflow
    from mlflow.tracking import MlflowClient
    uri = "sqlite:///" + os.path.join(work, "mlflow.db")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("hardening", artifact_location=os.path.join(work, "artifacts"))
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "loss", 0.5)
    client.set_terminated(run.info.run_id)
    return uri, experiment


class Server:
    def __init__(self, mltui, uri, work, extra=(), ulimit=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(work, f"serve-{self.port}.log")
        cmd = [mltui, "serve", "--backend-store-uri", uri, "--port", str(self.port), *extra]
        if ulimit:
            # `ulimit -n N` sets the soft and the hard limit: the server cannot raise it.
            cmd = ["bash", "-c", f"ulimit -n {ulimit} && exec \"$@\"", "serve", *cmd]
        self.proc = subprocess.Popen(cmd, cwd=work, stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_healthy(self.base, self.proc)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        stop(self.proc)


def request(port, method, path, headers=None, body=None, timeout=10, source="127.0.0.1"):
    """(status, headers, body, seconds) over a fresh connection from `source`."""
    start = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data, time.time() - start
    finally:
        conn.close()


def raw(port, data, wait=5.0):
    """Sends bytes, reads until EOF or `wait` seconds: (reply, closed by server, seconds)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    start = time.time()
    s.sendall(data)
    reply = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return reply, True, time.time() - start
            reply += chunk
    except socket.timeout:
        return reply, False, time.time() - start
    finally:
        s.close()


def closed_by_peer(sock):
    try:
        sock.setblocking(False)
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def closed_by_server(server_port, sock):
    """Whether the server closed its end of a connection whose answer it was still sending. Asked
    of the kernel (/proc/net/tcp) rather than by draining: the small receive buffer that stalled
    the download would drain the server's send queue a few KB per TCP persist timer, for minutes."""
    client_port = sock.getsockname()[1]
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            rows += [line.split()[1:4] for line in f.readlines()[1:]]
    port = lambda address: int(address.rsplit(":", 1)[1], 16)
    # The client's own end must be there (the check would otherwise pass on a misread table).
    assert any(port(local) == client_port and port(remote) == server_port for local, remote, _ in rows), "client socket not found"
    for local, remote, state in rows:
        if port(local) == server_port and port(remote) == client_port:
            return state != "01"  # 01: ESTABLISHED; after close(): FIN_WAIT1 with the unsent rest
    return True  # reset, or closed and gone


# --- checks -------------------------------------------------------------------------------------

def idle_connections(args, work, uri):
    """1,100 idle or half-sent sockets against a server whose open-file limit is 1,024: /health
    and real requests still answered, the server not spinning, the idle sockets closed to make room."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    server = Server(args.mltui, uri, work, ["--quiet"], ulimit=1024)
    sockets = []
    try:
        for i in range(1100):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            if i % 3 == 0:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: localh")  # a head that never ends
            sockets.append(s)
        time.sleep(1.0)
        status, _, body, seconds = request(server.port, "GET", "/health", timeout=10)
        check(status == 200 and body == b"OK", f"/health with 1,100 idle sockets held: {status} in {seconds:.2f} s")
        status, _, _, seconds = request(server.port, "GET", "/api/2.0/mlflow/experiments/search?max_results=10", timeout=10)
        check(status == 200, f"experiments/search with 1,100 idle sockets held: {status} in {seconds:.2f} s")
        before = server.cpu_seconds()
        time.sleep(3)
        busy = server.cpu_seconds() - before
        check(busy < 0.5, f"server CPU while holding them: {busy:.2f} s in 3 s")
        closed = sum(closed_by_peer(s) for s in sockets)
        check(closed >= 1100 - 1024, f"idle sockets closed to make room: {closed}")
        check(server.proc.poll() is None, "server alive")
    finally:
        for s in sockets:
            s.close()
        server.stop()


def half_sent(args, work, uri):
    """Connections that stop in the middle of a head or a body, or send nothing, are closed after
    the idle timeout; an answered keep-alive connection too; a client that stops reading a
    download after twice that."""
    destination = os.path.join(work, "mlartifacts")
    os.makedirs(destination, exist_ok=True)
    with open(os.path.join(destination, "big.bin"), "wb") as f:
        f.write(os.urandom(1 << 20) * 64)
    server = Server(args.mltui, uri, work, ["--quiet", "--idle-timeout", "2", "--artifacts-destination", destination])
    try:
        reader = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.sendall(b"GET /api/2.0/mlflow-artifacts/artifacts/big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reader.recv(1 << 16)  # the download has begun; this client reads no more
        heads = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(200)]
        for s in heads:
            s.sendall(b"POST /api/2.0/mlflow/runs/search HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
        bodies = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
        for s in bodies:
            s.sendall(b"POST /api/2.0/mlflow/runs/search HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{\"experiment_ids\"")
        silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
        time.sleep(4.5)
        time.sleep(1.0)
        check(closed_by_server(server.port, reader), "a download nobody reads closed after twice the idle timeout")
        for name, group in [("half-sent heads", heads), ("half-sent bodies", bodies), ("silent connections", silent)]:
            closed = sum(closed_by_peer(s) for s in group)
            check(closed == len(group), f"{name} closed after the 2 s idle timeout: {closed} of {len(group)}")
            for s in group:
                s.close()
        reply, closed, seconds = raw(server.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n", wait=8)
        check(reply.startswith(b"HTTP/1.1 200") and closed and 1.5 < seconds < 6,
              f"an answered keep-alive connection closed when idle: closed={closed} after {seconds:.1f} s")
    finally:
        server.stop()


def host(args, work, uri):
    """Host headers: names that begin like private addresses, duplicates and malformed values are
    refused; loopback names and addresses with ports are answered."""
    server = Server(args.mltui, uri, work, ["--quiet"])
    port = server.port
    path = "/api/2.0/mlflow/experiments/get?experiment_id=0"
    try:
        for value, want in [("localhost", 200), (f"localhost:{port}", 200), (f"127.0.0.1:{port}", 200), ("[::1]", 200),
                            (f"[::1]:{port}", 200), ("10.1.2.3:5000", 200), ("192.168.0.7", 200),
                            ("10.evil.com", 403), ("10.evil.com:5000", 403), ("192.168.evil.com", 403),
                            ("172.16.attacker.example", 403), ("10.0.0.1.nip.io", 403), ("evil.com", 403),
                            ("localhost:evil", 403), ("localhost.evil.com", 403), ("10.0.0.999", 403)]:
            reply, _, _ = raw(port, f"GET {path} HTTP/1.1\r\nHost: {value}\r\nConnection: close\r\n\r\n".encode())
            status = int(reply.split(b" ")[1]) if reply else 0
            check(status == want, f"Host: {value} -> {status} (want {want})")
        for first, second in [("localhost", "evil.com"), ("evil.com", "localhost"), ("localhost", "localhost")]:
            reply, _, _ = raw(port, f"GET {path} HTTP/1.1\r\nHost: {first}\r\nHost: {second}\r\nConnection: close\r\n\r\n".encode())
            check(reply.startswith(b"HTTP/1.1 403"), f"two Host headers ({first}, {second}) refused: {reply[:20]!r}")
    finally:
        server.stop()


def http10(args, work, uri):
    """HTTP/1.0 without keep-alive gets its answer, then EOF; HTTP/1.1 keeps the connection for a
    second request."""
    server = Server(args.mltui, uri, work, ["--quiet"])
    try:
        reply, closed, seconds = raw(server.port, b"GET /health HTTP/1.0\r\n\r\n", wait=5)
        check(reply.endswith(b"\r\n\r\nOK") and closed and seconds < 2,
              f"HTTP/1.0: answer then EOF (closed={closed} after {seconds:.2f} s)")
        reply, closed, _ = raw(server.port, b"GET /api/2.0/mlflow/experiments/get?experiment_id=0 HTTP/1.0\r\nHost: localhost\r\n\r\n", wait=5)
        check(b"\r\nConnection: close\r\n" in reply and reply.rstrip().endswith(b"}") and closed,
              "HTTP/1.0 JSON answer says Connection: close and ends with EOF")
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\nGET /version HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reply = b""
        deadline = time.time() + 5
        while reply.count(b"HTTP/1.1 200") < 2 and time.time() < deadline:
            reply += s.recv(65536)
        s.close()
        check(reply.count(b"HTTP/1.1 200") == 2, "HTTP/1.1: two requests on one connection")
    finally:
        server.stop()


def sigterm_stalled(args, work, uri):
    """SIGTERM while a client has stopped reading a download: the server says what it waits for,
    closes that connection after --shutdown-timeout and exits 0, in bounded time."""
    destination = os.path.join(work, "mlartifacts")
    os.makedirs(destination, exist_ok=True)
    with open(os.path.join(destination, "big.bin"), "wb") as f:
        f.write(os.urandom(1 << 20) * 64)
    server = Server(args.mltui, uri, work, ["--shutdown-timeout", "3", "--artifacts-destination", destination])
    try:
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(b"GET /api/2.0/mlflow-artifacts/artifacts/big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        stalled.recv(1 << 16)  # the download has begun; this client reads no more
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        time.sleep(1)
        start = time.time()
        os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            code = server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            code = None
        seconds = time.time() - start
        log = server.log()
        check(code == 0, f"exit status after SIGTERM with a stalled reader: {code} after {seconds:.1f} s")
        check(code is not None and 2.5 < seconds < 12, f"the stop took the shutdown timeout, not forever: {seconds:.1f} s")
        check("SIGTERM" in log and "closed 1 connection" in log and "stopped" in log,
              "the log says SIGTERM, the connection closed and the stop: "
              + " | ".join(l for l in log.splitlines() if l.startswith("mltui serve:"))[-400:])
        stalled.close()
        idle.close()
    finally:
        server.stop()


def ports(args, work, uri):
    """Ports outside 0–65535 are refused with a message naming --port; 0 binds a free port."""
    for port in ["99999", "65537", "-1"]:
        result = subprocess.run([args.mltui, "serve", "--backend-store-uri", uri, "--port", port],
                                capture_output=True, text=True, timeout=30)
        check(result.returncode != 0 and "--port" in result.stderr,
              f"--port {port}: exit {result.returncode}, {result.stderr.strip().splitlines()[0] if result.stderr else ''}")
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    taken = blocker.getsockname()[1]
    result = subprocess.run([args.mltui, "serve", "--backend-store-uri", uri, "--port", str(taken)],
                            capture_output=True, text=True, timeout=30)
    blocker.close()
    lines = result.stderr.strip().splitlines()
    check(result.returncode == 1 and len(lines) == 1 and lines[0].startswith("mltui: ") and f":{taken}:" in lines[0]
          and "in use" in lines[0], f"a port in use: one line, exit {result.returncode}: {lines}")
    proc = subprocess.Popen([args.mltui, "serve", "--backend-store-uri", uri, "--port", "0", "--host", "::1"],
                            cwd=work, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = proc.stderr.readline()
        check("http://[::1]:" in line and ":0;" not in line, f"--host ::1 --port 0: {line.strip()[:120]}")
    finally:
        stop(proc)


def auth(args, work, uri):
    """Unknown users cost what wrong passwords cost; a flood of bad logins leaves /health and
    logged-in clients answered; one client's repeated failures are held back."""
    iterations = 60_000
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", b"right", salt, iterations)
    users = os.path.join(work, "users.txt")
    with open(users, "w") as f:
        f.write(f"ann:pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}\n")
    server = Server(args.mltui, uri, work, ["--quiet", "--auth-file", users])
    port = server.port
    path = "/api/2.0/mlflow/experiments/get?experiment_id=0"

    def basic(user, password):
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    addresses = iter(f"127.0.{i // 250 + 1}.{i % 250 + 1}" for i in range(20_000))
    try:
        # Timing: each attempt from its own address, so no back-off interferes.
        timings = {"unknown user": [], "wrong password": []}
        for _ in range(9):
            for label, user in [("unknown user", "nobody"), ("wrong password", "ann")]:
                status, _, _, seconds = request(port, "GET", path, basic(user, "wrong"), source=next(addresses))
                if status != 401:
                    check(False, f"{label}: status {status}")
                timings[label].append(seconds)
        unknown, wrong = statistics.median(timings["unknown user"]), statistics.median(timings["wrong password"])
        ratio = unknown / wrong
        check(0.8 <= ratio <= 1.25, f"unknown user {unknown * 1000:.0f} ms vs wrong password {wrong * 1000:.0f} ms (ratio {ratio:.2f})")

        status, _, _, _ = request(port, "GET", path, basic("ann", "right"))
        check(status == 200, f"the right password: {status}")

        # A flood of bad logins from many addresses, 8 at a time, for 8 s.
        stop_at = time.time() + 8
        flood = {"401": 0, "503": 0, "429": 0, "other": 0}
        lock = threading.Lock()

        def flooder():
            while time.time() < stop_at:
                with lock:
                    source = next(addresses)
                try:
                    status, _, _, _ = request(port, "GET", path, basic("ann", "guess"), source=source, timeout=30)
                except OSError:
                    status = 0
                with lock:
                    flood[str(status) if str(status) in flood else "other"] += 1

        threads = [threading.Thread(target=flooder) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(1)
        health, logged_in = [], []
        while time.time() < stop_at - 0.5:
            health.append(request(port, "GET", "/health")[3])
            status, _, _, seconds = request(port, "GET", path, basic("ann", "right"))
            if status != 200:
                check(False, f"a logged-in request during the flood: {status}")
            logged_in.append(seconds)
        for t in threads:
            t.join(timeout=60)
        print(f"flood answers: {flood}")
        check(max(health) < 1.0, f"/health during the flood: worst {max(health) * 1000:.0f} ms over {len(health)}")
        check(max(logged_in) < 1.5, f"logged-in requests during the flood: worst {max(logged_in) * 1000:.0f} ms over {len(logged_in)}")

        # One address that keeps failing is held back with 429 and Retry-After.
        statuses = []
        for _ in range(9):
            status, headers, _, _ = request(port, "GET", path, basic("ann", "guess"), source="127.0.200.1")
            statuses.append(status)
        check(429 in statuses and statuses[:5] == [401] * 5, f"one address failing again and again: {statuses}")
        status, headers, _, _ = request(port, "GET", path, basic("ann", "guess"), source="127.0.200.1")
        check(status == 429 and headers.get("Retry-After", "").isdigit(), f"held back with Retry-After: {status} {headers.get('Retry-After')}")
        status, _, _, _ = request(port, "GET", path, basic("ann", "right"), source="127.0.200.1")
        check(status == 200, f"a verified credential from that address still passes: {status}")
    finally:
        server.stop()


CHECKS = {"idle-connections": idle_connections, "half-sent": half_sent, "host": host, "http10": http10,
          "sigterm-stalled": sigterm_stalled, "ports": ports, "auth": auth}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mltui", required=True)
    ap.add_argument("check", choices=sorted(CHECKS))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mltui-hardening-")
    try:
        uri, _ = make_store(work)
        CHECKS[args.check](args, work, uri)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.check}: {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
