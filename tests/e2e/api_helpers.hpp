#pragma once
// Shared steps of the end-to-end tests: an admin account, signing in, bearer headers.

#include "http/client.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace mart::test {

inline const std::string kAdminEmail = "admin@mart.test";
inline const std::string kAdminPassword = "admin-password-1";

// The environment that makes the server ensure the admin account at start-up.
inline std::map<std::string, std::string> admin_env() {
  return {{"MART_ADMIN_EMAIL", kAdminEmail}, {"MART_ADMIN_PASSWORD", kAdminPassword}};
}

inline HeaderList bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// A sign-in request's body.
inline std::string credentials(const std::string& email, const std::string& password) {
  return R"({"email":")" + email + R"(","password":")" + password + R"("})";
}

inline std::string login(HttpClient& client, const std::string& email,
                         const std::string& password) {
  auto r = client.post("/api/v1/auth/login", credentials(email, password));
  REQUIRE(r.status == 200);
  return std::string(r.json().at("access_token").as_string());
}

inline HeaderList admin_headers(HttpClient& client) {
  return bearer(login(client, kAdminEmail, kAdminPassword));
}

// Registers a customer and signs in; returns the bearer headers.
inline HeaderList customer_headers(HttpClient& client, const std::string& email,
                                   const std::string& password = "customer-password") {
  auto r = client.post("/api/v1/users", R"({"email":")" + email + R"(","password":")" + password +
                                            R"(","name":"Test Customer"})");
  REQUIRE(r.status == 201);
  return bearer(login(client, email, password));
}

}  // namespace mart::test
