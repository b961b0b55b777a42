-- The outbox without AUTOINCREMENT: with it, every published event also rewrote the table's row
-- in sqlite_sequence (a second B-tree write per event, one more page per commit). A plain
-- INTEGER PRIMARY KEY gives each new row the largest seq so far plus one, so a seq is still never
-- handed out twice as long as the newest row is kept: pruning (not done yet) must keep it.
CREATE TABLE bus_outbox_v2 (
  seq            INTEGER PRIMARY KEY,
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
INSERT INTO bus_outbox_v2(seq, event_id, type, topic, aggregate_key, correlation_id,
                          causation_id, occurred_ms, payload, delivered_ms)
  SELECT seq, event_id, type, topic, aggregate_key, correlation_id, causation_id, occurred_ms,
         payload, delivered_ms
  FROM bus_outbox;
DROP TABLE bus_outbox;
ALTER TABLE bus_outbox_v2 RENAME TO bus_outbox;
CREATE INDEX bus_outbox_by_key ON bus_outbox(aggregate_key, seq);
