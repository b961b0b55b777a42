#include "consumer.hpp"

#include "attempt_log.hpp"
#include "outbox_row.hpp"
#include "outbox_sql.hpp"

#include <kernel/faults.hpp>
#include <kernel/log.hpp>
#include <kernel/storage.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

// Delivery: the consumer's loop over its sources, batches handled in one transaction with the
// inbox, calls outside transactions, and parking a failed event (consumer_parking.cpp retries,
// lists and replays what is parked).
namespace eventbus::detail {

Consumer::Consumer(std::string module, std::shared_ptr<kernel::Database> db,
                   const BusOptions& options, const kernel::Clock& clock)
    : module_(std::move(module)), db_(std::move(db)), options_(options), clock_(clock) {}

void Consumer::add(Subscription subscription) {
  for (const auto& existing : subscriptions_) {
    if (existing.subscriber == subscription.subscriber && existing.type == subscription.type) {
      throw std::logic_error("subscriber " + subscription.subscriber + " subscribed twice to " +
                             subscription.type);
    }
  }
  subscription.metrics = metrics_for(subscription.subscriber);
  if (subscription.call) has_outside_ = true;
  subscriptions_.push_back(std::move(subscription));
}

SubscriberMetrics Consumer::metrics_for(const std::string& subscriber) const {
  auto& registry = kernel::metrics::registry();
  static auto& delivered =
      registry.counter("mart_events_delivered_total", "Events handled by a subscriber (committed).",
                       {"module", "subscriber"});
  static auto& retried =
      registry.counter("mart_events_retried_total", "Failed deliveries parked for another attempt.",
                       {"module", "subscriber"});
  static auto& dead = registry.counter("mart_events_dead_lettered_total",
                                       "Deliveries that ran out of attempts (dead letters).",
                                       {"module", "subscriber"});
  static auto& seconds =
      registry.histogram("mart_handler_duration_seconds",
                         "Time a subscriber's handler took per event.", {"subscriber"});
  return {&delivered.with({module_, subscriber}), &retried.with({module_, subscriber}),
          &dead.with({module_, subscriber}), &seconds.with({subscriber})};
}

bool Consumer::subscribes_to(std::string_view source) const {
  for (const auto& s : subscriptions_) {
    if (source_of(s.type) == source) return true;
  }
  return false;
}

std::vector<std::string> Consumer::sources() const {
  std::set<std::string> names;
  for (const auto& s : subscriptions_) names.emplace(source_of(s.type));
  return {names.begin(), names.end()};
}

std::map<std::string, std::string> Consumer::topics() const {
  std::map<std::string, std::string> out;
  for (const auto& s : subscriptions_) out.emplace(source_of(s.type), s.topic);
  return out;
}

std::vector<std::string> Consumer::subscribers_of(std::string_view type) const {
  std::vector<std::string> out;
  for (const auto& s : subscriptions_) {
    if (s.type == type) out.push_back(s.subscriber);
  }
  return out;
}

std::vector<std::string> Consumer::subscribers() const {
  std::vector<std::string> out;
  for (const auto& s : subscriptions_) {
    if (std::find(out.begin(), out.end(), s.subscriber) == out.end()) out.push_back(s.subscriber);
  }
  return out;
}

void Consumer::connect(
    const std::map<std::string, std::shared_ptr<kernel::Database>, std::less<>>& hosted) {
  sources_.clear();
  std::map<std::string, std::int64_t> saved;
  db_->read([&](kernel::Connection& c) {
    auto& select = c.prepare(sql::kReadPositions);
    while (select.executeStep()) {
      saved[select.getColumn(0).getString()] = select.getColumn(1).getInt64();
    }
  });
  for (const auto& name : sources()) {
    auto it = hosted.find(name);
    if (it == hosted.end()) continue;  // not hosted here: fed from Kafka in split mode
    auto source = std::make_unique<Source>();
    source->name = name;
    source->db = it->second;
    source->position = saved.count(name) ? saved[name] : 0;
    auto newest = source->db->read([](kernel::Connection& c) {
      auto& last = c.prepare(sql::kOutboxLastAllocated);
      last.executeStep();
      auto seq = last.getColumn(0).getInt64();
      last.reset();
      return seq;
    });
    if (source->position > newest) {
      // The publisher lost commits its consumer had seen (an OS crash under synchronous=NORMAL
      // can do that). Its next events will reuse those positions: read them rather than skip.
      kernel::log::error("eventbus", module_ + " had read " + name + "'s outbox up to " +
                                         std::to_string(source->position.load()) +
                                         " but it ends at " + std::to_string(newest) +
                                         "; reading on from there");
      source->position = newest;
    }
    source->saved = source->position;
    sources_.push_back(std::move(source));
  }
  if (feed_) {
    std::map<std::string, std::int64_t, std::less<>> all(saved.begin(), saved.end());
    feed_->resume(all);
  }
  refresh_pending();
}

std::optional<std::int64_t> Consumer::position(std::string_view source) const {
  for (const auto& s : sources_) {
    if (s->name == source) return s->position.load();
  }
  return std::nullopt;
}

std::size_t Consumer::pump_once() {
  left_work_ = false;
  std::size_t work = 0;
  for (auto& source : sources_) work += deliver_from(*source);
  work += deliver_remote();
  work += retry_due();
  return work;
}

const Subscription* Consumer::find(std::string_view subscriber, std::string_view type) const {
  for (const auto& s : subscriptions_) {
    if (s.subscriber == subscriber && s.type == type) return &s;
  }
  return nullptr;
}

Called Consumer::call(const Subscription& subscription, const Envelope& event, bool may_fail) {
  Called out;
  if (may_fail && kernel::faults::enabled() && kernel::faults::fail_handler()) {
    out.error = kernel::faults::kHandlerFailure;  // failed before calling anyone
    return out;
  }
  kernel::log::Scope scope(kernel::log::current_request_id(), event.correlation_id);
  try {
    out.record = subscription.call(event, *db_);
    if (!out.record) out.record = [](HandlerContext&) {};
  } catch (const std::exception& failure) {
    if (kernel::storage_cause_of(failure)) throw;  // retried later, not the call's failure
    out.error = failure.what();
    if (out.error.empty()) out.error = "outside call failed";
  }
  return out;
}

std::size_t Consumer::call_outside(const std::vector<Envelope>& batch, BatchCalls& calls) {
  // The events the transaction may handle: up to the second event of a publisher and key that
  // an outside subscriber handles (it may depend on the outcome of the first).
  struct Candidate {
    const Subscription* subscription;
    std::size_t index;
    bool skip = false;
  };
  std::vector<Candidate> candidates;
  std::set<std::pair<std::string_view, std::string_view>> keys;
  std::size_t limit = batch.size();
  for (std::size_t i = 0; i < batch.size() && limit == batch.size(); ++i) {
    const auto& event = batch[i];
    bool first = true;
    for (const auto& s : subscriptions_) {
      if (!s.call || s.type != event.type) continue;
      if (first && !keys.emplace(event.source, event.key).second) {
        limit = i;
        break;
      }
      first = false;
      candidates.push_back({&s, i});
    }
  }
  if (candidates.empty()) return limit;
  // The checks below and the calls' own reads share one read transaction (one snapshot, one WAL
  // read lock per batch, not one per statement). What they read is a hint taken before the
  // calls, as each read was before: the batch's transaction checks the inbox and the parked
  // keys again, and handlers check their rows again, so a write another thread commits
  // meanwhile (an operator's replay, a refund) is seen there.
  kernel::Database::ReadScope reads(*db_);
  // Handled already (a redelivery), or held back by an earlier failure of its key: the
  // transaction skips or parks it, so no call.
  db_->read([&](kernel::Connection& c) {
    for (auto& candidate : candidates) {
      const auto& event = batch[candidate.index];
      auto& handled = c.prepare(sql::kHandledAt);
      handled.bind(1, candidate.subscription->subscriber);
      handled.bind(2, event.id);
      candidate.skip = handled.executeStep();
      handled.reset();
      if (candidate.skip || pending_.load() == 0) continue;
      auto& blocked = c.prepare(sql::kKeyBlocked);
      blocked.bind(1, event.source);
      blocked.bind(2, event.key);
      candidate.skip = blocked.executeStep();
      blocked.reset();
    }
  });
  // The calls are made one after another; once they took the time budget, the batch ends
  // before the next event with a call to make (the rest is the next batch's).
  auto deadline = std::chrono::steady_clock::now() + options_.batch_time_budget;
  bool called = false;
  for (const auto& candidate : candidates) {
    if (candidate.skip) continue;
    if (called && std::chrono::steady_clock::now() >= deadline) {
      // Calls of this event made already (another subscriber's) are made again next time.
      return std::min(limit, candidate.index);
    }
    calls[{candidate.subscription, candidate.index}] =
        call(*candidate.subscription, batch[candidate.index], true);
    called = true;
  }
  return limit;
}

void Consumer::call_outside_due(std::int64_t now, std::map<std::int64_t, Called>& calls) {
  struct Due {
    std::int64_t id;
    const Subscription* subscription;
    Envelope event;
  };
  std::vector<Due> due;
  kernel::Database::ReadScope reads(*db_);  // one read transaction, as in call_outside
  db_->read([&](kernel::Connection& c) {
    std::set<std::pair<std::string, std::string>> seen;
    auto& select = c.prepare(sql::kPendingBatch);
    select.bind(1, options_.batch_size);
    while (select.executeStep()) {
      auto event = envelope_from_json(select.getColumn(3).getString());
      // Only the first entry of each key may go now (the transaction keeps that order).
      if (!seen.emplace(event.source, select.getColumn(2).getString()).second) continue;
      if (select.getColumn(5).getInt64() > now) continue;
      const auto* subscription = find(select.getColumn(1).getString(), event.type);
      if (!subscription || !subscription->call) continue;
      due.push_back({select.getColumn(0).getInt64(), subscription, std::move(event)});
    }
    select.reset();
  });
  auto deadline = std::chrono::steady_clock::now() + options_.batch_time_budget;
  for (const auto& d : due) {
    if (!calls.empty() && std::chrono::steady_clock::now() >= deadline) break;
    calls[d.id] = call(*d.subscription, d.event, true);
  }
}

bool Consumer::gives_up(const Subscription* subscription, int attempts, std::int64_t parked_ms,
                        std::int64_t now) const {
  if (subscription && subscription->outside) {
    return now - parked_ms >= subscription->outside->retry_for.count();
  }
  return attempts >= options_.retry.max_attempts;
}

std::chrono::milliseconds Consumer::backoff(const Subscription* subscription, int attempts) const {
  if (subscription && subscription->outside) return subscription->outside->backoff_after(attempts);
  return options_.retry.backoff_after(attempts);
}

Consumer::Outcome Consumer::handle(kernel::Connection& c, const Subscription& subscription,
                                   const Envelope& event, bool isolated, std::string* error,
                                   std::vector<std::string>& published, const Called* called,
                                   int attempt) {
  if (isolated) c.prepare(sql::kSavepoint).exec();
  try {
    auto& inbox = c.prepare(sql::kInsertInbox);
    inbox.bind(1, subscription.subscriber);
    inbox.bind(2, event.id);
    inbox.bind(3, event.source);
    inbox.bind(4, kernel::to_unix_millis(clock_.now()));
    inbox.exec();
    if (c.changes() == 0) {
      if (isolated) c.prepare(sql::kRelease).exec();
      return Outcome::duplicate;
    }
    if (kernel::faults::enabled() && !subscription.call && injects_failure(attempt)) {
      throw std::runtime_error(std::string(kernel::faults::kHandlerFailure));
    }
    Trace trace{event.correlation_id, event.id};
    Tx tx(c, module_, trace, clock_);
    HandlerContext ctx{tx, event};
    {
      // The handler's log lines carry the event's trace (its correlation id).
      kernel::log::Scope scope(kernel::log::current_request_id(), event.correlation_id);
      auto started = std::chrono::steady_clock::now();
      struct Observe {
        kernel::metrics::Histogram* histogram;
        std::chrono::steady_clock::time_point started;
        ~Observe() {
          if (histogram) {
            histogram->observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          }
        }
      } observe{subscription.metrics.handler_seconds, started};
      if (!subscription.call) {
        subscription.handler(ctx);
      } else if (!called) {
        throw std::runtime_error("the outside call was not made");
      } else if (!called->error.empty()) {
        throw std::runtime_error(called->error);
      } else {
        called->record(ctx);  // the outcome of the call made before this transaction
      }
    }
    if (kernel::faults::enabled()) {
      // The handler's effects and the inbox row are written, not committed: a crash here loses
      // both, and the event is delivered again.
      kernel::faults::stop_at(kernel::faults::StopPoint::between_effect_and_inbox);
    }
    if (isolated) c.prepare(sql::kRelease).exec();
    const auto& types = tx.published_types();
    published.insert(published.end(), types.begin(), types.end());
    if (kernel::log::enabled(kernel::log::Level::debug)) {
      kernel::log::write_traced(kernel::log::Level::debug, "eventbus",
                                subscription.subscriber + " handled " + event.type + " " + event.id,
                                event.correlation_id, {},
                                {{"subscriber", boost::json::value(subscription.subscriber)},
                                 {"event_type", boost::json::value(event.type)},
                                 {"event_id", boost::json::value(event.id)},
                                 {"key", boost::json::value(event.key)}});
    }
    return Outcome::handled;
  } catch (const std::exception& failure) {
    // Storage that cannot take the write (disk full, read-only) is not the handler's failure: the
    // whole batch is rolled back and retried from the saved position, no attempt counted.
    if (kernel::storage_cause_of(failure)) throw;
    *error = failure.what();
    if (error->empty()) *error = "handler failed";
  }
  if (!isolated) return Outcome::failed;
  // Undo only this event's effects; the rest of the batch stands. If the whole transaction is
  // gone (SQLite aborted it), this throws and the batch is retried from the saved position.
  c.prepare(sql::kRollbackTo).exec();
  c.prepare(sql::kRelease).exec();
  return Outcome::failed;
}

void Consumer::park(kernel::Connection& c, const Subscription& subscription, const Envelope& event,
                    int attempts, const std::string& error) {
  auto now = kernel::to_unix_millis(clock_.now());
  bool dead = attempts > 0 && gives_up(&subscription, attempts, now, now);
  auto next = attempts == 0 ? 0 : now + backoff(&subscription, attempts).count();
  auto& insert = c.prepare(sql::kPark);
  insert.bind(1, subscription.subscriber);
  insert.bind(2, event.key);
  insert.bind(3, event.id);
  insert.bind(4, event.type);
  insert.bind(5, event.source);
  insert.bind(6, envelope_to_json(event));
  insert.bind(7, dead ? "dead" : "pending");
  insert.bind(8, attempts);
  insert.bind(9, next);
  insert.bind(10, error);
  insert.bind(11, now);
  insert.bind(12, now);
  insert.exec();
  if (attempts > 0) {
    record_attempt(c, subscription.subscriber, event.id, now, error);
    kernel::log::warn("eventbus", subscription.subscriber + " failed on " + event.type + " " +
                                      event.id + " (attempt " + std::to_string(attempts) +
                                      (dead ? ", dead-lettered" : ", will retry") + "): " + error);
  }
}

bool Consumer::forbids_reruns(const std::vector<Envelope>& batch) const {
  for (const auto& s : subscriptions_) {
    if (s.reruns != Reruns::forbidden) continue;
    for (const auto& event : batch) {
      if (event.type == s.type) return true;
    }
  }
  return false;
}

bool Consumer::wants(std::string_view type) const {
  for (const auto& s : subscriptions_) {
    if (s.type == type) return true;
  }
  return false;
}

std::size_t Consumer::deliver_from(Source& source) {
  // Only the rows some subscriber here handles are decoded; the others are passed over (a
  // publisher's outbox holds every type it publishes, and most consumers want a few of them).
  std::vector<Envelope> batch;
  std::int64_t last_read = 0;
  std::size_t read = 0;
  auto from = source.position.load();
  source.db->read([&](kernel::Connection& c) {
    auto& select = c.prepare(sql::kReadOutboxAfter);
    select.bind(1, source.position.load());
    select.bind(2, options_.batch_size);
    while (select.executeStep()) {
      ++read;
      last_read = select.getColumn(0).getInt64();
      const char* type = select.getColumn(2).getText();
      if (wants(type)) batch.push_back(read_outbox_row(select, source.name));
    }
  });
  if (read == 0) return 0;
  if (read >= static_cast<std::size_t>(options_.batch_size)) left_work_ = true;
  if (batch.empty()) {
    // Nothing here to handle: move on without a transaction. The saved position lags until the
    // next handled event (after a restart these rows are only passed over again), or until it
    // lags by several batches, so that a consumer of a rare type does not rescan a long tail.
    source.position = last_read;
    if (last_read - source.saved >= 8 * static_cast<std::int64_t>(options_.batch_size)) {
      db_->write([&](kernel::Connection& c) {
        auto& save = c.prepare(sql::kSavePosition);
        save.bind(1, source.name);
        save.bind(2, last_read);
        save.exec();
      });
      source.saved = last_read;
    }
    return read;
  }
  // The position after the first n events of the batch: past the rows passed over after them.
  auto through = [&](std::size_t n) { return n == batch.size() ? last_read : batch[n - 1].seq; };
  auto consumed = deliver(batch, [&](kernel::Connection& c, std::size_t n) {
    auto& save = c.prepare(sql::kSavePosition);
    save.bind(1, source.name);
    save.bind(2, through(n));
    save.exec();
  });
  if (consumed < batch.size()) left_work_ = true;
  source.position = through(consumed);
  source.saved = source.position;
  if (kernel::faults::enabled() && source.saved > source.redelivered_through &&
      kernel::faults::deliver_again()) {
    // A duplicate delivery, as after a lost position: the next round reads these events again
    // (the inbox makes each a no-op). Not twice: what is read again is not chosen again.
    source.redelivered_through = source.saved;
    source.position = from;
  }
  return consumed == batch.size() ? read : consumed;
}

std::size_t Consumer::deliver_remote() {
  if (!feed_) return 0;
  auto remote = feed_->poll(static_cast<std::size_t>(options_.batch_size));
  if (remote.empty()) return 0;
  std::vector<Envelope> batch;
  batch.reserve(remote.size());
  for (const auto& r : remote) batch.push_back(r.event);
  auto consumed = deliver(batch, [&](kernel::Connection& c, std::size_t n) {
    // The last consumed event of each feed position (partition) says where to resume.
    std::map<std::string_view, std::int64_t> next;
    for (std::size_t i = 0; i < n; ++i) next[remote[i].position_name] = remote[i].next_position;
    for (const auto& [name, position] : next) {
      auto& save = c.prepare(sql::kSavePosition);
      save.bind(1, std::string(name));
      save.bind(2, position);
      save.exec();
    }
  });
  feed_->committed(consumed);
  if (consumed < batch.size() || remote.size() >= static_cast<std::size_t>(options_.batch_size)) {
    left_work_ = true;
  }
  return consumed;
}

std::size_t Consumer::deliver(
    const std::vector<Envelope>& batch,
    const std::function<void(kernel::Connection&, std::size_t)>& save_positions) {
  if (kernel::faults::enabled()) kernel::faults::delay_delivery();
  int parked = 0;
  std::vector<std::string> published;
  std::vector<kernel::metrics::Counter*> counts;
  std::size_t consumed = 0;
  // Without a savepoint per event unless a handler may not run twice (see Reruns); a failure
  // then rolls the attempt back, and the batch is handled again with one per event.
  bool isolated = forbids_reruns(batch);
  // Outside calls are made before the transaction; it records their outcomes (see OutsideCall).
  BatchCalls calls;
  std::size_t limit = has_outside_ ? call_outside(batch, calls) : batch.size();
  struct HandleIsolated {};
  // The failure that ended the first attempt: parked as it is in the second, without calling
  // that handler again (one call per delivery attempt, as retries and dead letters count them).
  struct Failure {
    const Subscription* subscription = nullptr;
    const Envelope* event = nullptr;
    std::string error;
  } first_failure;
  auto attempt = [&](kernel::Connection& c) {
    parked = 0;
    published.clear();
    counts.clear();
    consumed = 0;
    // The batch holds this module's write lock, which its requests need too: stop early when
    // it has run for its time budget, so a slow subscriber delays a request by at most that.
    auto deadline = std::chrono::steady_clock::now() + options_.batch_time_budget;
    for (std::size_t index = 0; index < limit; ++index) {
      const auto& event = batch[index];
      if (consumed > 0 && std::chrono::steady_clock::now() >= deadline) break;
      ++consumed;
      for (const auto& subscription : subscriptions_) {
        if (subscription.type != event.type) continue;
        if (pending_.load() + parked > 0) {
          auto& blocked = c.prepare(sql::kKeyBlocked);
          blocked.bind(1, event.source);
          blocked.bind(2, event.key);
          bool is_blocked = blocked.executeStep();
          blocked.reset();
          if (is_blocked) {
            park(c, subscription, event, 0, "");
            ++parked;
            continue;
          }
        }
        std::string error;
        Outcome outcome = Outcome::failed;
        if (first_failure.subscription == &subscription && first_failure.event == &event) {
          error = first_failure.error;
        } else {
          const Called* called = nullptr;
          if (subscription.call) {
            auto it = calls.find({&subscription, index});
            if (it != calls.end()) called = &it->second;
          }
          outcome = handle(c, subscription, event, isolated, &error, published, called, 1);
        }
        if (outcome == Outcome::failed && !isolated) {
          // SQLite itself ended the transaction (disk full, I/O error): not the handler's
          // failure; the batch is tried again from the saved position, as with savepoints.
          if (sqlite3_get_autocommit(c.raw().getHandle()) != 0) throw std::runtime_error(error);
          first_failure = {&subscription, &event, error};
          throw HandleIsolated{};
        }
        if (outcome == Outcome::failed) {
          park(c, subscription, event, 1, error);
          ++parked;
          auto now = kernel::to_unix_millis(clock_.now());
          counts.push_back(gives_up(&subscription, 1, now, now) ? subscription.metrics.dead_lettered
                                                                : subscription.metrics.retried);
        } else if (outcome == Outcome::handled) {
          counts.push_back(subscription.metrics.delivered);
        }
      }
    }
    save_positions(c, consumed);
  };
  try {
    db_->write(attempt);
  } catch (const HandleIsolated&) {
    isolated = true;
    db_->write(attempt);
  }
  after_commit(published, counts);
  if (parked > 0) refresh_pending();
  return consumed;
}

}  // namespace eventbus::detail
