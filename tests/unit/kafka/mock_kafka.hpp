#pragma once
// librdkafka's mock cluster in process, and an independent consumer that reads topics back.

#include "bus_database.hpp"
#include "timing.hpp"

#include <eventbus/kafka/bridge.hpp>
#include <kernel/database.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kafka_test {

class MockKafka {
 public:
  explicit MockKafka(int brokers = 1);
  ~MockKafka();
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }
  void create_topic(const std::string& topic, int partitions);
  void set_down(bool down);  // every broker

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstraps_;
  int brokers_;
};

struct Record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// Reads every partition of `topic` from the beginning until `enough(records)` or the timeout.
std::vector<Record> read_topic(const std::string& bootstraps, const std::string& topic,
                               int partitions,
                               const std::function<bool(const std::vector<Record>&)>& enough,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Produces one message without any CloudEvents header (someone else's message on the topic).
void produce_plain(const std::string& bootstraps, const std::string& topic, const std::string& key,
                   const std::string& value);
// Produces one message with these headers (a forged or foreign record, for the tests).
void produce_with_headers(const std::string& bootstraps, const std::string& topic,
                          const std::string& key, const std::string& value,
                          const std::vector<std::pair<std::string, std::string>>& headers);

// Bridge options for `kafka`, with `prefix` before every topic.
eventbus::kafka::KafkaOptions options_for(const MockKafka& kafka, const std::string& prefix = "");

// A "process" hosting module alpha (tests/unit/eventbus/test_events.hpp) on its own bus and
// database in `dir`, mirrored to `kafka` by a bridge; started at once unless `start` is false.
struct AlphaProcess {
  std::shared_ptr<kernel::Database> db;
  eventbus::Bus bus;
  eventbus::ModuleBus& alpha;
  eventbus::kafka::Bridge bridge;

  AlphaProcess(const std::filesystem::path& dir, const MockKafka& kafka,
               const std::string& prefix = "", bool start = true);
  ~AlphaProcess();
  void start();
  // ThingHappened n for n in [from, to): key "thing-<n % keys>", correlation id "corr-<n>".
  void publish(int from, int to, int keys = 10);
};

}  // namespace kafka_test
