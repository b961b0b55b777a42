#include "gateway/gateway.hpp"

#include <kernel/router.hpp>

#include <doctest/doctest.h>

#include <map>

using namespace std::chrono_literals;

namespace {

class Directory final : public kernel::PrincipalDirectory {
 public:
  std::map<std::int64_t, kernel::Role> users;
  std::optional<kernel::Principal> find(std::int64_t id) override {
    auto it = users.find(id);
    if (it == users.end()) return std::nullopt;
    return kernel::Principal{id, it->second};
  }
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
    router.post("/api/v1/auth/login", [this](kernel::Request&) {
      kernel::Response r;
      r.status = login_answer;
      return r;
    });
  }
  std::string token(std::int64_t user, kernel::Role role) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
    return codec.sign({user, role, now.count(), now.count() + 600});
  }
  kernel::Response call(std::string method, std::string path, std::string token_text = {},
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
