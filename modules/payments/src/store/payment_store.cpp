#include "store/payment_store.hpp"

namespace payments::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO payments(order_id, user_id, amount_cents, currency, status, failure_reason, "
    "provider_reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kFind =
    "SELECT id, order_id, user_id, amount_cents, currency, status, failure_reason, "
    "provider_reference, refund_reference, created_at, updated_at FROM payments WHERE id = ?";
constexpr const char* kFindByOrder =
    "SELECT id, order_id, user_id, amount_cents, currency, status, failure_reason, "
    "provider_reference, refund_reference, created_at, updated_at FROM payments "
    "WHERE order_id = ?";
constexpr const char* kMarkRefunded =
    "UPDATE payments SET status = 'refunded', refund_reference = ?, updated_at = ? "
    "WHERE id = ? AND status = 'succeeded'";
constexpr const char* kMarkOrderCancelled =
    "INSERT OR IGNORE INTO cancelled_orders(order_id, cancelled_at) VALUES (?, ?)";
constexpr const char* kOrderCancelled = "SELECT 1 FROM cancelled_orders WHERE order_id = ?";
constexpr const char* kOrderState =
    "SELECT EXISTS (SELECT 1 FROM payments WHERE order_id = ?1), "
    "EXISTS (SELECT 1 FROM cancelled_orders WHERE order_id = ?1)";
constexpr const char* kPageForOrder =
    "SELECT id, order_id, user_id, amount_cents, currency, status, failure_reason, "
    "provider_reference, refund_reference, created_at, updated_at FROM payments "
    "WHERE order_id = ?1 AND (?2 OR user_id = ?3) AND id > ?4 ORDER BY id LIMIT ?5";

std::string text_or_empty(SQLite::Statement& row, int column) {
  return row.getColumn(column).isNull() ? std::string() : row.getColumn(column).getString();
}

Payment read_row(SQLite::Statement& row) {
  Payment p;
  p.id = row.getColumn(0).getInt64();
  p.order_id = row.getColumn(1).getInt64();
  p.user_id = row.getColumn(2).getInt64();
  p.amount_cents = row.getColumn(3).getInt64();
  p.currency = row.getColumn(4).getString();
  // The CHECK constraint admits only the three names, so the fallback is never taken.
  p.status = parse_status(row.getColumn(5).getString()).value_or(PaymentStatus::failed);
  p.failure_reason = text_or_empty(row, 6);
  p.provider_reference = text_or_empty(row, 7);
  p.refund_reference = text_or_empty(row, 8);
  p.created_at = row.getColumn(9).getString();
  p.updated_at = row.getColumn(10).getString();
  return p;
}

void bind_text_or_null(SQLite::Statement& statement, int index, const std::string& text) {
  if (text.empty()) {
    statement.bind(index);
  } else {
    statement.bind(index, text);
  }
}

std::optional<Payment> read_one(SQLite::Statement& select) {
  std::optional<Payment> out;
  if (select.executeStep()) out = read_row(select);
  select.reset();  // a finished read holds no snapshot open
  return out;
}

}  // namespace

std::int64_t insert(kernel::Connection& c, const Payment& payment) {
  auto& insert = c.prepare(kInsert);
  insert.bind(1, payment.order_id);
  insert.bind(2, payment.user_id);
  insert.bind(3, payment.amount_cents);
  insert.bind(4, payment.currency);
  insert.bind(5, std::string(status_name(payment.status)));
  bind_text_or_null(insert, 6, payment.failure_reason);
  bind_text_or_null(insert, 7, payment.provider_reference);
  insert.bind(8, payment.created_at);
  insert.bind(9, payment.updated_at);
  insert.exec();
  return c.last_insert_rowid();
}

std::optional<Payment> find(kernel::Connection& c, std::int64_t id) {
  auto& select = c.prepare(kFind);
  select.bind(1, id);
  return read_one(select);
}

std::optional<Payment> find_by_order(kernel::Connection& c, std::int64_t order_id) {
  auto& select = c.prepare(kFindByOrder);
  select.bind(1, order_id);
  return read_one(select);
}

void mark_refunded(kernel::Connection& c, std::int64_t id, const std::string& refund_reference,
                   const std::string& at) {
  auto& update = c.prepare(kMarkRefunded);
  update.bind(1, refund_reference);
  update.bind(2, at);
  update.bind(3, id);
  update.exec();
}

void mark_order_cancelled(kernel::Connection& c, std::int64_t order_id, const std::string& at) {
  auto& insert = c.prepare(kMarkOrderCancelled);
  insert.bind(1, order_id);
  insert.bind(2, at);
  insert.exec();
}

bool order_cancelled(kernel::Connection& c, std::int64_t order_id) {
  auto& select = c.prepare(kOrderCancelled);
  select.bind(1, order_id);
  bool found = select.executeStep();
  select.reset();
  return found;
}

OrderState order_state(kernel::Connection& c, std::int64_t order_id) {
  auto& select = c.prepare(kOrderState);
  select.bind(1, order_id);
  select.executeStep();
  OrderState state{select.getColumn(0).getInt() != 0, select.getColumn(1).getInt() != 0};
  select.reset();
  return state;
}

std::vector<Payment> page_for_order(kernel::Connection& c, std::int64_t order_id,
                                    std::int64_t user_id, bool any_user, std::int64_t after,
                                    int limit) {
  auto& select = c.prepare(kPageForOrder);
  select.bind(1, order_id);
  select.bind(2, any_user ? 1 : 0);
  select.bind(3, user_id);
  select.bind(4, after);
  select.bind(5, limit);
  std::vector<Payment> out;
  while (select.executeStep()) out.push_back(read_row(select));
  select.reset();
  return out;
}

}  // namespace payments::store
