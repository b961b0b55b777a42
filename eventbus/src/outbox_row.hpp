#pragma once
// One bus_outbox row (selected with the columns of sql::kReadOutboxAfter) as an Envelope.

#include "eventbus/event.hpp"

#include <SQLiteCpp/Statement.h>

#include <string_view>

namespace eventbus::detail {

inline Envelope read_outbox_row(SQLite::Statement& row, std::string_view source) {
  Envelope e;
  e.seq = row.getColumn(0).getInt64();
  e.id = row.getColumn(1).getString();
  e.type = row.getColumn(2).getString();
  e.topic = row.getColumn(3).getString();
  e.key = row.getColumn(4).getString();
  e.occurred_ms = row.getColumn(5).getInt64();
  e.correlation_id = row.getColumn(6).getString();
  e.causation_id = row.getColumn(7).getString();
  e.payload = row.getColumn(8).getString();
  e.source = std::string(source);
  return e;
}

}  // namespace eventbus::detail
