#pragma once
// The bus's private state, shared by its core (bus.cpp: attaching, delivery threads, start and
// stop) and its operator views (bus_queries.cpp: status, dead letters, replay, timelines).

#include "eventbus/bus.hpp"

#include "consumer.hpp"
#include "outbox_sql.hpp"
#include "prune.hpp"

#include <kernel/log.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace eventbus {

// Dead-letter ids are unique across modules: local id * 16 + the module's fixed code
// (<mart/module_list.hpp>); a name outside the list (a test's) gets the next free code.
inline constexpr std::int64_t kCodeSpace = 16;

struct Bus::Impl {
  struct Worker {
    std::unique_ptr<detail::Consumer> consumer;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool signalled = false;
    // Waiting out a set time (the linger, or the pause after a failed batch): a publish does not
    // wake it, since it reads all there is when the time is up anyway.
    bool waiting_out = false;
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
  std::vector<std::function<void(std::string_view)>> publish_listeners;
  bool connected = false;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  // Checkpoints run on a thread of their own: a checkpoint (copying pages, syncing the file) on
  // a module's delivery thread held its deliveries for tens of milliseconds (docs/benchmarks.md).
  std::thread checkpoint_thread;
  std::mutex checkpoint_mutex;
  std::condition_variable checkpoint_wake;

  void connect() {
    if (connected) return;
    for (auto& [name, worker] : workers) worker->consumer->connect(databases);
    connected = true;
  }

  // Something was published for `worker`. A thread waiting out a set time is left asleep: each
  // wake is a context switch, and several publishes come during one linger at moderate load.
  void wake(Worker& worker) {
    bool asleep_for_it = false;
    {
      std::lock_guard lock(worker.mutex);
      worker.signalled = true;
      asleep_for_it = !worker.waiting_out;
    }
    if (asleep_for_it) worker.wake.notify_one();
  }

  // Wakes `worker` whatever it waits for (`stopping` is set).
  void interrupt(Worker& worker) {
    {
      std::lock_guard lock(worker.mutex);  // so that the wait cannot miss `stopping`
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
    if (pruned.outbox_rows + pruned.inbox_rows + pruned.attempt_rows + pruned.discarded_rows > 0) {
      kernel::log::info("eventbus",
                        "retention: deleted " + std::to_string(pruned.outbox_rows) + " outbox, " +
                            std::to_string(pruned.inbox_rows) + " inbox, " +
                            std::to_string(pruned.attempt_rows) + " failed-attempt and " +
                            std::to_string(pruned.discarded_rows) + " discarded rows of " + module);
    }
    return pruned;
  }

  // Checkpoints every module's database every `interval` until the bus stops.
  void run_checkpoints(std::chrono::milliseconds interval) {
    while (!stopping.load()) {
      for (auto& [name, database] : databases) {
        try {
          database->checkpoint();
        } catch (const std::exception& error) {
          // The storage failure is noted on the database (readiness shows it); tried again later.
          kernel::log::warn("eventbus", "checkpoint of " + name + " failed: " + error.what());
        }
      }
      std::unique_lock lock(checkpoint_mutex);
      checkpoint_wake.wait_for(lock, interval, [&] { return stopping.load(); });
    }
  }

  // Sleeps `time` on `worker`'s thread; only stop() ends it sooner (publishes leave it asleep).
  void wait_out(Worker& worker, std::chrono::milliseconds time) {
    std::unique_lock lock(worker.mutex);
    worker.waiting_out = true;
    worker.wake.wait_for(lock, time, [&] { return stopping.load(); });
    worker.waiting_out = false;
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
        wait_out(worker, failure_delay);
        failure_delay = std::min(failure_delay * 2, std::chrono::milliseconds(5000));
        continue;
      }
      if (work > 0) {
        if (options.batch_linger.count() > 0 && !worker.consumer->left_work() &&
            work < static_cast<std::size_t>(std::max(options.batch_size / 8, 1))) {
          wait_out(worker, options.batch_linger);
        }
        continue;
      }
      std::unique_lock lock(worker.mutex);
      worker.wake.wait_for(lock, options.idle_poll,
                           [&] { return worker.signalled || stopping.load(); });
      worker.signalled = false;
    }
  }
};

}  // namespace eventbus
