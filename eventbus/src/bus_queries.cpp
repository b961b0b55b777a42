// The bus's operator views: module status, dead letters and their replay, waiting deliveries,
// and an aggregate's timeline across modules.
#include "eventbus/bus.hpp"
#include "eventbus/flow_order.hpp"

#include "attempt_log.hpp"
#include "audit_log.hpp"
#include "bus_impl.hpp"
#include "outbox_row.hpp"
#include "outbox_sql.hpp"

#include <algorithm>

namespace eventbus {

std::vector<TimelineEntry> ModuleBus::events_for_key(
    const std::string& key, const std::vector<std::string>& sources,
    const std::function<bool(std::string_view)>& include) {
  return bus_.events_for_key(key, sources, include);
}

std::vector<ModuleBus::WaitingCount> ModuleBus::waiting() {
  return db_->read([](kernel::Connection& c) {
    std::vector<WaitingCount> out;
    auto& select = c.prepare(sql::kWaitingCounts);
    while (select.executeStep()) {
      WaitingCount w;
      w.subscriber = select.getColumn(0).getString();
      w.event_type = select.getColumn(1).getString();
      w.pending = select.getColumn(2).getInt64();
      w.dead = select.getColumn(3).getInt64();
      w.last_error = select.getColumn(4).isNull() ? "" : select.getColumn(4).getString();
      out.push_back(std::move(w));
    }
    return out;
  });
}

std::vector<ModuleStatus> Bus::status() {
  impl_->connect();
  std::vector<ModuleStatus> out;
  auto now = kernel::to_unix_millis(clock_->now());
  for (auto& [name, worker] : impl_->workers) {
    ModuleStatus s;
    s.module = name;
    auto& db = *impl_->databases.at(name);
    auto position = impl_->delivered_position(name);
    db.read([&](kernel::Connection& c) {
      if (position) {
        auto& waiting = c.prepare(sql::kOutboxWaiting);
        waiting.bind(1, *position);
        waiting.executeStep();
        s.outbox_waiting = waiting.getColumn(0).getInt64();
        if (!waiting.getColumn(1).isNull()) {
          s.oldest_waiting_age_ms =
              std::max<std::int64_t>(0, now - waiting.getColumn(1).getInt64());
        }
      }
      auto& counts = c.prepare(sql::kParkedCounts);
      counts.executeStep();
      s.retrying = counts.getColumn(0).getInt64();
      s.dead_letters = counts.getColumn(1).getInt64();
    });
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ParkedEvent> Bus::dead_letters(std::optional<std::int64_t> after, int limit,
                                           ParkedStatus status) {
  impl_->connect();
  std::vector<ParkedEvent> all;
  for (auto& [name, worker] : impl_->workers) {
    // Every local id above after/16 may hold a global id above `after`.
    auto local_after = after ? *after / kCodeSpace - 1 : std::int64_t{0};
    for (auto& p : worker->consumer->parked_after(status, std::max<std::int64_t>(0, local_after),
                                                  limit + 1)) {
      p.id = p.id * kCodeSpace + worker->code;
      if (!after || p.id > *after) all.push_back(std::move(p));
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (static_cast<int>(all.size()) > limit) all.resize(static_cast<std::size_t>(limit));
  return all;
}

namespace {

// What `subscribers` (of one module, reading `c`) did with `entry`'s event: handled (with the
// failures healed on the way), or waiting on a retry, or a dead letter.
void add_deliveries(kernel::Connection& c, const std::vector<std::string>& subscribers,
                    TimelineEntry& entry) {
  for (const auto& subscriber : subscribers) {
    auto& handled = c.prepare(sql::kHandledAt);
    handled.bind(1, subscriber);
    handled.bind(2, entry.event.id);
    std::optional<std::int64_t> handled_ms;
    if (handled.executeStep()) handled_ms = handled.getColumn(0).getInt64();
    handled.reset();
    // Only failures leave attempts: most deliveries have none and stop here.
    auto failures = detail::attempts_of(c, subscriber, entry.event.id);
    if (handled_ms && failures.empty()) {
      entry.handled_by.push_back({subscriber, *handled_ms, {}});
      continue;
    }
    // A failed delivery says on what it waits; a discarded one is in the inbox too.
    auto& parked = c.prepare(sql::kParkedFor);
    parked.bind(1, subscriber);
    parked.bind(2, entry.event.id);
    std::optional<TimelineEntry::Waiting> waiting;
    if (parked.executeStep() && parked.getColumn(1).getInt() > 0) {
      waiting = TimelineEntry::Waiting{subscriber,
                                       parked.getColumn(0).getString(),
                                       parked.getColumn(1).getInt(),
                                       parked.getColumn(2).getString(),
                                       parked.getColumn(3).getInt64(),
                                       {}};
    }
    parked.reset();
    if (handled_ms && !(waiting && waiting->status == "discarded")) {
      entry.handled_by.push_back({subscriber, *handled_ms, std::move(failures)});
    } else if (waiting) {
      waiting->history = std::move(failures);
      entry.waiting.push_back(std::move(*waiting));
    }
  }
}

}  // namespace

std::vector<TimelineEntry> Bus::events_for_key(
    const std::string& key, const std::vector<std::string>& sources,
    const std::function<bool(std::string_view)>& include) {
  std::vector<TimelineEntry> out;
  for (const auto& source : sources) {
    auto db = impl_->databases.find(source);
    if (db == impl_->databases.end()) continue;  // hosted elsewhere
    db->second->read([&](kernel::Connection& c) {
      auto& select = c.prepare(sql::kOutboxByKey);
      select.bind(1, key);
      while (select.executeStep()) {
        auto e = detail::read_outbox_row(select, source);
        if (include(e.type)) out.push_back({std::move(e), {}, {}});
      }
    });
  }
  for (auto& entry : out) {
    for (auto& [name, worker] : impl_->workers) {
      auto subscribers = worker->consumer->subscribers_of(entry.event.type);
      if (subscribers.empty()) continue;
      impl_->databases.at(name)->read(
          [&](kernel::Connection& c) { add_deliveries(c, subscribers, entry); });
    }
    std::stable_sort(entry.handled_by.begin(), entry.handled_by.end(),
                     [](const auto& a, const auto& b) { return a.handled_ms < b.handled_ms; });
  }
  order_by_flow(
      out.begin(), out.end(), [](const TimelineEntry& e) { return e.event.occurred_ms; },
      [](const TimelineEntry& e) -> const std::string& { return e.event.id; },
      [](const TimelineEntry& e) -> const std::string& { return e.event.causation_id; });
  return out;
}

std::vector<TimelineEntry> Bus::deliveries_of(const std::vector<std::string>& event_ids) {
  impl_->connect();
  std::vector<TimelineEntry> out;
  for (const auto& id : event_ids) {
    TimelineEntry entry;
    entry.event.id = id;
    for (auto& [name, worker] : impl_->workers) {
      auto subscribers = worker->consumer->subscribers();
      if (subscribers.empty()) continue;
      impl_->databases.at(name)->read(
          [&](kernel::Connection& c) { add_deliveries(c, subscribers, entry); });
    }
    if (entry.handled_by.empty() && entry.waiting.empty()) continue;
    std::stable_sort(entry.handled_by.begin(), entry.handled_by.end(),
                     [](const auto& a, const auto& b) { return a.handled_ms < b.handled_ms; });
    out.push_back(std::move(entry));
  }
  return out;
}

Bus::ReplayOutcome Bus::replay(std::int64_t id, const Operator& by) {
  impl_->connect();
  if (id <= 0) throw std::out_of_range("no dead letter with that id");
  for (auto& [name, worker] : impl_->workers) {
    if (id % kCodeSpace != worker->code) continue;
    auto outcome = worker->consumer->replay(id / kCodeSpace, by);
    if (outcome.entry) outcome.entry->id = id;
    return outcome;
  }
  throw std::out_of_range("no dead letter with that id");
}

Bus::DiscardOutcome Bus::discard(std::int64_t id, const std::string& reason, const Operator& by) {
  impl_->connect();
  if (id <= 0) throw std::out_of_range("no dead letter with that id");
  for (auto& [name, worker] : impl_->workers) {
    if (id % kCodeSpace != worker->code) continue;
    auto outcome = worker->consumer->discard(id / kCodeSpace, reason, by);
    outcome.entry.id = id;
    return outcome;
  }
  throw std::out_of_range("no dead letter with that id");
}

std::vector<AuditEntry> Bus::audit(std::optional<std::int64_t> before, int limit) {
  // Each module's newest after the position, merged in the same order (see audit_position).
  static_assert(kCodeSpace == 16, "audit_position packs the module code in 4 bits");
  std::vector<AuditEntry> all;
  for (auto& [name, worker] : impl_->workers) {
    auto code = worker->code;
    auto rows = impl_->databases.at(name)->read(
        [&](kernel::Connection& c) { return detail::audit_before(c, code, before, limit); });
    for (auto& a : rows) {
      a.id = a.id * kCodeSpace + code;
      a.dead_letter_id = a.dead_letter_id * kCodeSpace + code;
      a.module = name;
      all.push_back(std::move(a));
    }
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return audit_position(a) > audit_position(b); });
  if (static_cast<int>(all.size()) > limit) all.resize(static_cast<std::size_t>(limit));
  return all;
}

}  // namespace eventbus
