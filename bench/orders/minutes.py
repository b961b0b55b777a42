#!/usr/bin/env python3
"""The sag of a long order benchmark: confirmed orders per second in each minute of the load.

    bench/orders/minutes.py RESULTS_DIR     (a bench/orders/run.sh results directory)

Prints one markdown table row: the rate of each whole minute, the last minute's share of the
first, the orders.db-wal size once the flow was quiet, and the peak RSS.
"""
import json
import pathlib
import sys


def main():
    results = pathlib.Path(sys.argv[1])
    db = json.loads((results / "db.json").read_text())
    meta = json.loads((results / "meta.json").read_text())
    per_second = db["confirmed_per_second"]
    seconds = (meta["wrk_end_ms"] - meta["wrk_start_ms"]) // 1000
    minutes = [sum(per_second[m * 60:(m + 1) * 60]) / 60 for m in range(seconds // 60)]
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
    print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
