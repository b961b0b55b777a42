-- Payments: at most one per order (order_id is UNIQUE), which is what makes an order be charged
-- once however often its payment request is delivered. Money is integer cents.
CREATE TABLE payments (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id           INTEGER NOT NULL UNIQUE,
  user_id            INTEGER NOT NULL,
  amount_cents       INTEGER NOT NULL,
  currency           TEXT    NOT NULL,
  status             TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed', 'refunded')),
  failure_reason     TEXT,             -- why it failed: 'card_declined', 'invalid_amount', ...
  provider_reference TEXT,             -- the provider's charge id, which a refund names
  refund_reference   TEXT,             -- the provider's refund id
  created_at         TEXT    NOT NULL,
  updated_at         TEXT    NOT NULL
);

-- Orders payments has seen cancelled. A payment request handled after its order's cancellation
-- (a dead-lettered request replayed later, or one orders should never have sent) then charges
-- nothing, so no succeeded payment can belong to a cancelled order without being refunded.
CREATE TABLE cancelled_orders (
  order_id     INTEGER PRIMARY KEY,
  cancelled_at TEXT    NOT NULL
) WITHOUT ROWID;
