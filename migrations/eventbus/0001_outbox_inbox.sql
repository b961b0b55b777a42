-- The event bus's tables, present in every module's database.

-- Events this module published, written in the same transaction as the state change they describe.
-- seq is the delivery order; AUTOINCREMENT so a seq is never reused after pruning.
CREATE TABLE bus_outbox (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id       TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  topic          TEXT    NOT NULL,
  aggregate_key  TEXT    NOT NULL,
  correlation_id TEXT    NOT NULL,
  causation_id   TEXT    NOT NULL DEFAULT '',
  occurred_ms    INTEGER NOT NULL,
  payload        TEXT    NOT NULL,
  delivered_ms   INTEGER
);
CREATE INDEX bus_outbox_by_key ON bus_outbox(aggregate_key, seq);

-- Events this module's subscribers have handled: written in the handler's transaction, so a
-- redelivered event is recognised and changes nothing.
CREATE TABLE bus_inbox (
  subscriber TEXT    NOT NULL,
  event_id   TEXT    NOT NULL,
  source     TEXT    NOT NULL,
  handled_ms INTEGER NOT NULL,
  PRIMARY KEY (subscriber, event_id)
) WITHOUT ROWID;

-- How far this module has consumed each publisher's outbox; advanced with the effects.
CREATE TABLE bus_positions (
  source TEXT    PRIMARY KEY,
  seq    INTEGER NOT NULL
) WITHOUT ROWID;

-- Deliveries that failed (status 'pending' with attempts > 0), that wait behind a failed one of the
-- same key ('pending', attempts 0), or that ran out of attempts ('dead': the dead letters).
CREATE TABLE bus_parked (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  subscriber      TEXT    NOT NULL,
  aggregate_key   TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  event_type      TEXT    NOT NULL,
  source          TEXT    NOT NULL,
  envelope        TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT    NOT NULL DEFAULT '',
  parked_ms       INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  UNIQUE (subscriber, event_id)
);
CREATE INDEX bus_parked_by_key ON bus_parked(subscriber, aggregate_key, status);
CREATE INDEX bus_parked_by_status ON bus_parked(status, id);
