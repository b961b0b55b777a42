// The hosted outboxes as observers see them (the console's event stream): reads only, on the
// databases' read connections; delivery never depends on them.
#include "bus_impl.hpp"
#include "eventbus/bus.hpp"
#include "outbox_row.hpp"
#include "outbox_sql.hpp"

namespace eventbus {
namespace {

// The occurred_ms of the row at or after `seq` (and its seq), if any.
std::optional<std::pair<std::int64_t, std::int64_t>> row_at_or_after(kernel::Connection& c,
                                                                     std::int64_t seq) {
  auto& select = c.prepare(sql::kReadOutboxAfter);
  select.bind(1, seq - 1);
  select.bind(2, 1);
  if (!select.executeStep()) return std::nullopt;
  return std::pair{select.getColumn(0).getInt64(), select.getColumn(5).getInt64()};
}

}  // namespace

void Bus::add_publish_listener(std::function<void(std::string_view module)> listener) {
  if (impl_->running) throw std::logic_error("add_publish_listener after the bus started");
  impl_->publish_listeners.push_back(std::move(listener));
}

std::vector<std::string> Bus::hosted_modules() const {
  std::vector<std::string> out;
  for (const auto& [name, db] : impl_->databases) out.push_back(name);
  return out;
}

std::vector<Envelope> Bus::outbox_after(std::string_view module, std::int64_t after_seq,
                                        int limit) {
  auto db = impl_->databases.find(module);
  if (db == impl_->databases.end()) return {};
  return db->second->read([&](kernel::Connection& c) {
    std::vector<Envelope> out;
    auto& select = c.prepare(sql::kReadOutboxAfter);
    select.bind(1, after_seq);
    select.bind(2, limit);
    while (select.executeStep()) out.push_back(detail::read_outbox_row(select, module));
    select.reset();
    return out;
  });
}

std::int64_t Bus::outbox_head(std::string_view module) {
  auto db = impl_->databases.find(module);
  if (db == impl_->databases.end()) return 0;
  return db->second->read([](kernel::Connection& c) {
    auto& select = c.prepare(sql::kOutboxMaxSeq);
    select.executeStep();
    auto head = select.getColumn(0).getInt64();
    select.reset();
    return head;
  });
}

std::int64_t Bus::outbox_seq_at(std::string_view module, std::int64_t ms) {
  auto db = impl_->databases.find(module);
  if (db == impl_->databases.end()) return 0;
  return db->second->read([&](kernel::Connection& c) {
    auto& head_query = c.prepare(sql::kOutboxMaxSeq);
    head_query.executeStep();
    auto head = head_query.getColumn(0).getInt64();
    head_query.reset();
    // seq and occurred_ms grow together (one writer per database, one clock) up to a commit's
    // lag, so a binary search over seq by time needs no index on time; callers that must not
    // miss an event ask from a little earlier. Pruned gaps: the next row stands for them.
    std::int64_t low = 1;
    std::int64_t high = head + 1;  // answer in [low, high]
    while (low < high) {
      auto middle = low + (high - low) / 2;
      auto row = row_at_or_after(c, middle);
      if (!row || row->second >= ms) {
        high = middle;
      } else {
        low = row->first + 1;
      }
    }
    c.reset_statements();
    return low;
  });
}

std::optional<Envelope> Bus::find_published(std::string_view event_id) {
  for (auto& [name, db] : impl_->databases) {
    auto found = db->read([&, module = std::string_view(name)](kernel::Connection& c) {
      std::optional<Envelope> out;
      auto& select = c.prepare(sql::kOutboxById);
      select.bind(1, std::string(event_id));
      if (select.executeStep()) out = detail::read_outbox_row(select, module);
      select.reset();
      return out;
    });
    if (found) return found;
  }
  return std::nullopt;
}

}  // namespace eventbus
