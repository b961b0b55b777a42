#include "feed.hpp"

#include "cloudevents.hpp"

#include <kernel/log.hpp>
#include <kernel/thread_name.hpp>

namespace eventbus::kafka::detail {
namespace {

constexpr auto kDiscoverEvery = std::chrono::seconds(2);

std::string position_name(std::string_view topic, std::int32_t partition) {
  return "kafka:" + std::string(topic) + ":" + std::to_string(partition);
}

// (topic, partition) from "kafka:<topic>:<partition>".
std::pair<std::string, std::int32_t> parse_position_name(const std::string& name) {
  auto last_colon = name.rfind(':');
  return {name.substr(6, last_colon - 6),
          static_cast<std::int32_t>(std::stol(name.substr(last_colon + 1)))};
}

}  // namespace

Feed::Feed(const KafkaOptions& options, std::string module,
           const std::map<std::string, std::string>& publishers)
    : options_(options),
      module_(std::move(module)),
      publishers_(publishers),
      assignment_(rd_kafka_topic_partition_list_new(8)) {
  for (const auto& [topic, publisher] : publishers)
    topics_.push_back(options_.topic_prefix + topic);
  auto group = options_.topic_prefix + "mart-" + module_;
  auto conf = make_conf(options_, {{"group.id", group.c_str()},
                                   {"enable.auto.commit", "false"},
                                   {"enable.auto.offset.store", "false"},
                                   {"auto.offset.reset", "earliest"},
                                   {"fetch.wait.max.ms", "100"},
                                   {"queued.max.messages.kbytes", "16384"}});
  consumer_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer_.get());
  queue_.reset(rd_kafka_queue_get_consumer(consumer_.get()));
}

Feed::~Feed() {
  close();
  if (consumer_) rd_kafka_consumer_close(consumer_.get());
}

void Feed::stop_discovery() {
  {
    std::lock_guard lock(discovery_mutex_);
    closing_ = true;
  }
  discovery_wake_.notify_all();
  if (discovery_.joinable()) discovery_.join();
}

void Feed::close() {
  stop_discovery();
  // No more arrival callbacks into a bus that may be going away, and nothing more fetched.
  if (queue_) rd_kafka_queue_cb_event_enable(queue_.get(), nullptr, nullptr);
  if (consumer_) rd_kafka_assign(consumer_.get(), nullptr);
}

void Feed::on_arrival(std::function<void()> wake) {
  wake_ = std::move(wake);
  rd_kafka_queue_cb_event_enable(queue_.get(), &Feed::queue_event, this);
}

void Feed::queue_event(rd_kafka_t*, void* opaque) noexcept {
  auto* self = static_cast<Feed*>(opaque);
  try {
    if (self->wake_) self->wake_();
  } catch (...) {
    // A missed wake costs at most one idle poll interval.
  }
}

void Feed::resume(const std::map<std::string, std::int64_t, std::less<>>& saved) {
  stop_discovery();
  saved_ = saved;
  buffer_.clear();
  handed_out_ = 0;
  assignment_.reset(rd_kafka_topic_partition_list_new(8));
  rd_kafka_assign(consumer_.get(), nullptr);
  all_assigned_ = false;
  {
    std::lock_guard lock(discovery_mutex_);
    closing_ = false;
    unassigned_ = {topics_.begin(), topics_.end()};
    found_.clear();
  }
  for (const auto& topic : topics_) {
    kernel::log::info("kafka", module_ + " reads " + topic + " from Kafka");
  }
  discovery_ = std::thread([this] {
    kernel::name_this_thread("kafka-consume");
    discover();
  });
}

void Feed::discover() {
  std::unique_lock lock(discovery_mutex_);
  while (!closing_ && !unassigned_.empty()) {
    lock.unlock();
    const rd_kafka_metadata_t* metadata = nullptr;
    auto error = rd_kafka_metadata(consumer_.get(), 1, nullptr, &metadata, 2000);
    lock.lock();
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int t = 0; t < metadata->topic_cnt; ++t) {
        const auto& topic = metadata->topics[t];
        if (!unassigned_.count(topic.topic) || topic.err || topic.partition_cnt == 0) continue;
        found_.push_back({topic.topic, topic.partition_cnt});
        unassigned_.erase(topic.topic);
      }
      rd_kafka_metadata_destroy(metadata);
      if (!found_.empty() && wake_) wake_();  // the delivery thread assigns them
    }
    discovery_wake_.wait_for(lock, kDiscoverEvery, [&] { return closing_; });
  }
}

void Feed::assign_found() {
  std::vector<Found> found;
  {
    std::lock_guard lock(discovery_mutex_);
    found.swap(found_);
    all_assigned_ = unassigned_.empty();
  }
  if (found.empty()) return;
  for (const auto& topic : found) {
    for (int partition = 0; partition < topic.partitions; ++partition) {
      auto* entry =
          rd_kafka_topic_partition_list_add(assignment_.get(), topic.topic.c_str(), partition);
      auto saved = saved_.find(position_name(topic.topic, partition));
      entry->offset = saved != saved_.end() ? saved->second : RD_KAFKA_OFFSET_BEGINNING;
      std::lock_guard lock(progress_mutex_);
      next_offsets_[{topic.topic, partition}] = saved != saved_.end() ? saved->second : 0;
    }
    kernel::log::info("kafka", module_ + " assigned " + std::to_string(topic.partitions) +
                                   " partitions of " + topic.topic);
  }
  // Partitions assigned before keep their place: where the next message to hand out is.
  rd_kafka_position(consumer_.get(), assignment_.get());
  for (int i = 0; i < assignment_->cnt; ++i) {
    auto& entry = assignment_->elems[i];
    if (entry.offset < 0 && entry.offset != RD_KAFKA_OFFSET_BEGINNING) {
      auto saved = saved_.find(position_name(entry.topic, entry.partition));
      entry.offset = saved != saved_.end() ? saved->second : RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  if (auto error = rd_kafka_assign(consumer_.get(), assignment_.get())) {
    kernel::log::error("kafka", module_ + ": cannot assign partitions: " + rd_kafka_err2str(error));
  }
}

void Feed::take_messages(std::size_t up_to) {
  while (buffer_.size() < up_to) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), 0);
    if (!message) return;
    if (message->err) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        kernel::log::warn("kafka", module_ + " consumer: " + rd_kafka_message_errstr(message));
      }
      rd_kafka_message_destroy(message);
      continue;
    }
    std::string topic = rd_kafka_topic_name(message->rkt);
    auto partition = message->partition;
    auto offset = message->offset;
    auto plain_topic = topic.substr(std::min(topic.size(), options_.topic_prefix.size()));
    auto publisher = publishers_.find(plain_topic);
    auto envelope = publisher == publishers_.end()
                        ? std::nullopt
                        : envelope_of(*message, plain_topic, publisher->second);
    rd_kafka_message_destroy(message);
    if (!envelope) {
      ++skipped_;
      kernel::log::warn("kafka", module_ + " skipped a message on " + topic + " [" +
                                     std::to_string(partition) + "] at offset " +
                                     std::to_string(offset) +
                                     ": not an event of the module that publishes on this topic");
      // Handed on as an event of no type, which no subscriber handles: its position is saved
      // like any other's, so it is not read again after a restart.
      envelope.emplace();
      envelope->seq = offset;
      envelope->id = position_name(topic, partition) + ":" + std::to_string(offset);
    }
    buffer_.push_back({std::move(*envelope), position_name(topic, partition), offset + 1});
  }
}

std::vector<RemoteEvent> Feed::poll(std::size_t max) {
  assign_found();
  take_messages(max);
  handed_out_ = std::min(max, buffer_.size());
  return {buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(handed_out_)};
}

void Feed::committed(std::size_t count) {
  count = std::min(count, handed_out_);
  if (count == 0) return;
  Partitions offsets(rd_kafka_topic_partition_list_new(8));
  {
    std::lock_guard lock(progress_mutex_);
    for (std::size_t i = 0; i < count; ++i) {
      auto where = parse_position_name(buffer_[i].position_name);
      next_offsets_[where] = buffer_[i].next_position;
      to_commit_[where] = buffer_[i].next_position;
    }
    // Only partitions that moved: an untouched one keeps whatever the group had.
    for (const auto& [where, offset] : to_commit_) {
      rd_kafka_topic_partition_list_add(offsets.get(), where.first.c_str(), where.second)->offset =
          offset;
    }
    to_commit_.clear();
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (!buffer_[i].event.type.empty()) ++consumed_;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(count));
  handed_out_ = 0;
  // Asynchronous and best effort: the module's database holds the positions that count.
  rd_kafka_commit(consumer_.get(), offsets.get(), 1);
}

FeedStatus Feed::status() const {
  FeedStatus s;
  s.module = module_;
  s.topics = topics_;
  s.assigned = all_assigned_.load();
  std::lock_guard lock(progress_mutex_);
  for (const auto& [where, offset] : next_offsets_) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_.get(), where.first.c_str(), where.second, &low,
                                       &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        high > offset) {
      s.lag += high - offset;
    }
  }
  return s;
}

}  // namespace eventbus::kafka::detail
