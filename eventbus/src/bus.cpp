#include "eventbus/bus.hpp"

#include "consumer.hpp"
#include "outbox_row.hpp"
#include "outbox_sql.hpp"
#include "prune.hpp"

#include <kernel/log.hpp>
#include <mart/module_list.hpp>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace eventbus {
namespace {

// Dead-letter ids are unique across modules: local id * 16 + the module's fixed code
// (<mart/module_list.hpp>); a name outside the list (a test's) gets the next free code.
constexpr std::int64_t kCodeSpace = 16;

}  // namespace

std::chrono::milliseconds RetryPolicy::backoff_after(int attempts) const {
  auto delay = initial_backoff;
  for (int i = 1; i < attempts && delay < max_backoff; ++i) delay *= 2;
  return std::min(delay, max_backoff);
}

std::chrono::milliseconds OutsideRetry::backoff_after(int attempts) const {
  auto delay = initial_backoff;
  for (int i = 1; i < attempts && delay < max_backoff; ++i) delay *= 2;
  delay = std::min(delay, max_backoff);
  // Up to half of the wait is taken off at random: deliveries that failed together (an outage)
  // do not all call again at the same instant.
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> jitter(0, delay.count() / 2);
  return std::chrono::milliseconds(delay.count() - jitter(random));
}

struct Bus::Impl {
  struct Worker {
    std::unique_ptr<detail::Consumer> consumer;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool signalled = false;
    std::int64_t code = 0;
    std::int64_t last_marked = -1;
  };

  std::map<std::string, std::unique_ptr<ModuleBus>, std::less<>> modules;
  std::map<std::string, std::unique_ptr<Worker>, std::less<>> workers;
  std::map<std::string, std::shared_ptr<kernel::Database>, std::less<>> databases;
  // Readers of a module's outbox other than in-process subscribers (the Kafka mirror).
  struct OutboxReader {
    std::function<std::int64_t()> position;
    std::function<void()> wake;
  };
  std::multimap<std::string, OutboxReader, std::less<>> outbox_readers;
  bool connected = false;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};

  void connect() {
    if (connected) return;
    for (auto& [name, worker] : workers) worker->consumer->connect(databases);
    connected = true;
  }

  void wake(Worker& worker) {
    {
      std::lock_guard lock(worker.mutex);
      worker.signalled = true;
    }
    worker.wake.notify_one();
  }

  // The highest seq of `publisher` that every in-process consumer of it has handled.
  std::optional<std::int64_t> delivered_position(std::string_view publisher) {
    std::optional<std::int64_t> low;
    for (auto& [name, worker] : workers) {
      auto position = worker->consumer->position(publisher);
      if (position && (!low || *position < *low)) low = position;
    }
    auto [first, last] = outbox_readers.equal_range(publisher);
    for (auto it = first; it != last; ++it) {
      auto position = it->second.position();
      if (!low || position < *low) low = position;
    }
    return low;
  }

  void mark_delivered(Worker& worker, const kernel::Clock& clock) {
    const auto& module = worker.consumer->module();
    auto& db = *databases.at(module);
    auto position = delivered_position(module);
    if (!position) {
      // Nobody in process consumes this module: everything counts as delivered.
      position = db.read([](kernel::Connection& c) {
        auto& max = c.prepare(sql::kOutboxMaxSeq);
        max.executeStep();
        return max.getColumn(0).getInt64();
      });
    }
    if (worker.last_marked < 0) {
      worker.last_marked = db.read([](kernel::Connection& c) {
        auto& last = c.prepare(sql::kLastMarked);
        last.executeStep();
        return last.getColumn(0).getInt64();
      });
    }
    if (*position <= worker.last_marked) return;
    db.write([&](kernel::Connection& c) {
      auto& mark = c.prepare(sql::kMarkDelivered);
      mark.bind(1, kernel::to_unix_millis(clock.now()));
      mark.bind(2, *position);
      mark.exec();
    });
    worker.last_marked = *position;
  }

  // The retention, on `worker`'s module: what every reader has passed (the delivered mark) and
  // what is older than options.retention.
  PruneResult prune(Worker& worker, const BusOptions& options, const kernel::Clock& clock) {
    if (options.retention.count() <= 0 || worker.last_marked < 0) return {};
    const auto& module = worker.consumer->module();
    auto cutoff = kernel::to_unix_millis(clock.now()) -
                  std::chrono::duration_cast<std::chrono::milliseconds>(options.retention).count();
    auto pruned =
        detail::prune(*databases.at(module), worker.last_marked, cutoff, options.prune_chunk);
    if (pruned.outbox_rows + pruned.inbox_rows > 0) {
      kernel::log::info("eventbus", "retention: deleted " + std::to_string(pruned.outbox_rows) +
                                        " outbox and " + std::to_string(pruned.inbox_rows) +
                                        " inbox rows of " + module);
    }
    return pruned;
  }

  void run(Worker& worker, const BusOptions& options, const kernel::Clock& clock) {
    auto last_mark = std::chrono::steady_clock::now() - std::chrono::hours(1);
    // The first pruning comes one interval after start-up, off the busy start.
    auto last_prune = std::chrono::steady_clock::now();
    auto failure_delay = options.idle_poll;
    while (!stopping.load()) {
      std::size_t work = 0;
      try {
        work = worker.consumer->pump_once();
        if (std::chrono::steady_clock::now() - last_mark > std::chrono::milliseconds(250)) {
          mark_delivered(worker, clock);
          // Each module's own thread checkpoints its database, off every write lock.
          databases.at(worker.consumer->module())->checkpoint();
          last_mark = std::chrono::steady_clock::now();
        }
        if (std::chrono::steady_clock::now() - last_prune > options.prune_interval) {
          last_prune = std::chrono::steady_clock::now();
          prune(worker, options, clock);
        }
        failure_delay = options.idle_poll;
      } catch (const std::exception& error) {
        // A batch that could not commit (disk full, I/O error) is retried from the saved position.
        kernel::log::error("eventbus", "delivery to " + worker.consumer->module() +
                                           " failed, retrying: " + error.what());
        std::unique_lock lock(worker.mutex);
        worker.wake.wait_for(lock, failure_delay, [&] { return stopping.load(); });
        failure_delay = std::min(failure_delay * 2, std::chrono::milliseconds(5000));
        continue;
      }
      if (work > 0) continue;
      std::unique_lock lock(worker.mutex);
      worker.wake.wait_for(lock, options.idle_poll,
                           [&] { return worker.signalled || stopping.load(); });
      worker.signalled = false;
    }
  }
};

ModuleBus::ModuleBus(Bus& bus, std::string module, std::shared_ptr<kernel::Database> db)
    : bus_(bus), module_(std::move(module)), db_(std::move(db)) {}

const kernel::Clock& ModuleBus::clock() const {
  return bus_.clock();
}

std::vector<TimelineEntry> ModuleBus::events_for_key(
    const std::string& key, const std::vector<std::string>& sources,
    const std::function<bool(std::string_view)>& include) {
  return bus_.events_for_key(key, sources, include);
}

void ModuleBus::announce(const std::vector<std::string>& published) {
  count_published(module_, published);
  if (!published.empty()) bus_.notify_published(module_);
}

void ModuleBus::add_subscription(std::string type, std::string topic, std::string subscriber,
                                 RawHandler handler, Reruns reruns) {
  bus_.add_subscription(module_, std::move(type), std::move(topic), std::move(subscriber),
                        std::move(handler), reruns);
}

void ModuleBus::add_outside_subscription(std::string type, std::string topic,
                                         std::string subscriber, OutsideCall call,
                                         OutsideRetry retry) {
  bus_.add_subscription(module_, std::move(type), std::move(topic), std::move(subscriber), {},
                        Reruns::allowed, std::move(call), retry);
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

Bus::Bus(BusOptions options)
    : options_(options),
      clock_(options.clock ? options.clock : &system_clock_),
      impl_(std::make_unique<Impl>()) {}

Bus::~Bus() {
  stop();
}

ModuleBus& Bus::attach(std::string module, std::shared_ptr<kernel::Database> db) {
  if (impl_->running) throw std::logic_error("attach after the bus started");
  if (impl_->modules.count(module)) throw std::logic_error("module attached twice: " + module);
  auto code = mart::module_code(module);
  if (code == 0)
    code = static_cast<std::int64_t>(mart::kModuleNames.size() + 1 + impl_->modules.size());
  if (code >= kCodeSpace) throw std::logic_error("too many modules on one bus");

  auto worker = std::make_unique<Impl::Worker>();
  worker->consumer = std::make_unique<detail::Consumer>(module, db, options_, *clock_);
  worker->consumer->on_published([this](std::string_view m) { notify_published(m); });
  worker->code = code;
  impl_->workers.emplace(module, std::move(worker));
  impl_->databases.emplace(module, db);
  auto [it, inserted] =
      impl_->modules.emplace(module, std::make_unique<ModuleBus>(*this, module, std::move(db)));
  impl_->connected = false;
  return *it->second;
}

ModuleBus* Bus::find(std::string_view module) {
  auto it = impl_->modules.find(module);
  return it == impl_->modules.end() ? nullptr : it->second.get();
}

void Bus::add_subscription(const std::string& module, std::string type, std::string topic,
                           std::string subscriber, RawHandler handler, Reruns reruns,
                           OutsideCall call, std::optional<OutsideRetry> retry) {
  if (impl_->running) throw std::logic_error("subscribe after the bus started");
  impl_->workers.at(module)->consumer->add({std::move(type),
                                            std::move(topic),
                                            std::move(subscriber),
                                            std::move(handler),
                                            reruns,
                                            {},
                                            std::move(call),
                                            retry});
  impl_->connected = false;
}

void Bus::start() {
  if (impl_->running.exchange(true)) return;
  impl_->stopping = false;
  impl_->connect();
  for (auto& [name, worker] : impl_->workers) {
    auto* w = worker.get();
    w->thread = std::thread([this, w] { impl_->run(*w, options_, *clock_); });
  }
}

void Bus::stop() {
  if (!impl_->running.exchange(false)) return;
  impl_->stopping = true;
  for (auto& [name, worker] : impl_->workers) impl_->wake(*worker);
  for (auto& [name, worker] : impl_->workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

bool Bus::running() const {
  return impl_->running.load();
}

std::size_t Bus::run_until_idle() {
  if (impl_->running) throw std::logic_error("run_until_idle while the delivery threads run");
  impl_->connect();
  std::size_t total = 0;
  for (;;) {
    std::size_t round = 0;
    for (auto& [name, worker] : impl_->workers) round += worker->consumer->pump_once();
    total += round;
    if (round == 0) break;
  }
  for (auto& [name, worker] : impl_->workers) impl_->mark_delivered(*worker, *clock_);
  return total;
}

PruneResult Bus::prune_now() {
  if (impl_->running) throw std::logic_error("prune_now while the delivery threads run");
  impl_->connect();
  PruneResult total;
  for (auto& [name, worker] : impl_->workers) {
    impl_->mark_delivered(*worker, *clock_);
    auto pruned = impl_->prune(*worker, options_, *clock_);
    total.outbox_rows += pruned.outbox_rows;
    total.inbox_rows += pruned.inbox_rows;
  }
  return total;
}

void Bus::notify_published(std::string_view module) {
  for (auto& [name, worker] : impl_->workers) {
    if (worker->consumer->subscribes_to(module)) impl_->wake(*worker);
  }
  auto [first, last] = impl_->outbox_readers.equal_range(module);
  for (auto it = first; it != last; ++it) {
    if (it->second.wake) it->second.wake();
  }
}

void Bus::attach_feed(std::string_view module, std::unique_ptr<RemoteFeed> feed) {
  if (impl_->running) throw std::logic_error("attach_feed after the bus started");
  auto it = impl_->workers.find(module);
  if (it == impl_->workers.end()) {
    throw std::logic_error("attach_feed for a module not hosted: " + std::string(module));
  }
  auto* worker = it->second.get();
  feed->on_arrival([this, worker] { impl_->wake(*worker); });
  worker->consumer->attach_feed(std::move(feed));
  impl_->connected = false;
}

std::vector<Bus::RemoteSource> Bus::remote_sources(std::string_view module) {
  std::vector<RemoteSource> out;
  auto it = impl_->workers.find(module);
  if (it == impl_->workers.end()) return out;
  for (const auto& [source, topic] : it->second->consumer->topics()) {
    if (!impl_->databases.count(source)) out.push_back({source, topic});
  }
  return out;
}

void Bus::add_outbox_reader(std::string_view module, std::function<std::int64_t()> position,
                            std::function<void()> wake) {
  if (impl_->running) throw std::logic_error("add_outbox_reader after the bus started");
  impl_->outbox_readers.emplace(std::string(module),
                                Impl::OutboxReader{std::move(position), std::move(wake)});
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

std::vector<ParkedEvent> Bus::dead_letters(std::optional<std::int64_t> after, int limit) {
  impl_->connect();
  std::vector<ParkedEvent> all;
  for (auto& [name, worker] : impl_->workers) {
    // Every local id above after/16 may hold a global id above `after`.
    auto local_after = after ? *after / kCodeSpace - 1 : std::int64_t{0};
    for (auto& p :
         worker->consumer->dead_letters(std::max<std::int64_t>(0, local_after), limit + 1)) {
      p.id = p.id * kCodeSpace + worker->code;
      if (!after || p.id > *after) all.push_back(std::move(p));
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (static_cast<int>(all.size()) > limit) all.resize(static_cast<std::size_t>(limit));
  return all;
}

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
      impl_->databases.at(name)->read([&](kernel::Connection& c) {
        for (const auto& subscriber : subscribers) {
          auto& handled = c.prepare(sql::kHandledAt);
          handled.bind(1, subscriber);
          handled.bind(2, entry.event.id);
          if (handled.executeStep()) {
            entry.handled_by.emplace_back(subscriber, handled.getColumn(0).getInt64());
            handled.reset();
            continue;
          }
          handled.reset();
          // Not handled: a failed delivery says on what it waits.
          auto& parked = c.prepare(sql::kParkedFor);
          parked.bind(1, subscriber);
          parked.bind(2, entry.event.id);
          if (parked.executeStep() && parked.getColumn(1).getInt() > 0) {
            entry.waiting.push_back({subscriber, parked.getColumn(0).getString(),
                                     parked.getColumn(1).getInt(), parked.getColumn(2).getString(),
                                     parked.getColumn(3).getInt64()});
          }
          parked.reset();
        }
      });
    }
    std::stable_sort(entry.handled_by.begin(), entry.handled_by.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
  }
  // Across publishers, time orders the flow (each step is caused by the one before).
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.event.occurred_ms < b.event.occurred_ms;
  });
  // Within one millisecond the clock cannot tell; causation can: an effect follows its cause.
  for (bool moved = true; moved;) {
    moved = false;
    for (std::size_t i = 0; i < out.size() && !moved; ++i) {
      for (std::size_t j = i + 1; j < out.size(); ++j) {
        if (out[i].event.causation_id == out[j].event.id) {
          auto effect = std::move(out[i]);
          out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
          out.insert(out.begin() + static_cast<std::ptrdiff_t>(j), std::move(effect));
          moved = true;
          break;
        }
      }
    }
  }
  return out;
}

Bus::ReplayOutcome Bus::replay(std::int64_t id) {
  impl_->connect();
  if (id <= 0) throw std::out_of_range("no dead letter with that id");
  for (auto& [name, worker] : impl_->workers) {
    if (id % kCodeSpace != worker->code) continue;
    auto outcome = worker->consumer->replay(id / kCodeSpace);
    if (outcome.entry) outcome.entry->id = id;
    return outcome;
  }
  throw std::out_of_range("no dead letter with that id");
}

}  // namespace eventbus
