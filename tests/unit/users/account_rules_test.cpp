#include "domain/account.hpp"
#include "domain/password.hpp"

#include <doctest/doctest.h>

TEST_SUITE("users") {
  TEST_CASE("[Account] emails: valid forms are kept trimmed, invalid ones refused") {
    CHECK(users::normalize_email("  Ada@Example.com ") == "Ada@Example.com");
    CHECK(users::normalize_email("a.b+tag@sub.example.org"));
    for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@b.", "a@@b.com",
                            "a b@c.com", "a@.com", "a@b..com", "<a@b.com>"}) {
      CAPTURE(bad);
      CHECK_FALSE(users::normalize_email(bad));
    }
    CHECK(users::email_key("Ada@Example.COM") == "ada@example.com");
  }

  TEST_CASE("[Account] passwords need 8 characters") {
    kernel::FieldErrors errors;
    users::check_password("1234567", errors);
    CHECK(errors.count("password") == 1);
    errors.clear();
    users::check_password("12345678", errors);
    CHECK(errors.empty());
  }

  TEST_CASE("[Password] Argon2id hashes verify, never equal the password, and differ per call") {
    auto first = users::password::hash("correct horse battery");
    auto second = users::password::hash("correct horse battery");
    CHECK(first.rfind("$argon2id$", 0) == 0);
    CHECK(first != second);  // salted
    CHECK(first.find("correct horse") == std::string::npos);
    CHECK(users::password::verify(first, "correct horse battery"));
    CHECK_FALSE(users::password::verify(first, "correct horse battery!"));
    CHECK_FALSE(users::password::verify("not a hash", "anything"));
  }
}
