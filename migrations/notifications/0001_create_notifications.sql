-- Notifications' own copy of what it needs of user accounts, kept from users' events.
-- source_seq is the users outbox position of the event last applied, so an event that arrives
-- late (a replayed dead letter) never overwrites a newer contact.
CREATE TABLE contacts (
  user_id    INTEGER PRIMARY KEY,
  email      TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  source_seq INTEGER NOT NULL DEFAULT 0
);

-- One row per (user, event told about). source_event_id identifies the business fact, e.g.
-- "orders.order_placed.v1/order/12" or "payments.payment_refunded.v1/payment/3", not the bus
-- envelope: the same fact published twice under two envelope ids is still one notification.
-- source_envelope_id is the envelope that created the row, for tracing.
CREATE TABLE notifications (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id            INTEGER NOT NULL,
  source_event_id    TEXT    NOT NULL,
  source_envelope_id TEXT    NOT NULL,
  event_type         TEXT    NOT NULL,
  order_id           INTEGER NOT NULL,
  message            TEXT    NOT NULL,
  channel            TEXT    NOT NULL,
  status             TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
  is_read            INTEGER NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
  created_at         TEXT    NOT NULL,
  delivered_at       TEXT,
  UNIQUE (user_id, source_event_id)
);
-- A user's notifications newest first (keyset on id descending).
CREATE INDEX notifications_by_user ON notifications(user_id, id);
