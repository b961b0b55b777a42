#!/usr/bin/env bash
# Issue #16's benchmark: what open console streams and the info log lines cost the order flow.
#
#   bench/console/run.sh BUILD_DIR
#
# Runs the order benchmark (bench/orders/run.sh) alternately without and with CONSOLE_STREAMS
# live event streams read by curl (ABAB..., CONSOLE_ROUNDS pairs, CONSOLE_DURATION s each), then
# once more with one stream that never reads, beside one without it, for memory; then alternately
# at --log-level warn and info (the default), for the log lines' cost and volume per order. Prints
# markdown tables: completed orders/s per run, the with/without ratios, bytes each reader got, peak
# RSS, whether the stalled reader was dropped, and log lines and bytes per order by module.
#
# Environment (optional): CONSOLE_STREAMS=10, CONSOLE_ROUNDS=2, CONSOLE_DURATION=20,
# CONSOLE_PARTS="streams memory logs" (which of the three to run),
# CONSOLE_OUT=BUILD_DIR/bench-console-results/<time>.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:?usage: bench/console/run.sh BUILD_DIR}
STREAMS=${CONSOLE_STREAMS:-10}
ROUNDS=${CONSOLE_ROUNDS:-2}
DURATION=${CONSOLE_DURATION:-20}
PARTS=" ${CONSOLE_PARTS:-streams memory logs} "
OUT=${CONSOLE_OUT:-$BUILD_DIR/bench-console-results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"

one_run() {  # NAME STREAMS STALLED [LOG_LEVEL]
  ORDERS_MART_ARGS=${4:+--log-format json --log-level $4} \
    ORDERS_STREAMS=$2 ORDERS_STALLED_STREAMS=$3 ORDERS_CEILING=0 ORDERS_KEYS=0 ORDERS_DOC=- \
    ORDERS_COUNT_COMMITS=0 ORDERS_DURATION=$DURATION ORDERS_RESULTS="$OUT/$1" \
    "$ROOT/bench/orders/run.sh" "$BUILD_DIR" >"$OUT/$1.log" 2>&1 ||
    { echo "run $1 failed; see $OUT/$1.log" >&2; exit 1; }
  echo "$1 done" >&2
}

order=()
if [[ $PARTS == *" streams "* ]]; then
  for ((round = 1; round <= ROUNDS; round++)); do
    one_run "r$round-without" 0 0
    one_run "r$round-with-$STREAMS" "$STREAMS" 0
    order+=("r$round-without" "r$round-with-$STREAMS")
  done
fi
if [[ $PARTS == *" memory "* ]]; then
  one_run "memory-without" 0 0
  one_run "memory-stalled" 0 1
  order+=("memory-without" "memory-stalled")
fi
if [[ $PARTS == *" logs "* ]]; then
  for ((round = 1; round <= ROUNDS; round++)); do
    one_run "r$round-log-warn" 0 0 warn
    one_run "r$round-log-info" 0 0 info
    order+=("r$round-log-warn" "r$round-log-info")
  done
fi

python3 - "$OUT" "$STREAMS" "${order[@]}" <<'PY' | tee "$OUT/section.md"
import json, pathlib, statistics, sys
out, streams, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
def completed(run):
    meta = json.loads((out / run / "meta.json").read_text())
    db = json.loads((out / run / "db.json").read_text())
    span = (db["confirmed_last_ms"] - meta["wrk_start_ms"]) / 1000
    return db["confirmed"] / span, meta["vmhwm_kib"] / 1024
print(f"| run | completed orders/s | peak RSS (MiB) | stream readers |")
print("| --- | ---: | ---: | --- |")
rates = {"without": [], "with": []}
for run in runs:
    rate, rss = completed(run)
    readers = ""
    got = [json.loads(p.read_text()) for p in (out / run).glob("stream-*.json")
           if p.read_text().strip().startswith("{")]
    if got:
        # curl's exit 28 is its --max-time: it read to the end; anything else, the server ended it.
        size = sorted(g["bytes"] / 1e6 for g in got)
        dropped = sum(g["exit"] != 28 for g in got)
        readers = (f"{len(got)} read {size[0]:.0f}–{size[-1]:.0f} MB each"
                   + (f", {dropped} ended early (dropped by the server)" if dropped else ""))
    for p in (out / run).glob("stalled-*.json"):
        if not p.read_text().strip():
            readers = "stalled reader: no report"
            continue
        s = json.loads(p.read_text())
        readers = ("stalled reader dropped by the server" if s["closed_by_server"]
                   else "stalled reader NOT dropped") + f" (it held {s['bytes_held']} B)"
    if run.startswith("r") and "-log-" not in run:
        rates["with" if "-with-" in run else "without"].append(rate)
    if "-log-" in run:
        rates.setdefault(run.split("-log-")[1], []).append(rate)
    print(f"| {run} | {rate:,.0f} | {rss:.0f} | {readers} |")
if rates["with"] and rates["without"]:
    w, wo = statistics.mean(rates["with"]), statistics.mean(rates["without"])
    print(f"\nWith {streams} streams: {w:,.0f} orders/s against {wo:,.0f} without: "
          f"**{100 * w / wo:.1f}%** (target ≥ 95%).")
if rates.get("info") and rates.get("warn"):
    i, w = statistics.mean(rates["info"]), statistics.mean(rates["warn"])
    print(f"\nAt --log-level info: {i:,.0f} orders/s against {w:,.0f} at warn: "
          f"**{100 * i / w:.1f}%**.")
    # What info writes per order, by module (the last info run's log; http = access lines).
    run = [r for r in runs if r.endswith("-log-info")][-1]
    db = json.loads((out / run / "db.json").read_text())
    orders = max(1, sum(db["orders_by_status"].values()))
    lines, size, decisions = {}, {}, 0
    for raw in (out / run / "mart.log").read_text().splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        m = line.get("module", "?")
        lines[m] = lines.get(m, 0) + 1
        size[m] = size.get(m, 0) + len(raw) + 1
        if "order_id" in line and m != "notifications":
            decisions += 1
    print(f"\nLog lines per order at info ({orders:,} orders placed in {run}):\n")
    print("| module | lines/order | bytes/order |")
    print("| --- | ---: | ---: |")
    for m in sorted(lines):
        print(f"| {m} | {lines[m] / orders:.2f} | {size[m] / orders:.0f} |")
    print(f"| **all** | **{sum(lines.values()) / orders:.2f}** | **{sum(size.values()) / orders:.0f}** |")
    print(f"\nOf these, {decisions / orders:.2f} lines/order are the decision lines added by "
          "issue #16 (with an order_id, outside notifications, whose line was there before).")
PY
