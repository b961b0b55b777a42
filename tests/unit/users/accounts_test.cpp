#include "usecases/accounts.hpp"

#include "recording_bus.hpp"

#include <users/events.hpp>

#include <doctest/doctest.h>

namespace {

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& bus = rb.host("users");
  kernel::JwtCodec codec{std::string(40, 'k')};
  users::Accounts accounts{bus, {&codec, std::chrono::seconds(600)}};
  eventbus::Trace trace{"req", ""};
};

int status_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const kernel::ApiError& e) {
    return e.status();
  }
  return 0;
}

}  // namespace

TEST_SUITE("users") {
  TEST_CASE("[Accounts] register publishes UserRegistered without any secret") {
    Fixture f;
    auto user = f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto events = f.rb.published<users::events::UserRegistered>("users");
    REQUIRE(events.size() == 1);
    CHECK(events[0].user_id == user.id);
    CHECK(events[0].email == "ada@example.com");
    CHECK(events[0].role == "customer");
    for (const auto& e : f.rb.envelopes("users")) {
      CHECK(e.payload.find("password") == std::string::npos);
      CHECK(e.payload.find("argon2") == std::string::npos);
    }
    CHECK(status_of([&] {
            f.accounts.register_user({"ADA@example.com", "password-2", "Ada 2"}, f.trace);
          }) == 409);
  }

  TEST_CASE("[Accounts] login issues a token for the account's role; wrong input is 401") {
    Fixture f;
    auto user = f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto token = f.accounts.login("ADA@example.com", "password-1");
    CHECK(token.expires_in == 600);
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(f.rb.clock().now().time_since_epoch())
            .count();
    auto claims = f.codec.verify(token.access_token, now);
    REQUIRE(claims);
    CHECK(claims->user_id == user.id);
    CHECK(claims->role == kernel::Role::customer);
    CHECK(status_of([&] { f.accounts.login("ada@example.com", "password-2"); }) == 401);
    CHECK(status_of([&] { f.accounts.login("bob@example.com", "password-1"); }) == 401);
    CHECK(status_of([&] { f.accounts.login("not an email", "password-1"); }) == 401);
  }

  TEST_CASE("[Accounts] ensure_admin creates, then promotes and re-keys an existing account") {
    Fixture f;
    auto id = f.accounts.ensure_admin("root@example.com", "root-password", "Root");
    CHECK(f.accounts.find(id)->role == kernel::Role::admin);
    CHECK(f.accounts.ensure_admin("root@example.com", "root-password", "Root") == id);
    auto customer = f.accounts.register_user({"c@example.com", "password-1", "C"}, f.trace);
    CHECK(f.accounts.ensure_admin("C@example.com", "new-password", "") == customer.id);
    CHECK(f.accounts.find(customer.id)->is_admin());
    CHECK(status_of([&] { f.accounts.login("c@example.com", "password-1"); }) == 401);
    f.accounts.login("c@example.com", "new-password");
    CHECK(f.rb.published<users::events::UserUpdated>("users").size() == 1);
    CHECK(status_of([&] { f.accounts.ensure_admin("bad", "root-password", ""); }) == 422);
  }

  TEST_CASE("[Accounts] profile changes publish UserUpdated; listing pages by id") {
    Fixture f;
    for (int i = 0; i < 3; ++i) {
      f.accounts.register_user({"u" + std::to_string(i) + "@example.com", "password-1", "U"},
                               f.trace);
    }
    users::ProfileChanges changes;
    changes.name = "New name";
    auto updated = f.accounts.update(1, changes, f.trace);
    CHECK(updated.name == "New name");
    CHECK(f.rb.published<users::events::UserUpdated>("users").at(0).name == "New name");
    auto page = f.accounts.list(0, 2);
    CHECK(page.items.size() == 2);
    REQUIRE(page.next_after);
    CHECK(f.accounts.list(*page.next_after, 2).items.size() == 1);
    CHECK_FALSE(f.accounts.find(99));
  }
}
