#pragma once
// The Users module's entry point: accounts, password hashes, roles; issues tokens.

#include <eventbus/bus.hpp>
#include <kernel/auth.hpp>
#include <kernel/jwt.hpp>
#include <kernel/module.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace users {

struct UsersOptions {
  const kernel::JwtCodec* tokens = nullptr;  // signs the tokens login returns
  std::chrono::seconds token_ttl{3600};
  // Password hashes (sign-in, registration, password change) waiting at most; more: 503.
  std::size_t hash_queue = 32;
};

class UsersModule : public kernel::Module {
 public:
  // The accounts as the gateway checks them on every authenticated request.
  virtual kernel::PrincipalDirectory& directory() = 0;
  // Creates `email` as an admin, or makes the existing account an admin with this password.
  // Promoting an existing non-admin account needs `promote_existing` (and ends its older
  // tokens). Throws kernel::ApiError (422) for an invalid email or a password that is too short.
  virtual std::int64_t ensure_admin(const std::string& email, const std::string& password,
                                    const std::string& name, bool promote_existing) = 0;
  // Makes the admin `email` a customer and ends its older tokens. Throws kernel::ApiError (404
  // no such account, 409 not an admin).
  virtual std::int64_t demote_admin(const std::string& email) = 0;
};

std::unique_ptr<UsersModule> make_module(eventbus::ModuleBus& bus, UsersOptions options);

}  // namespace users
