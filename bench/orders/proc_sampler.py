#!/usr/bin/env python3
"""What a process costs over time, and how fast the machine is meanwhile.

    bench/orders/proc_sampler.py PID OUT [INTERVAL_S]

Every INTERVAL_S (5) seconds until PID ends or this is terminated, appends one line to OUT:

    unix_ms cpu_ticks syscr syscw write_bytes probe_us

cpu_ticks is PID's user+system time (/proc/PID/stat, clock ticks); syscr, syscw and write_bytes
come from /proc/PID/io (read and write system calls, bytes PID caused to be written to storage).
probe_us is the CPU time this sampler took for a fixed piece of arithmetic: on a shared virtual
machine the same work takes longer when the host is busier, so a rate that falls while probe_us
rises is the machine, and one that falls while it stays flat is the process (bench/orders/sag.sh).
The probe is a hint, not a measurement of the host: it is small (it fits in the CPU's caches)
and timed in its own CPU time, so it misses time spent waiting for a CPU and any steal the
hypervisor does not report.
"""
import pathlib
import signal
import sys
import time


def probe():
    started = time.thread_time()
    x, s = 12345, 0
    for _ in range(200_000):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        s ^= x >> 7
    return int((time.thread_time() - started) * 1e6), s


def sample(pid):
    stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    io = {}
    for line in pathlib.Path(f"/proc/{pid}/io").read_text().splitlines():
        key, _, value = line.partition(":")
        io[key] = int(value)
    return ticks, io["syscr"], io["syscw"], io["write_bytes"]


def main():
    pid, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with out.open("a") as f:
        while True:
            now_ms = int(time.time() * 1000)  # when /proc was read, not after the probe
            try:
                ticks, syscr, syscw, written = sample(pid)
            except (FileNotFoundError, ProcessLookupError):
                return
            probe_us, _ = probe()
            f.write(f"{now_ms} {ticks} {syscr} {syscw} {written} {probe_us}\n")
            f.flush()
            time.sleep(interval)


if __name__ == "__main__":
    main()
