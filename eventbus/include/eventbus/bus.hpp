#pragma once
// The durable in-process event bus.
//
//  publish   ModuleBus::transact(trace, fn) runs fn(Tx&) in the module's write transaction; every
//            Tx::publish lands in that module's outbox in the same commit.
//  deliver   each hosting module has a consumer that reads the outboxes of the modules it
//            subscribes to, in seq order, and handles a batch in ONE transaction of its own
//            database: per event a savepoint, the handler's effects, an inbox row, and at the end
//            the advanced read position. A crash anywhere re-reads from the committed position; the
//            inbox makes a re-delivered event change nothing.
//  fail      a throwing handler's savepoint is rolled back and the event is parked for retry with
//            back-off; later events of the same publisher and key park behind it (for every
//            subscriber of this module), so per-key order holds while other keys flow on. After
//            max_attempts it becomes a dead letter, which an operator can list and replay, or
//            discard; every failed attempt is kept (bus_attempts), every replay and discard
//            audited (bus_audit), both in the consuming module's database.
//  outside   a subscriber that calls the outside world (subscribe_outside) makes its call with no
//            transaction open, then records the outcome in the batch's transaction; its retries
//            back off with jitter and give up after a time, not a count (docs/adr/0017).

#include "eventbus/bus_options.hpp"
#include "eventbus/bus_views.hpp"
#include "eventbus/decode.hpp"
#include "eventbus/event.hpp"
#include "eventbus/handler.hpp"
#include "eventbus/remote_feed.hpp"
#include "eventbus/tx.hpp"

#include <kernel/database.hpp>
#include <kernel/time.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace eventbus {

class Bus;

// One module's connection to the bus: its database, its outbox, its subscriptions.
class ModuleBus {
 public:
  ModuleBus(Bus& bus, std::string module, std::shared_ptr<kernel::Database> db);

  const std::string& module() const { return module_; }
  kernel::Database& db() { return *db_; }
  const std::shared_ptr<kernel::Database>& db_handle() const { return db_; }
  const kernel::Clock& clock() const;

  // fn(Tx&) inside one write transaction; subscribers are woken after the commit.
  template <class F>
  decltype(auto) transact(const Trace& trace, F&& fn);

  // The asynchronous form of transact(), for request handlers that answer later: fn(Tx&) runs on
  // the database's request writer (kernel::Database::write_queued), grouped with other queued
  // transactions; then, on that thread, done(result, nullptr) once the commit holds its effects,
  // or done(std::nullopt, error) when fn, BEGIN or COMMIT threw. The trace is copied.
  template <class F, class Done>
  void transact_queued(Trace trace, F fn, Done done);

  // fn(const E&, HandlerContext&) is called once per event of type E, inside this module's
  // transaction. `subscriber` names the reaction, e.g. "products.on_stock_level_changed".
  template <Event E, class F>
  void subscribe(std::string subscriber, F&& fn, Reruns reruns = Reruns::allowed) {
    add_subscription(std::string(E::kType), std::string(E::kTopic), std::move(subscriber),
                     RawHandler([fn = std::forward<F>(fn)](HandlerContext& ctx) {
                       // The parsed tree lives in a stack buffer; decode_event copies out of it.
                       unsigned char scratch[2048];
                       boost::json::monotonic_resource memory(scratch, sizeof scratch);
                       auto event = decode_event<E>(boost::json::parse(ctx.event.payload, &memory));
                       fn(event, ctx);
                     }),
                     reruns);
  }

  // subscribe<E>, and the same subscriber to each older version of E this build still reads, each
  // upcast to E (upcast(const Older&) -> E, found next to the events) before fn sees it: one
  // reaction, one inbox, whichever version an event was written in (docs/events.md).
  template <Event E, Event... Older, class F>
  requires(UpcastsTo<Older, E>&&...) void subscribe_versions(std::string subscriber, F fn,
                                                             Reruns reruns = Reruns::allowed) {
    (subscribe<Older>(
         subscriber, [fn](const Older& old, HandlerContext& ctx) { fn(upcast_event<E>(old), ctx); },
         reruns),
     ...);
    subscribe<E>(std::move(subscriber), std::move(fn), reruns);
  }

  // A subscriber that calls the outside world (see OutsideCall): call(const E&, const Envelope&,
  // kernel::Database&) runs outside any transaction and returns the RawHandler that records its
  // outcome. Its deliveries retry per `retry`, not per the bus's max_attempts.
  template <Event E, class F>
  void subscribe_outside(std::string subscriber, F&& call, OutsideRetry retry) {
    add_outside_subscription(
        std::string(E::kType), std::string(E::kTopic), std::move(subscriber),
        OutsideCall([call = std::forward<F>(call)](const Envelope& envelope, kernel::Database& db) {
          auto event = decode_event<E>(boost::json::parse(envelope.payload));
          return call(event, envelope, db);
        }),
        retry);
  }

  void add_subscription(std::string type, std::string topic, std::string subscriber,
                        RawHandler handler, Reruns reruns = Reruns::allowed);
  void add_outside_subscription(std::string type, std::string topic, std::string subscriber,
                                OutsideCall call, OutsideRetry retry);
  // Deliveries of this module's subscribers waiting for a retry, per subscriber and event type
  // (for a module's health: on what it waits).
  struct WaitingCount {
    std::string subscriber;
    std::string event_type;
    std::int64_t pending = 0;
    std::int64_t dead = 0;
    std::string last_error;  // of the most recently updated one
  };
  std::vector<WaitingCount> waiting();

  // Events keyed `key` in the outboxes of the hosted `sources`, oldest first, filtered by type.
  std::vector<TimelineEntry> events_for_key(const std::string& key,
                                            const std::vector<std::string>& sources,
                                            const std::function<bool(std::string_view)>& include);

 private:
  // After a commit: counts what it published and wakes the subscribers (nothing when empty).
  void announce(const std::vector<std::string>& published);

  Bus& bus_;
  std::string module_;
  std::shared_ptr<kernel::Database> db_;
};

class Bus {
 public:
  explicit Bus(BusOptions options = {});
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // Registers a hosted module; call for every module before start() or run_until_idle().
  ModuleBus& attach(std::string module, std::shared_ptr<kernel::Database> db);
  ModuleBus* find(std::string_view module);

  // One delivery thread per hosting module.
  void start();
  // Lets each thread finish its current batch, then joins them.
  void stop();
  bool running() const;

  // Deterministic delivery for tests: pumps every consumer until nothing moves (retries whose
  // back-off has not elapsed on the clock stay parked). Returns the number of events handled.
  std::size_t run_until_idle();
  // Applies the retention to every hosted module's bus tables now (tests; the delivery threads
  // do it every prune_interval). Not while the delivery threads run.
  PruneResult prune_now();

  void notify_published(std::string_view module);

  // Split mode: `module` also consumes the events of publishers not hosted here from `feed`.
  // Call before start().
  void attach_feed(std::string_view module, std::unique_ptr<RemoteFeed> feed);
  // The publishers (and their topics) whose events `module` subscribes to but which this
  // process does not host.
  struct RemoteSource {
    std::string module;
    std::string topic;
  };
  std::vector<RemoteSource> remote_sources(std::string_view module);
  // Another reader of `module`'s outbox besides the in-process subscribers (the Kafka mirror):
  // a row counts as delivered only once `position()` has passed it too. `wake` is called after
  // each commit that published events in `module`.
  void add_outbox_reader(std::string_view module, std::function<std::int64_t()> position,
                         std::function<void()> wake);

  // Called (on the committing thread) after every commit that published events in a hosted
  // module: an observer of the outboxes (the console's event stream) learns it may read more.
  // Keep it cheap; add before start().
  void add_publish_listener(std::function<void(std::string_view module)> listener);
  // The hosted modules' outboxes as they are (for observers; delivery does not depend on them).
  // Up to `limit` events of `module` after `after_seq`, oldest first; empty for a module not
  // hosted.
  std::vector<Envelope> outbox_after(std::string_view module, std::int64_t after_seq, int limit);
  // The newest seq of `module`'s outbox (0 when empty or not hosted).
  std::int64_t outbox_head(std::string_view module);
  // The first seq of `module`'s outbox whose event occurred at or after `ms` (head + 1 if none).
  std::int64_t outbox_seq_at(std::string_view module, std::int64_t ms);
  // The event with this id in any hosted outbox (a scan: for rare look-ups only).
  std::optional<Envelope> find_published(std::string_view event_id);
  std::vector<std::string> hosted_modules() const;

  std::vector<ModuleStatus> status();
  // Parked deliveries of every hosted module in `status` (dead letters by default; "pending"
  // lists those that failed and wait for a retry), ordered by id, after the given id, each with
  // its history of failed attempts.
  std::vector<ParkedEvent> dead_letters(std::optional<std::int64_t> after, int limit,
                                        ParkedStatus status = ParkedStatus::dead);
  // Hands a dead letter back to its subscriber now, and records who did it (bus_audit). Throws
  // std::out_of_range for an unknown id.
  struct ReplayOutcome {
    enum class Result { delivered, failed_again, not_dead };
    Result result = Result::not_dead;
    std::optional<ParkedEvent> entry;  // the parked entry afterwards (absent when delivered)
  };
  ReplayOutcome replay(std::int64_t id, const Operator& by = {});
  // Gives a dead letter up: never handed to its subscriber again, kept as "discarded" (until the
  // retention) and recorded with `reason` and who did it. Only a dead letter can be discarded
  // (not_dead otherwise: still being retried, or discarded already). Throws std::out_of_range
  // for an unknown id.
  struct DiscardOutcome {
    enum class Result { discarded, not_dead };
    Result result = Result::not_dead;
    ParkedEvent entry;  // afterwards
  };
  DiscardOutcome discard(std::int64_t id, const std::string& reason, const Operator& by = {});
  // The replays and discards of every hosted module, newest first, after the position `before`
  // in that order (see audit_position).
  std::vector<AuditEntry> audit(std::optional<std::int64_t> before, int limit);

  const kernel::Clock& clock() const { return *clock_; }
  const BusOptions& options() const { return options_; }

  std::vector<TimelineEntry> events_for_key(const std::string& key,
                                            const std::vector<std::string>& sources,
                                            const std::function<bool(std::string_view)>& include);
  // What this process's subscribers did with events published elsewhere (split mode: the
  // gateway asks each process about the events of a timeline it merges). Only the events some
  // subscriber here handled or waits on; their envelope holds the id alone.
  std::vector<TimelineEntry> deliveries_of(const std::vector<std::string>& event_ids);

  struct Impl;

 private:
  friend class ModuleBus;
  void add_subscription(const std::string& module, std::string type, std::string topic,
                        std::string subscriber, RawHandler handler, Reruns reruns,
                        OutsideCall call = {}, std::optional<OutsideRetry> retry = {});

  BusOptions options_;
  kernel::SystemClock system_clock_;
  const kernel::Clock* clock_;
  std::unique_ptr<Impl> impl_;
};

template <class F>
decltype(auto) ModuleBus::transact(const Trace& trace, F&& fn) {
  std::vector<std::string> published;
  auto run = [&](kernel::Connection& c) -> decltype(auto) {
    Tx tx(c, module_, trace, bus_.clock());
    struct Count {
      Tx& tx;
      std::vector<std::string>& out;
      ~Count() { out = tx.published_types(); }
    } count{tx, published};
    return fn(tx);
  };
  // Counted and announced only once the commit succeeded (a throwing write skips both).
  // Concurrent requests of one module share a commit (see kernel::Database::write_grouped).
  if constexpr (std::is_void_v<decltype(fn(std::declval<Tx&>()))>) {
    db_->write_grouped(run);
    announce(published);
  } else {
    auto result = db_->write_grouped(run);
    announce(published);
    return result;
  }
}

template <class F, class Done>
void ModuleBus::transact_queued(Trace trace, F fn, Done done) {
  using Result = decltype(fn(std::declval<Tx&>()));
  struct State {
    Trace trace;
    F fn;
    Done done;
    std::optional<Result> result;
    std::vector<std::string> published;
  };
  auto state = std::make_shared<State>(
      State{std::move(trace), std::move(fn), std::move(done), std::nullopt, {}});
  db_->write_queued(
      [this, state](kernel::Connection& c) {
        Tx tx(c, module_, state->trace, bus_.clock());
        state->result.emplace(state->fn(tx));
        state->published = tx.published_types();
      },
      [this, state](const std::exception_ptr& error) {
        if (error) return state->done(std::optional<Result>(), error);
        announce(state->published);  // only once the commit succeeded, as in transact()
        state->done(std::move(state->result), nullptr);
      });
}

}  // namespace eventbus
