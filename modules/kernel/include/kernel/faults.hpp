#pragma once
// Fault injection for tests and drills (settings faults.*, off by default): a subscriber's handler
// fails, a delivery waits or is delivered again, or the process kills itself at a named point.
// Configured once at start-up; while it is off, every hook is one predictable branch on a
// relaxed atomic load (`if (kernel::faults::enabled())`), so the hot paths cost what they did.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kernel::faults {

// Where the process stops itself (SIGKILL: no clean-up, like a crash).
enum class StopPoint {
  none,
  after_business_commit,     // a transaction that published committed; the bus not yet told
  between_effect_and_inbox,  // a handler ran, its transaction (with its inbox row) not committed
  after_kafka_ack,           // Kafka acknowledged a mirrored record; its position not saved
  mid_migration,             // between two statements of a migration
};

std::string_view name(StopPoint point);
std::optional<StopPoint> parse_stop_point(std::string_view text);  // "none" is not a point

struct Settings {
  bool enabled = false;
  double handler_failure_rate = 0;  // 0..1, per delivery attempt
  std::chrono::milliseconds delivery_delay{0};
  double delivery_delay_rate = 0;  // 0..1, per delivered batch
  double duplicate_rate = 0;       // 0..1, per delivered batch
  StopPoint stop_at = StopPoint::none;
  double stop_rate = 1;    // 0..1, each time the stop point is reached
  std::uint64_t seed = 0;  // 0: random
};

// What was injected since configure() (also in /metrics: mart_faults_injected_total{fault}).
struct Counts {
  std::int64_t handler_failures = 0;
  std::int64_t delivery_delays = 0;
  std::int64_t duplicates = 0;
};

namespace detail {
inline std::atomic<bool> g_enabled{false};
}

// Before the threads that use it start (tests: between cases).
void configure(const Settings& settings);
inline bool enabled() {
  return detail::g_enabled.load(std::memory_order_relaxed);
}

// Each of these draws its random choice, counts and logs what it injects. Call them only
// when enabled().
bool fail_handler();            // true: the handler fails with an injected error instead of running
void delay_delivery();          // sleeps first, at the configured rate
bool deliver_again();           // true: the batch just committed is delivered once more
void stop_at(StopPoint point);  // at the configured point and rate: logs, then SIGKILL
Counts counts();

// The message of an injected handler failure (so that logs and dead letters name it).
inline constexpr std::string_view kHandlerFailure = "injected fault: handler failure";

}  // namespace kernel::faults
