#include "consumer.hpp"

#include "attempt_log.hpp"
#include "audit_log.hpp"
#include "outbox_row.hpp"
#include "outbox_sql.hpp"

#include <kernel/faults.hpp>
#include <kernel/log.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

// Parked events: retrying those that are due, dead letters, and an operator's replay and discard
// (each recorded in bus_audit with the change; every failed attempt in bus_attempts).
namespace eventbus::detail {
namespace {

// An entry selected with the columns of sql::kParkedById, without its history.
ParkedEvent read_parked(SQLite::Statement& row, const std::string& module) {
  ParkedEvent p;
  p.id = row.getColumn(0).getInt64();
  p.module = module;
  p.subscriber = row.getColumn(1).getString();
  p.status = row.getColumn(2).getString();
  p.attempts = row.getColumn(3).getInt();
  p.last_error = row.getColumn(4).getString();
  p.parked_ms = row.getColumn(5).getInt64();
  p.updated_ms = row.getColumn(6).getInt64();
  p.event = envelope_from_json(row.getColumn(7).getString());
  return p;
}

std::string_view status_name(ParkedStatus status) {
  switch (status) {
    case ParkedStatus::pending:
      return "pending";
    case ParkedStatus::dead:
      return "dead";
    case ParkedStatus::discarded:
      return "discarded";
  }
  return "dead";
}

}  // namespace

std::size_t Consumer::retry_due() {
  // Another process (the CLI's replay) may have parked entries: look again now and then.
  if (std::chrono::steady_clock::now() - pending_refreshed_ > std::chrono::seconds(1)) {
    refresh_pending();
  }
  if (pending_.load() == 0) return 0;
  struct Entry {
    std::int64_t id;
    std::string subscriber;
    std::string key;
    Envelope event;
    int attempts;
    std::int64_t next_attempt_ms;
    std::int64_t parked_ms;
  };
  std::size_t resolved = 0;
  std::vector<std::string> published;
  std::vector<kernel::metrics::Counter*> counts;
  std::vector<SubscriberMetrics> unknown;  // for subscribers this build does not have
  auto now = kernel::to_unix_millis(clock_.now());
  std::map<std::int64_t, Called> calls;  // outside calls made before the transaction, by entry
  if (has_outside_) call_outside_due(now, calls);
  db_->write([&](kernel::Connection& c) {
    resolved = 0;
    published.clear();
    counts.clear();
    std::vector<Entry> entries;
    auto& select = c.prepare(sql::kPendingBatch);
    select.bind(1, options_.batch_size);
    while (select.executeStep()) {
      entries.push_back({select.getColumn(0).getInt64(), select.getColumn(1).getString(),
                         select.getColumn(2).getString(),
                         envelope_from_json(select.getColumn(3).getString()),
                         select.getColumn(4).getInt(), select.getColumn(5).getInt64(),
                         select.getColumn(6).getInt64()});
    }
    select.reset();
    std::set<std::pair<std::string, std::string>> blocked;
    for (auto& entry : entries) {
      // Order is per publisher and key, across all of this module's subscribers.
      auto key = std::make_pair(entry.event.source, entry.key);
      if (blocked.count(key)) continue;
      if (entry.next_attempt_ms > now) {
        blocked.insert(key);
        continue;
      }
      const auto* subscription = find(entry.subscriber, entry.event.type);
      std::string error = "no subscriber named " + entry.subscriber + " handles " +
                          entry.event.type + " in this build";
      const Called* called = nullptr;
      if (subscription && subscription->call) {
        auto it = calls.find(entry.id);
        if (it == calls.end()) {  // not called this round (its turn, or the time budget): later
          blocked.insert(key);
          continue;
        }
        called = &it->second;
      }
      auto outcome = subscription ? handle(c, *subscription, entry.event, true, &error, published,
                                           called, entry.attempts + 1)
                                  : Outcome::failed;
      if (outcome != Outcome::failed) {
        auto& remove = c.prepare(sql::kDeleteParked);
        remove.bind(1, entry.id);
        remove.exec();
        ++resolved;
        if (outcome == Outcome::handled) counts.push_back(subscription->metrics.delivered);
        continue;
      }
      int attempts = subscription ? entry.attempts + 1 : options_.retry.max_attempts;
      if (entry.attempts == 0 && subscription && subscription->outside) {
        // Its first failure (it waited behind another event of its key until now): the retry
        // time counts from here.
        entry.parked_ms = now;
        auto& restart = c.prepare(sql::kRestartParked);
        restart.bind(1, now);
        restart.bind(2, entry.id);
        restart.exec();
      }
      bool dead = subscription ? gives_up(subscription, attempts, entry.parked_ms, now) : true;
      const auto& metrics = subscription ? subscription->metrics
                                         : unknown.emplace_back(metrics_for(entry.subscriber));
      counts.push_back(dead ? metrics.dead_lettered : metrics.retried);
      auto& update = c.prepare(sql::kUpdateParked);
      update.bind(1, dead ? "dead" : "pending");
      update.bind(2, attempts);
      update.bind(3, now + backoff(subscription, attempts).count());
      update.bind(4, error);
      update.bind(5, now);
      update.bind(6, entry.id);
      update.exec();
      record_attempt(c, entry.subscriber, entry.event.id, now, error);
      kernel::log::warn("eventbus", entry.subscriber + " failed on " + entry.event.type + " " +
                                        entry.event.id + " (attempt " + std::to_string(attempts) +
                                        (dead ? ", dead-lettered" : ", will retry") +
                                        "): " + error);
      if (dead) {
        ++resolved;  // it no longer holds back its key
      } else {
        blocked.insert(key);
      }
    }
  });
  after_commit(published, counts);
  refresh_pending();
  return resolved;
}

void Consumer::after_commit(const std::vector<std::string>& published,
                            const std::vector<kernel::metrics::Counter*>& counts) {
  if (!published.empty() && kernel::faults::enabled()) {
    kernel::faults::stop_at(kernel::faults::StopPoint::after_business_commit);
  }
  for (auto* counter : counts) counter->inc();
  count_published(module_, published);
  if (!published.empty() && notify_) notify_(module_);
}

void Consumer::refresh_pending() {
  pending_refreshed_ = std::chrono::steady_clock::now();
  pending_ = db_->read([](kernel::Connection& c) {
    auto& count = c.prepare(sql::kPendingCount);
    count.executeStep();
    auto n = count.getColumn(0).getInt64();
    count.reset();
    return n;
  });
}

std::optional<ParkedEvent> Consumer::parked(std::int64_t local_id) {
  return db_->read([&](kernel::Connection& c) -> std::optional<ParkedEvent> {
    auto& select = c.prepare(sql::kParkedById);
    select.bind(1, local_id);
    std::optional<ParkedEvent> out;
    if (select.executeStep()) out = read_parked(select, module_);
    select.reset();
    if (out) out->history = attempts_of(c, out->subscriber, out->event.id);
    return out;
  });
}

std::vector<ParkedEvent> Consumer::parked_after(ParkedStatus status, std::int64_t after_local_id,
                                                int limit) {
  return db_->read([&](kernel::Connection& c) {
    std::vector<ParkedEvent> out;
    auto& select = c.prepare(sql::kParkedAfter);
    select.bind(1, std::string(status_name(status)));
    select.bind(2, after_local_id);
    select.bind(3, limit);
    while (select.executeStep()) out.push_back(read_parked(select, module_));
    select.reset();
    for (auto& p : out) p.history = attempts_of(c, p.subscriber, p.event.id);
    return out;
  });
}

Bus::DiscardOutcome Consumer::discard(std::int64_t local_id, const std::string& reason,
                                      const Operator& by) {
  using Result = Bus::DiscardOutcome::Result;
  auto entry = parked(local_id);
  if (!entry) throw std::out_of_range("no dead letter with that id");
  if (entry->status != "dead") return {Result::not_dead, std::move(*entry)};
  bool discarded = false;
  db_->write([&](kernel::Connection& c) {
    auto now = kernel::to_unix_millis(clock_.now());
    auto& update = c.prepare(sql::kDiscardParked);
    update.bind(1, now);
    update.bind(2, local_id);
    update.exec();
    discarded = c.changes() > 0;
    if (!discarded) return;  // replayed or discarded meanwhile
    // As if handled: should the event be read again (a Kafka consumer group moved back), the
    // inbox keeps it from this subscriber. A dead letter holds back nothing of its key (only
    // pending entries do), so the key's later events flow on as they did.
    auto& inbox = c.prepare(sql::kInsertInbox);
    inbox.bind(1, entry->subscriber);
    inbox.bind(2, entry->event.id);
    inbox.bind(3, entry->event.source);
    inbox.bind(4, now);
    inbox.exec();
    record_audit(c, {"discard", &*entry, by, reason, "discarded", now});
  });
  auto after = parked(local_id);
  if (!after) throw std::out_of_range("no dead letter with that id");
  return {discarded ? Result::discarded : Result::not_dead, std::move(*after)};
}

Bus::ReplayOutcome Consumer::replay(std::int64_t local_id, const Operator& by) {
  using Result = Bus::ReplayOutcome::Result;
  auto entry = parked(local_id);
  if (!entry) throw std::out_of_range("no dead letter with that id");
  if (entry->status != "dead") return {Result::not_dead, entry};
  bool delivered = false;
  std::vector<std::string> published;
  const auto* subscription = find(entry->subscriber, entry->event.type);
  auto now = kernel::to_unix_millis(clock_.now());
  std::optional<Called> called;
  if (subscription && subscription->call) called = call(*subscription, entry->event, false);
  db_->write([&](kernel::Connection& c) {
    published.clear();
    std::string error = "no subscriber named " + entry->subscriber + " in this build";
    auto outcome = subscription ? handle(c, *subscription, entry->event, true, &error, published,
                                         called ? &*called : nullptr, 0)
                                : Outcome::failed;
    if (outcome != Outcome::failed) {
      auto& remove = c.prepare(sql::kDeleteParked);
      remove.bind(1, local_id);
      remove.exec();
      delivered = true;
      record_audit(c, {"replay", &*entry, by, std::nullopt, "delivered", now});
      return;
    }
    // Failed again: back on the normal retry schedule, from a fresh count.
    auto& update = c.prepare(sql::kUpdateParked);
    update.bind(1, "pending");
    update.bind(2, 1);
    update.bind(3, now + backoff(subscription, 1).count());
    update.bind(4, error);
    update.bind(5, now);
    update.bind(6, local_id);
    update.exec();
    // A time-based give-up counts from the replay, as a fresh count of attempts does.
    auto& restart = c.prepare(sql::kRestartParked);
    restart.bind(1, now);
    restart.bind(2, local_id);
    restart.exec();
    record_attempt(c, entry->subscriber, entry->event.id, now, error);
    record_audit(c, {"replay", &*entry, by, std::nullopt, "retrying", now});
  });
  std::vector<kernel::metrics::Counter*> counts;
  if (delivered && subscription) counts.push_back(subscription->metrics.delivered);
  after_commit(published, counts);
  refresh_pending();
  if (delivered) return {Result::delivered, std::nullopt};
  return {Result::failed_again, parked(local_id)};
}

}  // namespace eventbus::detail
