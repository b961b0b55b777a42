#pragma once
// Register, sign in, read and change one's profile, list accounts, ensure an admin.

#include "domain/account.hpp"

#include <users/module.hpp>

#include <optional>
#include <string>
#include <vector>

namespace users {

struct Registration {
  std::string email;
  std::string password;
  std::string name;
};

struct ProfileChanges {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> address;  // inner nullopt clears it
};

struct IssuedToken {
  std::string access_token;
  std::int64_t expires_in = 0;
};

struct UserPage {
  std::vector<User> items;
  std::optional<std::int64_t> next_after;
};

class Accounts final : public kernel::PrincipalDirectory {
 public:
  Accounts(eventbus::ModuleBus& bus, UsersOptions options) : bus_(bus), options_(options) {}

  // 422 invalid email/password/name, 409 email taken (in any letter case).
  User register_user(Registration input, const eventbus::Trace& trace,
                     kernel::Role role = kernel::Role::customer);
  // 401 for a wrong email or a wrong password, with the same answer and the same cost.
  IssuedToken login(const std::string& email, const std::string& password);
  User get(std::int64_t id);
  User update(std::int64_t id, ProfileChanges changes, const eventbus::Trace& trace);
  UserPage list(std::int64_t after, int limit);
  // 422 new password invalid, 401 wrong current password. Ends every older token.
  void change_password(std::int64_t id, const std::string& current_password,
                       const std::string& new_password);
  // Ends this one token (one the gateway accepted for `caller`; else 401).
  void logout(std::int64_t caller, std::string_view token);
  // Creates `email` as an admin, or gives an existing admin this password. An existing
  // non-admin is promoted only with `promote_existing` (else 409). Both end older tokens.
  std::int64_t ensure_admin(const std::string& email, const std::string& password,
                            const std::string& name, bool promote_existing = false);
  // Makes an admin a customer again (404 unknown, 409 not an admin); ends its older tokens.
  std::int64_t demote_admin(const std::string& email);

  std::optional<kernel::Principal> find(std::int64_t user_id) override;
  bool revoked(std::string_view token_id) override;

 private:
  std::int64_t now_seconds() const;
  eventbus::ModuleBus& bus_;
  UsersOptions options_;
};

}  // namespace users
