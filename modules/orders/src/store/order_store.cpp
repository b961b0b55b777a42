#include "store/order_store.hpp"

namespace orders::store {
namespace {

constexpr const char* kInsertOrder =
    "INSERT INTO orders(user_id, status, total_cents, currency, payment_token, created_at, "
    "updated_at, updated_ms, shipping_address) VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertLine =
    "INSERT INTO order_lines(order_id, line_no, product_id, quantity, unit_price_cents) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr const char* kFindOrder =
    "SELECT id, user_id, status, cancel_reason, total_cents, currency, payment_token, created_at, "
    "updated_at, shipping_address FROM orders WHERE id = ?";
constexpr const char* kLines =
    "SELECT product_id, quantity, unit_price_cents FROM order_lines WHERE order_id = ? "
    "ORDER BY line_no";
// Every status after pending is past the point of payment (PaymentRequested is published with
// the move to reserved; the other moves end the path to payment): the card token goes with it.
constexpr const char* kSetStatus =
    "UPDATE orders SET status = ?, cancel_reason = ?, updated_at = ?, updated_ms = ?, "
    "payment_token = '' WHERE id = ?";
// One statement per filter combination keeps each one a simple index range scan.
constexpr const char* kPageAll = "SELECT id FROM orders WHERE id < ? ORDER BY id DESC LIMIT ?";
constexpr const char* kPageByUser =
    "SELECT id FROM orders WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
constexpr const char* kPageByStatus =
    "SELECT id FROM orders WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?";
constexpr const char* kPageByUserAndStatus =
    "SELECT id FROM orders WHERE user_id = ? AND status = ? AND id < ? ORDER BY id DESC LIMIT ?";
constexpr const char* kCountStuck =
    "SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'reserved') AND updated_ms < ?";
constexpr const char* kCountByStatus = "SELECT status, COUNT(*) FROM orders GROUP BY status";
constexpr const char* kUpsertProduct =
    "INSERT INTO catalog(product_id, name, price_cents, currency, deleted) VALUES (?, ?, ?, ?, 0) "
    "ON CONFLICT(product_id) DO UPDATE SET name = excluded.name, "
    "price_cents = excluded.price_cents, currency = excluded.currency";
constexpr const char* kDeleteProduct =
    "INSERT INTO catalog(product_id, name, price_cents, currency, deleted) VALUES (?, '', 0, '', "
    "1) "
    "ON CONFLICT(product_id) DO UPDATE SET deleted = 1";
constexpr const char* kFindProduct =
    "SELECT name, price_cents, currency, deleted FROM catalog WHERE product_id = ?";
constexpr const char* kFindKey =
    "SELECT request_hash, order_id, response_body FROM idempotency_keys "
    "WHERE user_id = ? AND key = ?";
constexpr const char* kInsertKey =
    "INSERT INTO idempotency_keys(user_id, key, request_hash, order_id, response_body, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";

constexpr std::int64_t kNoUpperBound = INT64_MAX;

}  // namespace

std::int64_t insert(kernel::Connection& c, const Order& order, std::int64_t now_ms) {
  auto& insert = c.prepare(kInsertOrder);
  insert.bind(1, order.user_id);
  insert.bind(2, order.total_cents);
  insert.bind(3, order.currency);
  insert.bind(4, order.payment_token);
  insert.bind(5, order.created_at);
  insert.bind(6, order.updated_at);
  insert.bind(7, now_ms);
  insert.bind(8, order.shipping_address);
  insert.exec();
  auto id = c.last_insert_rowid();
  int line_no = 0;
  for (const auto& line : order.lines) {
    auto& add = c.prepare(kInsertLine);
    add.bind(1, id);
    add.bind(2, ++line_no);
    add.bind(3, line.product_id);
    add.bind(4, line.quantity);
    add.bind(5, line.unit_price_cents);
    add.exec();
  }
  return id;
}

std::optional<Order> find(kernel::Connection& c, std::int64_t id) {
  auto& select = c.prepare(kFindOrder);
  select.bind(1, id);
  if (!select.executeStep()) return std::nullopt;
  Order o;
  o.id = select.getColumn(0).getInt64();
  o.user_id = select.getColumn(1).getInt64();
  o.status = parse_status(select.getColumn(2).getString()).value_or(Status::pending);
  if (!select.getColumn(3).isNull()) o.cancel_reason = select.getColumn(3).getString();
  o.total_cents = select.getColumn(4).getInt64();
  o.currency = select.getColumn(5).getString();
  o.payment_token = select.getColumn(6).getString();
  o.created_at = select.getColumn(7).getString();
  o.updated_at = select.getColumn(8).getString();
  o.shipping_address = select.getColumn(9).getString();
  select.reset();
  auto& lines = c.prepare(kLines);
  lines.bind(1, id);
  while (lines.executeStep()) {
    o.lines.push_back({lines.getColumn(0).getInt64(), lines.getColumn(1).getInt64(),
                       lines.getColumn(2).getInt64()});
  }
  return o;
}

void set_status(kernel::Connection& c, std::int64_t id, Status status,
                const std::optional<std::string>& cancel_reason, const std::string& at,
                std::int64_t at_ms) {
  auto& update = c.prepare(kSetStatus);
  update.bind(1, std::string(status_name(status)));
  if (cancel_reason) {
    update.bind(2, *cancel_reason);
  } else {
    update.bind(2);
  }
  update.bind(3, at);
  update.bind(4, at_ms);
  update.bind(5, id);
  update.exec();
}

std::vector<Order> page(kernel::Connection& c, const PageQuery& q) {
  const char* sql = q.user_id ? (q.status ? kPageByUserAndStatus : kPageByUser)
                              : (q.status ? kPageByStatus : kPageAll);
  auto& select = c.prepare(sql);
  int index = 0;
  if (q.user_id) select.bind(++index, *q.user_id);
  if (q.status) select.bind(++index, std::string(status_name(*q.status)));
  select.bind(++index, q.before.value_or(kNoUpperBound));
  select.bind(++index, q.limit);
  std::vector<std::int64_t> ids;
  while (select.executeStep()) ids.push_back(select.getColumn(0).getInt64());
  std::vector<Order> out;
  for (auto id : ids) {
    if (auto order = find(c, id)) out.push_back(std::move(*order));
  }
  return out;
}

std::int64_t count_stuck(kernel::Connection& c, std::int64_t before_ms) {
  auto& count = c.prepare(kCountStuck);
  count.bind(1, before_ms);
  count.executeStep();
  auto n = count.getColumn(0).getInt64();
  count.reset();
  return n;
}

std::map<std::string, std::int64_t> count_by_status(kernel::Connection& c) {
  std::map<std::string, std::int64_t> out;
  auto& count = c.prepare(kCountByStatus);
  while (count.executeStep()) out[count.getColumn(0).getString()] = count.getColumn(1).getInt64();
  count.reset();
  return out;
}

void upsert_product(kernel::Connection& c, std::int64_t product_id, const CatalogEntry& entry) {
  auto& upsert = c.prepare(kUpsertProduct);
  upsert.bind(1, product_id);
  upsert.bind(2, entry.name);
  upsert.bind(3, entry.price_cents);
  upsert.bind(4, entry.currency);
  upsert.exec();
}

void mark_product_deleted(kernel::Connection& c, std::int64_t product_id) {
  auto& update = c.prepare(kDeleteProduct);
  update.bind(1, product_id);
  update.exec();
}

std::optional<CatalogEntry> find_product(kernel::Connection& c, std::int64_t product_id) {
  auto& select = c.prepare(kFindProduct);
  select.bind(1, product_id);
  std::optional<CatalogEntry> out;
  if (select.executeStep()) {
    out = CatalogEntry{select.getColumn(0).getString(), select.getColumn(1).getInt64(),
                       select.getColumn(2).getString(), select.getColumn(3).getInt() != 0};
  }
  select.reset();
  return out;
}

std::optional<IdempotencyRecord> find_key(kernel::Connection& c, std::int64_t user_id,
                                          const std::string& key) {
  auto& select = c.prepare(kFindKey);
  select.bind(1, user_id);
  select.bind(2, key);
  std::optional<IdempotencyRecord> out;
  if (select.executeStep()) {
    out = IdempotencyRecord{select.getColumn(0).getString(), select.getColumn(1).getInt64(),
                            select.getColumn(2).getString()};
  }
  select.reset();
  return out;
}

void insert_key(kernel::Connection& c, std::int64_t user_id, const std::string& key,
                const IdempotencyRecord& record, const std::string& at) {
  auto& insert = c.prepare(kInsertKey);
  insert.bind(1, user_id);
  insert.bind(2, key);
  insert.bind(3, record.request_hash);
  insert.bind(4, record.order_id);
  insert.bind(5, record.response_body);
  insert.bind(6, at);
  insert.exec();
}

}  // namespace orders::store
