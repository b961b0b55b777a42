#pragma once
// Split mode: a process that authenticates requests without hosting users learns which tokens
// ended early from the users module's events (users.tokens_revoked.v1 on UserEvents) and keeps
// them in a RevocationList. Every process must see every revocation, so it reads all partitions
// of the topic itself (no consumer group, nothing committed), starting from the records of the
// last token_ttl (older revocations concern expired tokens only). Its own thread polls Kafka.

#include "gateway/revocation_list.hpp"

#include <eventbus/kafka/bridge.hpp>
#include <eventbus/kafka/rdkafka_handles.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace mart {

class RevocationFollower {
 public:
  // Starts following at once; throws std::invalid_argument for a bad Kafka property.
  RevocationFollower(const eventbus::kafka::KafkaOptions& options, const std::string& topic,
                     std::chrono::seconds token_ttl, gateway::RevocationList& list);
  ~RevocationFollower();
  RevocationFollower(const RevocationFollower&) = delete;
  RevocationFollower& operator=(const RevocationFollower&) = delete;

  void stop();  // idempotent; waits for the thread
  bool assigned() const { return assigned_.load(); }
  std::int64_t applied() const { return applied_.load(); }

 private:
  void run();

  std::string topic_;  // with the prefix
  std::chrono::seconds token_ttl_;
  gateway::RevocationList& list_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> assigned_{false};
  std::atomic<std::int64_t> applied_{0};
  eventbus::kafka::detail::Handle consumer_;  // used by the thread only, once it started
  std::thread thread_;
};

}  // namespace mart
