-- Which subscribers handled an event, looked up by event id (for an order's timeline).
CREATE INDEX bus_inbox_by_event ON bus_inbox(event_id);
