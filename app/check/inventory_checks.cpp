// The inventory module's tables (migrations/inventory).

#include "module_checks.hpp"

#include <SQLiteCpp/Statement.h>

namespace mart::check {
namespace {

constexpr const char* kModule = "inventory";

// Every product's columns, the sum of its adjustments, and what its reservations hold.
constexpr const char* kStockLedger =
    "SELECT s.product_id, s.available, s.reserved, s.sold, COALESCE(a.total, 0), "
    "COALESCE(r.held, 0), COALESCE(r.committed, 0) FROM stock s "
    "LEFT JOIN (SELECT product_id, SUM(delta) AS total FROM adjustments GROUP BY product_id) a "
    "ON a.product_id = s.product_id "
    "LEFT JOIN (SELECT l.product_id, SUM(CASE WHEN r.status = 'held' THEN l.quantity END) AS held, "
    "SUM(CASE WHEN r.status = 'committed' THEN l.quantity END) AS committed "
    "FROM reservation_lines l JOIN reservations r ON r.order_id = l.order_id "
    "GROUP BY l.product_id) r ON r.product_id = s.product_id "
    "ORDER BY s.product_id";

std::string product(std::int64_t id) {
  return "product " + std::to_string(id);
}

}  // namespace

void check_inventory(SQLite::Database& inventory, Report& report) {
  report.checked(invariant::kStockConserved);
  report.checked(invariant::kStockNotNegative);
  SQLite::Statement ledger(inventory, kStockLedger);
  std::int64_t products = 0;
  while (ledger.executeStep()) {
    ++products;
    auto id = ledger.getColumn(0).getInt64();
    auto available = ledger.getColumn(1).getInt64();
    auto reserved = ledger.getColumn(2).getInt64();
    auto sold = ledger.getColumn(3).getInt64();
    auto adjusted = ledger.getColumn(4).getInt64();
    auto held = ledger.getColumn(5).getInt64();
    auto committed = ledger.getColumn(6).getInt64();
    if (available < 0 || reserved < 0 || sold < 0) {
      report.breach({invariant::kStockNotNegative, kModule, product(id),
                     "available " + std::to_string(available) + ", reserved " +
                         std::to_string(reserved) + ", sold " + std::to_string(sold)});
    }
    if (available + reserved + sold != adjusted) {
      report.breach(
          {invariant::kStockConserved, kModule, product(id),
           "available + reserved + sold = " + std::to_string(available + reserved + sold) +
               " but its adjustments sum to " + std::to_string(adjusted)});
    }
    if (reserved != held) {
      report.breach({invariant::kStockConserved, kModule, product(id),
                     "reserved " + std::to_string(reserved) + " but held reservations hold " +
                         std::to_string(held)});
    }
    if (sold != committed) {
      report.breach({invariant::kStockConserved, kModule, product(id),
                     "sold " + std::to_string(sold) + " but committed reservations hold " +
                         std::to_string(committed)});
    }
  }
  report.count("products_stocked", products);
}

}  // namespace mart::check
