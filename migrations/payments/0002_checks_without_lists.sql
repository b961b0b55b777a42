-- The payments table again, with the same rows and ids, for write cost under load:
--  * its status CHECK compares with each allowed value instead of IN (...): SQLite codes an IN
--    list of three or more values as a temporary B-tree built on every execution, so every
--    payment written opened, filled and closed one (see orders/0002). The comparisons accept the
--    same values.
--  * a plain INTEGER PRIMARY KEY: AUTOINCREMENT rewrote the table's row in sqlite_sequence in
--    every commit. Payments are never deleted, so a plain key (largest + 1) never hands an id
--    out twice; deleting payments one day must keep the newest row.
CREATE TABLE payments_v2 (
  id                 INTEGER PRIMARY KEY,
  order_id           INTEGER NOT NULL UNIQUE,
  user_id            INTEGER NOT NULL,
  amount_cents       INTEGER NOT NULL,
  currency           TEXT    NOT NULL,
  status             TEXT    NOT NULL
                     CHECK (status = 'succeeded' OR status = 'failed' OR status = 'refunded'),
  failure_reason     TEXT,             -- why it failed: 'card_declined', 'invalid_amount', ...
  provider_reference TEXT,             -- the provider's charge id, which a refund names
  refund_reference   TEXT,             -- the provider's refund id
  created_at         TEXT    NOT NULL,
  updated_at         TEXT    NOT NULL
);
INSERT INTO payments_v2(id, order_id, user_id, amount_cents, currency, status, failure_reason,
                        provider_reference, refund_reference, created_at, updated_at)
  SELECT id, order_id, user_id, amount_cents, currency, status, failure_reason,
         provider_reference, refund_reference, created_at, updated_at
  FROM payments;
DROP TABLE payments;
ALTER TABLE payments_v2 RENAME TO payments;
