#!/usr/bin/env bash
# The five-minute order run (issue #18, "no sag as data grows"): the closed loop of
# bench/orders/run.sh for 300 s, then bench/orders/minutes.py's rate and costs per minute.
#
#   bench/orders/sag.sh BUILD_DIR      (`make bench` runs: bench/orders/sag.sh build/release)
#
# Writes its section between the bench:sag markers of docs/benchmarks.md (SAG_DOC=- for nowhere).
# Takes about 6 to 7 minutes. Environment (optional): SAG_DURATION=300 (s of load),
# SAG_RESULTS=BUILD_DIR/bench-sag-results/<time>, ORDERS_MEMORY_LIMIT_MIB="" (mart in a memory
# cgroup limited to N MiB, page cache included: bench/orders/run.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=$(cd "${1:?usage: bench/orders/sag.sh BUILD_DIR}" && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
DURATION=${SAG_DURATION:-300}
((DURATION >= 120)) || { echo "SAG_DURATION must be at least 120 s (two whole minutes)" >&2; exit 2; }
CONNECTIONS=${ORDERS_CONNECTIONS:-64}
RESULTS=${SAG_RESULTS:-$BUILD_DIR/bench-sag-results/$(date -u +%Y%m%dT%H%M%SZ)}
DOC=${SAG_DOC:-$ROOT/docs/benchmarks.md}
mkdir -p "$(dirname "$RESULTS")"

ORDERS_DURATION=$DURATION ORDERS_DRAIN_MAX=300 ORDERS_CEILING=0 ORDERS_KEYS=0 \
  ORDERS_COUNT_COMMITS=0 ORDERS_DOC=- ORDERS_RESULTS="$RESULTS" \
  "$ROOT/bench/orders/run.sh" "$BUILD_DIR" >"$RESULTS.log" 2>&1 ||
  { tail -n 5 "$RESULTS.log" >&2; exit 1; }

ROW=$(python3 "$ROOT/bench/orders/minutes.py" "$RESULTS")
TABLE=$(python3 "$ROOT/bench/orders/minutes.py" --per-minute "$RESULTS")
ORDERS=$(grep -o 'confirmed [0-9]* new orders' "$RESULTS.log" | grep -o '[0-9]*' || echo "?")
[[ $ORDERS =~ ^[0-9]+$ ]] && ORDERS=$(python3 -c "print(f'{$ORDERS:,}')")
MINUTES=$((DURATION / 60))
HEADER="| minute 1 |"
for ((m = 2; m <= MINUTES; m++)); do HEADER+=" $m |"; done
HEADER+=" last / first | orders.db-wal | databases | peak RSS |"
RULE="|"
for ((m = 1; m <= MINUTES + 4; m++)); do RULE+=" ---: |"; done
SHARE=$(python3 "$ROOT/bench/orders/minutes.py" --share "$RESULTS")
COUNT=${ORDERS//,/}
VERDICT=$(python3 -c "print('PASS' if $SHARE >= 0.9 and '$COUNT'.isdigit() and int('$COUNT') >= 1_500_000 else 'FAIL')")
SHARE_PCT=$(python3 -c "print(f'{100 * $SHARE:.1f}')")
LIMIT=""
[[ -n ${ORDERS_MEMORY_LIMIT_MIB:-} ]] && LIMIT=", mart in a memory cgroup limited to ${ORDERS_MEMORY_LIMIT_MIB} MiB"
SOURCE=$(build_revision "$BUILD_DIR")

SECTION=$(
  cat <<EOF
Measured $(date -u +%Y-%m-%dT%H:%MZ) on ${SOURCE}, \`bench/orders/sag.sh\` (the order run of
\`bench/orders/run.sh\` with ${DURATION} s of load, ${CONNECTIONS} clients; $(nproc) CPUs${LIMIT}): ${ORDERS} orders
completed. Target: the last minute at least 90% of the first, with at least 1.5 million orders:
**${VERDICT}** (${SHARE_PCT}%).

${HEADER}
${RULE}
${ROW}

Per minute (mart's /proc every 5 s, \`bench/orders/proc_sampler.py\`; the machine probe is the CPU
time of a fixed piece of work in the sampler, which grows when the shared host is slower):

${TABLE}
EOF
)
echo "$SECTION"
if [[ $DOC != - ]]; then
  python3 - "$ROOT/bench/orders" "$DOC" "$SECTION" <<'PY'
import pathlib, sys
sys.path.insert(0, sys.argv[1])
from report import write_doc  # the order benchmark's: the same markers, another name
begin, end = "<!-- bench:sag:begin -->", "<!-- bench:sag:end -->"
write_doc(pathlib.Path(sys.argv[2]), f"{begin}\n{sys.argv[3]}\n{end}\n", begin, end)
PY
  echo "[sag] section written to $DOC" >&2
fi
