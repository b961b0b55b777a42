#pragma once
// Retention of the bus tables (BusOptions::retention): what every reader has had and is older
// than the retention goes, so a module's database does not grow with every event forever.

#include "eventbus/bus.hpp"

#include <kernel/database.hpp>

#include <cstdint>
#include <string>

namespace eventbus::detail {

// Deletes, in write transactions of at most `chunk` rows each:
//  - outbox rows up to `delivered` (the seq every reader has passed) that occurred before
//    `cutoff_ms`, stopping at the first younger one and always keeping the newest row (a new
//    row's seq is the largest in the table plus one: migration 0005);
//  - inbox rows of events handled before `cutoff_ms`. An inbox row guards against a second
//    delivery of its event; past the retention only an operator re-reading old events (a Kafka
//    consumer group moved back in time) could bring one again;
//  - dead letters discarded before `cutoff_ms`, and the failed attempts recorded before it of
//    deliveries that no longer wait (handled, or discarded); a pending or dead delivery keeps
//    its history (at most kAttemptsKept rows) while it waits.
PruneResult prune(kernel::Database& db, std::int64_t delivered, std::int64_t cutoff_ms, int chunk);

// The smallest time-ordered (UUIDv7) event id of the millisecond `ms`, as a prefix that every id
// of an earlier millisecond sorts before ("0192f3a4-5b6c").
std::string time_ordered_id_floor(std::int64_t ms);

}  // namespace eventbus::detail
