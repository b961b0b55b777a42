-- Every handled event paid for a second b-tree insert into this index, and only an order's
-- timeline read it. The timeline now asks the inbox's primary key (subscriber, event_id) for each
-- subscriber of the event's type instead.
DROP INDEX IF EXISTS bus_inbox_by_event;
