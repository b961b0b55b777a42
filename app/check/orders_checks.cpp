// The orders module's tables (migrations/orders).

#include "module_checks.hpp"

#include <SQLiteCpp/Statement.h>

namespace mart::check {
namespace {

constexpr const char* kModule = "orders";

// As orders' own stuck_orders count (its /readyz detail): waiting in pending or reserved since
// before the bound.
constexpr const char* kStuck =
    "SELECT id, status, updated_ms FROM orders "
    "WHERE (status = 'pending' OR status = 'reserved') AND updated_ms < ? ORDER BY id";
constexpr const char* kCount = "SELECT COUNT(*) FROM orders";

}  // namespace

void check_orders(SQLite::Database& orders, std::chrono::seconds stuck_after, std::int64_t now_ms,
                  Report& report) {
  report.checked(invariant::kNoStuckOrder);
  const auto bound_ms = std::chrono::duration_cast<std::chrono::milliseconds>(stuck_after).count();
  SQLite::Statement stuck(orders, kStuck);
  stuck.bind(1, now_ms - bound_ms);
  while (stuck.executeStep()) {
    auto waited_s = (now_ms - stuck.getColumn(2).getInt64()) / 1000;
    report.breach({invariant::kNoStuckOrder, kModule,
                   "order " + std::to_string(stuck.getColumn(0).getInt64()),
                   "in " + stuck.getColumn(1).getString() + " for " + std::to_string(waited_s) +
                       " s (bound " + std::to_string(stuck_after.count()) + " s)"});
  }
  SQLite::Statement count(orders, kCount);
  count.executeStep();
  report.count("orders", count.getColumn(0).getInt64());
}

}  // namespace mart::check
