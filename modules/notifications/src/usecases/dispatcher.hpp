#pragma once
// Delivery of a recorded notification over the module's channel. Called for the module's own
// NotificationCreated events, so a failing channel inherits the bus's retry, back-off and dead
// letters; the row stays pending until a delivery succeeds.

#include <notifications/module.hpp>

#include <kernel/database.hpp>
#include <kernel/time.hpp>

#include <memory>

namespace notifications {

class Dispatcher {
 public:
  Dispatcher(std::shared_ptr<Channel> channel, const kernel::Clock& clock)
      : channel_(std::move(channel)), clock_(clock) {}

  // Inside a handler's transaction. Throws what the channel throws; a notification that is
  // unknown or already delivered is left alone.
  void deliver(kernel::Connection& c, std::int64_t notification_id);

 private:
  std::shared_ptr<Channel> channel_;
  const kernel::Clock& clock_;
};

}  // namespace notifications
