-- The notifications table again, with its uniqueness keyed by the fact first and without
-- AUTOINCREMENT, for write cost under load:
--  * UNIQUE (source_event_id, user_id) instead of (user_id, source_event_id): fact ids of one
--    kind grow with the order id, so new entries go to one end of a run of the index instead of
--    to a page of their own per user (one dirty page per notification less in each commit).
--  * a plain INTEGER PRIMARY KEY: AUTOINCREMENT rewrote the table's row in sqlite_sequence in
--    every commit. Notifications are never deleted, so a plain key (largest + 1) never hands an
--    id out twice; deleting notifications one day must keep the newest row.
CREATE TABLE notifications_v2 (
  id                 INTEGER PRIMARY KEY,
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
  UNIQUE (source_event_id, user_id)
);
INSERT INTO notifications_v2(id, user_id, source_event_id, source_envelope_id, event_type,
                             order_id, message, channel, status, is_read, created_at,
                             delivered_at)
  SELECT id, user_id, source_event_id, source_envelope_id, event_type, order_id, message,
         channel, status, is_read, created_at, delivered_at
  FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_v2 RENAME TO notifications;
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE INDEX notifications_pending ON notifications(id) WHERE status = 'pending';
