-- Per-key order holds across every subscriber of a module: a parked event holds back later
-- events of the same publisher and key for all of that module's subscribers.
CREATE INDEX bus_parked_by_source_key ON bus_parked(source, aggregate_key, status);
