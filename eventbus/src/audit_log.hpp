#pragma once
// The audit of operators' replays and discards (bus_audit, migration 0007), in the consuming
// module's database, written in the transaction of the change it records.

#include "eventbus/bus_views.hpp"

#include <kernel/database.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eventbus::detail {

struct AuditRecord {
  std::string action;  // "replay" | "discard"
  const ParkedEvent* entry = nullptr;
  Operator by;
  std::optional<std::string> reason;
  std::string outcome;  // "delivered" | "retrying" | "discarded"
  std::int64_t at_ms = 0;
};
void record_audit(kernel::Connection& c, const AuditRecord& record);

// Newest first, after the position `before` (eventbus::audit_position): at most `limit` entries
// with local ids (id, dead_letter_id) and no module; the caller makes them global (Bus::audit).
std::vector<AuditEntry> audit_before(kernel::Connection& c, std::int64_t code,
                                     std::optional<std::int64_t> before, int limit);

}  // namespace eventbus::detail
