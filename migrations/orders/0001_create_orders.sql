-- Orders' own copy of the catalogue, kept from ProductEvents: orders are validated and priced
-- from it, never by asking the products module.
CREATE TABLE catalog (
  product_id  INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  price_cents INTEGER NOT NULL,
  currency    TEXT    NOT NULL,
  deleted     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE orders (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id        INTEGER NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('pending', 'reserved', 'confirmed', 'shipped',
                                                    'cancelled')),
  cancel_reason  TEXT CHECK (cancel_reason IN ('out_of_stock', 'payment_declined',
                                               'customer_request')),
  total_cents    INTEGER NOT NULL CHECK (total_cents >= 0),
  currency       TEXT    NOT NULL,
  payment_token  TEXT    NOT NULL DEFAULT '',  -- kept only until the payment is requested
  created_at     TEXT    NOT NULL,
  updated_at     TEXT    NOT NULL,
  updated_ms     INTEGER NOT NULL             -- for finding orders that stopped moving
);
CREATE INDEX orders_by_user ON orders(user_id, id);
CREATE INDEX orders_by_status ON orders(status, id);

CREATE TABLE order_lines (
  order_id         INTEGER NOT NULL REFERENCES orders(id),
  line_no          INTEGER NOT NULL,
  product_id       INTEGER NOT NULL,
  quantity         INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

-- Idempotency-Key: the first answer to (user, key), replayed for the same body.
CREATE TABLE idempotency_keys (
  user_id       INTEGER NOT NULL,
  key           TEXT    NOT NULL,
  request_hash  TEXT    NOT NULL,
  order_id      INTEGER NOT NULL,
  response_body TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
