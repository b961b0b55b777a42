#pragma once
// Time as the modules see it: an injectable clock (tests drive a manual one) and RFC 3339 text.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kernel {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to; for deterministic tests of back-off and expiry.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::seconds(1'700'000'000)))
      : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void advance(std::chrono::milliseconds by) {
    now_ += std::chrono::duration_cast<TimePoint::duration>(by).count();
  }

 private:
  std::atomic<TimePoint::rep> now_;
};

// "2026-11-26T10:15:30.123Z"
std::string format_rfc3339(TimePoint time);
// Reads what format_rfc3339 writes (UTC "Z", optional fraction, millisecond precision kept);
// nullopt for anything else.
std::optional<TimePoint> parse_rfc3339(std::string_view text);
std::int64_t to_unix_millis(TimePoint time);
TimePoint from_unix_millis(std::int64_t millis);

}  // namespace kernel
