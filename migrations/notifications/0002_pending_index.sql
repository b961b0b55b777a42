-- Start-up with a channel that delivers in place looks for notifications an earlier run left
-- pending. This partial index holds only those rows, so that look-up does not read the whole
-- table; it stays near empty (a notification leaves it when it is delivered).
CREATE INDEX notifications_pending ON notifications(id) WHERE status = 'pending';
