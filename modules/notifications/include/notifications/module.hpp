#pragma once
// The Notifications module's entry point: a notification log per user, fed by order and payment
// events, delivered through a pluggable Channel. The app hosts it through make_module only.

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace notifications {

// What a channel is asked to deliver: one notification and the contact it goes to.
struct Delivery {
  std::int64_t notification_id = 0;
  std::int64_t user_id = 0;
  std::string email;  // empty while the module has not yet heard of the user's account
  std::string name;
  std::string event_type;  // the event told about, e.g. "orders.order_confirmed.v1"
  std::int64_t order_id = 0;
  std::string message;
  std::string created_at;  // RFC 3339
};

// A way to reach a user. deliver() runs on the bus's delivery thread with no transaction open
// (unless the channel delivers in place, below); it throws on failure, and the bus retries it
// later with back-off (and finally dead-letters it). It must tolerate being called again for the
// same notification: a crash between its call and the commit that records it repeats it.
class Channel {
 public:
  virtual ~Channel() = default;
  // Recorded on each notification ("log", "webhook").
  virtual std::string_view name() const = 0;
  virtual void deliver(const Delivery& delivery) = 0;
  // False (the default): delivery is its own step, the module's reaction to its own
  // NotificationCreated ("notifications.deliver"), with the bus's retries, back-off and dead
  // letters; for a channel that can fail in a way a later attempt mends (a webhook).
  // True: the channel delivers in place and a retry would mend nothing (a log line), so the
  // notification is delivered in the transaction that records it and the module does not
  // subscribe to its own NotificationCreated. A throw then fails (and retries) the recording.
  // An in-place delivery may be made again when another event of its delivery batch fails
  // (docs/adr/0014): only a channel for which that is harmless may deliver in place.
  virtual bool delivers_in_place() const { return false; }
};

// The default channel: one structured log line per notification (the address masked; never a
// secret).
class LogChannel final : public Channel {
 public:
  std::string_view name() const override { return "log"; }
  void deliver(const Delivery& delivery) override;
  bool delivers_in_place() const override { return true; }
};

// Subscribes on `bus` (user, order and payment events, and, for a channel that does not deliver
// in place, its own NotificationCreated for delivery) and serves /api/v1/notifications. A null
// channel means a LogChannel. With a channel that delivers in place, notifications an earlier
// run left pending (recorded for another channel, or before this build) are delivered here.
struct NotificationsOptions {
  // A delivery that failed is retried with back-off (and jitter) up to `retry_max_backoff`, for
  // `retry_for` before the notification's delivery becomes a dead letter.
  std::chrono::seconds retry_max_backoff{60};
  std::chrono::seconds retry_for{3600};
};

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<Channel> channel = nullptr,
                                            NotificationsOptions options = {});

}  // namespace notifications
