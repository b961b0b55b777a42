#pragma once
// The source of the live event stream (GET /api/v1/admin/events/stream, docs/operations.md).
//
// One thread, woken after each commit that published, reads the hosted modules' outboxes from
// where it last stopped, formats each new event once as a Server-Sent Events frame and hands it to
// every open stream whose filter it passes. Nothing of this runs while no stream is open, and
// nothing on the bus waits for it: a stream too far behind is dropped by its connection
// (kernel::StreamWriter), never buffered without bound. A ring of the latest frames answers a
// resume (Last-Event-ID) exactly; an older resume point is looked up in the outboxes.

#include <eventbus/bus.hpp>
#include <kernel/http.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mart::event_stream {

// Which events a stream wants: `types` entries match a type exactly or as a dotted prefix
// ("orders" or "orders.order_placed" match "orders.order_placed.v1"); empty = all. `source`:
// the publishing module, empty = all.
struct StreamFilter {
  std::vector<std::string> types;
  std::string source;
  bool passes(std::string_view type, std::string_view source) const;
};

struct TapOptions {
  std::size_t max_streams = 16;
  std::size_t ring_size = 10'000;  // frames kept for an exact resume
  // A resume further back than this many events (looked up in the outboxes) starts live, with a
  // mart.gap frame, instead of replaying the outboxes to the reader.
  std::size_t max_catch_up = 10'000;
  std::chrono::milliseconds keep_alive{15'000};
  // An event is stamped when its transaction publishes it and seen when that commits, so another
  // module's event seen after the resume point may be stamped up to this much before it: a resume
  // from the outboxes reaches back this far in the other modules (readers drop repeats by id).
  std::chrono::milliseconds commit_lag{2'000};
};

// The SSE frame of one event: id, event type and the JSON data line (card tokens removed).
std::string format_frame(const eventbus::Envelope& event);

class EventTap {
 public:
  // Registers with the bus: call before the bus starts.
  EventTap(eventbus::Bus& bus, TapOptions options);
  ~EventTap();
  EventTap(const EventTap&) = delete;
  EventTap& operator=(const EventTap&) = delete;

  void start();
  // Ends every stream (their last frames are sent) and joins the thread.
  void stop();

  // A place for one more stream, held until the stream ends (or the slot is dropped unused);
  // nullptr when max_streams are open.
  class Slot;
  std::shared_ptr<Slot> reserve();
  // Where a stream starts: live from now, or after `last_event_id`, or (when that event is not
  // in this process) from `since_ms` on. `elsewhere`: the id may belong to another process of the
  // deployment (split mode), so not knowing it here is no gap.
  struct Resume {
    std::optional<std::string> last_event_id;
    std::optional<std::int64_t> since_ms;
    bool elsewhere = false;
  };
  // The outboxes' heads are read here, on the caller's thread (a MAX(seq) per module), so that
  // every event published once the stream was answered reaches it, however late the tap thread
  // admits it.
  void add(std::shared_ptr<Slot> slot, std::shared_ptr<kernel::StreamWriter> writer,
           StreamFilter filter, Resume resume);

  std::size_t open_streams() const { return reserved_.load(); }

 private:
  struct Frame;
  struct Subscriber;
  struct Arrival;
  void run();
  void admit(Arrival arrival);
  bool read_outboxes();
  void fan_out(const std::vector<std::shared_ptr<const Frame>>& frames);
  void send_keep_alive();
  void sweep();
  void catch_up(Subscriber& subscriber, std::vector<std::int64_t> after);
  std::vector<std::int64_t> seqs_at(std::int64_t ms);
  void wake();

  eventbus::Bus& bus_;
  const TapOptions options_;
  std::vector<std::string> modules_;  // hosted, in a fixed order (a frame's module index)

  std::atomic<std::size_t> reserved_{0};
  std::mutex mutex_;  // guards arrivals_, signalled_, stopping_
  std::condition_variable wake_;
  std::vector<Arrival> arrivals_;
  bool signalled_ = false;
  bool stopping_ = false;
  std::thread thread_;

  // The tap thread's own state.
  std::vector<std::int64_t> positions_;  // per module: the last seq read
  std::deque<std::shared_ptr<const Frame>> ring_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
  std::chrono::steady_clock::time_point last_keep_alive_;
};

}  // namespace mart::event_stream
