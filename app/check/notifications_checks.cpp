// The notifications module's tables (migrations/notifications).

#include "module_checks.hpp"

#include <SQLiteCpp/Statement.h>

namespace mart::check {
namespace {

// source_event_id names the fact ("orders.order_placed.v1/order/12"), not the envelope.
constexpr const char* kDuplicates =
    "SELECT user_id, source_event_id, COUNT(*) FROM notifications "
    "GROUP BY source_event_id, user_id HAVING COUNT(*) > 1 ORDER BY source_event_id, user_id";
constexpr const char* kCount = "SELECT COUNT(*) FROM notifications";

}  // namespace

void check_notifications(SQLite::Database& notifications, Report& report) {
  report.checked(invariant::kOneNotificationPerFact);
  SQLite::Statement duplicates(notifications, kDuplicates);
  while (duplicates.executeStep()) {
    report.breach({invariant::kOneNotificationPerFact, "notifications",
                   "user " + std::to_string(duplicates.getColumn(0).getInt64()),
                   std::to_string(duplicates.getColumn(2).getInt64()) + " notifications of " +
                       duplicates.getColumn(1).getString()});
  }
  SQLite::Statement count(notifications, kCount);
  count.executeStep();
  report.count("notifications", count.getColumn(0).getInt64());
}

}  // namespace mart::check
