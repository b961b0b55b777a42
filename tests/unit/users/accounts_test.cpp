#include "usecases/accounts.hpp"

#include "domain/password.hpp"
#include "recording_bus.hpp"
#include "status_of.hpp"

#include <users/events.hpp>

#include <doctest/doctest.h>

using mart::test::status_of;

namespace {

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& bus = rb.host("users");
  kernel::JwtCodec codec{std::string(40, 'k')};
  users::Accounts accounts{bus, {&codec, std::chrono::seconds(600)}};
  eventbus::Trace trace{"req", ""};
  std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(rb.clock().now().time_since_epoch())
        .count();
  }
};

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
    CHECK(f.accounts.ensure_admin("C@example.com", "new-password", "", true) == customer.id);
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

  TEST_CASE("[Accounts] a taken email is refused before any password hash") {
    Fixture f;
    f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto before = users::password::hashes_made();
    CHECK(status_of([&] {
            f.accounts.register_user({"ADA@example.com", "password-2", "Ada 2"}, f.trace);
          }) == 409);
    CHECK(users::password::hashes_made() == before);
  }

  TEST_CASE("[Accounts] tokens carry the account's generation and their own id") {
    Fixture f;
    auto user = f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto now = f.now();
    auto a = f.codec.verify(f.accounts.login("ada@example.com", "password-1").access_token, now);
    auto b = f.codec.verify(f.accounts.login("ada@example.com", "password-1").access_token, now);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->generation == f.accounts.find(user.id)->token_generation);
    CHECK_FALSE(a->token_id.empty());
    CHECK(a->token_id != b->token_id);
  }

  TEST_CASE("[Accounts] a password change checks the current one and ends older tokens") {
    Fixture f;
    auto user = f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto old =
        f.codec.verify(f.accounts.login("ada@example.com", "password-1").access_token, f.now());
    REQUIRE(old);
    CHECK(status_of([&] { f.accounts.change_password(user.id, "wrong-password", "password-2"); }) ==
          401);
    CHECK(status_of([&] { f.accounts.change_password(user.id, "password-1", "short"); }) == 422);
    CHECK(f.accounts.find(user.id)->token_generation == old->generation);  // refused: no change

    f.accounts.change_password(user.id, "password-1", "password-2");
    CHECK(f.accounts.find(user.id)->token_generation > old->generation);
    CHECK(status_of([&] { f.accounts.login("ada@example.com", "password-1"); }) == 401);
    auto fresh =
        f.codec.verify(f.accounts.login("ada@example.com", "password-2").access_token, f.now());
    REQUIRE(fresh);
    CHECK(fresh->generation == f.accounts.find(user.id)->token_generation);
  }

  TEST_CASE("[Accounts] logout revokes that token only, for its owner only") {
    Fixture f;
    auto user = f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto other = f.accounts.register_user({"bob@example.com", "password-1", "Bob"}, f.trace);
    auto first = f.accounts.login("ada@example.com", "password-1").access_token;
    auto second = f.accounts.login("ada@example.com", "password-1").access_token;
    CHECK(status_of([&] { f.accounts.logout(other.id, first); }) == 401);
    f.accounts.logout(user.id, first);
    CHECK(f.accounts.revoked(f.codec.verify(first, f.now())->token_id));
    CHECK_FALSE(f.accounts.revoked(f.codec.verify(second, f.now())->token_id));
    CHECK(f.accounts.find(user.id)->token_generation == 0);  // the others live on
  }

  TEST_CASE(
      "[Accounts] promoting a non-admin needs promote_existing; promotion and demotion "
      "end older tokens") {
    Fixture f;
    auto customer = f.accounts.register_user({"c@example.com", "password-1", "C"}, f.trace);
    auto generation = f.accounts.find(customer.id)->token_generation;
    CHECK(status_of([&] { f.accounts.ensure_admin("c@example.com", "admin-password", ""); }) ==
          409);
    CHECK(f.accounts.find(customer.id)->role == kernel::Role::customer);
    CHECK(f.accounts.find(customer.id)->token_generation == generation);

    f.accounts.ensure_admin("c@example.com", "admin-password", "", true);
    auto promoted = f.accounts.find(customer.id);
    CHECK(promoted->is_admin());
    CHECK(promoted->token_generation > generation);
    // Ensuring an admin again with its password changes nothing (start-up is idempotent).
    f.accounts.ensure_admin("c@example.com", "admin-password", "");
    CHECK(f.accounts.find(customer.id)->token_generation == promoted->token_generation);

    CHECK(f.accounts.demote_admin("C@example.com") == customer.id);
    auto demoted = f.accounts.find(customer.id);
    CHECK(demoted->role == kernel::Role::customer);
    CHECK(demoted->token_generation > promoted->token_generation);
    CHECK(status_of([&] { f.accounts.demote_admin("c@example.com"); }) == 409);
    CHECK(status_of([&] { f.accounts.demote_admin("nobody@example.com"); }) == 404);
  }

  TEST_CASE(
      "[Accounts] every change that ends tokens publishes TokensRevoked (for processes without "
      "users)") {
    Fixture f;
    auto user = f.accounts.register_user({"ada@example.com", "password-1", "Ada"}, f.trace);
    auto revoked = [&] { return f.rb.published<users::events::TokensRevoked>("users"); };
    CHECK(revoked().empty());

    f.accounts.change_password(user.id, "password-1", "password-2");
    REQUIRE(revoked().size() == 1);
    CHECK(revoked().back().user_id == user.id);
    CHECK(revoked().back().generation == f.accounts.find(user.id)->token_generation);
    CHECK(revoked().back().token_id.empty());
    CHECK(revoked().back().expires_at == f.now() + 600);

    auto token = f.accounts.login("ada@example.com", "password-2").access_token;
    auto claims = f.codec.verify(token, f.now());
    REQUIRE(claims);
    f.accounts.logout(user.id, token);
    REQUIRE(revoked().size() == 2);
    CHECK(revoked().back().token_id == claims->token_id);
    CHECK(revoked().back().expires_at == claims->expires_at);
    CHECK(revoked().back().generation == claims->generation);

    f.accounts.ensure_admin("ada@example.com", "admin-password", "", true);
    REQUIRE(revoked().size() == 3);
    CHECK(revoked().back().generation == f.accounts.find(user.id)->token_generation);
    f.accounts.demote_admin("ada@example.com");
    REQUIRE(revoked().size() == 4);
    CHECK(revoked().back().generation == f.accounts.find(user.id)->token_generation);
  }
}
