#include "revocation_follower.hpp"

#include <eventbus/decode.hpp>
#include <eventbus/kafka/rdkafka_handles.hpp>
#include <kernel/log.hpp>
#include <kernel/thread_name.hpp>
#include <users/events.hpp>

#include <boost/json/parse.hpp>

#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace mart {
namespace {

constexpr std::string_view kType = users::events::TokensRevoked::kType;
constexpr std::string_view kSource = "/mart/users";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace rk = eventbus::kafka::detail;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

// A consumer that is assigned partitions by hand and commits nothing: the group id only
// satisfies the consumer API; no group is joined.
rk::Handle make_consumer(const eventbus::kafka::KafkaOptions& options) {
  auto consumer = rk::make_handle(RD_KAFKA_CONSUMER,
                                  rk::make_conf(options, {{"client.id", "mart-revocations"},
                                                          {"group.id", "mart-revocations"},
                                                          {"enable.auto.commit", "false"},
                                                          {"enable.auto.offset.store", "false"},
                                                          {"enable.partition.eof", "false"}}));
  rd_kafka_poll_set_consumer(consumer.get());
  return consumer;
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
                                       const std::string& topic, std::chrono::seconds token_ttl,
                                       gateway::RevocationList& list)
    : topic_(options.topic_prefix + topic),
      token_ttl_(token_ttl),
      list_(list),
      consumer_(make_consumer(options)) {  // a bad property fails here, at start-up
  thread_ = std::thread([this] {
    kernel::name_this_thread("kafka-revoke");
    run();
  });
}

RevocationFollower::~RevocationFollower() {
  stop();
}

void RevocationFollower::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void RevocationFollower::run() {
  try {
    auto& consumer = consumer_;
    struct Close {  // leave the consumer cleanly before the handle is destroyed
      rd_kafka_t* rk;
      ~Close() { rd_kafka_consumer_close(rk); }
    } close{consumer.get()};
    while (!stopping_ && !assigned_) {
      int count = partitions_of(consumer.get(), topic_);
      if (count == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      rk::Partitions start(rd_kafka_topic_partition_list_new(count));
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
        auto revoked = eventbus::decode_event<users::events::TokensRevoked>(boost::json::parse(
            std::string_view(static_cast<const char*>(message->payload), message->len)));
        list_.add(revoked.user_id, revoked.generation, revoked.token_id, revoked.expires_at,
                  unix_now());
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
