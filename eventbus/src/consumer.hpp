#pragma once
// The delivery side of one hosting module: reads the outboxes it subscribes to and handles their
// events in batches inside its own database's transactions (see bus.hpp for the guarantees).

#include "eventbus/bus.hpp"

#include <kernel/faults.hpp>
#include <kernel/metrics.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace eventbus::detail {

// The metric series of one subscriber, resolved once (see kernel/metrics.hpp).
struct SubscriberMetrics {
  kernel::metrics::Counter* delivered = nullptr;
  kernel::metrics::Counter* retried = nullptr;
  kernel::metrics::Counter* dead_lettered = nullptr;
  kernel::metrics::Histogram* handler_seconds = nullptr;
};

struct Subscription {
  std::string type;
  std::string topic;
  std::string subscriber;
  RawHandler handler;
  Reruns reruns = Reruns::allowed;
  SubscriberMetrics metrics{};
  // A subscriber that calls the outside world: `call` runs before the transaction, and `outside`
  // replaces the bus's retry policy (see ModuleBus::subscribe_outside).
  OutsideCall call{};
  std::optional<OutsideRetry> outside{};
};

// What an outside call left for the transaction that records it: the recording step, or why
// the call failed.
struct Called {
  RawHandler record;
  std::string error;
};

class Consumer {
 public:
  Consumer(std::string module, std::shared_ptr<kernel::Database> db, const BusOptions& options,
           const kernel::Clock& clock);

  const std::string& module() const { return module_; }
  // Called after a commit in which this module's handlers published events.
  void on_published(std::function<void(std::string_view)> notify) { notify_ = std::move(notify); }
  void add(Subscription subscription);
  bool subscribes_to(std::string_view source) const;
  std::vector<std::string> sources() const;           // publisher modules this consumer reads
  std::map<std::string, std::string> topics() const;  // publisher module -> its topic
  std::vector<std::string> subscribers_of(std::string_view type) const;
  // Every subscriber of this module, once each.
  std::vector<std::string> subscribers() const;

  // Attaches the publishers that are hosted in this process and loads the saved positions.
  void connect(const std::map<std::string, std::shared_ptr<kernel::Database>, std::less<>>& hosted);

  // One round: a batch from each source, then the due retries. Returns the events consumed or
  // resolved; 0 means there was nothing to do.
  std::size_t pump_once();
  // Whether the last pump_once() left events waiting behind what it handled: a full read, or a
  // batch cut short (time budget, outside calls). The delivery thread does not linger then.
  bool left_work() const { return left_work_; }

  // Split mode: events of publishers hosted elsewhere. Before connect().
  void attach_feed(std::unique_ptr<RemoteFeed> feed) { feed_ = std::move(feed); }
  RemoteFeed* feed() const { return feed_.get(); }

  // Position in `source`'s outbox; nullopt when this consumer does not read it.
  std::optional<std::int64_t> position(std::string_view source) const;

  std::int64_t pending() const { return pending_.load(); }
  Bus::ReplayOutcome replay(std::int64_t local_id, const Operator& by);
  Bus::DiscardOutcome discard(std::int64_t local_id, const std::string& reason, const Operator& by);
  // Entries in `status` with their failed attempts (local ids).
  std::vector<ParkedEvent> parked_after(ParkedStatus status, std::int64_t after_local_id,
                                        int limit);
  std::optional<ParkedEvent> parked(std::int64_t local_id);

 private:
  struct Source {
    std::string name;
    std::shared_ptr<kernel::Database> db;
    std::atomic<std::int64_t> position{0};
    std::int64_t saved = 0;                // the position last committed (delivery thread only)
    std::int64_t redelivered_through = 0;  // an injected duplicate delivery's end (faults.*)
  };
  enum class Outcome { handled, duplicate, failed };

  bool left_work_ = false;  // see left_work(); the delivery thread's only

  std::size_t deliver_from(Source& source);
  std::size_t deliver_remote();
  // Handles `batch` in one transaction, front to back, until the time budget runs out; calls
  // save_positions(c, consumed) before the commit. Returns how many events it consumed.
  std::size_t deliver(const std::vector<Envelope>& batch,
                      const std::function<void(kernel::Connection&, std::size_t)>& save_positions);
  std::size_t retry_due();
  // Runs one subscriber on one event inside a savepoint; adds the types it published to
  // `published` (a local of the caller's transaction, never shared between threads).
  // With `isolated`, in a savepoint of its own that a failure rolls back; without, a failure
  // leaves the transaction as the handler left it (the caller rolls the whole batch back).
  // For an outside subscriber, `called` is the call made before the transaction (none: the
  // delivery fails and is retried). `attempt` counts this delivery's attempts (0: an
  // operator's replay).
  Outcome handle(kernel::Connection& c, const Subscription& subscription, const Envelope& event,
                 bool isolated, std::string* error, std::vector<std::string>& published,
                 const Called* called, int attempt);
  // Makes an outside subscriber's call for `event`, with no transaction open. `may_fail`: an
  // injected handler failure may replace it (faults.*; not in an operator's replay).
  Called call(const Subscription& subscription, const Envelope& event, bool may_fail);
  // An injected handler failure for this attempt (faults.handler_failure_rate). Never on the
  // last attempt the retry policy allows, nor in a replay: an injected failure is one the
  // retries absorb, never a dead letter.
  bool injects_failure(int attempt) const {
    return attempt >= 1 && attempt < options_.retry.max_attempts && kernel::faults::fail_handler();
  }
  // Before a batch's transaction: the outside calls of its first events, at most one per
  // publisher and key (a later event of a key may depend on the outcome of an earlier one) and
  // for about one time budget. Returns how many events of the batch the transaction may handle.
  using BatchCalls = std::map<std::pair<const Subscription*, std::size_t>, Called>;
  std::size_t call_outside(const std::vector<Envelope>& batch, BatchCalls& calls);
  // Before the retries' transaction: the outside calls of the due entries first in their key.
  void call_outside_due(std::int64_t now, std::map<std::int64_t, Called>& calls);
  // Whether a failed delivery becomes a dead letter, and the wait before its next attempt.
  bool gives_up(const Subscription* subscription, int attempts, std::int64_t parked_ms,
                std::int64_t now) const;
  std::chrono::milliseconds backoff(const Subscription* subscription, int attempts) const;
  // Whether a handler of some event of `batch` must not run twice (Reruns::forbidden).
  bool forbids_reruns(const std::vector<Envelope>& batch) const;
  SubscriberMetrics metrics_for(const std::string& subscriber) const;
  void park(kernel::Connection& c, const Subscription& subscription, const Envelope& event,
            int attempts, const std::string& error);
  const Subscription* find(std::string_view subscriber, std::string_view type) const;
  bool wants(std::string_view type) const;  // some subscriber here handles `type`
  void refresh_pending();

  std::string module_;
  std::shared_ptr<kernel::Database> db_;
  const BusOptions& options_;
  const kernel::Clock& clock_;
  std::vector<Subscription> subscriptions_;
  bool has_outside_ = false;  // some subscriber calls the outside world
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<RemoteFeed> feed_;
  std::atomic<std::int64_t> pending_{0};
  std::function<void(std::string_view)> notify_;
  std::chrono::steady_clock::time_point pending_refreshed_{};
  // After a commit: counts what it published and what its deliveries did (`counts`), and wakes
  // the consumers of what it published.
  void after_commit(const std::vector<std::string>& published,
                    const std::vector<kernel::metrics::Counter*>& counts = {});
};

}  // namespace eventbus::detail
