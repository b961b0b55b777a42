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
std::optional<Credentials> find_credentials(kernel::Connection& c, std::int64_t id);
// Sets the role and the password hash and raises the token generation (ends older tokens).
void update_credentials(kernel::Connection& c, std::int64_t id, kernel::Role role,
                        const std::string& password_hash, const std::string& at);
// Ends one token until its expiry; forgets the ids of tokens that expired by `now`.
void revoke(kernel::Connection& c, const std::string& token_id, std::int64_t user_id,
            std::int64_t expires_at, std::int64_t now);
bool is_revoked(kernel::Connection& c, const std::string& token_id);
std::vector<User> page(kernel::Connection& c, std::int64_t after, int limit);

}  // namespace users::store
