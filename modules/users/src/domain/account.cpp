#include "domain/account.hpp"

#include <kernel/text.hpp>

#include <algorithm>
#include <cctype>

namespace users {

std::optional<std::string> normalize_email(const std::string& raw) {
  auto email = kernel::trim(raw);
  if (email.empty() || email.size() > 254) return std::nullopt;
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return std::nullopt;
  }
  auto domain = email.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == std::string::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string::npos) {
    return std::nullopt;
  }
  bool printable = std::all_of(email.begin(), email.end(), [](unsigned char c) {
    return c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',' && c != ';' && c != '"';
  });
  if (!printable) return std::nullopt;
  return email;
}

std::string email_key(const std::string& email) {
  std::string key = email;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

void check_password(const std::string& password, kernel::FieldErrors& errors) {
  if (password.size() < kMinPasswordLength) {
    errors["password"] = "must be at least 8 characters";
  } else if (password.size() > kMaxPasswordLength) {
    errors["password"] = "must be at most 1024 characters";
  }
}

void check_name(std::string& name, kernel::FieldErrors& errors) {
  name = kernel::trim(name);
  if (name.empty()) errors["name"] = "must not be empty";
  if (kernel::utf8_length(name) > 200) errors["name"] = "must be at most 200 characters";
}

void check_address(const std::string& address, kernel::FieldErrors& errors) {
  if (kernel::utf8_length(address) > 1000) errors["address"] = "must be at most 1000 characters";
}

void throw_if_invalid(const kernel::FieldErrors& errors) {
  if (!errors.empty()) throw kernel::ApiError::invalid_fields(errors);
}

}  // namespace users
