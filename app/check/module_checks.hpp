#pragma once
// The invariants of shared/design.md as read from the module databases, one file per module
// whose tables they read (the SQL of a module's tables stays in that module's file here). Each
// function reads through a connection of a ConsistentCut and adds what it finds to the report.

#include "invariant_report.hpp"

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace mart::check {

class ConsistentCut;

// Inventory: per product, available + reserved + sold = the sum of its adjustments, reserved and
// sold equal what the held and committed reservations hold, and no column is negative.
void check_inventory(SQLite::Database& inventory, Report& report);

// Orders: no order waits in pending or reserved longer than `stuck_after` (orders.stuck_after)
// before `now_ms`.
void check_orders(SQLite::Database& orders, std::chrono::seconds stuck_after, std::int64_t now_ms,
                  Report& report);

// Orders with Payments: every confirmed or shipped order has exactly one succeeded payment of
// its total; no cancelled order keeps a succeeded (un-refunded) payment.
void check_order_payments(SQLite::Database& orders, SQLite::Database& payments, Report& report);

// Notifications: at most one notification per (user, fact).
void check_notifications(SQLite::Database& notifications, Report& report);

// The bus: every consumer's position in another module's outbox is at or behind that outbox's
// head, and every outbox's delivered position too. Positions in outboxes not in the cut (a
// module hosted by another process, a Kafka partition) are noted as skipped.
void check_positions(const ConsistentCut& cut, Report& report);

// The schema: every migration of this build is applied to `module`'s database ("eventbus" and
// the module's own scope) with the checksum of the compiled-in text, and none other is.
void check_migrations(SQLite::Database& db, const std::string& module, Report& report);

}  // namespace mart::check
