#include "mock_kafka.hpp"

#include "test_events.hpp"

#include <array>
#include <stdexcept>
#include <thread>

namespace kafka_test {

MockKafka::MockKafka(int brokers) : brokers_(brokers) {
  char error[512];
  auto* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handle_) throw std::runtime_error(error);
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (!cluster_) throw std::runtime_error("cannot start the mock cluster");
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

MockKafka::~MockKafka() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

void MockKafka::create_topic(const std::string& topic, int partitions) {
  if (rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1)) {
    throw std::runtime_error("cannot create topic " + topic);
  }
}

void MockKafka::set_down(bool down) {
  for (int id = 1; id <= brokers_; ++id) {
    if (down) {
      rd_kafka_mock_broker_set_down(cluster_, id);
    } else {
      rd_kafka_mock_broker_set_up(cluster_, id);
    }
  }
}

std::vector<Record> read_topic(const std::string& bootstraps, const std::string& topic,
                               int partitions,
                               const std::function<bool(const std::vector<Record>&)>& enough,
                               std::chrono::milliseconds timeout) {
  char error[512];
  auto* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", "test-reader", error, sizeof error);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof error);
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  auto* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (!consumer) throw std::runtime_error(error);
  auto* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  std::vector<Record> records;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!enough(records) && std::chrono::steady_clock::now() < deadline) {
    auto* message = rd_kafka_consumer_poll(consumer, 100);
    if (!message) continue;
    if (!message->err) {
      Record r;
      r.topic = rd_kafka_topic_name(message->rkt);
      r.partition = message->partition;
      r.offset = message->offset;
      if (message->key) r.key.assign(static_cast<const char*>(message->key), message->key_len);
      if (message->payload) {
        r.value.assign(static_cast<const char*>(message->payload), message->len);
      }
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return records;
}

void produce_plain(const std::string& bootstraps, const std::string& topic, const std::string& key,
                   const std::string& value) {
  produce_with_headers(bootstraps, topic, key, value, {});
}

void produce_with_headers(const std::string& bootstraps, const std::string& topic,
                          const std::string& key, const std::string& value,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  char error[512];
  auto* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  auto* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!producer) throw std::runtime_error(error);
  std::vector<rd_kafka_vu_t> values(4 + headers.size());
  values[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  values[0].u.cstr = topic.c_str();
  values[1].vtype = RD_KAFKA_VTYPE_KEY;
  values[1].u.mem = {const_cast<char*>(key.data()), key.size()};
  values[2].vtype = RD_KAFKA_VTYPE_VALUE;
  values[2].u.mem = {const_cast<char*>(value.data()), value.size()};
  values[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  values[3].u.i = RD_KAFKA_MSG_F_COPY;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto& header = values[4 + i];
    header.vtype = RD_KAFKA_VTYPE_HEADER;
    header.u.header.name = headers[i].first.c_str();
    header.u.header.val = headers[i].second.data();
    header.u.header.size = static_cast<ssize_t>(headers[i].second.size());
  }
  if (auto* failed = rd_kafka_produceva(producer, values.data(), values.size())) {
    rd_kafka_error_destroy(failed);
    rd_kafka_destroy(producer);
    throw std::runtime_error("cannot produce");
  }
  rd_kafka_flush(producer, 10'000);
  rd_kafka_destroy(producer);
}

eventbus::kafka::KafkaOptions options_for(const MockKafka& kafka, const std::string& prefix) {
  eventbus::kafka::KafkaOptions options;
  options.brokers = kafka.bootstraps();
  options.topic_prefix = prefix;
  options.properties["log_level"] = "3";
  return options;
}

AlphaProcess::AlphaProcess(const std::filesystem::path& dir, const MockKafka& kafka,
                           const std::string& prefix, bool start_now)
    : db(mart::test::bus_database("alpha", dir)),
      alpha(bus.attach("alpha", db)),
      bridge(bus, {"alpha"}, options_for(kafka, prefix)) {
  if (start_now) start();
}

AlphaProcess::~AlphaProcess() {
  bus.stop();
  bridge.stop();
}

void AlphaProcess::start() {
  bridge.start();
  bus.start();
}

void AlphaProcess::publish(int from, int to, int keys) {
  for (int n = from; n < to; ++n) {
    alpha.transact({"corr-" + std::to_string(n), ""}, [&](eventbus::Tx& tx) {
      tx.publish(bus_test::ThingHappened{"thing-" + std::to_string(n % keys), n});
    });
  }
}

}  // namespace kafka_test
