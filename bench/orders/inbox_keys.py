#!/usr/bin/env python3
"""What random event ids cost the bus's inbox: WAL pages written per delivery commit.

Creates the event bus's own tables from migrations/eventbus/*.sql in a scratch SQLite file (WAL,
synchronous=NORMAL, as mart opens its databases), fills bus_inbox with --rows rows, then commits
--commits transactions of --batch inbox rows each (a delivery batch's inbox writes) twice: once with
random UUIDv4 event ids (what eventbus/src/tx.cpp uses today, kernel::random_uuid) and once with
time-ordered ids (an increasing prefix, as UUIDv7 or ULID would give). Automatic checkpoints are
off, so the WAL's growth is exactly the pages the commits wrote. Prints one line per kind.

  python3 bench/orders/inbox_keys.py --dir /tmp      (about 10 s)

Standard library only. The absolute times include Python's own overhead; compare the two lines.
"""

import argparse
import os
import pathlib
import sqlite3
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRAME = 4096 + 24  # a WAL frame: page plus header (SQLite's default page size)
SUBSCRIBERS = ["notifications.on_order_placed", "notifications.on_order_confirmed",
               "notifications.deliver"]


def measure(directory, kind, rows, commits, batch):
    path = pathlib.Path(directory) / f"inbox-{kind}.db"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        for migration in sorted((ROOT / "migrations" / "eventbus").glob("*.sql")):
            db.executescript(migration.read_text())
        counter = 0

        def event_id():
            nonlocal counter
            counter += 1
            if kind == "random":
                return str(uuid.uuid4())
            return f"{counter:012x}-7000-8000-000000000000"

        insert = "INSERT INTO bus_inbox(subscriber, event_id, source, handled_ms) VALUES (?, ?, ?, ?)"
        db.execute("BEGIN")
        for i in range(rows):
            db.execute(insert, (SUBSCRIBERS[i % 3], event_id(), "orders", i))
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = pathlib.Path(f"{path}-wal")
        before = wal.stat().st_size if wal.exists() else 0
        started = time.perf_counter()
        for _ in range(commits):
            db.execute("BEGIN IMMEDIATE")
            for i in range(batch):
                db.execute(insert, (SUBSCRIBERS[i % 3], event_id(), "orders", i))
            db.execute("COMMIT")
        elapsed = time.perf_counter() - started
        pages = (wal.stat().st_size - before) / FRAME / commits
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{path}{suffix}")
            except FileNotFoundError:
                pass
    return pages, elapsed / commits / batch * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--batch", type=int, default=45)
    args = parser.parse_args()
    for kind in ("random", "ordered"):
        pages, us = measure(args.dir, kind, args.rows, args.commits, args.batch)
        print(f"{kind} event ids: {pages:.1f} WAL pages per commit of {args.batch} inbox rows "
              f"({pages / args.batch:.2f} per row), {us:.1f} us per row "
              f"(bus_inbox with {args.rows:,} rows)")


if __name__ == "__main__":
    main()
