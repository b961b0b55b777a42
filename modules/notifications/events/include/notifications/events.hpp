#pragma once
// Notifications' published language (topic NotificationEvents), keyed by user id.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace notifications::events {

inline constexpr std::string_view kTopic = "NotificationEvents";

// A notification was recorded for a user (delivery over its channel follows).
struct NotificationCreated {
  static constexpr std::string_view kType = "notifications.notification_created.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t notification_id = 0;
  std::int64_t user_id = 0;
  std::int64_t order_id = 0;
  std::string event_type;  // the event it tells about, e.g. "orders.order_confirmed.v1"
  std::string channel;
  std::string key() const { return std::to_string(user_id); }
};
BOOST_DESCRIBE_STRUCT(NotificationCreated, (),
                      (notification_id, user_id, order_id, event_type, channel))

}  // namespace notifications::events
