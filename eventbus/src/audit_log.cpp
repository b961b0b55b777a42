#include "audit_log.hpp"

#include "outbox_sql.hpp"

#include <limits>

namespace eventbus::detail {

void record_audit(kernel::Connection& c, const AuditRecord& record) {
  auto& insert = c.prepare(sql::kInsertAudit);
  insert.bind(1, record.action);
  insert.bind(2, record.entry->id);
  insert.bind(3, record.entry->subscriber);
  insert.bind(4, record.entry->event.id);
  insert.bind(5, record.entry->event.type);
  if (record.by.user_id) insert.bind(6, *record.by.user_id);
  if (record.reason) insert.bind(7, *record.reason);
  insert.bind(8, record.outcome);
  insert.bind(9, record.at_ms);
  insert.exec();
}

std::vector<AuditEntry> audit_before(kernel::Connection& c, std::int64_t code,
                                     std::optional<std::int64_t> before, int limit) {
  std::vector<AuditEntry> out;
  auto& select = c.prepare(sql::kAuditBefore);
  select.bind(1, before ? *before >> 20 : std::numeric_limits<std::int64_t>::max());
  select.bind(2, code);
  select.bind(3, before ? *before & 0xFFFFF : std::int64_t{0});
  select.bind(4, limit);
  while (select.executeStep()) {
    AuditEntry a;
    a.id = select.getColumn(0).getInt64();
    a.action = select.getColumn(1).getString();
    a.dead_letter_id = select.getColumn(2).getInt64();
    a.subscriber = select.getColumn(3).getString();
    a.event_id = select.getColumn(4).getString();
    a.event_type = select.getColumn(5).getString();
    if (!select.getColumn(6).isNull()) a.actor_user_id = select.getColumn(6).getInt64();
    if (!select.getColumn(7).isNull()) a.reason = select.getColumn(7).getString();
    a.outcome = select.getColumn(8).getString();
    a.at_ms = select.getColumn(9).getInt64();
    out.push_back(std::move(a));
  }
  select.reset();
  return out;
}

}  // namespace eventbus::detail
