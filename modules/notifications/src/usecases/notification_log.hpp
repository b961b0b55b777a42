#pragma once
// The notification log's use cases: record what an event tells a user (once), keep contacts,
// list a user's notifications, mark one read.

#include "domain/notification.hpp"
#include "usecases/dispatcher.hpp"

#include <eventbus/bus.hpp>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace notifications {

struct NotificationPage {
  std::vector<Notification> items;
  std::optional<std::int64_t> next_before;  // keyset position for the next (older) page
};

class NotificationLog {
 public:
  // `channel` is the name recorded on each notification. With `deliver_in_place` (the
  // dispatcher of a channel that delivers in place), record() also delivers.
  NotificationLog(eventbus::ModuleBus& bus, std::string channel,
                  Dispatcher* deliver_in_place = nullptr)
      : bus_(bus), channel_(std::move(channel)), in_place_(deliver_in_place) {}

  // Inside a handler's transaction: stores the notice unless this (user, fact) is known, with
  // an in-place dispatcher delivers it right away (then it is stored delivered), and publishes
  // NotificationCreated with it. The stored notification, or nullopt for a duplicate or a
  // notice addressed to no user. Throws what an in-place channel throws.
  std::optional<Notification> record(eventbus::Tx& tx, const Notice& notice,
                                     const eventbus::Envelope& source);
  // Inside a handler's transaction; `source_seq` orders updates of the same user.
  static void keep_contact(kernel::Connection& c, const Contact& contact, std::int64_t source_seq);

  // Newest first; `before` is the keyset position (nullopt for the first page).
  NotificationPage list(std::int64_t user_id, std::optional<std::int64_t> before, int limit);
  // Throws kernel::ApiError 404 when no such notification belongs to the user.
  Notification mark_read(std::int64_t id, std::int64_t user_id);
  // mark_read() without waiting for the write lock: the write is queued on the database's
  // request writer, and `done` is called there after the commit with the notification, or with
  // the error (the 404 above). For HTTP routes: an I/O thread never waits for a write lock.
  using ReadDone = std::function<void(std::optional<Notification>, std::exception_ptr)>;
  void mark_read_queued(std::int64_t id, std::int64_t user_id, eventbus::Trace trace,
                        ReadDone done);

 private:
  eventbus::ModuleBus& bus_;
  std::string channel_;
  Dispatcher* in_place_;
};

}  // namespace notifications
