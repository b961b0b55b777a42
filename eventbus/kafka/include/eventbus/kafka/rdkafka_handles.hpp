#pragma once
// Owning wrappers of librdkafka handles and the one place client configurations are built (the
// bridge's feeds and mirror, and the app's revocation follower).

#include "eventbus/kafka/bridge.hpp"

#include <kernel/log.hpp>

#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace eventbus::kafka::detail {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct PartitionsDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using Partitions = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionsDeleter>;

inline void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    throw std::invalid_argument("kafka property " + name + ": " + error);
  }
}

// librdkafka's own log lines, into ours (its default writes them to stderr).
inline void log_line(const rd_kafka_t*, int level, const char* facility,
                     const char* text) noexcept {
  try {
    std::string line = std::string(facility) + ": " + text;
    if (level <= 3) {
      kernel::log::error("kafka", line);
    } else if (level <= 5) {
      kernel::log::warn("kafka", line);
    } else {
      kernel::log::debug("kafka", line);
    }
  } catch (...) {
    // Called from librdkafka's threads through C: nothing may escape.
  }
}

// bootstrap.servers and our defaults first, then the operator's properties (which win).
inline Conf make_conf(const KafkaOptions& options,
                      std::initializer_list<std::pair<const char*, const char*>> defaults) {
  Conf conf(rd_kafka_conf_new());
  set(conf.get(), "bootstrap.servers", options.brokers);
  set(conf.get(), "client.id", "mart");
  rd_kafka_conf_set_log_cb(conf.get(), &log_line);
  for (const auto& [name, value] : defaults) set(conf.get(), name, value);
  for (const auto& [name, value] : options.properties) set(conf.get(), name, value);
  return conf;
}

// Takes ownership of `conf` (librdkafka does, on success).
inline Handle make_handle(rd_kafka_type_t type, Conf conf) {
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error, sizeof error);
  if (!rk) throw std::invalid_argument(std::string("kafka client: ") + error);
  (void)conf.release();  // rk owns the configuration now; it must not be destroyed twice
  return Handle(rk);
}

}  // namespace eventbus::kafka::detail
