-- Stock per product, the adjustments that explain it, and one reservation per order.
-- Conservation (design.md): for every product, available + reserved + sold = SUM(adjustments.delta).
-- Reservations move units between the three columns and never change their sum; only an
-- adjustment does, and it is recorded in the same transaction.

-- One row per product inventory knows (created on products.product_created.v1).
CREATE TABLE stock (
  product_id INTEGER PRIMARY KEY,
  available  INTEGER NOT NULL DEFAULT 0 CHECK (available >= 0),
  reserved   INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  sold       INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
);

-- Every change of a product's total stock, with why (append-only).
CREATE TABLE adjustments (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  product_id INTEGER NOT NULL REFERENCES stock(product_id),
  delta      INTEGER NOT NULL CHECK (delta <> 0),
  reason     TEXT    NOT NULL,
  at         TEXT    NOT NULL
);
CREATE INDEX adjustments_by_product ON adjustments(product_id, id);

-- The reservation of an order: its state machine makes every order event apply at most once.
--   held -> committed (order confirmed) -> returned (confirmed order cancelled: stock back)
--   held -> released (order cancelled before it was paid)
--   failed: some line was short, nothing was held
--   voided: the order was cancelled before its OrderPlaced was handled; a late one holds nothing
CREATE TABLE reservations (
  order_id   INTEGER PRIMARY KEY,
  status     TEXT    NOT NULL
             CHECK (status IN ('held', 'committed', 'released', 'returned', 'failed', 'voided')),
  created_at TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
);

-- The order's lines, one per product (repeated products of an order are summed).
CREATE TABLE reservation_lines (
  order_id   INTEGER NOT NULL REFERENCES reservations(order_id),
  product_id INTEGER NOT NULL,
  quantity   INTEGER NOT NULL,
  position   INTEGER NOT NULL,  -- first appearance in the order, so events list lines as ordered
  PRIMARY KEY (order_id, product_id)
) WITHOUT ROWID;
