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

// Tokens of an account ended before their expiry, for processes that authenticate requests
// without hosting users (split mode): every token of `user_id` whose generation is lower than
// `generation` is dead (a password change, a promotion, a demotion), and so is the one token
// `token_id` names (a logout; empty otherwise). `expires_at` (unix seconds): after it every token
// this revocation concerns has expired anyway, so it can be forgotten.
struct TokensRevoked {
  static constexpr std::string_view kType = "users.tokens_revoked.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t user_id = 0;
  std::int64_t generation = 0;
  std::string token_id;
  std::int64_t expires_at = 0;
  std::string key() const { return std::to_string(user_id); }
};
BOOST_DESCRIBE_STRUCT(TokensRevoked, (), (user_id, generation, token_id, expires_at))

}  // namespace users::events
