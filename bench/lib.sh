# Helpers shared by the benchmark scripts. Sourced, not run:
#
#   LOG_NAME=orders
#   source "$ROOT/bench/lib.sh"
#
# Sets STARTED_AT (the log's clock) and SERVER_PIDS (what stop_pid and stop_servers stop).
# shellcheck shell=bash

STARTED_AT=$SECONDS
SERVER_PIDS=()

# log MESSAGE...: to stderr, after the script's LOG_NAME and the seconds since it started.
log() { printf '[%s %4ds] %s\n' "${LOG_NAME:-bench}" $((SECONDS - STARTED_AT)) "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# require_tools TOOL...: dies naming the first one not installed.
require_tools() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
}

now_ms() { date +%s%3N; }

# A loopback port free right now (the kernel's choice).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_ready PID URL [any]: until URL answers 200 (any HTTP status with "any"); 15 s at most.
# Dies when PID exits first.
wait_ready() {
  local pid=$1 url=$2 want=${3:-200} code deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || die "the server for $url exited; see the logs in ${RESULTS:-its results}"
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true)
    if [[ $code == 200 || ($want == any && $code != 000) ]]; then return 0; fi
    sleep 0.02
  done
  die "$url did not answer ${want} within 15 s"
}

# Stops one process this script started: SIGTERM, SIGKILL after 5 s; reaps it and takes it out of
# SERVER_PIDS (so that a reused pid is never signalled).
stop_pid() {
  local pid=$1 i kept=()
  for i in "${SERVER_PIDS[@]}"; do [[ $i == "$pid" ]] || kept+=("$i"); done
  SERVER_PIDS=("${kept[@]}")
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM for 5 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Every process in SERVER_PIDS, for an EXIT trap.
stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
}

# events_status PORT TOKEN: mart's GET /api/v1/admin/events/status with an admin's token, or
# nothing.
events_status() {
  curl -s -m 2 -H "Authorization: Bearer $2" "http://127.0.0.1:$1/api/v1/admin/events/status" ||
    true
}

# Prints the events still to handle (outbox_waiting + retrying over the modules) in an events
# status answer on stdin, or "?" when there is none (awk, not python: this runs every 0.5 s).
waiting_total() {
  { grep -o '"\(outbox_waiting\|retrying\)":[0-9]*' || true; } |
    awk -F: '{ s += $2 } END { if (NR) print s; else print "?" }'
}

# wait_until_quiet PORT TOKEN SECONDS [INTERVAL]: until a running mart has no events waiting
# (outbox_waiting + retrying over the modules), polling every INTERVAL s (0.5); 1 if it did not
# within SECONDS.
wait_until_quiet() {
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    [[ $(events_status "$1" "$2" | waiting_total) == 0 ]] && return 0
    sleep "${4:-0.5}"
  done
  return 1
}

# build_revision BUILD_DIR: the short revision of the tree BUILD_DIR was configured from (another
# worktree's, for a build of an earlier revision), "with uncommitted changes" when that tree has
# some; the tree of this script when the build's cannot be found.
build_revision() {
  local tree revision
  tree=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$1/CMakeCache.txt" 2>/dev/null || true)
  [[ -d $tree ]] || tree=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  revision=$(git -C "$tree" rev-parse --short HEAD 2>/dev/null || echo "no commit")
  [[ -z $(git -C "$tree" status --porcelain 2>/dev/null | head -n 1) ]] ||
    revision+=" with uncommitted changes"
  echo "$revision"
}

# CPU accounting: the machine's busy ticks (user+nice+system+steal; loopback softirq left out)
# and all its ticks; a process's own (user+system).
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# memory_cgroup NAME MIB: makes a child of this shell's memory cgroup limited to MIB MiB (page
# cache included) and prints its directory; dies where that cannot be done (no cgroup file system
# to write, or no memory controller). Used on cgroup v1; on v2 the parent must have the memory
# controller in its cgroup.subtree_control, which a cgroup holding this shell cannot. Processes
# started with in_cgroup's prefix are charged to it; remove it with rmdir once they have exited.
memory_cgroup() {
  local name=$1 mib=$2 path dir limit_file
  [[ $mib =~ ^[1-9][0-9]*$ ]] || die "a memory limit must be a whole number of MiB, not '$mib'"
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then # v2: one hierarchy
    path=$(sed -n 's/^0:://p' /proc/self/cgroup)
    dir="/sys/fs/cgroup${path%/}/$name"
    limit_file=memory.max
  else # v1: the memory controller's own hierarchy
    path=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
    [[ -n $path && -d /sys/fs/cgroup/memory ]] || die "no memory cgroup to limit mart's memory"
    dir="/sys/fs/cgroup/memory${path%/}/$name"
    limit_file=memory.limit_in_bytes
  fi
  mkdir "$dir" 2>/dev/null || die "cannot make the memory cgroup $dir"
  if ! echo $((mib * 1024 * 1024)) >"$dir/$limit_file" 2>/dev/null; then
    rmdir "$dir"
    die "cannot limit $dir to $mib MiB (is the memory controller enabled for its parent?)"
  fi
  echo "$dir"
}

# memory_cgroup_report DIR: what the cgroup's memory came to, so that a run shows whether its
# limit was reached (v1: the peak, how often the limit was hit, memory.stat; v2: the same files'
# counterparts).
memory_cgroup_report() {
  local file
  for file in memory.limit_in_bytes memory.max_usage_in_bytes memory.failcnt memory.max \
    memory.peak memory.events memory.stat; do
    [[ -r $1/$file ]] && printf '== %s\n%s\n' "$file" "$(cat "$1/$file")"
  done
  return 0
}

# in_cgroup DIR: sets IN_CGROUP to a command prefix that runs what follows it in the cgroup DIR
# (empty when DIR is), replacing itself by exec so that `"${IN_CGROUP[@]}" COMMAND &` leaves
# COMMAND's pid in $!.
# shellcheck disable=SC2034  # IN_CGROUP is for the caller
in_cgroup() {
  IN_CGROUP=()
  # shellcheck disable=SC2016  # expanded by the inner shell
  [[ -z $1 ]] || IN_CGROUP=(bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' in_cgroup "$1")
}
