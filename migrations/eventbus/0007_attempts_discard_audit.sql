-- An operator's view of failed deliveries (issue #16).

-- bus_parked gains the status 'discarded': a dead letter an operator gave up on, kept for the
-- record until the retention. SQLite cannot change a CHECK, so the table is rebuilt; its
-- AUTOINCREMENT counter is carried over, since audit rows and operators refer to its ids. The
-- CHECKs compare with each value: an IN list of three or more is a temporary B-tree built on
-- every write (see orders/0002).
CREATE TABLE bus_parked_v2 (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  subscriber      TEXT    NOT NULL,
  aggregate_key   TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  event_type      TEXT    NOT NULL,
  source          TEXT    NOT NULL,
  envelope        TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status = 'pending' OR status = 'dead' OR
                                          status = 'discarded'),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT    NOT NULL DEFAULT '',
  parked_ms       INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  UNIQUE (subscriber, event_id)
);
INSERT INTO bus_parked_v2(id, subscriber, aggregate_key, event_id, event_type, source, envelope,
                          status, attempts, next_attempt_ms, last_error, parked_ms, updated_ms)
  SELECT id, subscriber, aggregate_key, event_id, event_type, source, envelope, status, attempts,
         next_attempt_ms, last_error, parked_ms, updated_ms
  FROM bus_parked;
DELETE FROM sqlite_sequence WHERE name = 'bus_parked_v2';
INSERT INTO sqlite_sequence(name, seq)
  SELECT 'bus_parked_v2', seq FROM sqlite_sequence WHERE name = 'bus_parked';
DROP TABLE bus_parked;
ALTER TABLE bus_parked_v2 RENAME TO bus_parked;
CREATE INDEX bus_parked_by_key ON bus_parked(subscriber, aggregate_key, status);
CREATE INDEX bus_parked_by_status ON bus_parked(status, id);
CREATE INDEX bus_parked_by_source_key ON bus_parked(source, aggregate_key, status);

-- Every failed attempt of a delivery (subscriber, event), written with the parking update that
-- records it; only failures write here. Kept after the delivery succeeds (an order's timeline
-- shows the retries that healed) until the retention, at most the last 50 per delivery.
-- `attempt` counts across replays (bus_parked.attempts restarts at a replay).
CREATE TABLE bus_attempts (
  id         INTEGER PRIMARY KEY,
  subscriber TEXT    NOT NULL,
  event_id   TEXT    NOT NULL,
  attempt    INTEGER NOT NULL,
  at_ms      INTEGER NOT NULL,
  error      TEXT    NOT NULL,
  UNIQUE (subscriber, event_id, attempt)
);
CREATE INDEX bus_attempts_by_time ON bus_attempts(at_ms);

-- Who replayed or discarded a dead letter, when, why and with what outcome; never pruned.
-- parked_id is bus_parked's (local) id; actor_user_id is NULL for the command line.
CREATE TABLE bus_audit (
  id            INTEGER PRIMARY KEY,
  action        TEXT    NOT NULL CHECK (action IN ('replay', 'discard')),
  parked_id     INTEGER NOT NULL,
  subscriber    TEXT    NOT NULL,
  event_id      TEXT    NOT NULL,
  event_type    TEXT    NOT NULL,
  actor_user_id INTEGER,
  reason        TEXT,
  outcome       TEXT    NOT NULL CHECK (outcome = 'delivered' OR outcome = 'retrying' OR
                                        outcome = 'discarded'),
  at_ms         INTEGER NOT NULL
);
CREATE INDEX bus_audit_by_time ON bus_audit(at_ms, id);
