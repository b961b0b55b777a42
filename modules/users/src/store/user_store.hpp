#pragma once
// SQL of the users table.

#include "domain/account.hpp"

#include <kernel/database.hpp>

#include <optional>
#include <string>
#include <vector>

namespace users::store {

struct Credentials {
  User user;
  std::string password_hash;
};

std::int64_t insert(kernel::Connection& c, const User& user, const std::string& password_hash);
std::optional<User> find(kernel::Connection& c, std::int64_t id);
std::optional<Credentials> find_by_email_key(kernel::Connection& c, const std::string& key);
void update_profile(kernel::Connection& c, const User& user);
void update_role_and_password(kernel::Connection& c, std::int64_t id, kernel::Role role,
                              const std::string& password_hash, const std::string& at);
std::vector<User> page(kernel::Connection& c, std::int64_t after, int limit);

}  // namespace users::store
