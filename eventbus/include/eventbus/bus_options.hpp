#pragma once
// How the bus retries, batches and keeps its rows (Bus's constructor takes them).

#include <kernel/time.hpp>

#include <chrono>

namespace eventbus {

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds backoff_after(int attempts) const;
};

// The retries of a subscriber that calls the outside world (see ModuleBus::subscribe_outside):
// an outage of a dependency is normal, so the give-up is time-based, not a count of attempts.
// Each back-off doubles from `initial_backoff` up to `max_backoff`, and a random part of it
// (up to a half) is taken off so that many waiting deliveries do not all call at once.
struct OutsideRetry {
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{60'000};
  std::chrono::milliseconds retry_for{3'600'000};  // after the first failure; then a dead letter
  // The wait before attempt `attempts` + 1, jitter included.
  std::chrono::milliseconds backoff_after(int attempts) const;
};

struct BusOptions {
  const kernel::Clock* clock = nullptr;  // the system clock when null
  RetryPolicy retry;
  int batch_size = 512;                             // events per consumer transaction, at most
  std::chrono::milliseconds batch_time_budget{20};  // a batch commits once it ran this long
  // After a small batch (under batch_size / 8 events), a delivery thread waits this long before
  // the next, so that at moderate load events gather into fewer transactions: a commit costs its
  // locks and its pages whatever its size. Zero: go on at once. A full batch, or one cut short
  // with events left behind it, never waits.
  std::chrono::milliseconds batch_linger{2};
  std::chrono::milliseconds idle_poll{250};
  // How often the bus's checkpoint thread checkpoints each module's database.
  std::chrono::milliseconds checkpoint_interval{250};
  // How long delivered outbox rows and inbox rows are kept (order timelines show them meanwhile);
  // zero keeps them forever. Each module's delivery thread prunes every `prune_interval`.
  std::chrono::hours retention{168};
  std::chrono::milliseconds prune_interval{60'000};
  int prune_chunk = 2000;  // rows per pruning transaction: short write locks, many of them
};

}  // namespace eventbus
