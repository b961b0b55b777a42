-- The reservations table again, with the same rows, its status CHECK comparing with each
-- allowed value instead of IN (...): SQLite codes an IN list of three or more values as a
-- temporary B-tree built on every execution, so every reservation written opened, filled and
-- closed one (see orders/0002). The comparisons accept the same values.
-- reservation_lines refers to reservations by name, so it refers to the new table once it is
-- renamed (migrations run with foreign keys off and are checked with foreign_key_check).
CREATE TABLE reservations_v2 (
  order_id   INTEGER PRIMARY KEY,
  status     TEXT    NOT NULL
             CHECK (status = 'held' OR status = 'committed' OR status = 'released' OR
                    status = 'returned' OR status = 'failed' OR status = 'voided'),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
);
INSERT INTO reservations_v2(order_id, status, created_at, updated_at)
  SELECT order_id, status, created_at, updated_at FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_v2 RENAME TO reservations;
