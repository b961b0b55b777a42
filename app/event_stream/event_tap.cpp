#include "event_stream/event_tap.hpp"

#include <eventbus/flow_order.hpp>
#include <kernel/log.hpp>
#include <kernel/sealed_text.hpp>
#include <kernel/thread_name.hpp>
#include <kernel/time.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <utility>

namespace mart::event_stream {
namespace {

// Rows read from one outbox per pass: bounded, so that every module gets its turn.
constexpr int kReadBatch = 128;
// The tap looks at its streams at least this often (closed ones give back their slot).
constexpr std::chrono::milliseconds kSweepInterval{500};

void append_quoted(std::string& out, std::string_view text) {
  out += boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

// The event's data as readers see it: the card token is for Payments only (docs/security.md).
// Most events hold nothing of it, and are passed on as stored, without a parse.
std::string shown_data(const std::string& payload) {
  bool may_hold_secret = payload.find("sealed") != std::string::npos ||
                         payload.find("payment_token") != std::string::npos;
  // An SSE data line ends at a line break: a payload holding one raw (not from our serializer)
  // is rewritten, which escapes it.
  bool has_line_break = payload.find_first_of("\r\n") != std::string::npos;
  if (!may_hold_secret && !has_line_break) return payload;
  auto data = boost::json::parse(payload);
  kernel::sealed_text::redact(data);
  return boost::json::serialize(data);
}

}  // namespace

bool StreamFilter::passes(std::string_view type, std::string_view from) const {
  if (!source.empty() && source != from) return false;
  if (types.empty()) return true;
  return std::any_of(types.begin(), types.end(), [&](const std::string& wanted) {
    return type == wanted ||
           (type.size() > wanted.size() && type.starts_with(wanted) && type[wanted.size()] == '.');
  });
}

std::string format_frame(const eventbus::Envelope& event) {
  std::string frame;
  frame.reserve(256 + event.payload.size());
  frame += "id: ";
  frame += event.id;
  frame += "\nevent: ";
  frame += event.type;
  frame += "\ndata: {\"id\":";
  append_quoted(frame, event.id);
  frame += ",\"type\":";
  append_quoted(frame, event.type);
  frame += ",\"source\":";
  append_quoted(frame, event.source);
  frame += ",\"time\":";
  append_quoted(frame, kernel::format_rfc3339(kernel::from_unix_millis(event.occurred_ms)));
  frame += ",\"correlation_id\":";
  append_quoted(frame, event.correlation_id);
  frame += ",\"causation_id\":";
  append_quoted(frame, event.causation_id);
  frame += ",\"key\":";
  append_quoted(frame, event.key);
  frame += ",\"data\":";
  frame += shown_data(event.payload);
  frame += "}\n\n";
  return frame;
}

struct EventTap::Frame {
  std::string id;
  std::string type;
  std::string causation_id;
  std::int64_t occurred_ms = 0;
  std::size_t module = 0;  // index in modules_
  std::int64_t seq = 0;
  std::string text;
};

class EventTap::Slot {
 public:
  explicit Slot(std::atomic<std::size_t>& count) : count_(count) {}
  ~Slot() { count_.fetch_sub(1); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::atomic<std::size_t>& count_;
};

struct EventTap::Subscriber {
  std::shared_ptr<Slot> slot;
  std::shared_ptr<kernel::StreamWriter> writer;
  StreamFilter filter;
  std::vector<std::int64_t> from;  // per module: frames up to this seq were sent (or not wanted)
  std::string pending;             // this pass's frames, written at once
};

struct EventTap::Arrival {
  std::shared_ptr<Slot> slot;
  std::shared_ptr<kernel::StreamWriter> writer;
  StreamFilter filter;
  Resume resume;
  // The outboxes' heads when the stream was answered: it is live from there, whenever the tap
  // thread admits it.
  std::vector<std::int64_t> heads;
};

EventTap::EventTap(eventbus::Bus& bus, TapOptions options)
    : bus_(bus), options_(options), modules_(bus.hosted_modules()) {
  positions_.assign(modules_.size(), 0);
  bus_.add_publish_listener([this](std::string_view) {
    if (reserved_.load(std::memory_order_relaxed) > 0) wake();
  });
}

EventTap::~EventTap() {
  stop();
}

void EventTap::start() {
  if (thread_.joinable()) return;
  for (std::size_t m = 0; m < modules_.size(); ++m) positions_[m] = bus_.outbox_head(modules_[m]);
  last_keep_alive_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] {
    kernel::name_this_thread("event-tap");
    run();
  });
}

void EventTap::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& subscriber : subscribers_) subscriber->writer->close();
  subscribers_.clear();
  for (auto& arrival : arrivals_) arrival.writer->close();
  arrivals_.clear();
}

std::shared_ptr<EventTap::Slot> EventTap::reserve() {
  auto open = reserved_.load();
  do {
    if (open >= options_.max_streams) return nullptr;
  } while (!reserved_.compare_exchange_weak(open, open + 1));
  return std::make_shared<Slot>(reserved_);
}

void EventTap::add(std::shared_ptr<Slot> slot, std::shared_ptr<kernel::StreamWriter> writer,
                   StreamFilter filter, Resume resume) {
  std::vector<std::int64_t> heads(modules_.size());
  for (std::size_t m = 0; m < modules_.size(); ++m) heads[m] = bus_.outbox_head(modules_[m]);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      writer->close();
      return;
    }
    arrivals_.push_back({std::move(slot), std::move(writer), std::move(filter), std::move(resume),
                         std::move(heads)});
    signalled_ = true;
  }
  wake_.notify_one();
}

void EventTap::wake() {
  {
    std::lock_guard lock(mutex_);
    signalled_ = true;
  }
  wake_.notify_one();
}

void EventTap::run() {
  for (;;) {
    std::vector<Arrival> arrivals;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kSweepInterval, [this] { return signalled_ || stopping_; });
      if (stopping_) return;
      signalled_ = false;
      arrivals.swap(arrivals_);
    }
    try {
      // What was published before a new stream arrived is read first: it is not news to it.
      if (!subscribers_.empty()) {
        while (read_outboxes()) {
        }
      }
      for (auto& arrival : arrivals) admit(std::move(arrival));
      if (!subscribers_.empty()) {
        while (read_outboxes()) {
        }
      }
      sweep();
      send_keep_alive();
    } catch (const std::exception& error) {
      // A read failed (e.g. the database is busy being closed): the next pass tries again.
      kernel::log::warn("event-stream",
                        std::string("reading the outboxes failed: ") + error.what());
    }
  }
}

void EventTap::admit(Arrival arrival) {
  auto subscriber = std::make_unique<Subscriber>();
  subscriber->slot = std::move(arrival.slot);
  subscriber->writer = std::move(arrival.writer);
  subscriber->filter = std::move(arrival.filter);
  const auto& heads = arrival.heads;
  bool far_behind = false;
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    far_behind =
        far_behind || heads[m] - positions_[m] > static_cast<std::int64_t>(options_.max_catch_up);
  }
  if (subscribers_.empty() && far_behind) {
    // Nothing was read while no stream was open, and the outboxes moved on by more than a resume
    // could use (the ring no longer joins up with them): start from the heads.
    positions_ = heads;
    ring_.clear();
  }
  // Live from when it was answered (the tap's reads may lag behind that).
  subscriber->from.resize(modules_.size());
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    subscriber->from[m] = std::max(positions_[m], heads[m]);
  }
  std::string first = "retry: 2000\n\n";
  const auto& resume = arrival.resume;
  std::optional<std::vector<std::int64_t>> after;  // a catch-up from the outboxes
  if (resume.last_event_id) {
    const auto& id = *resume.last_event_id;
    auto in_ring = std::find_if(ring_.begin(), ring_.end(),
                                [&](const auto& frame) { return frame->id == id; });
    if (in_ring != ring_.end()) {
      // Exact: every frame after it in the ring, then on from the tap's positions.
      for (auto it = std::next(in_ring); it != ring_.end(); ++it) {
        if (subscriber->filter.passes((*it)->type, modules_[(*it)->module])) first += (*it)->text;
      }
      subscriber->from = positions_;
    } else if (auto event = bus_.find_published(id)) {
      // Older than the ring: after it in its own module (exact); in the others from a little
      // before it (commit_lag), so some may come twice (readers know them by id).
      after = seqs_at(event->occurred_ms);
      for (std::size_t m = 0; m < modules_.size(); ++m) {
        if (modules_[m] == event->source) (*after)[m] = event->seq;
      }
    } else if (resume.since_ms) {
      after = seqs_at(*resume.since_ms);
    } else if (!resume.elsewhere) {
      first +=
          "event: mart.gap\ndata: {\"detail\":\"The event named by Last-Event-ID is no longer "
          "kept (or never was): the stream goes on from now.\"}\n\n";
    }
  } else if (resume.since_ms) {
    after = seqs_at(*resume.since_ms);
  }
  if (after) {
    if (!subscriber->writer->write(first)) return;
    first.clear();
    catch_up(*subscriber, std::move(*after));
  }
  if (!first.empty() && !subscriber->writer->write(first)) return;
  subscribers_.push_back(std::move(subscriber));
}

// Per module: the seq before the first event that occurred at or after `ms`, less commit_lag
// (what was seen after `ms` may be stamped before it, and seq follows the stamps only roughly).
std::vector<std::int64_t> EventTap::seqs_at(std::int64_t ms) {
  std::vector<std::int64_t> out(modules_.size());
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    out[m] = bus_.outbox_seq_at(modules_[m], ms - options_.commit_lag.count()) - 1;
  }
  return out;
}

// The events after `after` (per module) up to what the tap has read, from the outboxes; unless
// that is more than max_catch_up, then the reader is told and goes on live.
void EventTap::catch_up(Subscriber& subscriber, std::vector<std::int64_t> after) {
  std::int64_t backlog = 0;
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    backlog += std::max<std::int64_t>(0, positions_[m] - after[m]);
  }
  if (backlog > static_cast<std::int64_t>(options_.max_catch_up)) {
    subscriber.writer->write(
        "event: mart.gap\ndata: {\"detail\":\"The resume point is further back than the "
        "stream replays: it goes on from now.\"}\n\n");
    return;
  }
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    while (after[m] < positions_[m]) {
      auto rows = bus_.outbox_after(modules_[m], after[m], kReadBatch);
      if (rows.empty()) break;
      std::string text;
      for (const auto& row : rows) {
        if (row.seq > positions_[m]) break;
        after[m] = row.seq;
        if (subscriber.filter.passes(row.type, row.source)) text += format_frame(row);
      }
      if (!subscriber.writer->write(text)) return;
      if (rows.back().seq > positions_[m]) break;
    }
  }
  subscriber.from = positions_;
}

// One pass over every hosted outbox; true when some outbox may hold more.
bool EventTap::read_outboxes() {
  bool more = false;
  std::vector<std::shared_ptr<const Frame>> frames;
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    auto rows = bus_.outbox_after(modules_[m], positions_[m], kReadBatch);
    if (rows.size() == static_cast<std::size_t>(kReadBatch)) more = true;
    for (auto& row : rows) {
      auto frame = std::make_shared<Frame>();
      frame->id = row.id;
      frame->type = row.type;
      frame->causation_id = row.causation_id;
      frame->occurred_ms = row.occurred_ms;
      frame->module = m;
      frame->seq = row.seq;
      frame->text = format_frame(row);
      positions_[m] = row.seq;
      frames.push_back(std::move(frame));
    }
  }
  if (frames.empty()) return false;
  // A pass reads the outboxes one after the other; readers want the flow's order.
  eventbus::order_by_flow(
      frames.begin(), frames.end(), [](const auto& f) { return f->occurred_ms; },
      [](const auto& f) -> const std::string& { return f->id; },
      [](const auto& f) -> const std::string& { return f->causation_id; });
  fan_out(frames);
  for (auto& frame : frames) {
    ring_.push_back(std::move(frame));
    if (ring_.size() > options_.ring_size) ring_.pop_front();
  }
  return more && !subscribers_.empty();
}

void EventTap::fan_out(const std::vector<std::shared_ptr<const Frame>>& frames) {
  for (auto& subscriber : subscribers_) {
    subscriber->pending.clear();
    for (const auto& frame : frames) {
      if (frame->seq <= subscriber->from[frame->module]) continue;
      if (subscriber->filter.passes(frame->type, modules_[frame->module])) {
        subscriber->pending += frame->text;
      }
    }
    if (!subscriber->pending.empty() && !subscriber->writer->write(subscriber->pending)) {
      subscriber->writer.reset();  // ended: swept below
    }
    if (subscriber->pending.capacity() > std::size_t{1} << 20) subscriber->pending = {};
  }
  sweep();
}

void EventTap::send_keep_alive() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_keep_alive_ < options_.keep_alive) return;
  last_keep_alive_ = now;
  for (auto& subscriber : subscribers_) {
    if (subscriber->writer && !subscriber->writer->write(": keep-alive\n\n")) {
      subscriber->writer.reset();
    }
  }
  sweep();
}

void EventTap::sweep() {
  std::erase_if(subscribers_, [](const auto& subscriber) {
    return !subscriber->writer || !subscriber->writer->open();
  });
}

}  // namespace mart::event_stream
