#include "gateway/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace mart::gateway {

FailureLimiter::FailureLimiter(int max_failures, std::chrono::seconds window, std::size_t max_keys)
    : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

void FailureLimiter::prune(std::deque<kernel::TimePoint>& failures, kernel::TimePoint now) const {
  while (!failures.empty() && now - failures.front() >= window_) failures.pop_front();
}

std::optional<std::chrono::seconds> FailureLimiter::blocked_for(const std::string& key,
                                                                kernel::TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return std::nullopt;
  prune(it->second, now);
  if (static_cast<int>(it->second.size()) < max_failures_) return std::nullopt;
  auto wait = std::chrono::ceil<std::chrono::seconds>(it->second.front() + window_ - now);
  return std::max(wait, std::chrono::seconds(1));
}

void FailureLimiter::record_failure(const std::string& key, kernel::TimePoint now) {
  std::lock_guard lock(mutex_);
  if (failures_.size() >= max_keys_ && !failures_.count(key)) {
    // Drop keys whose failures all left the window; if none, the oldest one.
    for (auto it = failures_.begin(); it != failures_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= max_keys_) {
      auto oldest = std::min_element(failures_.begin(), failures_.end(), [](auto& a, auto& b) {
        return a.second.back() < b.second.back();
      });
      failures_.erase(oldest);
    }
  }
  auto& failures = failures_[key];
  prune(failures, now);
  failures.push_back(now);
  while (static_cast<int>(failures.size()) > max_failures_) failures.pop_front();
}

void FailureLimiter::reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

RequestLimiter::RequestLimiter(double rate, double burst, std::size_t max_keys)
    : rate_(rate), burst_(std::max(burst, 1.0)), max_keys_(max_keys) {}

std::optional<std::chrono::seconds> RequestLimiter::admit(const std::string& key,
                                                          kernel::TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // A full bucket is the same as no bucket: drop those first.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        double seconds = std::chrono::duration<double>(now - b->second.updated).count();
        b = b->second.tokens + seconds * rate_ >= burst_ ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  auto& bucket = it->second;
  double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, seconds) * rate_);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  auto wait = std::ceil((1.0 - bucket.tokens) / rate_);
  return std::chrono::seconds(std::max<long>(1, static_cast<long>(wait)));
}

}  // namespace mart::gateway
