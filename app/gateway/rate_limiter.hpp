#pragma once
// In-memory limiters for the gateway, keyed by client address or email. Memory is bounded: at
// most `max_keys` keys are tracked; the stalest are dropped first.

#include <kernel/time.hpp>

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mart::gateway {

// Counts failures per key in a sliding window; a key with `max_failures` failures inside the
// window is blocked until the oldest of them leaves it.
class FailureLimiter {
 public:
  FailureLimiter(int max_failures, std::chrono::seconds window, std::size_t max_keys = 100'000);

  // How long the key must wait, or nullopt when it may try now.
  std::optional<std::chrono::seconds> blocked_for(const std::string& key, kernel::TimePoint now);
  void record_failure(const std::string& key, kernel::TimePoint now);
  void reset(const std::string& key);

 private:
  void prune(std::deque<kernel::TimePoint>& failures, kernel::TimePoint now) const;
  int max_failures_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<kernel::TimePoint>> failures_;
};

// A token bucket per key: `rate` requests per second on average, bursts up to `burst`.
class RequestLimiter {
 public:
  RequestLimiter(double rate, double burst, std::size_t max_keys = 100'000);
  // nullopt when the request may pass (and takes a token); else how long to wait.
  std::optional<std::chrono::seconds> admit(const std::string& key, kernel::TimePoint now);

 private:
  struct Bucket {
    double tokens;
    kernel::TimePoint updated;
  };
  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace mart::gateway
