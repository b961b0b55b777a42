#include "feed.hpp"

#include "cloudevents.hpp"

#include <kernel/log.hpp>

namespace eventbus::kafka::detail {
namespace {

constexpr auto kDiscoverEvery = std::chrono::seconds(2);

std::string position_name(std::string_view topic, std::int32_t partition) {
  return "kafka:" + std::string(topic) + ":" + std::to_string(partition);
}

}  // namespace

Feed::Feed(const KafkaOptions& options, std::string module, const std::vector<std::string>& topics)
    : options_(options),
      module_(std::move(module)),
      assignment_(rd_kafka_topic_partition_list_new(8)) {
  for (const auto& topic : topics) topics_.push_back(options_.topic_prefix + topic);
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
  if (queue_) rd_kafka_queue_cb_event_enable(queue_.get(), nullptr, nullptr);
  if (consumer_) rd_kafka_consumer_close(consumer_.get());
}

void Feed::on_arrival(std::function<void()> wake) {
  wake_ = std::move(wake);
  rd_kafka_queue_cb_event_enable(queue_.get(), &Feed::queue_event, this);
}

void Feed::queue_event(rd_kafka_t*, void* opaque) {
  auto* self = static_cast<Feed*>(opaque);
  if (self->wake_) self->wake_();
}

void Feed::resume(const std::map<std::string, std::int64_t, std::less<>>& saved) {
  saved_ = saved;
  buffer_.clear();
  handed_out_ = 0;
  unassigned_ = {topics_.begin(), topics_.end()};
  assignment_.reset(rd_kafka_topic_partition_list_new(8));
  rd_kafka_assign(consumer_.get(), nullptr);
  next_discovery_ = {};
  all_assigned_ = false;
  for (const auto& topic : topics_) {
    kernel::log::info("kafka", module_ + " reads " + topic + " from Kafka");
  }
}

void Feed::discover_topics() {
  if (unassigned_.empty() || std::chrono::steady_clock::now() < next_discovery_) return;
  next_discovery_ = std::chrono::steady_clock::now() + kDiscoverEvery;
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(consumer_.get(), 1, nullptr, &metadata, 500) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;  // broker unreachable: try again later
  }
  bool added = false;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& topic = metadata->topics[t];
    if (!unassigned_.count(topic.topic) || topic.err || topic.partition_cnt == 0) continue;
    for (int p = 0; p < topic.partition_cnt; ++p) {
      auto partition = topic.partitions[p].id;
      auto* entry = rd_kafka_topic_partition_list_add(assignment_.get(), topic.topic, partition);
      auto saved = saved_.find(position_name(topic.topic, partition));
      entry->offset = saved != saved_.end() ? saved->second : RD_KAFKA_OFFSET_BEGINNING;
      std::lock_guard lock(progress_mutex_);
      next_offsets_[{topic.topic, partition}] = saved != saved_.end() ? saved->second : 0;
    }
    kernel::log::info("kafka", module_ + " assigned " + std::to_string(topic.partition_cnt) +
                                   " partitions of " + topic.topic);
    unassigned_.erase(topic.topic);
    added = true;
  }
  rd_kafka_metadata_destroy(metadata);
  all_assigned_ = unassigned_.empty();
  if (!added) return;
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
    auto next = message->offset + 1;
    auto plain_topic = topic.substr(std::min(topic.size(), options_.topic_prefix.size()));
    auto envelope = envelope_of(*message, plain_topic);
    rd_kafka_message_destroy(message);
    if (!envelope) {
      ++skipped_;
      kernel::log::warn("kafka", module_ + " skipped a message on " + topic + " [" +
                                     std::to_string(partition) + "] at offset " +
                                     std::to_string(next - 1) + ": not a Mart event");
      // It still advances the position, with the next real event.
      continue;
    }
    buffer_.push_back({std::move(*envelope), position_name(topic, partition), next});
  }
}

std::vector<RemoteEvent> Feed::poll(std::size_t max) {
  discover_topics();
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
      const auto& event = buffer_[i];
      auto last_colon = event.position_name.rfind(':');
      auto topic = event.position_name.substr(6, last_colon - 6);
      auto partition =
          static_cast<std::int32_t>(std::stol(event.position_name.substr(last_colon + 1)));
      next_offsets_[{topic, partition}] = event.next_position;
    }
    for (const auto& [where, offset] : next_offsets_) {
      rd_kafka_topic_partition_list_add(offsets.get(), where.first.c_str(), where.second)->offset =
          offset;
    }
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(count));
  handed_out_ = 0;
  consumed_ += static_cast<std::int64_t>(count);
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
