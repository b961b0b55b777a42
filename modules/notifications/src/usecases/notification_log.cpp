#include "usecases/notification_log.hpp"

#include "store/contact_store.hpp"
#include "store/notification_store.hpp"

#include <notifications/events.hpp>

#include <kernel/log.hpp>
#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>
#include <kernel/time.hpp>

#include <limits>

namespace notifications {

std::optional<Notification> NotificationLog::record(eventbus::Tx& tx, const Notice& notice,
                                                    const eventbus::Envelope& source) {
  if (notice.user_id <= 0) {
    // Nobody to tell; retrying would not change that, so it is logged rather than thrown.
    kernel::log::warn("notifications",
                      source.type + " " + source.id + " names no user; no notification recorded");
    return std::nullopt;
  }
  Notification n;
  n.user_id = notice.user_id;
  n.event_type = notice.event_type;
  n.order_id = notice.order_id;
  n.message = notice.message;
  n.channel = channel_;
  n.created_at = kernel::format_rfc3339(bus_.clock().now());
  if (in_place_) {
    // Stored delivered at once: if the channel throws, the handler's savepoint undoes the row.
    n.status = std::string(kDelivered);
    n.delivered_at = n.created_at;
  }
  auto id = store::insert_unless_known(tx.db(), notice, source.id, channel_, n.created_at,
                                       n.delivered_at);
  if (!id) return std::nullopt;  // this user was already told about this fact
  n.id = *id;
  if (in_place_) in_place_->hand_over(tx.db(), n);
  tx.publish(events::NotificationCreated{n.id, n.user_id, n.order_id, n.event_type, n.channel});
  return n;
}

void NotificationLog::keep_contact(kernel::Connection& c, const Contact& contact,
                                   std::int64_t source_seq) {
  if (contact.user_id <= 0) return;
  store::upsert_contact(c, contact, source_seq);
}

NotificationPage NotificationLog::list(std::int64_t user_id, std::optional<std::int64_t> before,
                                       int limit) {
  NotificationPage page;
  auto upper = before.value_or(std::numeric_limits<std::int64_t>::max());
  page.items = bus_.db().read([&](kernel::Connection& c) {
    return store::page_for_user(c, user_id, upper, kernel::rows_for_page(limit));
  });
  page.next_before = kernel::take_page(page.items, limit);
  return page;
}

Notification NotificationLog::mark_read(std::int64_t id, std::int64_t user_id) {
  auto found = bus_.db().write([&](kernel::Connection& c) -> std::optional<Notification> {
    if (!store::mark_read(c, id, user_id)) return std::nullopt;
    return store::find(c, id);
  });
  // Another user's notification is answered like a missing one, so ids reveal nothing.
  if (!found)
    throw kernel::ApiError::not_found("Notification " + std::to_string(id) + " not found.");
  return *found;
}

void NotificationLog::mark_read_queued(std::int64_t id, std::int64_t user_id, eventbus::Trace trace,
                                       ReadDone done) {
  bus_.transact_queued(
      std::move(trace),
      [id, user_id](eventbus::Tx& tx) -> std::optional<Notification> {
        if (!store::mark_read(tx.db(), id, user_id)) return std::nullopt;
        return store::find(tx.db(), id);
      },
      [id, done = std::move(done)](std::optional<std::optional<Notification>> found,
                                   const std::exception_ptr& error) {
        if (error) return done(std::nullopt, error);
        if (!found || !*found) {
          return done(std::nullopt, std::make_exception_ptr(kernel::ApiError::not_found(
                                        "Notification " + std::to_string(id) + " not found.")));
        }
        done(std::move(**found), nullptr);
      });
}

}  // namespace notifications
