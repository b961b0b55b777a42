#pragma once
// The notification log's use cases: record what an event tells a user (once), keep contacts,
// list a user's notifications, mark one read.

#include "domain/notification.hpp"

#include <eventbus/bus.hpp>

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
  NotificationLog(eventbus::ModuleBus& bus, std::string channel)
      : bus_(bus), channel_(std::move(channel)) {}

  // Inside a handler's transaction: stores the notice unless this (user, fact) is known, and
  // publishes NotificationCreated with it. The stored notification, or nullopt for a duplicate
  // or a notice addressed to no user.
  std::optional<Notification> record(eventbus::Tx& tx, const Notice& notice,
                                     const eventbus::Envelope& source);
  // Inside a handler's transaction; `source_seq` orders updates of the same user.
  static void keep_contact(kernel::Connection& c, const Contact& contact, std::int64_t source_seq);

  // Newest first; `before` is the keyset position (nullopt for the first page).
  NotificationPage list(std::int64_t user_id, std::optional<std::int64_t> before, int limit);
  // Throws kernel::ApiError 404 when no such notification belongs to the user.
  Notification mark_read(std::int64_t id, std::int64_t user_id);

 private:
  eventbus::ModuleBus& bus_;
  std::string channel_;
};

}  // namespace notifications
