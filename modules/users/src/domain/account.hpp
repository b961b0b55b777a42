#pragma once
// Account rules without I/O: what a valid email, password, name and address are.

#include <kernel/auth.hpp>
#include <kernel/problem.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace users {

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string name;
  std::optional<std::string> address;
  kernel::Role role = kernel::Role::customer;
  std::string created_at;
  std::string updated_at;
  std::int64_t token_generation = 0;  // raised on a password or role change (ends older tokens)
};

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 1024;  // hashing cost must stay bounded

// Trimmed email if it has the form local@domain.tld (no spaces, at most 254 characters).
std::optional<std::string> normalize_email(const std::string& email);
// The uniqueness key: the email lower-cased.
std::string email_key(const std::string& email);

void check_password(const std::string& password, kernel::FieldErrors& errors);
void check_name(std::string& name, kernel::FieldErrors& errors);  // trims
void check_address(const std::string& address, kernel::FieldErrors& errors);

// Throws a 422 naming every field in `errors` (no-op when empty).
void throw_if_invalid(const kernel::FieldErrors& errors);

}  // namespace users
