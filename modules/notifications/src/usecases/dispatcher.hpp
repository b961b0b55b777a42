#pragma once
// Delivery of a recorded notification over the module's channel. For a channel that does not
// deliver in place it is called for the module's own NotificationCreated events, so a failing
// channel inherits the bus's retry, back-off and dead letters; the row stays pending until a
// delivery succeeds. For a channel that delivers in place, NotificationLog::record calls it in
// the recording transaction.

#include "domain/notification.hpp"

#include <notifications/module.hpp>

#include <eventbus/bus.hpp>
#include <kernel/database.hpp>
#include <kernel/time.hpp>

#include <memory>

namespace notifications {

class Dispatcher {
 public:
  Dispatcher(std::shared_ptr<Channel> channel, const kernel::Clock& clock)
      : channel_(std::move(channel)), clock_(clock) {}

  const Channel& channel() const { return *channel_; }

  // Hands `notification` to the channel, with the contact as known now. Throws what the channel
  // throws. Marks nothing: for a channel that delivers in place the row is stored delivered.
  void hand_over(kernel::Connection& c, const Notification& notification);
  // What the channel is given for `notification`: the contact as known now.
  static Delivery delivery_of(kernel::Connection& c, const Notification& notification);
  // Inside a write transaction: hands `notification` (as stored) to the channel and marks it
  // delivered, in the row and in `notification`. One already delivered is left alone. Throws
  // what the channel throws.
  void deliver(kernel::Connection& c, Notification& notification);
  // The same by id, as NotificationCreated names it; an unknown id is logged and left alone.
  void deliver(kernel::Connection& c, std::int64_t notification_id);
  // The two steps of "notifications.deliver" (eventbus::OutsideCall): hands the stored
  // notification to the channel with no transaction open (reading it through db.read), and
  // returns the step that marks it delivered in the handler's transaction. One already
  // delivered, or unknown, is not handed over. Throws what the channel throws.
  eventbus::RawHandler deliver_outside(std::int64_t notification_id, kernel::Database& db);
  // Every notification recorded for this channel and still pending, oldest first; the number
  // delivered. Rows recorded for another channel wait for it (they are not its to deliver).
  std::size_t deliver_pending(kernel::Connection& c);

 private:
  std::shared_ptr<Channel> channel_;
  const kernel::Clock& clock_;
};

}  // namespace notifications
