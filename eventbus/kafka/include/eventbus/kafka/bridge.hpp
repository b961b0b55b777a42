#pragma once
// The Kafka bridge (design.md, "Kafka"): mirrors every hosted module's outbox to its Kafka topic,
// and in split mode feeds each hosted module the events of publishers hosted in other processes.
//
//  mirror  one producer thread reads each hosted outbox in seq order and produces every event to
//          <prefix><Topic>, keyed by aggregate id, value = the event's JSON, CloudEvents
//          binary-mode headers. Idempotent producer, acks=all. Its position (the highest seq
//          below which the broker acknowledged everything) is saved in the module's database, and
//          a row counts as delivered only once the mirror has passed it. A broker outage only
//          delays it; a crash re-sends from the saved position (consumers dedup on ce_id).
//  feed    per hosted module that consumes publishers not hosted here: a consumer of their
//          topics whose events go through the module's own delivery (inbox, parking, retries);
//          the partition offsets are saved in the same transaction as the effects, and committed
//          to the consumer group <prefix>mart-<module> after it.
//
// Only the application links this; nothing here runs unless Kafka is enabled.

#include <eventbus/bus.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus::kafka {

struct KafkaOptions {
  std::string brokers = "127.0.0.1:9092";
  std::string topic_prefix;
  std::map<std::string, std::string> properties;  // librdkafka properties, applied last
  std::size_t max_in_flight = 50'000;             // per mirrored module, awaiting broker acks
};

struct MirrorStatus {
  std::string module;
  std::int64_t mirrored_seq = 0;  // every outbox row up to here is acknowledged by the broker
  std::int64_t waiting = 0;       // outbox rows not yet acknowledged
  std::int64_t oldest_waiting_ms = 0;
};

struct FeedStatus {
  std::string module;
  std::vector<std::string> topics;
  std::int64_t lag = 0;   // messages on the broker not yet handled (as far as last seen)
  bool assigned = false;  // every topic found and its partitions assigned
};

struct BridgeStatus {
  bool broker_reachable = false;
  std::int64_t produced = 0;
  std::int64_t produce_errors = 0;
  std::int64_t consumed = 0;
  std::int64_t skipped = 0;  // messages that were not Mart events (no or bad CloudEvents headers)
  std::vector<MirrorStatus> mirrors;
  std::vector<FeedStatus> feeds;
};

class Bridge {
 public:
  // Registers the mirror and the feeds with `bus`; call after every module is attached and
  // subscribed, before bus.start(). Throws std::invalid_argument for a property librdkafka
  // rejects (the message names it).
  Bridge(Bus& bus, const std::vector<std::string>& hosted, const KafkaOptions& options);
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  void start();  // the mirror thread (the feeds are polled by the bus's delivery threads)
  void stop();   // flushes what it can within a second, saves the mirror position

  BridgeStatus status() const;  // reads each mirrored outbox (the rows still waiting)
  // Every outbox row of `module` up to this seq is acknowledged; no database read.
  std::int64_t mirrored_seq(std::string_view module) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventbus::kafka
