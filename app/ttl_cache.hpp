#pragma once
// A value computed at most once per time-to-live, for answers that are costly to compute and
// may be asked for by anyone as often as they like (/readyz takes every module's write lock,
// /metrics scans tables). Concurrent callers during a computation wait for it rather than
// starting their own, so a flood of calls costs one computation per TTL.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

namespace mart {

template <class T>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TtlCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  // The cached value while it is younger than the TTL, else compute() (a TTL of 0: always).
  T get(const std::function<T()>& compute) {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    if (!value_ || now - computed_at_ >= ttl_) {
      value_ = compute();
      computed_at_ = Clock::now();
    }
    return *value_;
  }

 private:
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::optional<T> value_;
  Clock::time_point computed_at_{};
};

}  // namespace mart
