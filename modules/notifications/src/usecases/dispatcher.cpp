#include "usecases/dispatcher.hpp"

#include "store/contact_store.hpp"
#include "store/notification_store.hpp"

#include <kernel/log.hpp>

#include <optional>

namespace notifications {

Delivery Dispatcher::delivery_of(kernel::Connection& c, const Notification& notification) {
  Delivery delivery;
  delivery.notification_id = notification.id;
  delivery.user_id = notification.user_id;
  // The contact as known now: one that arrived after the notification is used on a retry.
  if (auto contact = store::find_contact(c, notification.user_id)) {
    delivery.email = contact->email;
    delivery.name = contact->name;
  }
  delivery.event_type = notification.event_type;
  delivery.order_id = notification.order_id;
  delivery.message = notification.message;
  delivery.created_at = notification.created_at;
  return delivery;
}

void Dispatcher::hand_over(kernel::Connection& c, const Notification& notification) {
  channel_->deliver(delivery_of(c, notification));
}

eventbus::RawHandler Dispatcher::deliver_outside(std::int64_t notification_id,
                                                 kernel::Database& db) {
  auto delivery = db.read([&](kernel::Connection& c) -> std::optional<Delivery> {
    auto notification = store::find(c, notification_id);
    if (!notification) {
      kernel::log::warn("notifications", "notification " + std::to_string(notification_id) +
                                             " does not exist; nothing to deliver");
      return std::nullopt;
    }
    if (notification->status == kDelivered) return std::nullopt;
    return delivery_of(c, *notification);
  });
  if (!delivery) return {};
  channel_->deliver(*delivery);  // outside any transaction: the receiver may be slow or hang
  return [this, notification_id](eventbus::HandlerContext& ctx) {
    auto& c = ctx.tx.db();
    auto notification = store::find(c, notification_id);
    if (!notification || notification->status == kDelivered) return;
    store::mark_delivered(c, notification_id, kernel::format_rfc3339(clock_.now()));
    kernel::log::Fields fields;
    if (notification->order_id != 0) fields.emplace_back("order_id", notification->order_id);
    kernel::log::decision("notifications",
                          "notification " + std::to_string(notification_id) + " about " +
                              notification->event_type + " sent by " +
                              std::string(channel_->name()),
                          {}, fields);
  };
}

void Dispatcher::deliver(kernel::Connection& c, Notification& notification) {
  if (notification.status == kDelivered) return;
  hand_over(c, notification);
  auto at = kernel::format_rfc3339(clock_.now());
  store::mark_delivered(c, notification.id, at);
  notification.status = kDelivered;
  notification.delivered_at = std::move(at);
}

void Dispatcher::deliver(kernel::Connection& c, std::int64_t notification_id) {
  auto notification = store::find(c, notification_id);
  if (!notification) {
    kernel::log::warn("notifications", "notification " + std::to_string(notification_id) +
                                           " does not exist; nothing to deliver");
    return;
  }
  deliver(c, *notification);
}

std::size_t Dispatcher::deliver_pending(kernel::Connection& c) {
  auto pending = store::pending(c, channel_->name());
  for (auto& notification : pending) deliver(c, notification);
  return pending.size();
}

}  // namespace notifications
