#pragma once
// Kafka in the application: the eventbus::kafka::Bridge when kafka.enabled is set, its readiness
// check and metrics; and, with Kafka on or off, what start-up says about consumed events whose
// publisher this process does not host.

#include "config/config.hpp"

#include <eventbus/bus.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus::kafka {
class Bridge;
}

namespace mart {

class KafkaLink {
 public:
  // Logs where each hosted module's remote events come from (or that they never will); returns
  // null when Kafka is off. Call after every module is hosted, before the bus starts. Throws
  // ConfigError for librdkafka properties it rejects.
  static std::unique_ptr<KafkaLink> open(const Config& config, eventbus::Bus& bus,
                                         const std::vector<std::string>& hosted);
  ~KafkaLink();

  void start();
  void stop();

  // Adds "kafka" (and per-feed) entries to readyz checks; false when the broker is unreachable.
  bool check(boost::json::object& checks) const;
  // Outbox events of `module` not yet acknowledged by the broker (nullopt: not hosted here).
  std::optional<std::int64_t> mirror_lag(std::string_view module) const;
  // Prometheus lines: mirror lag, produced, produce errors, consumer lag, broker reachability.
  void write_metrics(std::string& out) const;

 private:
  explicit KafkaLink(std::unique_ptr<eventbus::kafka::Bridge> bridge);
  std::unique_ptr<eventbus::kafka::Bridge> bridge_;
};

}  // namespace mart
