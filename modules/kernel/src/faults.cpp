#include "kernel/faults.hpp"

#include "kernel/log.hpp"
#include "kernel/metrics.hpp"

#include <csignal>
#include <mutex>
#include <random>
#include <thread>

#include <unistd.h>

namespace kernel::faults {
namespace {

struct State {
  std::mutex mutex;  // guards random
  std::mt19937_64 random;
  Settings settings;
  std::atomic<std::int64_t> failures{0};
  std::atomic<std::int64_t> delays{0};
  std::atomic<std::int64_t> duplicates{0};
  metrics::Counter* failures_metric = nullptr;
  metrics::Counter* delays_metric = nullptr;
  metrics::Counter* duplicates_metric = nullptr;
};

State& state() {
  static State instance;
  return instance;
}

// One draw against `rate`: never for 0, always for 1.
bool draw(double rate) {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(s.random) < rate;
}

void count(std::atomic<std::int64_t>& total, metrics::Counter* metric) {
  total.fetch_add(1, std::memory_order_relaxed);
  if (metric) metric->inc();
}

}  // namespace

std::string_view name(StopPoint point) {
  switch (point) {
    case StopPoint::after_business_commit:
      return "after_business_commit";
    case StopPoint::between_effect_and_inbox:
      return "between_effect_and_inbox";
    case StopPoint::after_kafka_ack:
      return "after_kafka_ack";
    case StopPoint::mid_migration:
      return "mid_migration";
    case StopPoint::none:
      break;
  }
  return "none";
}

std::optional<StopPoint> parse_stop_point(std::string_view text) {
  for (auto point : {StopPoint::after_business_commit, StopPoint::between_effect_and_inbox,
                     StopPoint::after_kafka_ack, StopPoint::mid_migration}) {
    if (name(point) == text) return point;
  }
  return std::nullopt;
}

void configure(const Settings& settings) {
  auto& s = state();
  {
    std::lock_guard lock(s.mutex);
    s.settings = settings;
    s.random.seed(settings.seed != 0 ? settings.seed : std::random_device{}());
  }
  s.failures = 0;
  s.delays = 0;
  s.duplicates = 0;
  if (settings.enabled && !s.failures_metric) {
    // Only a process that injects faults shows the series.
    auto& family = metrics::registry().counter(
        "mart_faults_injected_total", "Faults injected (faults.* settings), by kind.", {"fault"});
    s.failures_metric = &family.with({"handler_failure"});
    s.delays_metric = &family.with({"delivery_delay"});
    s.duplicates_metric = &family.with({"duplicate"});
  }
  detail::g_enabled.store(settings.enabled, std::memory_order_relaxed);
}

bool fail_handler() {
  auto& s = state();
  if (!draw(s.settings.handler_failure_rate)) return false;
  count(s.failures, s.failures_metric);
  if (log::enabled(log::Level::debug)) log::debug("faults", "fault injected: handler failure");
  return true;
}

void delay_delivery() {
  auto& s = state();
  if (s.settings.delivery_delay.count() <= 0 || !draw(s.settings.delivery_delay_rate)) return;
  count(s.delays, s.delays_metric);
  if (log::enabled(log::Level::debug)) {
    log::debug("faults", "fault injected: delivery delayed " +
                             std::to_string(s.settings.delivery_delay.count()) + " ms");
  }
  std::this_thread::sleep_for(s.settings.delivery_delay);
}

bool deliver_again() {
  auto& s = state();
  if (!draw(s.settings.duplicate_rate)) return false;
  count(s.duplicates, s.duplicates_metric);
  if (log::enabled(log::Level::debug)) log::debug("faults", "fault injected: duplicate delivery");
  return true;
}

void stop_at(StopPoint point) {
  auto& s = state();
  if (point != s.settings.stop_at || !draw(s.settings.stop_rate)) return;
  log::warn("faults", "fault injected: stop at " + std::string(name(point)));
  log::flush();
  ::kill(::getpid(), SIGKILL);
  for (;;) ::pause();  // SIGKILL cannot be caught: nothing after this runs
}

Counts counts() {
  auto& s = state();
  return {s.failures.load(), s.delays.load(), s.duplicates.load()};
}

}  // namespace kernel::faults
