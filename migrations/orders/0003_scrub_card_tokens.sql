-- The card token at rest (issue #13). From this version on, Orders seals the token the moment an
-- order is placed (kernel/sealed_text.hpp), keeps it only while the order is pending, and
-- PaymentRequested carries it only sealed (`payment_token_sealed`). This scrubs the tokens an
-- older build left in the clear; the column keeps its name and now holds the sealed form.
--
-- * Orders past the point of payment (reserved: PaymentRequested was published; confirmed,
--   shipped, cancelled) lose their token. Older builds already cleared it on reservation, but
--   never on a cancel from pending.
-- * A pending order keeps its token, even in the clear: its PaymentRequested is still to come and
--   must carry it, or the order could not be paid. SQL cannot seal it (the key is derived from
--   jwt_secret in the process); it goes when the order leaves pending, as every token does.
-- * A delivered orders.payment_requested.v1 (at or before the outbox's delivered position) loses
--   `payment_token`: Payments has taken it. An undelivered one keeps it until delivered, so that
--   Payments can still charge it; retention (bus.retention_hours) then prunes it.
-- SQLite as Debian builds it overwrites deleted content (SQLITE_SECURE_DELETE), so the scrubbed
-- text does not linger in free space of the database file.
UPDATE orders SET payment_token = ''
  WHERE status <> 'pending' AND payment_token <> '';

UPDATE bus_outbox SET payload = json_remove(payload, '$.payment_token')
  WHERE type = 'orders.payment_requested.v1'
    AND seq <= (SELECT seq FROM bus_delivered WHERE id = 1)
    AND json_extract(payload, '$.payment_token') IS NOT NULL;
