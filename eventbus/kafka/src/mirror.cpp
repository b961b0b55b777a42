#include "mirror.hpp"

#include "cloudevents.hpp"
#include "outbox_row.hpp"
#include "outbox_sql.hpp"

#include <kernel/log.hpp>
#include <kernel/thread_name.hpp>
#include <kernel/time.hpp>

#include <algorithm>
#include <array>

namespace eventbus::kafka::detail {
namespace {

constexpr const char* kMirrorPosition = "kafka:mirror";
constexpr std::size_t kReadBatch = 1000;
constexpr auto kSaveEvery = std::chrono::milliseconds(200);
constexpr auto kResendAfter = std::chrono::seconds(1);
constexpr auto kProbeEvery = std::chrono::seconds(3);

// A delivery report names its row by (source index, seq), packed into the message's opaque.
constexpr unsigned kIndexBits = 4;
void* pack(std::size_t index, std::int64_t seq) {
  return reinterpret_cast<void*>((static_cast<std::uintptr_t>(seq) << kIndexBits) | index);
}
std::pair<std::size_t, std::int64_t> unpack(void* opaque) {
  auto bits = reinterpret_cast<std::uintptr_t>(opaque);
  return {bits & ((1u << kIndexBits) - 1), static_cast<std::int64_t>(bits >> kIndexBits)};
}

// rd_kafka_produceva rather than the RD_KAFKA_V_* macros, which are C casts.
rd_kafka_resp_err_t produce(rd_kafka_t* producer, const std::string& topic, const Envelope& row,
                            rd_kafka_headers_t* headers, void* opaque) {
  std::array<rd_kafka_vu_t, 6> values{};
  values[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  values[0].u.cstr = topic.c_str();
  values[1].vtype = RD_KAFKA_VTYPE_KEY;
  values[1].u.mem = {const_cast<char*>(row.key.data()), row.key.size()};
  values[2].vtype = RD_KAFKA_VTYPE_VALUE;
  values[2].u.mem = {const_cast<char*>(row.payload.data()), row.payload.size()};
  values[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  values[3].u.i = RD_KAFKA_MSG_F_COPY;
  values[4].vtype = RD_KAFKA_VTYPE_HEADERS;
  values[4].u.headers = headers;
  values[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
  values[5].u.ptr = opaque;
  auto* error = rd_kafka_produceva(producer, values.data(), values.size());
  if (!error) return RD_KAFKA_RESP_ERR_NO_ERROR;
  auto code = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  return code;
}

}  // namespace

Mirror::Mirror(const KafkaOptions& options, std::vector<Outbox> outboxes) : options_(options) {
  if (outboxes.size() >= (1u << kIndexBits)) throw std::logic_error("too many outboxes to mirror");
  for (auto& outbox : outboxes) {
    auto source = std::make_unique<Source>();
    source->module = outbox.module;
    source->db = std::move(outbox.db);
    load_position(*source);
    sources_.push_back(std::move(source));
  }
  rebuild_producer();
}

Mirror::~Mirror() {
  stop();
}

void Mirror::rebuild_producer() {
  producer_.reset();
  auto conf = make_conf(options_, {{"enable.idempotence", "true"},
                                   {"acks", "all"},
                                   {"linger.ms", "5"},
                                   // Never give up on a message: an outage only delays the mirror.
                                   {"message.timeout.ms", "0"},
                                   // A gap in a partition (a row lost between acknowledged
                                   // ones) is fatal: the rebuild resends in order.
                                   {"enable.gapless.guarantee", "true"},
                                   {"queue.buffering.max.messages", "200000"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Mirror::delivery_report);
  rd_kafka_conf_set_error_cb(conf.get(), &Mirror::error_report);
  rd_kafka_conf_set_opaque(conf.get(), this);
  producer_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
  fatal_ = false;
}

void Mirror::load_position(Source& source) {
  source.db->read([&](kernel::Connection& c) {
    auto& select = c.prepare("SELECT seq FROM bus_positions WHERE source = ?");
    select.bind(1, kMirrorPosition);
    if (select.executeStep()) source.saved = select.getColumn(0).getInt64();
    select.reset();
    auto& last = c.prepare(eventbus::sql::kOutboxLastAllocated);
    last.executeStep();
    auto newest = last.getColumn(0).getInt64();
    last.reset();
    // The database lost commits the mirror had sent (OS crash under synchronous=NORMAL): the
    // next events reuse those seqs, so read on from where the outbox now ends.
    source.saved = std::min(source.saved, newest);
  });
  source.read_position = source.saved;
  source.mirrored = source.saved;
}

void Mirror::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    kernel::name_this_thread("kafka-mirror");
    run();
  });
}

void Mirror::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake();
  thread_.join();
  // Give acknowledgements in flight a moment, then keep what was confirmed.
  if (producer_) rd_kafka_flush(producer_.get(), 1000);
  for (auto& source : sources_) settle(*source);
  save_positions();
}

void Mirror::wake() {
  {
    std::lock_guard lock(mutex_);
    signalled_ = true;
  }
  wake_.notify_one();
}

std::int64_t Mirror::position(std::string_view module) const {
  for (const auto& source : sources_) {
    if (source->module == module) return source->mirrored.load();
  }
  return 0;
}

void Mirror::run() {
  while (!stopping_.load()) {
    std::size_t produced = 0;
    try {
      if (fatal_.load()) {
        // An idempotent producer that hit a fatal error cannot go on: start a new one and send
        // again everything not acknowledged (duplicates are possible; loss is not).
        kernel::log::error("kafka", "producer failed fatally; starting a new one");
        rebuild_producer();
        for (auto& source : sources_) {
          source->in_flight.clear();
          source->failed.clear();
          source->read_position = source->mirrored.load();
        }
      }
      for (std::size_t i = 0; i < sources_.size(); ++i) produced += produce_from(i);
      bool waiting_for_acks = false;
      for (auto& source : sources_) waiting_for_acks |= !source->in_flight.empty();
      // Returns as soon as an acknowledgement is served; the timeout only bounds an outage's
      // spinning.
      rd_kafka_poll(producer_.get(), produced > 0 ? 0 : (waiting_for_acks ? 50 : 0));
      for (auto& source : sources_) settle(*source);
      if (std::chrono::steady_clock::now() - last_save_ > kSaveEvery) save_positions();
      if (std::chrono::steady_clock::now() - last_probe_ > kProbeEvery) probe_broker();
      if (produced > 0 || waiting_for_acks) continue;
    } catch (const std::exception& error) {
      kernel::log::error("kafka", std::string("mirror: ") + error.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(100),
                   [&] { return signalled_ || stopping_.load(); });
    signalled_ = false;
  }
}

std::size_t Mirror::produce_from(std::size_t index) {
  auto& source = *sources_[index];
  if (!source.failed.empty()) {
    // Resend from the first failure once everything sent before it is settled.
    if (!source.in_flight.empty() || std::chrono::steady_clock::now() < source.resend_at) return 0;
    source.read_position = *source.failed.begin() - 1;
    source.failed.clear();
  }
  if (source.in_flight.size() >= options_.max_in_flight) return 0;
  std::vector<Envelope> rows;
  auto limit = std::min(kReadBatch, options_.max_in_flight - source.in_flight.size());
  source.db->read([&](kernel::Connection& c) {
    auto& select = c.prepare(eventbus::sql::kReadOutboxAfter);
    select.bind(1, source.read_position);
    select.bind(2, static_cast<std::int64_t>(limit));
    while (select.executeStep())
      rows.push_back(eventbus::detail::read_outbox_row(select, source.module));
    select.reset();
  });
  std::size_t produced = 0;
  for (const auto& row : rows) {
    auto* headers = cloudevents_headers(row);
    auto topic = options_.topic_prefix + row.topic;
    auto error = produce(producer_.get(), topic, row, headers, pack(index, row.seq));
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);
      if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        ++errors_;
        kernel::log::error("kafka", "cannot produce " + row.type + " " + row.id + " to " + topic +
                                        ": " + rd_kafka_err2str(error));
        source.failed.insert(row.seq);
        source.resend_at = std::chrono::steady_clock::now() + kResendAfter;
      }
      break;  // the local queue is full: serve acknowledgements first
    }
    source.in_flight.insert(row.seq);
    source.read_position = row.seq;
    ++produced;
  }
  produced_ += static_cast<std::int64_t>(produced);
  return produced;
}

void Mirror::delivery_report(rd_kafka_t*, const rd_kafka_message_t* message,
                             void* opaque) noexcept {
  try {
    static_cast<Mirror*>(opaque)->on_delivery(*message);
  } catch (...) {
    // Only logging can throw here (allocation); the row stays in flight and is resent after a
    // producer rebuild at the latest.
  }
}

void Mirror::on_delivery(const rd_kafka_message_t& message) {
  auto [index, seq] = unpack(message._private);
  if (index >= sources_.size()) return;
  auto& source = *sources_[index];
  if (!source.in_flight.erase(seq)) return;  // from before a producer rebuild
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    reachable_ = true;
    return;
  }
  ++errors_;
  kernel::log::error("kafka", "broker did not take " + source.module + " outbox row " +
                                  std::to_string(seq) + ": " + rd_kafka_err2str(message.err) +
                                  "; sending again");
  source.failed.insert(seq);
  source.resend_at = std::chrono::steady_clock::now() + kResendAfter;
}

void Mirror::error_report(rd_kafka_t* rk, int error, const char* reason, void* opaque) noexcept {
  try {
    report_error(rk, error, reason, static_cast<Mirror*>(opaque));
  } catch (...) {
  }
}

void Mirror::report_error(rd_kafka_t* rk, int error, const char* reason, Mirror* self) {
  auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    self->reachable_ = false;
    kernel::log::warn("kafka", "producer: every broker is down; the mirror waits");
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_fatal_error(rk, detail, sizeof detail);
    kernel::log::error("kafka", std::string("fatal producer error: ") + detail);
    self->fatal_ = true;
    return;
  }
  kernel::log::debug("kafka", std::string("producer: ") + reason);  // log_line has said it
}

void Mirror::probe_broker() {
  last_probe_ = std::chrono::steady_clock::now();
  const rd_kafka_metadata_t* metadata = nullptr;
  // Brokers only (no topics): answers in a round trip when a broker is up.
  auto error = rd_kafka_metadata(producer_.get(), 0, nullptr, &metadata, 1000);
  if (metadata) rd_kafka_metadata_destroy(metadata);
  reachable_ = error == RD_KAFKA_RESP_ERR_NO_ERROR;
}

void Mirror::settle(Source& source) {
  // Acknowledged up to just below the first row still in flight or failed.
  auto position = source.read_position;
  if (!source.in_flight.empty()) position = std::min(position, *source.in_flight.begin() - 1);
  if (!source.failed.empty()) position = std::min(position, *source.failed.begin() - 1);
  if (position > source.mirrored.load()) source.mirrored = position;
}

void Mirror::save_positions() {
  last_save_ = std::chrono::steady_clock::now();
  for (auto& source : sources_) {
    auto position = source->mirrored.load();
    if (position == source->saved) continue;
    try {
      source->db->write([&](kernel::Connection& c) {
        auto& save = c.prepare(eventbus::sql::kSavePosition);
        save.bind(1, kMirrorPosition);
        save.bind(2, position);
        save.exec();
      });
      source->saved = position;
    } catch (const std::exception& error) {
      kernel::log::error(
          "kafka", "cannot save the mirror position of " + source->module + ": " + error.what());
    }
  }
}

void Mirror::fill(BridgeStatus& status) const {
  status.produced = produced_.load();
  status.produce_errors = errors_.load();
  status.broker_reachable = reachable_.load();
  auto now = kernel::to_unix_millis(kernel::SystemClock().now());
  for (const auto& source : sources_) {
    MirrorStatus m;
    m.module = source->module;
    m.mirrored_seq = source->mirrored.load();
    source->db->read([&](kernel::Connection& c) {
      auto& waiting = c.prepare(eventbus::sql::kOutboxWaiting);
      waiting.bind(1, m.mirrored_seq);
      waiting.executeStep();
      m.waiting = waiting.getColumn(0).getInt64();
      if (!waiting.getColumn(1).isNull()) {
        m.oldest_waiting_ms = std::max<std::int64_t>(0, now - waiting.getColumn(1).getInt64());
      }
      waiting.reset();
    });
    status.mirrors.push_back(std::move(m));
  }
}

}  // namespace eventbus::kafka::detail
