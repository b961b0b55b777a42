#include <notifications/module.hpp>

#include <kernel/log.hpp>

namespace notifications {
namespace {

// "a***@example.com": enough to tell addresses apart in a log, not enough to harvest them.
std::string masked(const std::string& email) {
  if (email.empty()) return "(address not known yet)";
  auto at = email.find('@');
  if (at == std::string::npos || at == 0) return "***";
  return email.substr(0, 1) + "***" + email.substr(at);
}

}  // namespace

void LogChannel::deliver(const Delivery& delivery) {
  if (kernel::log::level() > kernel::log::Level::info) return;  // the line would be dropped
  // The notification sent (this channel's delivery is this line), with the order it is about.
  kernel::log::Fields fields;
  if (delivery.order_id != 0) fields.emplace_back("order_id", delivery.order_id);
  kernel::log::decision("notifications",
                        "notification " + std::to_string(delivery.notification_id) + " to user " +
                            std::to_string(delivery.user_id) + " <" + masked(delivery.email) +
                            "> about " + delivery.event_type + ": " + delivery.message,
                        {}, fields);
}

}  // namespace notifications
