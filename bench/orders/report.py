#!/usr/bin/env python3
"""The order-flow benchmark's helper: reads mart's databases and its own raw files, writes the report.

  report.py counts DATA_DIR                 JSON of the flow's totals (read-only; run when quiet)
  report.py commits FILE                    the commit counters of commit_counter.so, one line
                                            each: tid database begins commits rollbacks
  report.py collect RESULTS DATA_DIR        after the flow drained: everything the report needs
                                            from the databases, into RESULTS/db.json
  report.py render RESULTS [--doc DOC]      prints the section and replaces it in DOC between
                                            <!-- bench:orders:begin --> and <!-- bench:orders:end -->

Databases are opened read-only (mode=ro) while mart runs; they are only read once the flow is
quiet (GET /api/v1/admin/events/status says nothing waits anywhere).
Exit status of render: 0 every target passed, 3 a target failed.
"""

import datetime
import json
import pathlib
import re
import sqlite3
import statistics
import struct
import sys

BEGIN = "<!-- bench:orders:begin -->"
END = "<!-- bench:orders:end -->"
MODULES = ["products", "orders", "payments", "inventory", "notifications", "users"]
TARGET_COMPLETED_PER_S = 5000.0
TARGET_P99_MS = 10.0
# commit_counter.c's slot: tid, begins, commits, rollbacks (int64) and a 96-byte file name.
SLOT = struct.Struct("<qqqq96s")


def connect(data_dir, module):
    path = pathlib.Path(data_dir) / f"{module}.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def scalar(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


def rfc3339_ms(text):
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)


def counts(data_dir):
    with connect(data_dir, "orders") as orders, connect(data_dir, "notifications") as notes:
        return {
            "orders_max_id": scalar(orders, "SELECT COALESCE(MAX(id), 0) FROM orders"),
            "confirmed": scalar(orders, "SELECT COUNT(*) FROM orders WHERE status = 'confirmed'"),
            "notifications_max_id": scalar(notes,
                                           "SELECT COALESCE(MAX(id), 0) FROM notifications"),
            "notifications": scalar(notes, "SELECT COUNT(*) FROM notifications"),
        }


def commits(path):
    data = pathlib.Path(path).read_bytes()
    for offset in range(0, len(data) - SLOT.size + 1, SLOT.size):
        tid, begins, done, rollbacks, name = SLOT.unpack_from(data, offset)
        if tid > 0:
            print(tid, name.split(b"\0", 1)[0].decode() or "?", begins, done, rollbacks)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100.0 * len(ordered)))]


def collect(results, data_dir):
    results = pathlib.Path(results)
    meta = json.loads((results / "meta.json").read_text())
    before = meta["before"]
    start, end = meta["wrk_start_ms"], meta["wrk_end_ms"]
    out = {}
    with connect(data_dir, "orders") as db:
        base = before["orders_max_id"]
        out["orders_by_status"] = dict(db.execute(
            "SELECT status, COUNT(*) FROM orders WHERE id > ? GROUP BY status", (base,)))
        rows = db.execute(
            "SELECT created_at, updated_ms FROM orders WHERE id > ? AND status = 'confirmed'",
            (base,)).fetchall()
        flow_ms = [updated - rfc3339_ms(created) for created, updated in rows]
        updated = [u for _, u in rows]
        out["confirmed"] = len(rows)
        out["confirmed_first_ms"] = min(updated) if updated else None
        out["confirmed_last_ms"] = max(updated) if updated else None
        out["confirmed_in_window"] = sum(1 for u in updated if u <= end)
        out["flow_ms_p50"] = percentile(flow_ms, 50)
        out["flow_ms_p99"] = percentile(flow_ms, 99)
        out["flow_ms_max"] = max(flow_ms) if flow_ms else None
        per_second = {}
        for u in updated:
            second = (u - start) // 1000
            per_second[second] = per_second.get(second, 0) + 1
        out["confirmed_per_second"] = [per_second.get(s, 0)
                                       for s in range(0, max(per_second, default=-1) + 1)]
        placed = {}
        for (ms,) in db.execute(
                "SELECT occurred_ms FROM bus_outbox WHERE type LIKE 'orders.order_placed.v%' "
                "AND occurred_ms >= ?", (start,)):
            second = (ms - start) // 1000
            placed[second] = placed.get(second, 0) + 1
        out["placed_per_second"] = [placed.get(s, 0) for s in range(0, max(placed, default=-1) + 1)]
    with connect(data_dir, "notifications") as db:
        base = before["notifications_max_id"]
        out["notifications_by_type"] = dict(db.execute(
            "SELECT event_type, COUNT(*) FROM notifications WHERE id > ? GROUP BY event_type",
            (base,)))
        out["notifications"] = sum(out["notifications_by_type"].values())
        out["notifications_delivered"] = scalar(
            db, "SELECT COUNT(*) FROM notifications WHERE id > ? AND status = 'delivered'", base)
        last = scalar(db, "SELECT MAX(created_at) FROM notifications WHERE id > ? "
                          "AND event_type = 'orders.order_confirmed.v1'", base)
        out["confirmed_notification_last_ms"] = rfc3339_ms(last) if last else None
    with connect(data_dir, "payments") as db:
        out["payments_by_status"] = dict(db.execute(
            "SELECT status, COUNT(*) FROM payments GROUP BY status"))
    out["outbox"] = {}
    out["inbox"] = {}
    out["parked"] = {}
    for module in MODULES:
        with connect(data_dir, module) as db:
            out["outbox"][module] = dict(db.execute(
                "SELECT type, COUNT(*) FROM bus_outbox WHERE occurred_ms >= ? GROUP BY type",
                (start,)))
            out["inbox"][module] = dict(db.execute(
                "SELECT subscriber, COUNT(*) FROM bus_inbox WHERE handled_ms >= ? "
                "GROUP BY subscriber", (start,)))
            out["parked"][module] = dict(db.execute(
                "SELECT status, COUNT(*) FROM bus_parked GROUP BY status"))
    (results / "db.json").write_text(json.dumps(out, indent=1))
    print(f"confirmed {out['confirmed']} new orders ({out['confirmed_in_window']} during the load), "
          f"{out['notifications']} notifications")


# ----------------------------------------------------------------------------- render


def wrk_summary(path):
    try:
        match = re.search(r"^BENCH_JSON (\{.*\})$", path.read_text(), re.MULTILINE)
    except OSError:
        return None
    return json.loads(match.group(1)) if match else None


def read_table(path):
    """Lines of whitespace-separated fields."""
    try:
        return [line.split() for line in path.read_text().splitlines() if line.strip()]
    except OSError:
        return []


def ms(us):
    return f"{us / 1000:.2f} ms" if us < 10_000 else f"{us / 1000:.1f} ms"


def num(x):
    return f"{x:,.0f}"


def verdict(ok):
    return "PASS" if ok else "FAIL"


def thread_names(results):
    """{tid: name} from threads-names.txt (mart names its threads: bus-orders, http-io-1, ...)."""
    names = {}
    for row in read_table(results / "threads-names.txt"):
        if len(row) == 2:
            names[int(row[0])] = row[1]
    return names


def label_of_name(name):
    for prefix, label in (("bus-", "delivery: "), ("write-", "request writer: "),
                          ("http-io-", "HTTP I/O ")):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            # Linux keeps 15 characters of a name: bus-notificatio is notifications'.
            module = next((m for m in sorted(MODULES) if m.startswith(rest)), rest)
            return label + (module if prefix != "http-io-" else rest)
    return name


def thread_labels(tasks, results=None):
    """Names for mart's threads: their own names when the run recorded them (threads-names.txt);
    otherwise, for runs of builds from before the threads were named, by creation order, which
    tids follow: the main thread, then Bus::start() starts one delivery thread per hosted module
    in the order of its std::map (alphabetical), then the HTTP server its I/O threads."""
    names = thread_names(results) if results is not None else {}
    tids = sorted(int(t) for t in tasks)
    if names:
        return {tid: label_of_name(names[tid]) if tid in names else str(tid) for tid in tids}
    labels = {}
    delivery = sorted(MODULES)
    for i, tid in enumerate(tids):
        if i == 0:
            labels[tid] = "main"
        elif i <= len(delivery):
            labels[tid] = f"delivery: {delivery[i - 1]}"
        else:
            labels[tid] = f"HTTP I/O {i - len(delivery)}"
    return labels


def thread_cpu(results, seconds, hz):
    start = {int(r[0]): int(r[1]) + int(r[2]) for r in read_table(results / "threads-start.txt")}
    end = {int(r[0]): int(r[1]) + int(r[2]) for r in read_table(results / "threads-end.txt")}
    labels = thread_labels(start.keys() | end.keys(), results)
    rows = []
    for tid in sorted(end):
        used = (end[tid] - start.get(tid, 0)) / hz
        rows.append((labels.get(tid, str(tid)), tid, 100.0 * used / seconds))
    return rows


def commit_rates(results, seconds, labels):
    start = {(r[0], r[1]): int(r[3]) for r in read_table(results / "commits-start.txt")}
    end = {(r[0], r[1]): int(r[3]) for r in read_table(results / "commits-end.txt")}
    per = {}
    for key, value in end.items():
        delta = value - start.get(key, 0)
        if delta > 0:
            tid, db = key
            per[(labels.get(int(tid), tid), db)] = delta / seconds
    return per


def sparkline(values):
    return ", ".join(num(v) for v in values)


def build_section(results):
    meta = json.loads((results / "meta.json").read_text())
    db = json.loads((results / "db.json").read_text())
    wrk = wrk_summary(results / "wrk-orders.txt")
    ceiling = wrk_summary(results / "wrk-ceiling.txt")
    start, end = meta["wrk_start_ms"], meta["wrk_end_ms"]
    window_s = (end - start) / 1000.0
    confirmed = db["confirmed"]
    last_done = max(x for x in [db["confirmed_last_ms"], db["confirmed_notification_last_ms"]]
                    if x is not None) if confirmed else None
    completion_s = (last_done - start) / 1000.0 if last_done else None
    completed_rate = confirmed / completion_s if completion_s else 0.0
    in_window_rate = db["confirmed_in_window"] / window_s
    placed = wrk["created"] if wrk else 0
    placed_rate = placed / window_s
    drain_s = meta.get("drain_ms", 0) / 1000.0
    completion_drain_s = max(0.0, (last_done - end) / 1000.0) if last_done else None
    p99_ms = wrk["p99_us"] / 1000.0 if wrk else float("inf")
    hz = meta["clk_tck"]

    threads = thread_cpu(results, window_s, hz)
    labels = thread_labels((int(r[0]) for r in read_table(results / "threads-start.txt")), results)
    commit_per_s = commit_rates(results, window_s, labels)
    drain_commits = commit_rates_between(results, "commits-end.txt", "commits-quiet.txt",
                                         max(drain_s, 1e-3), labels)

    events_total = {m: sum(v.values()) for m, v in db["outbox"].items()}
    new_orders = sum(db["orders_by_status"].values()) or 1
    handled_total = {m: sum(v.values()) for m, v in db["inbox"].items()}

    steady = db["confirmed_per_second"][5:int(window_s)] or db["confirmed_per_second"]
    placed_steady = db["placed_per_second"][5:int(window_s)] or db["placed_per_second"]

    cpu = meta.get("cpu", {})
    notes_by_type = ", ".join(f"{k.split('.')[1]} {num(v)}"
                              for k, v in sorted(db["notifications_by_type"].items()))
    by_status = ", ".join(f"{k} {num(v)}" for k, v in sorted(db["orders_by_status"].items()))
    lines = [BEGIN, "## Order flow (issue: order flow; target: completed orders/s and POST p99)", ""]
    lines += [
        f"- date: {meta['date']}",
        f"- machine: {meta['nproc']} CPUs, {meta['cpu_model']}, {meta['memory']}; {meta['os']}; "
        f"load average before the run: {meta['loadavg']}",
        f"- source: {meta['revision']} at the time of the run; build: `{meta['build_dir']}` "
        f"({meta['build_type']}){', app/mart built ' + meta['binary_built'] if meta.get('binary_built') else ''}",
        f"- command: `{meta['command']}` ({meta['elapsed_s']} s in all); raw files in "
        f"`{meta['results_rel']}`",
        f"- mart: `app/mart --port P --data-dir TMP --io-threads {meta['io_threads']} --log-level warn"
        f"{(' ' + meta['mart_args']) if meta['mart_args'] else ''}`, every module hosted, in-process bus, "
        f"data on {meta.get('data_fs', '?')}, SQLite WAL with synchronous=NORMAL (every commit durable against a process crash; the "
        f"last commits can be lost to an OS crash), bus.batch_size 512, bus.batch_time_budget_ms 20"
        f"{'; LD_PRELOAD=commit_counter.so counts transactions' if meta['count_commits'] else ''}"
        f"{('; **what-if experiment**, extra pragmas on every connection: `' + meta['sqlite_pragmas'] + '`') if meta.get('sqlite_pragmas') else ''}",
        f"- set-up (`bench/orders/setup.py`, through the API): {meta['setup']}",
        f"- load: `{meta['wrk_command']}`: every request `POST /api/v1/orders` "
        f"`{{\"items\":[{{\"product_id\":<random of {meta['products']}>,\"quantity\":1}}],"
        f"\"payment_token\":\"tok_visa\"}}` as one of {meta['customers']} customers (Bearer token)",
        f"- completion: after wrk ended, `GET /api/v1/admin/events/status` every 0.5 s until no module "
        f"has events waiting (at most {meta['drain_max_s']} s); then the databases are read "
        f"(read-only): confirmed orders and notifications created since the load began. "
        f"**completed orders/s = confirmed orders / (time of the last completion − wrk start)**, "
        f"the last completion being the later of the last confirmed order's `updated_ms` and the "
        f"last order-confirmed notification's `created_at`",
        f"- CPU during the load (share of the machine's 2 CPUs, /proc/stat): mart "
        f"{cpu.get('server_pct', 0):.0f}%, wrk {cpu.get('wrk_pct', 0):.0f}%, everything else "
        f"{cpu.get('other_pct', 0):.0f}%"
        + (" (**noisy**: other processes took a notable share)" if cpu.get("other_pct", 0) > 10 else ""),
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| POST /api/v1/orders answered 201 | {num(placed)} ({num(placed_rate)}/s over "
        f"{window_s:.1f} s) |",
        f"| POST p50 / p90 / p99 / max | {ms(wrk['p50_us'])} / {ms(wrk['p90_us'])} / "
        f"{ms(wrk['p99_us'])} / {ms(wrk['max_us'])} |",
        f"| non-201 answers, socket errors | {wrk['non201']}"
        f"{(' (' + wrk['statuses'] + ')') if wrk['statuses'] else ''}, "
        f"{wrk['errors_connect'] + wrk['errors_read'] + wrk['errors_write'] + wrk['errors_timeout']} |",
        f"| orders confirmed (new) | {num(confirmed)} of {num(new_orders)} placed; "
        f"by status: {by_status} |",
        f"| notifications written (new) | {num(db['notifications'])} "
        f"({db['notifications'] / max(confirmed, 1):.2f} per confirmed order; "
        f"{notes_by_type}; "
        f"{num(db['notifications_delivered'])} delivered through the channel) |",
        f"| **completed orders/s** (whole flow, incl. the backlog) | **{num(completed_rate)}** "
        f"({num(confirmed)} in {completion_s:.1f} s) |" if completion_s else
        "| **completed orders/s** | 0 |",
        f"| completed during the load only (confirmed by wrk's end / {window_s:.0f} s) | "
        f"{num(in_window_rate)}/s ({num(db['confirmed_in_window'])}) |",
        f"| confirmed per second, seconds 5..{int(window_s) - 1} of the load: min / median / max | "
        f"{num(min(steady))} / {num(statistics.median(steady))} / {num(max(steady))} "
        f"(placed: {num(min(placed_steady))} / {num(statistics.median(placed_steady))} / "
        f"{num(max(placed_steady))}) |" if steady and placed_steady else "| confirmed per second | — |",
        f"| backlog after wrk ended: until the last completion / until every module was quiet | "
        f"{completion_drain_s:.1f} s / {drain_s:.1f} s"
        f"{' (**not quiet within the limit**)' if meta.get('drain_timed_out') else ''} |",
        f"| placed → confirmed per order (`updated_ms` − `created_at`): p50 / p99 / max | "
        f"{db['flow_ms_p50']} / {db['flow_ms_p99']} / {db['flow_ms_max']} ms |",
        f"| peak RSS of mart (VmHWM) | {meta['vmhwm_kib'] / 1024:.1f} MiB |",
        f"| parked / dead deliveries after the run | "
        f"{sum(v.get('pending', 0) for v in db['parked'].values())} / "
        f"{sum(v.get('dead', 0) for v in db['parked'].values())} |",
    ]
    if ceiling:
        lines.append(
            f"| ceiling, same run: bare Beast + one SQLite insert per request (`bench_ceiling_sqlite_insert "
            f"--threads {meta['io_threads']}`, WAL, synchronous=NORMAL; `{meta['ceiling_wrk_command']}`) | "
            f"{num(ceiling['rps'])} req/s, p50 {ms(ceiling['p50_us'])}, p99 {ms(ceiling['p99_us'])}, "
            f"non-2xx {ceiling['non2xx']}; other CPU {meta.get('ceiling_cpu', {}).get('other_pct', 0):.0f}% |")
        lines.append(f"| POSTs placed vs the insert ceiling | {100.0 * placed_rate / ceiling['rps']:.0f}% |")
    lines += [
        "",
        "| target | measured | result |",
        "| --- | ---: | --- |",
        f"| completed orders/s ≥ {num(TARGET_COMPLETED_PER_S)}, 64 clients, ≥ 30 s, WAL | "
        f"{num(completed_rate)} ({100.0 * completed_rate / TARGET_COMPLETED_PER_S:.0f}% of the target) | "
        f"{verdict(completed_rate >= TARGET_COMPLETED_PER_S and window_s >= 29.5)} |",
        f"| POST /api/v1/orders p99 ≤ {TARGET_P99_MS:.0f} ms | {ms(wrk['p99_us'])} | "
        f"{verdict(p99_ms <= TARGET_P99_MS)} |",
        f"| every POST a 201, every confirmed order with its 2 notifications | "
        f"{wrk['non201']} non-201; {db['notifications']} notifications for {confirmed} orders | "
        f"{verdict(wrk['non201'] == 0 and db['notifications'] >= 2 * confirmed)} |",
        "",
        "Confirmed orders per second of the load (from `orders.updated_ms`; the seconds after "
        f"{int(window_s)} are the backlog): {sparkline(db['confirmed_per_second'])}.",
        "",
        "Placed per second (`OrderPlaced` in the orders outbox): "
        f"{sparkline(db['placed_per_second'])}.",
        "",
        "### Where the time goes",
        "",
        f"Events per placed order (outbox rows since the load began / {num(new_orders)} orders): "
        + "; ".join(f"{m} {events_total[m] / new_orders:.2f} ("
                    + ", ".join(f"{t.split('.', 1)[1].rsplit('.', 1)[0]} {v / new_orders:.2f}"
                                for t, v in sorted(db['outbox'][m].items())) + ")"
                    for m in MODULES if events_total.get(m)) + "; "
        f"**{sum(events_total.values()) / new_orders:.1f} events** and "
        f"**{sum(handled_total.values()) / new_orders:.1f} handler runs** (inbox rows) per order.",
        "",
        "Handler runs per order by consuming module: "
        + "; ".join(f"{m} {handled_total[m] / new_orders:.2f}" for m in MODULES if handled_total.get(m))
        + ".",
        "",
    ]
    per_order = cpu_per_order(results, hz, labels, new_orders)
    if per_order:
        total_ms = sum(v for _, v in per_order)
        budget = 2000.0 / max(completed_rate, 1)
        lines += [
            f"mart's CPU time per order, from the start of the load until the flow was quiet "
            f"(/proc/PID/task/*/stat over {num(new_orders)} orders): **{total_ms:.2f} ms** "
            f"({', '.join(f'{label} {v:.2f}' for label, v in per_order if v >= 0.005)}). "
            f"wrk used {wrk_cpu_ms(results, hz, placed):.2f} ms per POST. At the target of "
            f"{num(TARGET_COMPLETED_PER_S)} orders/s, mart and wrk together may spend "
            f"{2000.0 / TARGET_COMPLETED_PER_S:.2f} ms of the 2 CPUs per order.",
            ""]
    io = io_per_order(results, new_orders)
    if io:
        lines += [
            f"mart's I/O system calls per order over the same span (/proc/PID/task/*/io; the I/O "
            f"threads' include the sockets): {io['syscr']:.1f} reads ({io['rchar'] / 1024:.1f} KiB), "
            f"{io['syscw']:.1f} writes ({io['wchar'] / 1024:.1f} KiB); "
            f"delivery threads alone: {io['d_syscr']:.1f} reads ({io['d_rchar'] / 1024:.1f} KiB), "
            f"{io['d_syscw']:.1f} writes ({io['d_wchar'] / 1024:.1f} KiB); "
            f"{io['write_bytes'] / 1024:.1f} KiB per order reached the disk (write_bytes).",
            ""]
    if commit_per_s:
        lines += ["| mart thread | CPU during the load (of one core) | "
                  "running / waiting for a CPU / blocked or idle (schedstat) | "
                  "commits/s during the load | commits/s in the backlog |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        sched = sched_split(results, window_s)
        for label, tid, pct in threads:
            commits = ", ".join(f"{num(v)} ({dbname})" for (l, dbname), v in sorted(commit_per_s.items())
                                if l == label)
            drained = ", ".join(f"{num(v)} ({dbname})" for (l, dbname), v in sorted(drain_commits.items())
                                if l == label)
            split = sched.get(tid)
            split_text = f"{split[0]:.0f}% / {split[1]:.0f}% / {split[2]:.0f}%" if split else "—"
            lines.append(f"| {label} | {pct:.0f}% | {split_text} | {commits or '—'} | "
                         f"{drained or '—'} |")
        total_commits = sum(commit_per_s.values())
        lines += ["", f"Commits per second during the load, all threads: {num(total_commits)} "
                      f"({total_commits / max(placed_rate, 1):.2f} per placed order)."]
    else:
        lines += ["| mart thread | CPU during the load (of one core) |",
                  "| --- | ---: |"]
        for label, tid, pct in threads:
            lines.append(f"| {label} | {pct:.0f}% |")
    lines += ["", label_check(results, labels)]
    backlog = backlog_summary(results, start, end)
    if backlog:
        lines += ["", backlog]
    keys = results / "inbox-keys.txt"
    if keys.exists() and keys.read_text().strip():
        lines += ["", "Inbox keys (`bench/orders/inbox_keys.py`, same run, same file system: the bus's "
                  "own tables, delivery-sized commits into a filled `bus_inbox`): "
                  + "; ".join(l.strip() for l in keys.read_text().splitlines() if l.strip()) + "."]
    analysis = pathlib.Path(__file__).resolve().parent / "what-bounds-it.md"
    if analysis.exists():
        lines += ["", analysis.read_text().strip()]
    lines += [END, ""]
    return "\n".join(lines), completed_rate, p99_ms, wrk


def cpu_per_order(results, hz, labels, orders):
    """[(label, ms of CPU per order)] from the start of the load until the flow was quiet."""
    start = {int(r[0]): int(r[1]) + int(r[2]) for r in read_table(results / "threads-start.txt")}
    quiet = {int(r[0]): int(r[1]) + int(r[2]) for r in read_table(results / "threads-quiet.txt")}
    if not quiet or not orders:
        return []
    out = []
    for tid in sorted(quiet):
        out.append((labels.get(tid, str(tid)), 1000.0 * (quiet[tid] - start.get(tid, 0)) / hz / orders))
    return out


def wrk_cpu_ms(results, hz, requests):
    try:
        user, system = map(float, (results / "wrk-orders.txt.time").read_text().split())
    except (OSError, ValueError):
        return 0.0
    return 1000.0 * (user + system) / max(requests, 1)


def io_per_order(results, orders):
    start = {r[0]: list(map(int, r[1:])) for r in read_table(results / "io-start.txt") if len(r) == 6}
    quiet = {r[0]: list(map(int, r[1:])) for r in read_table(results / "io-quiet.txt") if len(r) == 6}
    if not quiet or not orders:
        return None
    labels = thread_labels((int(t) for t in quiet), results)
    keys = ["rchar", "wchar", "syscr", "syscw", "write_bytes"]
    out = {k: 0.0 for k in keys}
    out.update({"d_" + k: 0.0 for k in keys})
    for tid, values in quiet.items():
        before = start.get(tid, [0] * 5)
        for i, k in enumerate(keys):
            delta = (values[i] - before[i]) / orders
            out[k] += delta
            if labels.get(int(tid), "").startswith("delivery"):
                out["d_" + k] += delta
    return out


def sched_split(results, seconds):
    """{tid: (running %, waiting for a CPU %, blocked or idle %)} of the load's wall time."""
    start = {int(r[0]): (int(r[1]), int(r[2])) for r in read_table(results / "sched-start.txt")}
    end = {int(r[0]): (int(r[1]), int(r[2])) for r in read_table(results / "sched-end.txt")}
    out = {}
    wall = seconds * 1e9
    for tid, (run, wait) in end.items():
        run0, wait0 = start.get(tid, (0, 0))
        running, waiting = 100.0 * (run - run0) / wall, 100.0 * (wait - wait0) / wall
        out[tid] = (running, waiting, max(0.0, 100.0 - running - waiting))
    return out


def label_check(results, labels):
    """Checks the creation-order labels against the databases each thread committed to."""
    if thread_names(results):
        return "mart's threads are labelled by the names mart gives them (`top -H` shows them)."
    rows = read_table(results / "commits-quiet.txt")
    if not rows:
        return ("mart's threads are unnamed (all show as `mart` in `top -H`); they are labelled by "
                "creation order (not checked: no commit counters in this run).")
    files = {}
    for tid, db, *_ in rows:
        files.setdefault(int(tid), set()).add(db)
    wrong = [f"{tid} ({label}) wrote {sorted(files.get(tid, []))}" for tid, label in labels.items()
             if label.startswith("delivery: ")
             and not files.get(tid, set()) <= {label.split(": ")[1] + ".db"}]
    if wrong:
        return ("mart's threads are unnamed (all show as `mart` in `top -H`); the creation-order "
                "labels did NOT match the databases the threads wrote: " + "; ".join(wrong))
    return ("mart's threads are unnamed (all show as `mart` in `top -H`); they are labelled by "
            "creation order, and the commit counters confirm the labels: each delivery thread "
            "committed only to its own module's database, the I/O threads to those the requests "
            "write.")


def backlog_summary(results, start, end):
    """Events waiting per publishing module (admin events status, sampled every second)."""
    peaks, at_end, samples = {}, {}, 0
    for line in (results / "status.log").read_text().splitlines() if (results / "status.log").exists() else []:
        stamp, _, body = line.partition(" ")
        try:
            t, status = int(stamp), json.loads(body)
        except ValueError:
            continue
        if not start <= t <= end:
            continue
        samples += 1
        for m in status["modules"]:
            peaks[m["module"]] = max(peaks.get(m["module"], 0), m["outbox_waiting"])
    try:
        for m in json.loads((results / "status-at-wrk-end.json").read_text())["modules"]:
            at_end[m["module"]] = (m["outbox_waiting"], m["oldest_waiting_age_ms"])
    except (OSError, ValueError, KeyError):
        pass
    if not samples and not at_end:
        return ""
    parts = []
    for module in sorted(set(peaks) | set(at_end)):
        waiting, age = at_end.get(module, (0, 0))
        parts.append(f"{module} {num(peaks.get(module, 0))} / {num(waiting)} "
                     f"(oldest {age / 1000:.1f} s)")
    return ("Events waiting per publishing module (published, not yet handled by all its "
            f"subscribers; `GET /api/v1/admin/events/status`, {samples} samples during the load): "
            "peak during the load / at wrk's end: " + "; ".join(parts) + ".")


def commit_rates_between(results, first, second, seconds, labels):
    a = {(r[0], r[1]): int(r[3]) for r in read_table(results / first)}
    b = {(r[0], r[1]): int(r[3]) for r in read_table(results / second)}
    per = {}
    for key, value in b.items():
        delta = value - a.get(key, 0)
        if delta > 0:
            per[(labels.get(int(key[0]), key[0]), key[1])] = delta / seconds
    return per


def write_doc(doc, section, begin=BEGIN, end=END):
    """Replaces what is between the markers `begin` and `end` of `doc` (the section holds them)."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text)


def render(results, doc):
    section, completed_rate, p99_ms, wrk = build_section(pathlib.Path(results))
    print(section)
    if doc and doc != "-":
        write_doc(pathlib.Path(doc), section)
    ok = (completed_rate >= TARGET_COMPLETED_PER_S and p99_ms <= TARGET_P99_MS
          and wrk["non201"] == 0)
    return 0 if ok else 3


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    command = sys.argv[1]
    if command == "counts":
        print(json.dumps(counts(sys.argv[2])))
    elif command == "commits":
        commits(sys.argv[2])
    elif command == "collect":
        collect(sys.argv[2], sys.argv[3])
    elif command == "render":
        doc = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--doc" else None
        return render(sys.argv[2], doc)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
