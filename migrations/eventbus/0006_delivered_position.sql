-- How far every reader of this outbox (the in-process consumers and the Kafka mirror) has got,
-- as one row, instead of a delivered_ms stamp written into each outbox row: stamping rewrote
-- every published event once more (its page written to the WAL and checkpointed a second time)
-- to record what this one position says. Rows up to `seq` are delivered; `updated_ms` is when
-- the position last moved.
CREATE TABLE bus_delivered (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  seq        INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
INSERT INTO bus_delivered(id, seq, updated_ms)
  SELECT 1, COALESCE(MAX(seq), 0), COALESCE(MAX(delivered_ms), 0)
  FROM bus_outbox WHERE delivered_ms IS NOT NULL;
ALTER TABLE bus_outbox DROP COLUMN delivered_ms;
