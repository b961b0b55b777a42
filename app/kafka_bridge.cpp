#include "kafka_bridge.hpp"

#include <eventbus/kafka/bridge.hpp>
#include <kernel/log.hpp>

#include <fmt/format.h>

namespace mart {

std::unique_ptr<KafkaLink> KafkaLink::open(const Config& config, eventbus::Bus& bus,
                                           const std::vector<std::string>& hosted) {
  for (const auto& module : hosted) {
    for (const auto& source : bus.remote_sources(module)) {
      if (config.kafka_enabled) {
        kernel::log::info("app", module + " receives " + source.module + "'s events from Kafka (" +
                                     config.kafka_topic_prefix + source.topic + ")");
      } else {
        kernel::log::warn("app", module + " consumes " + source.module +
                                     "'s events, but this process does not host " + source.module +
                                     " and Kafka is off: those events will never arrive here "
                                     "(set kafka.enabled, or host " +
                                     source.module + " too)");
      }
    }
  }
  if (!config.kafka_enabled) return nullptr;
  eventbus::kafka::KafkaOptions options;
  options.brokers = config.kafka_brokers;
  options.topic_prefix = config.kafka_topic_prefix;
  options.properties = config.kafka_properties;
  try {
    return std::unique_ptr<KafkaLink>(
        new KafkaLink(std::make_unique<eventbus::kafka::Bridge>(bus, hosted, options)));
  } catch (const std::invalid_argument& error) {
    throw ConfigError(std::string("invalid kafka settings: ") + error.what());
  }
}

KafkaLink::KafkaLink(std::unique_ptr<eventbus::kafka::Bridge> bridge)
    : bridge_(std::move(bridge)) {}

KafkaLink::~KafkaLink() {
  stop();
}

void KafkaLink::start() {
  bridge_->start();
}

void KafkaLink::stop() {
  if (bridge_) bridge_->stop();
}

bool KafkaLink::check(boost::json::object& checks) const {
  auto status = bridge_->status();
  checks["kafka"] = status.broker_reachable ? "reachable" : "unreachable";
  for (const auto& mirror : status.mirrors) {
    checks["kafka:mirror:" + mirror.module] = fmt::format("{} waiting", mirror.waiting);
  }
  for (const auto& feed : status.feeds) {
    checks["kafka:feed:" + feed.module] =
        feed.assigned ? fmt::format("lag {}", feed.lag) : std::string("waiting for topics");
  }
  return status.broker_reachable;
}

std::optional<std::int64_t> KafkaLink::mirror_lag(std::string_view module) const {
  for (const auto& mirror : bridge_->status().mirrors) {
    if (mirror.module == module) return mirror.waiting;
  }
  return std::nullopt;
}

void KafkaLink::write_metrics(std::string& out) const {
  auto status = bridge_->status();
  auto gauge = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  gauge("mart_kafka_broker_reachable", "gauge", "1 when a Kafka broker answered recently.");
  out += fmt::format("mart_kafka_broker_reachable {}\n", status.broker_reachable ? 1 : 0);
  gauge("mart_kafka_produced_total", "counter", "Events handed to the Kafka producer.");
  out += fmt::format("mart_kafka_produced_total {}\n", status.produced);
  gauge("mart_kafka_produce_errors_total", "counter", "Events the broker did not take (resent).");
  out += fmt::format("mart_kafka_produce_errors_total {}\n", status.produce_errors);
  gauge("mart_kafka_consumed_total", "counter", "Events received from Kafka and handled.");
  out += fmt::format("mart_kafka_consumed_total {}\n", status.consumed);
  gauge("mart_kafka_skipped_total", "counter", "Kafka messages that were not Mart events.");
  out += fmt::format("mart_kafka_skipped_total {}\n", status.skipped);
  gauge("mart_kafka_mirror_lag_events", "gauge", "Outbox events not yet acknowledged by Kafka.");
  for (const auto& m : status.mirrors) {
    out += fmt::format("mart_kafka_mirror_lag_events{{module=\"{}\"}} {}\n", m.module, m.waiting);
  }
  gauge("mart_kafka_mirror_lag_seconds", "gauge", "Age of the oldest event not yet mirrored.");
  for (const auto& m : status.mirrors) {
    out += fmt::format("mart_kafka_mirror_lag_seconds{{module=\"{}\"}} {:.3f}\n", m.module,
                       static_cast<double>(m.oldest_waiting_ms) / 1000.0);
  }
  gauge("mart_kafka_consumer_lag_events", "gauge",
        "Messages on the broker not yet handled, per consuming module.");
  for (const auto& f : status.feeds) {
    out += fmt::format("mart_kafka_consumer_lag_events{{module=\"{}\"}} {}\n", f.module, f.lag);
  }
}

}  // namespace mart
