#include "revocation_follower.hpp"

#include <kernel/log.hpp>

#include <boost/json/parse.hpp>

#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace mart {
namespace {

constexpr std::string_view kType = "users.tokens_revoked.v1";
constexpr std::string_view kSource = "/mart/users";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using List = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::invalid_argument("kafka property " + name + ": " + error);
  }
}

// librdkafka's own log lines, into ours (its default writes them to stderr).
void log_line(const rd_kafka_t*, int level, const char* facility, const char* text) noexcept {
  try {
    std::string line = std::string(facility) + ": " + text;
    if (level <= 3) {
      kernel::log::error("revocations", line);
    } else if (level <= 5) {
      kernel::log::warn("revocations", line);
    } else {
      kernel::log::debug("revocations", line);
    }
  } catch (...) {
    // Called from librdkafka's threads through C: nothing may escape.
  }
}

Handle make_consumer(const eventbus::kafka::KafkaOptions& options) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &log_line);
  set(conf, "bootstrap.servers", options.brokers);
  set(conf, "client.id", "mart-revocations");
  // Partitions are assigned by hand and nothing is committed: the group id only satisfies the
  // consumer API; no group is joined.
  set(conf, "group.id", "mart-revocations");
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  set(conf, "enable.partition.eof", "false");
  for (const auto& [name, value] : options.properties) {
    if (name == "group.id" || name.rfind("enable.auto", 0) == 0) continue;
    set(conf, name, value);
  }
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::invalid_argument(std::string("kafka client: ") + error);
  }
  rd_kafka_poll_set_consumer(rk);
  return Handle(rk);
}

std::optional<std::string> header(const rd_kafka_message_t& message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return {};
  }
  return std::string(static_cast<const char*>(value), size);
}

// The topic's partition count, or 0 while it does not exist (the users process may not have
// published yet). A short wait: stop() waits for it.
int partitions_of(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (!handle) return 0;
  const rd_kafka_metadata_t* metadata = nullptr;
  int count = 0;
  if (rd_kafka_metadata(rk, 0, handle, &metadata, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          topic == metadata->topics[i].topic) {
        count = metadata->topics[i].partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(metadata);
  }
  rd_kafka_topic_destroy(handle);
  return count;
}

}  // namespace

RevocationFollower::RevocationFollower(const eventbus::kafka::KafkaOptions& options,
                                       std::string topic, std::chrono::seconds token_ttl,
                                       gateway::RevocationList& list)
    : topic_(options.topic_prefix + topic), token_ttl_(token_ttl), list_(list) {
  make_consumer(options);  // a bad property fails here, at start-up, not on the thread
  thread_ = std::thread([this, options] { run(options); });
}

RevocationFollower::~RevocationFollower() {
  stop();
}

void RevocationFollower::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void RevocationFollower::run(eventbus::kafka::KafkaOptions options) {
  try {
    auto consumer = make_consumer(options);
    while (!stopping_ && !assigned_) {
      int count = partitions_of(consumer.get(), topic_);
      if (count == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      List start(rd_kafka_topic_partition_list_new(count));
      const auto since = (unix_now() - token_ttl_.count()) * 1000;
      for (int p = 0; p < count; ++p) {
        rd_kafka_topic_partition_list_add(start.get(), topic_.c_str(), p)->offset = since;
      }
      // Where the last token_ttl begins; where the broker cannot tell, from the beginning
      // (older records are skipped as expired anyway).
      if (rd_kafka_offsets_for_times(consumer.get(), start.get(), 2000) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < start->cnt; ++i) start->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
      }
      for (int i = 0; i < start->cnt; ++i) {
        if (start->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR || start->elems[i].offset < 0) {
          start->elems[i].offset = start->elems[i].offset == RD_KAFKA_OFFSET_END
                                       ? RD_KAFKA_OFFSET_END
                                       : RD_KAFKA_OFFSET_BEGINNING;
        }
        start->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
      }
      if (auto error = rd_kafka_assign(consumer.get(), start.get())) {
        kernel::log::warn("revocations",
                          std::string("cannot assign ") + topic_ + ": " + rd_kafka_err2str(error));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      assigned_ = true;
      kernel::log::info("revocations", "following " + topic_ + " (" + std::to_string(count) +
                                           " partitions) for ended tokens");
    }
    while (!stopping_) {
      std::unique_ptr<rd_kafka_message_t, MessageDeleter> message(
          rd_kafka_consumer_poll(consumer.get(), 200));
      if (!message) continue;
      if (message->err) {
        if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          kernel::log::warn("revocations", rd_kafka_message_errstr(message.get()));
        }
        continue;
      }
      // Only the users module's own revocations: any other record of the topic is not ours.
      if (header(*message, "ce_type") != kType || header(*message, "ce_source") != kSource ||
          !message->payload) {
        continue;
      }
      try {
        auto body = boost::json::parse(
                        std::string_view(static_cast<const char*>(message->payload), message->len))
                        .as_object();
        auto token_id = body.contains("token_id") ? std::string(body.at("token_id").as_string())
                                                  : std::string();
        list_.add(body.at("user_id").to_number<std::int64_t>(),
                  body.at("generation").to_number<std::int64_t>(), token_id,
                  body.at("expires_at").to_number<std::int64_t>(), unix_now());
        ++applied_;
      } catch (const std::exception& error) {
        kernel::log::warn("revocations", std::string("a malformed ") + std::string(kType) +
                                             " record is skipped: " + error.what());
      }
    }
  } catch (const std::exception& error) {
    kernel::log::error("revocations", std::string("the follower stopped: ") + error.what());
  }
}

}  // namespace mart
