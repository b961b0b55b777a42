#pragma once
// Users' published language (topic UserEvents). Carries what other modules keep of an account
// (email and name for notifications); never a password or a hash.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace users::events {

inline constexpr std::string_view kTopic = "UserEvents";

struct UserRegistered {
  static constexpr std::string_view kType = "users.user_registered.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
  std::string role;  // "customer" | "admin"
  std::string key() const { return std::to_string(user_id); }
};
BOOST_DESCRIBE_STRUCT(UserRegistered, (), (user_id, email, name, role))

struct UserUpdated {
  static constexpr std::string_view kType = "users.user_updated.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
  std::string role;
  std::string key() const { return std::to_string(user_id); }
};
BOOST_DESCRIBE_STRUCT(UserUpdated, (), (user_id, email, name, role))

}  // namespace users::events
