#!/usr/bin/env python3
"""The sag of a long order benchmark: confirmed orders per second in each minute of the load.

    bench/orders/minutes.py RESULTS_DIR            (a bench/orders/run.sh results directory)
    bench/orders/minutes.py --per-minute RESULTS_DIR
    bench/orders/minutes.py --share RESULTS_DIR    (the last minute's rate over the first's)

Prints one markdown table row: the rate of each whole minute, the last minute's share of the
first, the orders.db-wal size once the flow was quiet, the databases' size and the peak RSS.

--per-minute prints a table with a row per minute instead, from proc_sampler.py's samples: the
rate, mart's CPU time, read and write system calls and bytes written to storage per order, and
the machine-speed probe (the median CPU time of the sampler's fixed work in that minute). What
grows with the data shows as a cost per order that rises from minute to minute; a slower machine
as a probe that rises with it.
"""
import json
import os
import pathlib
import statistics
import sys


def minute_rates(results):
    db = json.loads((results / "db.json").read_text())
    meta = json.loads((results / "meta.json").read_text())
    per_second = db["confirmed_per_second"]
    seconds = (meta["wrk_end_ms"] - meta["wrk_start_ms"]) // 1000
    return meta, [sum(per_second[m * 60:(m + 1) * 60]) / 60 for m in range(seconds // 60)]


def summary_row(results):
    meta, minutes = minute_rates(results)
    sizes = {}
    files = results / "data-files.txt"
    if files.exists():
        for line in files.read_text().split("\n"):
            if line.strip():
                name, size = line.rsplit(" ", 1)
                sizes[name] = int(size)
    wal = sizes.get("orders.db-wal")
    share = f"{100 * minutes[-1] / minutes[0]:.0f}%" if minutes and minutes[0] else "?"
    cells = [f"{m:,.0f}" for m in minutes] + [
        share,
        f"{wal / 2**20:,.0f} MB" if wal is not None else "?",
        f"{sum(v for k, v in sizes.items() if k.endswith('.db')) / 2**30:.1f} GB",
        f"{meta['vmhwm_kib'] / 1024:.0f} MB",
    ]
    return "| " + " | ".join(cells) + " |"


def per_minute_table(results):
    meta, minutes = minute_rates(results)
    path = results / "proc-samples.txt"
    samples = [
        [int(x) for x in line.split()]
        for line in (path.read_text().splitlines() if path.exists() else [])
        if len(line.split()) == 6
    ]
    if len(samples) < 2:
        return "(no samples of mart's /proc in this run: proc-samples.txt is missing)"
    ticks_per_s = os.sysconf("SC_CLK_TCK")

    def nearest(ms):
        return min(samples, key=lambda s: abs(s[0] - ms))

    rows = [
        "| minute | completed orders/s | mart CPU per order | read calls per order "
        "| write calls per order | written to storage per order | machine probe (median) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m, rate in enumerate(minutes):
        begin, end = meta["wrk_start_ms"] + m * 60_000, meta["wrk_start_ms"] + (m + 1) * 60_000
        a, b = nearest(begin), nearest(end)
        orders = rate * (b[0] - a[0]) / 1000  # the minute's rate over the samples' span
        probes = [s[5] for s in samples if begin <= s[0] < end]
        if orders <= 0:
            continue
        probe = f"{statistics.median(probes) / 1000:.1f} ms" if probes else "?"
        rows.append(
            f"| {m + 1} | {rate:,.0f} | {(b[1] - a[1]) / ticks_per_s / orders * 1e3:.3f} ms "
            f"| {(b[2] - a[2]) / orders:.2f} | {(b[3] - a[3]) / orders:.2f} "
            f"| {(b[4] - a[4]) / orders / 1024:.1f} KiB | {probe} |"
        )
    return "\n".join(rows)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--per-minute":
        print(per_minute_table(pathlib.Path(args[1])))
    elif args and args[0] == "--share":
        _, minutes = minute_rates(pathlib.Path(args[1]))
        print(f"{minutes[-1] / minutes[0]:.4f}" if len(minutes) >= 2 and minutes[0] else "0")
    else:
        print(summary_row(pathlib.Path(args[0])))


if __name__ == "__main__":
    main()
