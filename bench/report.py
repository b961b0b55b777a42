#!/usr/bin/env python3
"""Turns the raw files of one bench/run.sh run into the products read path table.

Reads RESULTS_DIR (wrk-<server>-<round>.txt with their BENCH_JSON line, rss-<server>-<when>.txt
in KiB, startup-<server>.txt with one time in ms per line, meta.json), takes the median of the
rounds, checks the targets, prints the section and replaces it in the benchmarks document between
its marker comments (other sections are kept; the file is created if missing).

Exit status: 0 every target passed, 3 a target failed, 4 mart was not measured.
"""

import argparse
import json
import pathlib
import re
import statistics
import sys

BEGIN = "<!-- bench:products-read:begin -->"
END = "<!-- bench:products-read:end -->"
TITLE = "## Products read path (issue: foundation)"
DOC_HEADER = """# Benchmarks

Written by `bench/run.sh` (run it with `make bench`); each section is replaced by the run that
measures it. The machine is a shared, noisy 2-vCPU one where server and load generator share the
cores: compare figures only within one run, never across runs.
"""

SERVERS = [
    ("fixed", "ceiling: bare Beast, fixed ~150 B JSON"),
    ("sqlite_read", "ceiling: Beast + SQLite primary-key read + Boost.JSON"),
    ("mart", "**mart** (`app/mart`), products module"),
]

# The targets of the products read path.
MIN_RATIO = 0.70
MAX_P99_MS = 5.0
MAX_IDLE_RSS_BYTES = 30_000_000  # 30 MB, read strictly as 10^6 bytes (= 28.6 MiB)
MAX_STARTUP_MS = 200.0


def wrk_run(path):
    """The BENCH_JSON summary of one wrk output file, with the run's "other CPU" share added."""
    match = re.search(r"^BENCH_JSON (\{.*\})$", path.read_text(), re.MULTILINE)
    if not match:
        return None
    run = json.loads(match.group(1))
    cpu = pathlib.Path(f"{path}.cpu")
    run["other_cpu_pct"] = float(cpu.read_text().split()[0]) if cpu.exists() else 0.0
    return run


def wrk_rounds(results, server):
    """{round number: run} of one server."""
    rounds = {}
    for path in results.glob(f"wrk-{server}-r*.txt"):
        run = wrk_run(path)
        if run:
            rounds[int(re.search(r"-r(\d+)\.txt$", path.name).group(1))] = run
    return rounds


def read_number(path):
    try:
        return float(path.read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def startup_times(results, server):
    try:
        return [float(x) for x in (results / f"startup-{server}.txt").read_text().split()]
    except (OSError, ValueError):
        return []


def choose_rounds(by_server, noisy_pct):
    """The rounds the medians are taken over: those in which no run was noisy, else all."""
    measured = [rounds for rounds in by_server.values() if rounds]
    if not measured:
        return [], []
    complete = sorted(set.intersection(*(set(rounds) for rounds in measured)))
    quiet = [r for r in complete
             if all(rounds[r]["other_cpu_pct"] <= noisy_pct for rounds in measured)]
    return (quiet or complete), quiet


def summarize(results, server, rounds, used, reference):
    row = {"rounds": rounds}
    if used and all(r in rounds for r in used):
        row["rps"] = statistics.median(rounds[r]["rps"] for r in used)
        row["p50_ms"] = statistics.median(rounds[r]["p50_us"] for r in used) / 1000
        row["p99_ms"] = statistics.median(rounds[r]["p99_us"] for r in used) / 1000
        if reference:
            row["ratio"] = statistics.median(rounds[r]["rps"] / reference[r]["rps"] for r in used)
    row["errors"] = sum(run["errors_connect"] + run["errors_read"] + run["errors_write"] +
                        run["errors_timeout"] + run["non2xx"] for run in rounds.values())
    row["rss_idle_kib"] = read_number(results / f"rss-{server}-idle.txt")
    row["rss_loaded_kib"] = read_number(results / f"rss-{server}-loaded.txt")
    times = startup_times(results, server)
    row["startup_runs"] = times
    row["startup_ms"] = statistics.median(times) if times else None
    return row


def fmt_ms(value):
    if value is None:
        return "—"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def fmt_rss(kib):
    return "—" if kib is None else f"{kib / 1024:.1f} MiB"


def verdict(ok):
    return "PASS" if ok else "FAIL"


def build_section(meta, rows, used, quiet, insert):
    mart = rows["mart"]
    lines = [BEGIN, TITLE, ""]
    lines.append(f"- date: {meta['date']}")
    lines.append(f"- machine: {meta['nproc']} CPUs, {meta['cpu_model']}, {meta['memory']}; "
                 f"{meta['os']}; load average before the run: {meta['loadavg']}")
    lines.append(f"- source: {meta['revision']}; build: `{meta['build_dir']}` "
                 f"({meta['build_type']})")
    lines.append(f"- command: `{meta['command']}` ({meta['elapsed_s']} s in all)")
    lines.append(f"- load: `{meta['wrk_command']}`, {meta['duration_s']} s per server and "
                 f"round after a 1 s warm-up; the servers take turns within a round, in reverse "
                 f"order every other round; random ids over the {meta['products']} products "
                 f"({meta['seed']})")
    lines.append(f"- rounds: {meta['rounds']} quiet ones wanted; a round is noisy when, during "
                 f"any of its runs, processes other than the server and wrk used more than "
                 f"{meta['noisy_pct']:g}% of the CPU time (/proc/stat), and is then repeated (at "
                 f"most {meta['extra_rounds']} more). Figures are medians over "
                 + (f"the quiet rounds {', '.join(map(str, used))}" if quiet else
                    f"all rounds ({', '.join(map(str, used))}): **none was quiet, figures are "
                    f"noisy**")
                 + "; the ratio is the median of the per-round ratios")
    lines.append(f"- servers: {meta['server_threads']} threads each (`--threads` / "
                 f"`--io-threads`), all on 127.0.0.1, started before the first round and idle "
                 f"while the others are measured; wrk and servers share the {meta['nproc']} CPUs")
    lines.append("- idle RSS: VmRSS from /proc/PID/status after seeding and "
                 f"{meta['idle_s']} s idle; after load: at the end of the rounds")
    lines.append(f"- start-up to ready: `bench_startup_probe` (bench/startup_probe.cpp) forks and "
                 f"execs the server with an empty data dir, then polls `GET /readyz` every 1 ms "
                 f"with a fresh connection until a 200; time from just before fork to that "
                 f"answer, median of {meta['startup_runs']} runs (the fixed ceiling shows the "
                 f"probe's own floor)")
    lines.append("")
    lines.append("| server | req/s | p50 | p99 | vs SQLite-read ceiling | idle RSS | RSS after "
                 "load | start-up to ready | errors / non-2xx |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, label in SERVERS:
        row = rows[key]
        if key == "mart" and not meta["mart_present"]:
            lines.append(f"| {label} | not built | | | | | | | |")
            continue
        if "rps" not in row:
            lines.append(f"| {label} | no result | | | | | | | |")
            continue
        ratio = f"{row['ratio']:.0%}" if "ratio" in row else "—"
        startup = fmt_ms(row["startup_ms"])
        if key == "sqlite_read":
            startup = "— (builds its db)"
        lines.append(f"| {label} | {row['rps']:,.0f} | {fmt_ms(row['p50_ms'])} | "
                     f"{fmt_ms(row['p99_ms'])} | {ratio} | {fmt_rss(row['rss_idle_kib'])} | "
                     f"{fmt_rss(row['rss_loaded_kib'])} | {startup} | {row['errors']} |")
    lines.append("")
    lines.append("Each round (req/s, p99; other CPU is the largest share of the round's runs):")
    lines.append("")
    all_rounds = sorted(set().union(*(rows[key]["rounds"] for key, _ in SERVERS)))
    for r in all_rounds:
        runs = {key: rows[key]["rounds"][r] for key, _ in SERVERS if r in rows[key]["rounds"]}
        other = max(run["other_cpu_pct"] for run in runs.values())
        figures = ", ".join(f"{key} {run['rps']:,.0f} ({fmt_ms(run['p99_us'] / 1000)})"
                            for key, run in runs.items())
        state = "quiet" if r in quiet else "noisy"
        lines.append(f"- round {r} ({state}, other CPU ≤ {other:.0f}%): {figures}")
    lines.append("")
    if rows["fixed"]["startup_runs"] or mart["startup_runs"]:
        startups = "; ".join(
            f"{key}: " + ", ".join(f"{t:.1f}" for t in rows[key]["startup_runs"])
            for key in ("fixed", "mart") if rows[key]["startup_runs"])
        lines.append(f"Start-up runs (ms): {startups}.")
    if insert:
        lines.append(f"Write-path ceiling, for the order-flow benchmark to come "
                     f"(`bench_ceiling_sqlite_insert`: POST, one insert per transaction, WAL, "
                     f"synchronous=NORMAL, one writer connection behind a mutex; "
                     f"`bench/lua/create_product.lua`, one {meta['duration_s']} s run, other CPU "
                     f"{insert['other_cpu_pct']:.0f}%): {insert['rps']:,.0f} req/s, "
                     f"p50 {fmt_ms(insert['p50_us'] / 1000)}, p99 {fmt_ms(insert['p99_us'] / 1000)}.")
    lines.append("")

    checks = []
    if meta["mart_present"] and "ratio" in mart:
        ratio = mart["ratio"]
        rss = mart["rss_idle_kib"]
        startup = mart["startup_ms"]
        checks = [
            (f"mart ≥ {MIN_RATIO:.0%} of the SQLite-read ceiling's req/s", f"{ratio:.0%}",
             ratio >= MIN_RATIO),
            (f"mart p99 ≤ {MAX_P99_MS:g} ms at {meta['connections']} connections",
             fmt_ms(mart["p99_ms"]), mart["p99_ms"] <= MAX_P99_MS),
            ("mart idle RSS ≤ 30 MB (10^6 bytes)",
             "—" if rss is None else f"{rss * 1024 / 1e6:.1f} MB ({fmt_rss(rss)})",
             rss is not None and rss * 1024 <= MAX_IDLE_RSS_BYTES),
            (f"mart start-up to ready ≤ {MAX_STARTUP_MS:g} ms", fmt_ms(startup),
             startup is not None and startup <= MAX_STARTUP_MS),
            ("every answer to mart a 2xx, no socket errors", str(mart["errors"]),
             mart["errors"] == 0),
        ]
        lines.append("| target | measured | result |")
        lines.append("| --- | ---: | --- |")
        for name, measured, ok in checks:
            lines.append(f"| {name} | {measured} | {verdict(ok)} |")
    else:
        lines.append("Targets not checked: mart was not measured "
                     f"(`{meta['build_dir']}/app/mart` {'failed' if meta['mart_present'] else 'missing'}).")
    lines.append(END)
    return "\n".join(lines) + "\n", checks


def write_doc(doc, section):
    text = doc.read_text() if doc.exists() else DOC_HEADER
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=pathlib.Path)
    parser.add_argument("--doc", help="benchmarks document to update ('-' for none)")
    args = parser.parse_args()

    meta = json.loads((args.results / "meta.json").read_text())
    by_server = {key: wrk_rounds(args.results, key) for key, _ in SERVERS}
    used, quiet = choose_rounds(by_server, meta["noisy_pct"])
    reference = by_server["sqlite_read"]
    rows = {key: summarize(args.results, key, by_server[key], used, reference)
            for key, _ in SERVERS}
    insert = wrk_rounds(args.results, "sqlite_insert").get(1)
    section, checks = build_section(meta, rows, used, quiet, insert)
    print(section)
    if args.doc and args.doc != "-":
        write_doc(pathlib.Path(args.doc), section)
        print(f"written to {args.doc}")
    if not checks:
        return 4
    return 0 if all(ok for _, _, ok in checks) else 3


if __name__ == "__main__":
    sys.exit(main())
