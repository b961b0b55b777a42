#pragma once
// What the module keeps: notifications and the contacts they go to. No I/O here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notifications {

inline constexpr std::string_view kPending = "pending";
inline constexpr std::string_view kDelivered = "delivered";

struct Notification {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string event_type;  // the type of the event told about
  std::int64_t order_id = 0;
  std::string message;
  std::string channel;
  std::string status{kPending};
  bool read = false;
  std::string created_at;
  std::optional<std::string> delivered_at;
};

// The module's copy of what it needs of a user account.
struct Contact {
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
};

// What an incoming event has to say to one user, before it is stored.
struct Notice {
  std::int64_t user_id = 0;
  // The identity of the fact told about (see migrations/notifications): at most one
  // notification per (user_id, source_event_id).
  std::string source_event_id;
  std::string event_type;
  std::int64_t order_id = 0;
  std::string message;
};

}  // namespace notifications
