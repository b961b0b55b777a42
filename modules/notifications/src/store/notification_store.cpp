#include "store/notification_store.hpp"

namespace notifications::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO notifications(user_id, source_event_id, source_envelope_id, event_type, "
    "order_id, message, channel, status, created_at, delivered_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, IIF(?9 IS NULL, 'pending', 'delivered'), ?8, ?9) "
    "ON CONFLICT(source_event_id, user_id) DO NOTHING";
constexpr const char* kFind =
    "SELECT id, user_id, event_type, order_id, message, channel, status, is_read, created_at, "
    "delivered_at FROM notifications WHERE id = ?";
constexpr const char* kPageForUser =
    "SELECT id, user_id, event_type, order_id, message, channel, status, is_read, created_at, "
    "delivered_at FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
constexpr const char* kPending =
    "SELECT id, user_id, event_type, order_id, message, channel, status, is_read, created_at, "
    "delivered_at FROM notifications WHERE status = 'pending' AND channel = ? ORDER BY id";
constexpr const char* kMarkDelivered =
    "UPDATE notifications SET status = 'delivered', delivered_at = ? "
    "WHERE id = ? AND status = 'pending'";
constexpr const char* kMarkRead =
    "UPDATE notifications SET is_read = 1 WHERE id = ? AND user_id = ?";

Notification read_row(SQLite::Statement& row) {
  Notification n;
  n.id = row.getColumn(0).getInt64();
  n.user_id = row.getColumn(1).getInt64();
  n.event_type = row.getColumn(2).getString();
  n.order_id = row.getColumn(3).getInt64();
  n.message = row.getColumn(4).getString();
  n.channel = row.getColumn(5).getString();
  n.status = row.getColumn(6).getString();
  n.read = row.getColumn(7).getInt() != 0;
  n.created_at = row.getColumn(8).getString();
  if (!row.getColumn(9).isNull()) n.delivered_at = row.getColumn(9).getString();
  return n;
}

}  // namespace

std::optional<std::int64_t> insert_unless_known(kernel::Connection& c, const Notice& notice,
                                                const std::string& envelope_id,
                                                const std::string& channel,
                                                const std::string& created_at,
                                                const std::optional<std::string>& delivered_at) {
  auto& insert = c.prepare(kInsert);
  insert.bind(1, notice.user_id);
  insert.bind(2, notice.source_event_id);
  insert.bind(3, envelope_id);
  insert.bind(4, notice.event_type);
  insert.bind(5, notice.order_id);
  insert.bind(6, notice.message);
  insert.bind(7, channel);
  insert.bind(8, created_at);
  kernel::bind_optional(insert, 9, delivered_at);
  insert.exec();
  if (c.changes() == 0) return std::nullopt;
  return c.last_insert_rowid();
}

std::optional<Notification> find(kernel::Connection& c, std::int64_t id) {
  auto& select = c.prepare(kFind);
  select.bind(1, id);
  std::optional<Notification> out;
  if (select.executeStep()) out = read_row(select);
  select.reset();
  return out;
}

std::vector<Notification> page_for_user(kernel::Connection& c, std::int64_t user_id,
                                        std::int64_t before, int limit) {
  auto& select = c.prepare(kPageForUser);
  select.bind(1, user_id);
  select.bind(2, before);
  select.bind(3, limit);
  std::vector<Notification> out;
  while (select.executeStep()) out.push_back(read_row(select));
  return out;
}

std::vector<Notification> pending(kernel::Connection& c, std::string_view channel) {
  auto& select = c.prepare(kPending);
  select.bind(1, std::string(channel));
  std::vector<Notification> out;
  while (select.executeStep()) out.push_back(read_row(select));
  return out;
}

void mark_delivered(kernel::Connection& c, std::int64_t id, const std::string& at) {
  auto& update = c.prepare(kMarkDelivered);
  update.bind(1, at);
  update.bind(2, id);
  update.exec();
}

bool mark_read(kernel::Connection& c, std::int64_t id, std::int64_t user_id) {
  auto& update = c.prepare(kMarkRead);
  update.bind(1, id);
  update.bind(2, user_id);
  update.exec();
  return c.changes() > 0;
}

}  // namespace notifications::store
