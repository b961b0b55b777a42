#pragma once
// The mirror half of the bridge (see bridge.hpp): one thread, one idempotent producer, every
// hosted module's outbox.

#include "eventbus/kafka/bridge.hpp"
#include "eventbus/kafka/rdkafka_handles.hpp"

#include <kernel/database.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace eventbus::kafka::detail {

class Mirror {
 public:
  struct Outbox {
    std::string module;
    std::shared_ptr<kernel::Database> db;
  };

  Mirror(const KafkaOptions& options, std::vector<Outbox> outboxes);
  ~Mirror();

  void start();
  void stop();
  void wake();

  // Everything of `module`'s outbox up to this seq is acknowledged by the broker.
  std::int64_t position(std::string_view module) const;
  void fill(BridgeStatus& status) const;

 private:
  struct Source {
    std::string module;
    std::shared_ptr<kernel::Database> db;
    std::int64_t read_position = 0;    // last seq handed to the producer
    std::set<std::int64_t> in_flight;  // produced, not yet acknowledged
    std::set<std::int64_t> failed;     // to produce again (from the acknowledged position)
    std::chrono::steady_clock::time_point resend_at{};
    std::atomic<std::int64_t> mirrored{0};
    std::int64_t saved = 0;
  };

  void run();
  std::size_t produce_from(std::size_t index);
  void on_delivery(const rd_kafka_message_t& message);
  void settle(Source& source);
  void save_positions();
  void load_position(Source& source);
  void rebuild_producer();
  void probe_broker();

  static void delivery_report(rd_kafka_t*, const rd_kafka_message_t* message,
                              void* opaque) noexcept;
  static void error_report(rd_kafka_t*, int error, const char* reason, void* opaque) noexcept;
  static void report_error(rd_kafka_t* rk, int error, const char* reason, Mirror* self);

  KafkaOptions options_;
  std::vector<std::unique_ptr<Source>> sources_;
  Handle producer_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool signalled_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> fatal_{false};
  std::atomic<bool> reachable_{false};
  std::atomic<std::int64_t> produced_{0};
  std::atomic<std::int64_t> errors_{0};
  std::chrono::steady_clock::time_point last_save_{};
  std::chrono::steady_clock::time_point last_probe_{};
};

}  // namespace eventbus::kafka::detail
