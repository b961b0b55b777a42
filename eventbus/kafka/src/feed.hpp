#pragma once
// The feed half of the bridge (see bridge.hpp): the events of publishers hosted in other
// processes, read from their topics for one hosted module. Partitions are assigned explicitly
// (this process is the only home of the module, so it reads all of them) starting at the
// offsets saved in the module's database; committing to the consumer group afterwards only
// makes the progress visible to Kafka's tools.
//
// Threads: poll() and committed() run on the module's delivery thread; topic discovery (a
// metadata request that may wait for the broker) runs on the feed's own thread, so the delivery
// thread never blocks on Kafka; status() may be called from any thread.

#include "eventbus/kafka/bridge.hpp"
#include "eventbus/kafka/rdkafka_handles.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace eventbus::kafka::detail {

class Feed final : public RemoteFeed {
 public:
  // `topics` without the deployment's prefix.
  // `publishers`: each topic read (without the prefix) and the module that publishes on it.
  Feed(const KafkaOptions& options, std::string module,
       const std::map<std::string, std::string>& publishers);
  ~Feed() override;

  void resume(const std::map<std::string, std::int64_t, std::less<>>& saved) override;
  std::vector<RemoteEvent> poll(std::size_t max) override;
  void committed(std::size_t count) override;
  void on_arrival(std::function<void()> wake) override;

  // Stops discovery, the arrival callback and fetching; called before the bus goes away.
  void close();

  FeedStatus status() const;
  std::int64_t consumed() const { return consumed_.load(); }
  std::int64_t skipped() const { return skipped_.load(); }

 private:
  struct Found {
    std::string topic;
    int partitions = 0;
  };
  void discover();        // the discovery thread
  void stop_discovery();  // ends it and waits for it
  void assign_found();    // on the delivery thread
  void take_messages(std::size_t up_to);
  static void queue_event(rd_kafka_t*, void* opaque) noexcept;

  KafkaOptions options_;
  std::string module_;
  std::map<std::string, std::string> publishers_;  // topic (without the prefix) -> module
  std::vector<std::string> topics_;                // with the prefix
  Handle consumer_;
  Queue queue_;
  std::function<void()> wake_;

  std::map<std::string, std::int64_t, std::less<>> saved_;
  Partitions assignment_;
  std::deque<RemoteEvent> buffer_;
  std::size_t handed_out_ = 0;

  std::thread discovery_;
  std::mutex discovery_mutex_;  // guards unassigned_, found_, closing_
  std::condition_variable discovery_wake_;
  std::set<std::string> unassigned_;
  std::vector<Found> found_;
  bool closing_ = false;

  mutable std::mutex progress_mutex_;  // guards the offset maps (read by status())
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets_;  // for lag
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> to_commit_;
  std::atomic<std::int64_t> consumed_{0};
  std::atomic<std::int64_t> skipped_{0};
  std::atomic<bool> all_assigned_{false};
};

}  // namespace eventbus::kafka::detail
