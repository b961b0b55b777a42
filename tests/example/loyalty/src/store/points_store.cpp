#include "store/points_store.hpp"

namespace loyalty::store {

bool award(kernel::Connection& c, std::int64_t order_id, std::int64_t user_id,
           std::int64_t points) {
  SQLite::Statement insert(
      c.raw(),
      "INSERT INTO loyalty_points (order_id, user_id, points) VALUES (?, ?, ?) "
      "ON CONFLICT (order_id) DO NOTHING");
  insert.bind(1, order_id);
  insert.bind(2, user_id);
  insert.bind(3, points);
  return insert.exec() == 1;
}

std::int64_t balance(kernel::Connection& c, std::int64_t user_id) {
  SQLite::Statement select(c.raw(),
                           "SELECT COALESCE(SUM(points), 0) FROM loyalty_points WHERE user_id = ?");
  select.bind(1, user_id);
  select.executeStep();
  return select.getColumn(0).getInt64();
}

}  // namespace loyalty::store
