#include "gateway/gateway.hpp"
#include "gateway/revocation_list.hpp"

#include <kernel/router.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace std::chrono_literals;

namespace {

class Directory final : public kernel::PrincipalDirectory {
 public:
  std::map<std::int64_t, kernel::Role> users;
  std::map<std::int64_t, std::int64_t> generations;  // absent: 0
  std::set<std::string, std::less<>> revoked_ids;
  int lookups = 0;
  std::optional<kernel::Principal> find(std::int64_t id) override {
    ++lookups;
    auto it = users.find(id);
    if (it == users.end()) return std::nullopt;
    return kernel::Principal{id, it->second, generations[id]};
  }
  bool revoked(std::string_view token_id) override { return revoked_ids.count(token_id) > 0; }
};

struct Fixture {
  kernel::ManualClock clock;
  kernel::JwtCodec codec{std::string(40, 'g')};
  Directory directory;
  kernel::Router router;
  int login_answer = 401;
  mart::gateway::Gateway gateway{[] {
                                   mart::gateway::GatewayOptions o;
                                   o.login_max_failures_per_email = 3;
                                   o.login_max_failures_per_client = 5;
                                   o.login_window = 60s;
                                   o.cors_origins = {"https://shop.example"};
                                   o.registrations_per_client = 3;
                                   o.registration_window = 60s;
                                   return o;
                                 }(),
                                 codec, &directory, clock,
                                 [this](kernel::Request& r) { return router.dispatch(r); }};
  Fixture() {
    directory.users = {{1, kernel::Role::customer}, {2, kernel::Role::admin}};
    router.get("/open", [](kernel::Request&) { return kernel::Response::no_content(); });
    router.get(
        "/mine",
        [](kernel::Request& r) {
          return kernel::Response::json(200, {{"user", r.caller().user_id}});
        },
        kernel::Access::user);
    router.get(
        "/admin", [](kernel::Request&) { return kernel::Response::no_content(); },
        kernel::Access::admin);
    router.post("/api/v1/users", [](kernel::Request&) {
      kernel::Response r;
      r.status = 201;
      return r;
    });
    router.post("/api/v1/auth/login", [this](kernel::Request&) {
      kernel::Response r;
      r.status = login_answer;
      return r;
    });
  }
  std::string token(std::int64_t user, kernel::Role role, std::int64_t generation = 0,
                    std::string id = kernel::new_token_id()) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
    return codec.sign({user, role, now.count(), now.count() + 600, generation, std::move(id)});
  }
  kernel::Response call(std::string method, std::string path, const std::string& token_text = {},
                        std::string body = {}, std::string client = "10.0.0.1") {
    kernel::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.client_address = std::move(client);
    if (!token_text.empty()) r.headers.set("Authorization", "Bearer " + token_text);
    return gateway.handle(r);
  }
};

}  // namespace

TEST_SUITE("gateway") {
  TEST_CASE("[Gateway] roles: anyone, user, admin") {
    Fixture f;
    CHECK(f.call("GET", "/open").status == 204);
    CHECK(f.call("GET", "/mine").status == 401);
    CHECK(f.call("GET", "/mine", f.token(1, kernel::Role::customer)).status == 200);
    CHECK(f.call("GET", "/admin", f.token(1, kernel::Role::customer)).status == 403);
    CHECK(f.call("GET", "/admin", f.token(2, kernel::Role::admin)).status == 204);
  }

  TEST_CASE("[Gateway] the account's current role counts, not the token's; a gone user is 401") {
    Fixture f;
    auto stale_admin = f.token(1, kernel::Role::admin);  // user 1 is a customer now
    CHECK(f.call("GET", "/admin", stale_admin).status == 403);
    auto gone = f.token(3, kernel::Role::admin);
    CHECK(f.call("GET", "/open", gone).status == 401);
  }

  TEST_CASE("[Gateway] an accepted token is remembered for a second, then checked again") {
    Fixture f;
    auto token = f.token(1, kernel::Role::customer);
    CHECK(f.call("GET", "/admin", token).status == 403);
    CHECK(f.directory.lookups == 1);
    f.directory.users[1] = kernel::Role::admin;  // promoted
    f.clock.advance(999ms);
    CHECK(f.call("GET", "/admin", token).status == 403);  // the remembered role
    CHECK(f.call("GET", "/mine", token).status == 200);
    CHECK(f.directory.lookups == 1);
    f.clock.advance(1ms);
    CHECK(f.call("GET", "/admin", token).status == 204);  // asked again after the second
    CHECK(f.directory.lookups == 2);
    // Another token of the same user is checked on its own.
    f.clock.advance(1s);
    auto other = f.token(1, kernel::Role::customer);
    CHECK(f.call("GET", "/mine", other).status == 200);
    CHECK(f.directory.lookups == 3);
    // Refused tokens are not remembered: a tampered one is refused every time.
    auto tampered = token;
    auto& signature_char = tampered[tampered.size() - 10];
    signature_char = signature_char == 'A' ? 'B' : 'A';
    CHECK(f.call("GET", "/mine", tampered).status == 401);
    CHECK(f.call("GET", "/mine", tampered).status == 401);
  }

  TEST_CASE("[Gateway] a token of an older generation is refused within a second") {
    Fixture f;
    auto token = f.token(1, kernel::Role::customer, 0);
    CHECK(f.call("GET", "/mine", token).status == 200);
    f.directory.generations[1] = 1;  // a password change, a promotion or a demotion
    f.clock.advance(1000ms);
    CHECK(f.call("GET", "/mine", token).status == 401);
    CHECK(f.call("GET", "/open", token).status == 401);
    CHECK(f.call("GET", "/mine", f.token(1, kernel::Role::customer, 1)).status == 200);
  }

  TEST_CASE("[Gateway] a revoked token id is refused within a second; others of the user live") {
    Fixture f;
    auto token = f.token(1, kernel::Role::customer, 0, "first-id");
    auto other = f.token(1, kernel::Role::customer, 0, "second-id");
    CHECK(f.call("GET", "/mine", token).status == 200);
    f.directory.revoked_ids.insert("first-id");  // a logout
    f.clock.advance(1000ms);
    CHECK(f.call("GET", "/mine", token).status == 401);
    CHECK(f.call("GET", "/mine", other).status == 200);
  }

  TEST_CASE("[Gateway] registrations are throttled per client, with Retry-After") {
    Fixture f;
    for (int i = 0; i < 3; ++i) CHECK(f.call("POST", "/api/v1/users").status == 201);
    auto refused = f.call("POST", "/api/v1/users");
    CHECK(refused.status == 429);
    CHECK(refused.headers.get("Retry-After").value_or("") == "60");
    CHECK(f.call("POST", "/api/v1/users", {}, {}, "10.0.0.2").status == 201);  // another client
    CHECK(f.call("GET", "/open").status == 204);  // other routes are not throttled
    f.clock.advance(60s);
    CHECK(f.call("POST", "/api/v1/users").status == 201);
  }

  TEST_CASE("[Gateway] a remembered token still expires at its own exp") {
    Fixture f;
    auto now = std::chrono::duration_cast<std::chrono::seconds>(f.clock.now().time_since_epoch());
    auto token = f.codec.sign({1, kernel::Role::customer, now.count(), now.count() + 1, 0, {}});
    CHECK(f.call("GET", "/mine", token).status == 200);
    f.clock.advance(1000ms);  // exp reached, inside the time-to-live of its entry
    CHECK(f.call("GET", "/mine", token).status == 401);
  }

  TEST_CASE("[Gateway] principal_ttl 0 looks the account up on every request") {
    kernel::ManualClock clock;
    kernel::JwtCodec codec{std::string(40, 'g')};
    Directory directory;
    directory.users = {{1, kernel::Role::customer}};
    mart::gateway::GatewayOptions options;
    options.principal_ttl = 0ms;
    mart::gateway::Gateway gateway{options, codec, &directory, clock,
                                   [](kernel::Request&) { return kernel::Response::no_content(); }};
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
    auto token = codec.sign({1, kernel::Role::customer, now.count(), now.count() + 600, 0, {}});
    for (int i = 0; i < 3; ++i) {
      kernel::Request r;
      r.method = "GET";
      r.path = "/";
      r.headers.set("Authorization", "Bearer " + token);
      CHECK(gateway.handle(r).status == 204);
    }
    CHECK(directory.lookups == 3);
  }

  TEST_CASE("[Gateway] an invalid token is refused even on open routes") {
    Fixture f;
    auto r = f.call("GET", "/open", "not-a-token");
    CHECK(r.status == 401);
    CHECK(r.headers.get("WWW-Authenticate"));
  }

  TEST_CASE("[Gateway] security headers on every answer; no-store on authenticated ones") {
    Fixture f;
    auto open = f.call("GET", "/open");
    CHECK(open.headers.get("X-Content-Type-Options") == "nosniff");
    CHECK_FALSE(open.headers.get("Cache-Control"));
    auto mine = f.call("GET", "/mine", f.token(1, kernel::Role::customer));
    CHECK(mine.headers.get("Cache-Control") == "no-store");
  }

  TEST_CASE("[Gateway] failed sign-ins are throttled per email and per client, with Retry-After") {
    Fixture f;
    auto login = [&](const std::string& email, const std::string& client) {
      return f.call("POST", "/api/v1/auth/login", {}, R"({"email":")" + email + R"("})", client);
    };
    for (int i = 0; i < 3; ++i) CHECK(login("a@x.com", "10.0.0.1").status == 401);
    auto blocked = login("A@X.com ", "10.0.0.1");  // same account, other spelling
    CHECK(blocked.status == 429);
    CHECK(blocked.headers.get("Retry-After") == "60");
    CHECK(login("a@x.com", "10.0.0.9").status == 429);  // per email, from anywhere
    CHECK(login("b@x.com", "10.0.0.1").status == 401);  // another email still tries
    CHECK(login("c@x.com", "10.0.0.1").status == 401);
    CHECK(login("d@x.com", "10.0.0.1").status == 429);  // 5 failures from this client
    CHECK(login("d@x.com", "10.0.0.2").status == 401);  // another client is not affected
    f.clock.advance(61s);
    f.login_answer = 200;
    CHECK(login("a@x.com", "10.0.0.1").status == 200);
  }

  TEST_CASE("[Gateway] users hosted elsewhere (no directory): the token's claims count") {
    Fixture f;
    mart::gateway::Gateway claims_only{
        {}, f.codec, nullptr, f.clock, [&](kernel::Request& r) { return f.router.dispatch(r); }};
    auto call = [&](const std::string& path, const std::string& token) {
      kernel::Request r;
      r.method = "GET";
      r.path = path;
      r.client_address = "10.0.0.1";
      r.headers.set("Authorization", "Bearer " + token);
      return claims_only.handle(r);
    };
    CHECK(call("/mine", f.token(7, kernel::Role::customer)).status == 200);  // no account needed
    CHECK(call("/admin", f.token(7, kernel::Role::customer)).status == 403);
    // A demoted admin (user 1 is a customer in the users module) keeps the token's role here
    // until the token expires: the documented cost of not hosting users (ADR 0009).
    CHECK(call("/admin", f.token(1, kernel::Role::admin)).status == 204);
    CHECK(call("/mine", "not-a-token").status == 401);
  }

  TEST_CASE(
      "[Gateway] users hosted elsewhere, revocations followed: ended tokens are refused within a "
      "second") {
    Fixture f;
    mart::gateway::RevocationList revocations;
    mart::gateway::Gateway claims_only{
        {}, f.codec, nullptr, f.clock, [&](kernel::Request& r) { return f.router.dispatch(r); }};
    claims_only.follow_revocations(&revocations);
    auto call = [&](const std::string& token) {
      kernel::Request r;
      r.method = "GET";
      r.path = "/mine";
      r.client_address = "10.0.0.1";
      r.headers.set("Authorization", "Bearer " + token);
      return claims_only.handle(r);
    };
    auto now = [&] {
      return std::chrono::duration_cast<std::chrono::seconds>(f.clock.now().time_since_epoch())
          .count();
    };
    auto old = f.token(7, kernel::Role::customer, 0, "old-id");
    auto logged_out = f.token(7, kernel::Role::customer, 1, "gone-id");
    auto fresh = f.token(7, kernel::Role::customer, 1, "fresh-id");
    CHECK(call(old).status == 200);
    CHECK(call(logged_out).status == 200);
    revocations.add(7, 1, "", now() + 600, now());         // a password change
    revocations.add(7, 1, "gone-id", now() + 600, now());  // a logout
    f.clock.advance(1000ms);  // the remembered principals are checked again
    CHECK(call(old).status == 401);
    CHECK(call(logged_out).status == 401);
    CHECK(call(fresh).status == 200);
    CHECK(call(f.token(8, kernel::Role::customer, 0)).status == 200);  // another account
  }

  TEST_CASE("[Gateway] forwarded requests: edge policies only, no authentication") {
    Fixture f;
    auto forwarded = [&](std::string method, std::string path, const std::string& token = {},
                         std::string body = {}, std::string client = "10.0.0.1") {
      kernel::Request r;
      r.method = std::move(method);
      r.path = std::move(path);
      r.body = std::move(body);
      r.client_address = std::move(client);
      r.request_id = "rid-9";
      if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
      return r;
    };

    SUBCASE("an invalid or unknown user's token is the upstream's business") {
      auto r = forwarded("GET", "/api/v1/orders", "not-a-token");
      CHECK_FALSE(f.gateway.before_forward(r));
      CHECK_FALSE(r.principal);
      kernel::Response answer;
      answer.status = 401;
      f.gateway.after_forward(r, answer);
      CHECK(answer.status == 401);
      CHECK(answer.headers.get("Cache-Control") == "no-store");
      CHECK(answer.headers.get("X-Content-Type-Options") == "nosniff");
      CHECK(answer.headers.get("X-Request-Id") == "rid-9");
    }
    SUBCASE("a forged principal does not survive") {
      auto r = forwarded("GET", "/api/v1/orders");
      r.principal = kernel::Principal{2, kernel::Role::admin};
      CHECK_FALSE(f.gateway.before_forward(r));
      CHECK_FALSE(r.principal);
    }
    SUBCASE("CORS: a preflight is answered here; the edge's CORS headers on the answer") {
      auto preflight = forwarded("OPTIONS", "/api/v1/products");
      preflight.headers.set("Origin", "https://shop.example");
      preflight.headers.set("Access-Control-Request-Method", "POST");
      auto early = f.gateway.before_forward(preflight);
      REQUIRE(early);
      CHECK(early->status == 204);
      CHECK(early->headers.get("Access-Control-Allow-Origin") == "https://shop.example");

      auto r = forwarded("GET", "/api/v1/products");
      r.headers.set("Origin", "https://shop.example");
      CHECK_FALSE(f.gateway.before_forward(r));
      kernel::Response answer;
      f.gateway.after_forward(r, answer);
      CHECK(answer.headers.get("Access-Control-Allow-Origin") == "https://shop.example");
      CHECK_FALSE(answer.headers.get("Cache-Control"));
    }
    SUBCASE("sign-in throttling counts the upstream's answers, per real client") {
      auto attempt = [&](const std::string& client, int upstream_status) {
        auto r = forwarded("POST", "/api/v1/auth/login", {}, R"({"email":"a@x.com"})", client);
        if (auto early = f.gateway.before_forward(r)) return early->status;
        kernel::Response answer;
        answer.status = upstream_status;
        f.gateway.after_forward(r, answer);
        return answer.status;
      };
      for (int i = 0; i < 3; ++i) CHECK(attempt("10.0.0.1", 401) == 401);
      CHECK(attempt("10.0.0.2", 200) == 429);  // the email is blocked, from anywhere
      f.clock.advance(61s);
      CHECK(attempt("10.0.0.2", 200) == 200);
    }
  }

  TEST_CASE("[Gateway] the general rate limit applies to forwarded requests too") {
    kernel::ManualClock clock;
    kernel::JwtCodec codec{std::string(40, 'g')};
    mart::gateway::GatewayOptions options;
    options.rate_limit_rps = 1;
    options.rate_limit_burst = 2;
    mart::gateway::Gateway gateway{options, codec, nullptr, clock,
                                   [](kernel::Request&) { return kernel::Response::no_content(); }};
    kernel::Request r;
    r.method = "GET";
    r.path = "/api/v1/products";
    r.client_address = "10.0.0.1";
    int refused = 0;
    for (int i = 0; i < 5; ++i) {
      if (auto early = gateway.before_forward(r)) {
        CHECK(early->status == 429);
        CHECK(early->headers.get("Retry-After"));
        ++refused;
      }
    }
    CHECK(refused >= 2);
  }

  TEST_CASE("[Gateway] CORS preflight for allowed origins only") {
    Fixture f;
    kernel::Request r;
    r.method = "OPTIONS";
    r.path = "/open";
    r.headers.set("Origin", "https://shop.example");
    r.headers.set("Access-Control-Request-Method", "GET");
    auto ok = f.gateway.handle(r);
    CHECK(ok.status == 204);
    CHECK(ok.headers.get("Access-Control-Allow-Origin") == "https://shop.example");
    r.headers.set("Origin", "https://evil.example");
    auto refused = f.gateway.handle(r);
    CHECK(refused.status == 403);
    CHECK_FALSE(refused.headers.get("Access-Control-Allow-Origin"));
  }
}
