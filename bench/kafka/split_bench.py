#!/usr/bin/env python3
"""Completed orders per second in split mode against the monolith, in the same run.

    bench/kafka/split_bench.py BUILD_DIR [--duration 30] [--connections 64] [--json-out FILE]
                               [--split-arg=FLAG ...] [--split-only]

--split-arg adds a flag to the split processes' command lines (experiments, e.g.
--split-arg=--kafka-property=linger.ms=20); --split-only skips the monolith (no ratio).

For each deployment: a fresh data directory, bench/orders/setup.py (20 products with plenty of
stock, 64 logged-in customers, one probe order), then wrk -t2 -cN -dDs with
bench/orders/place_order.lua (every request places an order), then the backlog is drained.
"Completed" = an order whose order-confirmed notification is written (notifications.db); the
figure is completions within the load window divided by its length.

  monolith  one mart hosting all six modules, Kafka off.
  split     mart-kafka-mock (8 partitions per topic) and three mart processes, each with its own
            data directory: users+products, orders+payments, inventory+notifications, meeting
            through Kafka; plus a gateway (--modules none) used for the set-up. wrk sends to the
            orders+payments process directly, so the figure is the flow's, not the gateway's.

Every process listens on 127.0.0.1 only and is stopped by its pid at the end.
"""

import argparse
import json
import os
import pathlib
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
ADMIN = {"MART_ADMIN_EMAIL": "bench-admin@example.com", "MART_ADMIN_PASSWORD": "bench-admin-password"}
SECRET = "bench-split-secret-0123456789abcdef0123"
CONFIRMED = "orders.order_confirmed.v1"


def registration_throttle_lifted(build):
    """The set-up registers every customer from one address: lift the per-client registration
    throttle (a binary from before the throttle does not know the setting)."""
    help_text = subprocess.run([str(build / "app/mart"), "--help"], capture_output=True,
                               text=True).stdout
    if "MART_GATEWAY_REGISTRATIONS_PER_CLIENT" not in help_text:
        return {}
    return {"MART_GATEWAY_REGISTRATIONS_PER_CLIENT": "1000000"}


LIFT_THROTTLE = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(text):
    print(f"[split-bench] {text}", file=sys.stderr, flush=True)


class Processes:
    def __init__(self, work):
        self.work = work
        self.children = []

    def start(self, name, argv, env=None):
        out = open(self.work / f"{name}.log", "w")
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **LIFT_THROTTLE}
        full_env.update(env or {})
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=full_env)
        self.children.append(child)
        return child

    def stop_all(self):
        for child in reversed(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children = []


def wait_ready(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"127.0.0.1:{port} did not become ready")


def start_mart(procs, build, name, data, modules, extra=(), env=None):
    port = free_port()
    argv = [str(build / "app/mart"), "--port", str(port), "--data-dir", str(data), "--modules",
            modules, "--log-level", "warn", "--io-threads", "2", *extra]
    procs.start(name, argv, env)
    wait_ready(port)
    return port


def setup(port, work, status_ports=()):
    extra = [word for p in status_ports for word in ("--status-port", str(p))]
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench/orders/setup.py"), "--port", str(port), "--products",
         "20", "--customers", "64", "--ids-out", str(work / "ids.txt"), "--tokens-out",
         str(work / "tokens.txt"), "--admin-token-out", str(work / "admin.txt"), *extra],
        env={**os.environ, **ADMIN}, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError("set-up failed: " + result.stdout[-500:] + result.stderr[-500:])


def confirmed_notifications(db_path):
    if not db_path.exists():
        return []
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        return [row[0] for row in db.execute(
            "SELECT created_at FROM notifications WHERE event_type = ?", (CONFIRMED,))]


def to_ms(text):
    import datetime
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)


def load(port, work, duration, connections):
    env = {**os.environ, "ORDERS_TOKENS_FILE": str(work / "tokens.txt"),
           "ORDERS_IDS_FILE": str(work / "ids.txt"), "ORDERS_WRK_THREADS": "2"}
    start_ms = int(time.time() * 1000)
    out = subprocess.run(
        ["timeout", "--kill-after=5", str(duration + 30), "wrk", "-t2", f"-c{connections}",
         f"-d{duration}s", "--timeout", "5s", "--latency", "-s",
         str(ROOT / "bench/orders/place_order.lua"), f"http://127.0.0.1:{port}/"],
        env=env, capture_output=True, text=True)
    end_ms = int(time.time() * 1000)
    summary = next((line[len("BENCH_JSON "):] for line in out.stdout.splitlines()
                    if line.startswith("BENCH_JSON ")), None)
    if summary is None:
        raise RuntimeError("wrk printed no summary: " + out.stdout[-500:] + out.stderr[-500:])
    return start_ms, end_ms, json.loads(summary)


def drain(notifications_db, quiet_seconds=3.0, limit=180):
    """Until the count of confirmed notifications stops moving."""
    last, since = -1, time.time()
    deadline = time.time() + limit
    while time.time() < deadline:
        count = len(confirmed_notifications(notifications_db))
        if count != last:
            last, since = count, time.time()
        elif time.time() - since >= quiet_seconds:
            return count
        time.sleep(0.5)
    return last


def measure(name, port, work, notifications_db, duration, connections):
    before = len(confirmed_notifications(notifications_db))
    log(f"{name}: {duration} s of POST /api/v1/orders, {connections} connections")
    start_ms, end_ms, wrk = load(port, work, duration, connections)
    drain(notifications_db)
    times = sorted(to_ms(t) for t in confirmed_notifications(notifications_db))
    in_window = sum(1 for t in times if start_ms <= t <= end_ms)
    completed = len(times) - before
    result = {
        "placed_per_s": round(wrk.get("created", 0) / ((end_ms - start_ms) / 1000.0), 1),
        "post_p50_ms": round(wrk["p50_us"] / 1000.0, 2),
        "post_p99_ms": round(wrk["p99_us"] / 1000.0, 2),
        "completed_in_window": in_window,
        "completed_per_s": round(in_window / ((end_ms - start_ms) / 1000.0), 1),
        "completed_total": completed,
        "drained_after_s": round(((times[-1] if times else end_ms) - end_ms) / 1000.0, 1),
    }
    log(f"{name}: {result}")
    return result


def run_monolith(build, work, duration, connections):
    procs = Processes(work)
    try:
        data = work / "monolith"
        port = start_mart(procs, build, "monolith", data, "all", env=ADMIN)
        setup(port, work)
        return measure("monolith", port, work, data / "notifications.db", duration, connections)
    finally:
        procs.stop_all()


def kafka_counts(ports):
    """Messages produced and consumed (handled and skipped) so far, over the processes' /metrics."""
    counts = {"produced": 0, "consumed": 0}
    for port in ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            for line in r.read().decode().splitlines():
                name, _, value = line.partition(" ")
                if name == "mart_kafka_produced_total":
                    counts["produced"] += int(float(value))
                elif name in ("mart_kafka_consumed_total", "mart_kafka_skipped_total"):
                    counts["consumed"] += int(float(value))
    return counts


def run_split(build, work, duration, connections, split_args=()):
    procs = Processes(work)
    try:
        bootstrap_file = work / "bootstrap"
        procs.start("broker", [str(build / "tools/mart-kafka-mock"), "--partitions", "8",
                               "--bootstrap-file", str(bootstrap_file)])
        deadline = time.time() + 10
        while not (bootstrap_file.exists() and bootstrap_file.read_text().strip()):
            if time.time() > deadline:
                raise RuntimeError("the mock broker did not start")
            time.sleep(0.05)
        bootstrap = bootstrap_file.read_text().strip().removeprefix("bootstrap=")
        kafka = ["--kafka-enabled", "true", "--kafka-brokers", bootstrap, *split_args]
        env = {"MART_JWT_SECRET": SECRET}
        ports = {}
        for name, modules in (("users-products", "users,products"),
                              ("orders-payments", "orders,payments"),
                              ("inventory-notifications", "inventory,notifications")):
            extra_env = {**env, **(ADMIN if "users" in modules else {})}
            ports[name] = start_mart(procs, build, name, work / name, modules, kafka, extra_env)
        upstreams = []
        for module, name in (("users", "users-products"), ("products", "users-products"),
                             ("orders", "orders-payments"), ("payments", "orders-payments"),
                             ("inventory", "inventory-notifications"),
                             ("notifications", "inventory-notifications")):
            upstreams += ["--upstream", f"{module}=http://127.0.0.1:{ports[name]}"]
        gateway = start_mart(procs, build, "gateway", work / "gateway", "none", upstreams, env)
        setup(gateway, work, ports.values())
        before = kafka_counts(ports.values())
        result = measure("split", ports["orders-payments"], work,
                         work / "inventory-notifications" / "notifications.db", duration,
                         connections)
        after = kafka_counts(ports.values())
        # Per completed order: every message the three processes produced and consumed meanwhile.
        for what in ("produced", "consumed"):
            result[f"kafka_{what}_per_order"] = round(
                (after[what] - before[what]) / max(result["completed_total"], 1), 2)
        log(f"split: Kafka messages per order: {result['kafka_produced_per_order']} produced, "
            f"{result['kafka_consumed_per_order']} consumed")
        return result
    finally:
        procs.stop_all()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json-out")
    parser.add_argument("--split-arg", action="append", default=[])
    parser.add_argument("--split-only", action="store_true")
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    LIFT_THROTTLE.update(registration_throttle_lifted(build))
    with tempfile.TemporaryDirectory(prefix="mart-split-bench-") as tmp:
        work = pathlib.Path(tmp)
        (work / "m").mkdir()
        (work / "s").mkdir()
        monolith = (None if args.split_only else
                    run_monolith(build, work / "m", args.duration, args.connections))
        split = run_split(build, work / "s", args.duration, args.connections, args.split_arg)
    result = {"monolith": monolith, "split": split, "split_args": args.split_arg}
    if monolith:
        result["ratio"] = round(split["completed_per_s"] / max(monolith["completed_per_s"], 0.1), 3)
    print(json.dumps(result))
    if args.json_out:
        pathlib.Path(args.json_out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
