#include "store/stock_store.hpp"

namespace inventory::store {
namespace {

constexpr const char* kInsertStock =
    "INSERT INTO stock(product_id, created_at, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT(product_id) DO NOTHING";
constexpr const char* kFindStock =
    "SELECT product_id, available, reserved, sold FROM stock WHERE product_id = ?";
constexpr const char* kSaveStock =
    "UPDATE stock SET available = ?, reserved = ?, sold = ?, updated_at = ? WHERE product_id = ?";
constexpr const char* kInsertAdjustment =
    "INSERT INTO adjustments(product_id, delta, reason, at) VALUES (?, ?, ?, ?)";
constexpr const char* kAdjustmentsPage =
    "SELECT id, product_id, delta, reason, at FROM adjustments "
    "WHERE product_id = ? AND id > ? ORDER BY id LIMIT ?";
constexpr const char* kUnbalanced =
    "SELECT s.product_id FROM stock s "
    "LEFT JOIN (SELECT product_id, SUM(delta) AS total FROM adjustments GROUP BY product_id) a "
    "ON a.product_id = s.product_id "
    "WHERE s.available + s.reserved + s.sold <> COALESCE(a.total, 0) "
    "OR s.available < 0 OR s.reserved < 0 OR s.sold < 0 ORDER BY s.product_id";

}  // namespace

bool insert_stock(kernel::Connection& c, std::int64_t product_id, const std::string& at) {
  auto& insert = c.prepare(kInsertStock);
  insert.bind(1, product_id);
  insert.bind(2, at);
  insert.bind(3, at);
  insert.exec();
  return c.changes() > 0;
}

std::optional<StockLevels> find_stock(kernel::Connection& c, std::int64_t product_id) {
  auto& select = c.prepare(kFindStock);
  select.bind(1, product_id);
  std::optional<StockLevels> out;
  if (select.executeStep()) {
    out = StockLevels{select.getColumn(0).getInt64(), select.getColumn(1).getInt64(),
                      select.getColumn(2).getInt64(), select.getColumn(3).getInt64()};
  }
  select.reset();
  return out;
}

void save_stock(kernel::Connection& c, const StockLevels& levels, const std::string& at) {
  auto& update = c.prepare(kSaveStock);
  update.bind(1, levels.available);
  update.bind(2, levels.reserved);
  update.bind(3, levels.sold);
  update.bind(4, at);
  update.bind(5, levels.product_id);
  update.exec();
}

void insert_adjustment(kernel::Connection& c, std::int64_t product_id, const Adjustment& adjustment,
                       const std::string& at) {
  auto& insert = c.prepare(kInsertAdjustment);
  insert.bind(1, product_id);
  insert.bind(2, adjustment.delta);
  insert.bind(3, adjustment.reason);
  insert.bind(4, at);
  insert.exec();
}

std::vector<AdjustmentRecord> adjustments_page(kernel::Connection& c, std::int64_t product_id,
                                               std::int64_t after, int limit) {
  auto& select = c.prepare(kAdjustmentsPage);
  select.bind(1, product_id);
  select.bind(2, after);
  select.bind(3, limit);
  std::vector<AdjustmentRecord> out;
  while (select.executeStep()) {
    out.push_back({select.getColumn(0).getInt64(), select.getColumn(1).getInt64(),
                   select.getColumn(2).getInt64(), select.getColumn(3).getString(),
                   select.getColumn(4).getString()});
  }
  return out;
}

std::vector<std::int64_t> unbalanced_products(kernel::Connection& c) {
  auto& select = c.prepare(kUnbalanced);
  std::vector<std::int64_t> out;
  while (select.executeStep()) out.push_back(select.getColumn(0).getInt64());
  return out;
}

}  // namespace inventory::store
