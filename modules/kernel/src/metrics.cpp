#include "kernel/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

namespace kernel::metrics {
namespace {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escaping: backslash and newline.
std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` (with an extra label when `extra_name` is set), or "" without labels.
std::string label_text(const std::vector<std::string>& names,
                       const std::vector<std::string>& values, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void header(std::string& out, const std::string& name, const std::string& help, Type type) {
  out +=
      fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type_name(type));
}

void render_series(std::string& out, const std::string& name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, const Counter& counter) {
  out += name + label_text(names, values) + ' ' + format_value(counter.value()) + '\n';
}

void render_series(std::string& out, const std::string& name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, const Gauge& gauge) {
  out += name + label_text(names, values) + ' ' + format_value(gauge.value()) + '\n';
}

void render_series(std::string& out, const std::string& name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, const Histogram& histogram) {
  auto counts = histogram.cumulative();
  const auto& bounds = histogram.bounds();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    auto le = i < bounds.size() ? format_value(bounds[i]) : std::string("+Inf");
    out += name + "_bucket" + label_text(names, values, "le", le) + ' ' +
           std::to_string(counts[i]) + '\n';
  }
  out += name + "_sum" + label_text(names, values) + ' ' + format_value(histogram.sum()) + '\n';
  out += name + "_count" + label_text(names, values) + ' ' + std::to_string(counts.back()) + '\n';
}

template <class M>
std::unique_ptr<M> make_series(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<M, Histogram>) {
    return std::make_unique<Histogram>(bounds);
  } else {
    (void)bounds;
    return std::make_unique<M>();
  }
}

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return bounds;
}

const std::vector<double>& fast_latency_buckets() {
  static const std::vector<double> bounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,    0.025,  0.05,    0.1,    0.25,  1};
  return bounds;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);  // first bound >= value
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

template <class M>
M& Family<M>::with(const std::vector<std::string>& values) {
  if (values.size() != labels_.size()) {
    throw std::logic_error("metric " + name_ + " takes " + std::to_string(labels_.size()) +
                           " label values, not " + std::to_string(values.size()));
  }
  {
    std::shared_lock lock(mutex_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = series_[values];
  if (!slot) slot = make_series<M>(bounds_);
  return *slot;
}

template <class M>
void Family<M>::render(std::string& out) const {
  Type type = std::is_same_v<M, Counter> ? Type::counter
              : std::is_same_v<M, Gauge> ? Type::gauge
                                         : Type::histogram;
  header(out, name_, help_, type);
  std::shared_lock lock(mutex_);
  for (const auto& [values, series] : series_) render_series(out, name_, labels_, values, *series);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry* Registry::find(std::string_view name, Type type,
                                const std::vector<std::string>& labels) {
  for (auto& entry : entries_) {
    if (entry->name != name) continue;
    if (entry->type != type) {
      throw std::logic_error("metric " + std::string(name) + " registered with another type");
    }
    const auto& existing = type == Type::counter ? entry->counter->labels()
                           : type == Type::gauge ? entry->gauge->labels()
                                                 : entry->histogram->labels();
    if (existing != labels) {
      throw std::logic_error("metric " + std::string(name) + " registered with other labels");
    }
    return entry.get();
  }
  return nullptr;
}

Family<Counter>& Registry::counter(std::string_view name, std::string_view help,
                                   std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  if (auto* entry = find(name, Type::counter, labels)) return *entry->counter;
  auto entry = std::make_unique<Entry>();
  entry->type = Type::counter;
  entry->name = name;
  entry->counter =
      std::make_unique<Family<Counter>>(std::string(name), std::string(help), std::move(labels));
  entries_.push_back(std::move(entry));
  return *entries_.back()->counter;
}

Family<Gauge>& Registry::gauge(std::string_view name, std::string_view help,
                               std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  if (auto* entry = find(name, Type::gauge, labels)) return *entry->gauge;
  auto entry = std::make_unique<Entry>();
  entry->type = Type::gauge;
  entry->name = name;
  entry->gauge =
      std::make_unique<Family<Gauge>>(std::string(name), std::string(help), std::move(labels));
  entries_.push_back(std::move(entry));
  return *entries_.back()->gauge;
}

Family<Histogram>& Registry::histogram(std::string_view name, std::string_view help,
                                       std::vector<std::string> labels,
                                       const std::vector<double>& bounds) {
  std::lock_guard lock(mutex_);
  if (auto* entry = find(name, Type::histogram, labels)) return *entry->histogram;
  auto entry = std::make_unique<Entry>();
  entry->type = Type::histogram;
  entry->name = name;
  entry->histogram = std::make_unique<Family<Histogram>>(std::string(name), std::string(help),
                                                         std::move(labels), bounds);
  entries_.push_back(std::move(entry));
  return *entries_.back()->histogram;
}

void Registry::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& entry : entries_) {
    switch (entry->type) {
      case Type::counter:
        entry->counter->render(out);
        break;
      case Type::gauge:
        entry->gauge->render(out);
        break;
      case Type::histogram:
        entry->histogram->render(out);
        break;
    }
  }
}

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace kernel::metrics
