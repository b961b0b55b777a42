#pragma once
// Latencies in microseconds, from 1 µs to about an hour, in log-linear buckets: exact below
// 1,024 µs, then 512 buckets per power of two (a bucket is at most 0.2% wide), as HdrHistogram
// does with three significant digits. Percentiles answer the bucket's upper edge, so they never
// understate a latency. One thread records; merge() adds another's.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bench {

class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kBuckets, 0) {}

  void record(std::int64_t us) {
    us = std::max<std::int64_t>(us, 0);
    ++counts_[index_of(static_cast<std::uint64_t>(us))];
    ++total_;
    max_ = std::max(max_, us);
  }

  void merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t count() const { return total_; }
  std::int64_t max() const { return max_; }

  // The smallest latency that `fraction` (0..1) of the recorded ones do not exceed.
  std::int64_t percentile(double fraction) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(fraction * static_cast<double>(total_) + 0.5);
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min<std::int64_t>(upper_edge(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 9;  // 512 sub-buckets per power of two above 1,024
  static constexpr std::uint64_t kLinear = std::uint64_t{1} << (kSubBits + 1);  // 1,024
  static constexpr int kPowers = 32;                                            // up to 2^41 µs
  static constexpr std::size_t kBuckets = kLinear + kPowers * (std::size_t{1} << kSubBits);

  static std::size_t index_of(std::uint64_t us) {
    if (us < kLinear) return static_cast<std::size_t>(us);
    int magnitude = 63 - __builtin_clzll(us);  // >= kSubBits + 1
    int shift = magnitude - kSubBits;          // >= 1
    auto sub = (us >> shift) - (std::uint64_t{1} << kSubBits);
    auto power = std::min(shift - 1, kPowers - 1);
    return static_cast<std::size_t>(kLinear + static_cast<std::uint64_t>(power) * 512 + sub);
  }

  static std::int64_t upper_edge(std::size_t index) {
    if (index < kLinear) return static_cast<std::int64_t>(index);
    auto above = index - kLinear;
    auto shift = static_cast<int>(above / 512) + 1;
    auto sub = (above % 512) + 512;
    return static_cast<std::int64_t>(((sub + 1) << shift) - 1);
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace bench
