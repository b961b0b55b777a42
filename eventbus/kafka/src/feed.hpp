#pragma once
// The feed half of the bridge (see bridge.hpp): the events of publishers hosted in other
// processes, read from their topics for one hosted module. Partitions are assigned explicitly
// (this process is the only home of the module, so it reads all of them) starting at the
// offsets saved in the module's database; committing to the consumer group afterwards only
// makes the progress visible to Kafka's tools.

#include "eventbus/kafka/bridge.hpp"
#include "rdkafka_handles.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <set>

namespace eventbus::kafka::detail {

class Feed final : public RemoteFeed {
 public:
  // `topics` without the deployment's prefix.
  Feed(const KafkaOptions& options, std::string module, const std::vector<std::string>& topics);
  ~Feed() override;

  void resume(const std::map<std::string, std::int64_t, std::less<>>& saved) override;
  std::vector<RemoteEvent> poll(std::size_t max) override;
  void committed(std::size_t count) override;
  void on_arrival(std::function<void()> wake) override;

  FeedStatus status() const;
  std::int64_t consumed() const { return consumed_.load(); }
  std::int64_t skipped() const { return skipped_.load(); }

 private:
  void discover_topics();
  void take_messages(std::size_t up_to);
  static void queue_event(rd_kafka_t*, void* opaque);

  KafkaOptions options_;
  std::string module_;
  std::vector<std::string> topics_;  // with the prefix
  Handle consumer_;
  Queue queue_;
  std::function<void()> wake_;

  std::map<std::string, std::int64_t, std::less<>> saved_;
  std::set<std::string> unassigned_;
  Partitions assignment_;
  std::chrono::steady_clock::time_point next_discovery_{};
  std::deque<RemoteEvent> buffer_;
  std::size_t handed_out_ = 0;

  mutable std::mutex progress_mutex_;  // guards next_offsets_ (read by status())
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets_;
  std::atomic<std::int64_t> consumed_{0};
  std::atomic<std::int64_t> skipped_{0};
  std::atomic<bool> all_assigned_{false};
};

}  // namespace eventbus::kafka::detail
