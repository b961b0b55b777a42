#pragma once
// A small metrics registry: counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4).
//
// Lock-light: a series is a few atomics. `Family::with(values)` finds a series under a shared
// lock and creates it under an exclusive one; the returned reference stays valid for the life of
// the registry, so a hot path resolves its label set once and keeps the pointer.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kernel::metrics {

class Counter {
 public:
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; +Inf is implied.
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then the +Inf bucket (== count).
  std::vector<std::uint64_t> cumulative() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bound, plus +Inf; not cumulative
  std::atomic<double> sum_{0};
};

// Seconds, 0.5 ms .. 10 s: request and handler latencies.
const std::vector<double>& latency_buckets();
// Seconds, 50 µs .. 1 s: SQLite commits.
const std::vector<double>& fast_latency_buckets();

enum class Type { counter, gauge, histogram };

// One metric name with its label names and its series.
template <class M>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}

  // The series with these label values (one per label name, in order); created when new.
  M& with(const std::vector<std::string>& values);
  M& with(std::initializer_list<std::string_view> values) {
    return with(std::vector<std::string>(values.begin(), values.end()));
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labels() const { return labels_; }
  // Appends the HELP/TYPE lines and every series.
  void render(std::string& out) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> series_;
};

class Registry {
 public:
  // Registering a name twice with the same type returns the first family (the label names must
  // agree); another type throws std::logic_error.
  Family<Counter>& counter(std::string_view name, std::string_view help,
                           std::vector<std::string> labels = {});
  Family<Gauge>& gauge(std::string_view name, std::string_view help,
                       std::vector<std::string> labels = {});
  Family<Histogram>& histogram(std::string_view name, std::string_view help,
                               std::vector<std::string> labels,
                               const std::vector<double>& bounds = latency_buckets());

  // Every family in registration order, in the text exposition format.
  void render(std::string& out) const;

 private:
  struct Entry {
    Type type;
    std::string name;
    std::unique_ptr<Family<Counter>> counter;
    std::unique_ptr<Family<Gauge>> gauge;
    std::unique_ptr<Family<Histogram>> histogram;
  };
  Entry* find(std::string_view name, Type type, const std::vector<std::string>& labels);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// The process's registry.
Registry& registry();

// Label value escaping of the exposition format: backslash, double quote and newline.
std::string escape_label(std::string_view value);
// A sample value: integers without a fraction, +Inf/-Inf/NaN spelled as Prometheus does.
std::string format_value(double value);

}  // namespace kernel::metrics
