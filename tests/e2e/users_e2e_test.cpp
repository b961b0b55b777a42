// Accounts, tokens and the gateway's policies over real HTTP.

#include "server_process.hpp"

#include "api_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <kernel/base64url.hpp>
#include <kernel/jwt.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <future>

using namespace mart::test;

namespace {

const std::string kSecret = "e2e-secret-e2e-secret-e2e-secret-0123456789";

std::map<std::string, std::string> env_with_secret() {
  auto env = admin_env();
  env["MART_JWT_SECRET"] = kSecret;
  return env;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse register_user(HttpClient& client, const std::string& email,
                           const std::string& password = "long-enough-password",
                           const std::string& name = "Ada") {
  return client.post("/api/v1/users", R"({"email":")" + email + R"(","password":")" + password +
                                          R"(","name":")" + name + R"("})");
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] users: register, sign in, read and change one's profile") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());

    auto registered = register_user(client, "Ada@Example.com");
    REQUIRE(registered.status == 201);
    auto user = registered.json();
    CHECK(user.at("email") == "Ada@Example.com");
    CHECK(user.at("role") == "customer");
    CHECK(user.at("address").is_null());
    CHECK(registered.body.find("password") == std::string::npos);
    CHECK(registered.body.find("argon2") == std::string::npos);

    auto login = client.post("/api/v1/auth/login",
                             R"({"email":"ada@example.com","password":"long-enough-password"})");
    REQUIRE(login.status == 200);
    CHECK(login.json().at("token_type") == "Bearer");
    CHECK(login.json().at("expires_in") == 3600);
    CHECK(login.header("cache-control") == "no-store");
    auto me = bearer(std::string(login.json().at("access_token").as_string()));

    auto fetched = client.get("/api/v1/users/me", me);
    CHECK(fetched.status == 200);
    CHECK(fetched.json().at("id") == user.at("id"));
    CHECK(fetched.header("cache-control") == "no-store");
    CHECK(fetched.header("x-content-type-options") == "nosniff");

    auto patched =
        client.patch("/api/v1/users/me", R"({"name":"Ada L.","address":"1 Loop Rd"})", me);
    CHECK(patched.status == 200);
    CHECK(patched.json().at("name") == "Ada L.");
    CHECK(patched.json().at("address") == "1 Loop Rd");
    CHECK(client.patch("/api/v1/users/me", R"({"name":""})", me).status == 422);
    CHECK(client.patch("/api/v1/users/me", R"({"name":7})", me).status == 422);
    CHECK(client.get("/api/v1/users/me", me).json().at("name") == "Ada L.");
  }

  TEST_CASE("[e2e] users: bad registrations and duplicate emails in another letter case") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    REQUIRE(register_user(client, "bob@example.com").status == 201);
    auto duplicate = register_user(client, "BOB@EXAMPLE.COM");
    CHECK(duplicate.status == 409);
    CHECK(duplicate.header("content-type") == "application/problem+json");
    CHECK(register_user(client, "not-an-email").status == 422);
    CHECK(register_user(client, "short@example.com", "1234567").status == 422);
    CHECK(register_user(client, "noname@example.com", "long-enough-password", " ").status == 422);
    CHECK(client.post("/api/v1/users", R"({"email":"x@example.com"})").status == 422);
    CHECK(client.post("/api/v1/users", R"({"email":1,"password":2,"name":3})").status == 422);
  }

  TEST_CASE(
      "[e2e] tokens: missing, malformed, tampered, expired, alg none, other algorithms, "
      "unknown user are all 401") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, env_with_secret());
    HttpClient client(server.port());
    REQUIRE(register_user(client, "eve@example.com").status == 201);
    auto good = login(client, "eve@example.com", "long-enough-password");
    REQUIRE(client.get("/api/v1/users/me", bearer(good)).status == 200);

    kernel::JwtCodec codec(kSecret);
    auto sub_of = [&](const std::string& token) {
      return codec.verify(token, now_seconds())->user_id;
    };
    auto user_id = sub_of(good);
    auto header_part = [](const std::string& json) { return kernel::base64url_encode(json); };
    auto payload = kernel::base64url_encode(R"({"sub":")" + std::to_string(user_id) +
                                            R"(","role":"admin","iat":1,"exp":99999999999})");
    auto tampered = good;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    auto first_dot = good.find('.');
    auto second_dot = good.find('.', first_dot + 1);
    auto escalated = good.substr(0, first_dot) + "." + payload + good.substr(second_dot);

    std::vector<std::pair<std::string, HeaderList>> refused = {
        {"missing", {}},
        {"not bearer", {{"Authorization", "Basic Zm9vOmJhcg=="}}},
        {"empty bearer", {{"Authorization", "Bearer "}}},
        {"garbage", bearer("garbage")},
        {"tampered signature", bearer(tampered)},
        {"escalated claims", bearer(escalated)},
        {"alg none", bearer(header_part(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".")},
        {"alg HS512", bearer(header_part(R"({"alg":"HS512","typ":"JWT"})") + "." + payload + "." +
                             good.substr(second_dot + 1))},
        {"expired", bearer(codec.sign({user_id,
                                       kernel::Role::customer,
                                       now_seconds() - 7200,
                                       now_seconds() - 3600,
                                       0,
                                       {}}))},
        {"unknown user",
         bearer(codec.sign(
             {999'999, kernel::Role::admin, now_seconds(), now_seconds() + 600, 0, {}}))},
        {"other secret", bearer(kernel::JwtCodec(std::string(40, 'x'))
                                    .sign({user_id,
                                           kernel::Role::customer,
                                           now_seconds(),
                                           now_seconds() + 600,
                                           0,
                                           {}}))},
    };
    for (const auto& attempt : refused) {
      const auto& what = attempt.first;  // not a structured binding: CAPTURE captures it
      const auto& headers = attempt.second;
      CAPTURE(what);
      auto r = client.get("/api/v1/users/me", headers);
      CHECK(r.status == 401);
      CHECK(r.header("content-type") == "application/problem+json");
      CHECK(r.has_header("www-authenticate"));
    }
    // A token signed with the configured secret for a real user works: the check is the secret.
    CHECK(
        client
            .get("/api/v1/users/me",
                 bearer(codec.sign(
                     {user_id, kernel::Role::customer, now_seconds(), now_seconds() + 600, 0, {}})))
            .status == 200);
  }

  TEST_CASE("[e2e] tokens survive a restart (the generated secret is kept, mode 0600)") {
    TempDir dir;
    std::string token;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      HttpClient client(server.port());
      REQUIRE(register_user(client, "kim@example.com").status == 201);
      token = login(client, "kim@example.com", "long-enough-password");
      CHECK(server.terminate() == 0);
    }
    auto perms = std::filesystem::status(dir.path() / "jwt_secret").permissions();
    CHECK((perms & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    CHECK(client.get("/api/v1/users/me", bearer(token)).status == 200);
  }

  TEST_CASE("[e2e] roles: customers are refused admin routes with 403; others' data is 404") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto alice = customer_headers(client, "alice@example.com");
    auto bob = customer_headers(client, "bob@example.com");

    CHECK(client.get("/api/v1/users", alice).status == 403);
    CHECK(client.get("/api/v1/admin/events/status", alice).status == 403);
    CHECK(client.get("/api/v1/admin/dead-letters", alice).status == 403);
    CHECK(client.get("/api/v1/users").status == 401);
    auto all = client.get("/api/v1/users?limit=2", admin);
    CHECK(all.status == 200);
    CHECK(all.json().at("items").as_array().size() == 2);
    CHECK(all.json().at("next_cursor").is_string());
    CHECK(all.body.find("password") == std::string::npos);

    // There is no route to another user's account; each one sees and changes only their own.
    CHECK(client.get("/api/v1/users/me", alice).json().at("email") == "alice@example.com");
    CHECK(client.get("/api/v1/users/me", bob).json().at("email") == "bob@example.com");
    client.patch("/api/v1/users/me", R"({"name":"Mallory"})", alice);
    CHECK(client.get("/api/v1/users/me", bob).json().at("name") == "Test Customer");
    auto bob_id = client.get("/api/v1/users/me", bob).json().at("id").as_int64();
    CHECK(client.get("/api/v1/users/" + std::to_string(bob_id), alice).status == 404);
    CHECK(
        client.patch("/api/v1/users/" + std::to_string(bob_id), R"({"name":"x"})", alice).status ==
        404);
  }

  TEST_CASE("[e2e] sign-in brute force is throttled with 429 and Retry-After; others are not") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    REQUIRE(register_user(client, "target@example.com").status == 201);
    REQUIRE(register_user(client, "other@example.com").status == 201);
    const std::string wrong = R"({"email":"target@example.com","password":"wrong-password"})";
    for (int i = 0; i < 5; ++i) {
      auto r = client.post("/api/v1/auth/login", wrong);
      CHECK(r.status == 401);
    }
    auto throttled = client.post("/api/v1/auth/login", wrong);
    CHECK(throttled.status == 429);
    CHECK(std::stoi(throttled.header("retry-after")) > 0);
    CHECK(throttled.header("content-type") == "application/problem+json");
    // Even the right password waits now; another account signs in as usual.
    CHECK(client
              .post("/api/v1/auth/login",
                    R"({"email":"target@example.com","password":"long-enough-password"})")
              .status == 429);
    CHECK(client
              .post("/api/v1/auth/login",
                    R"({"email":"other@example.com","password":"long-enough-password"})")
              .status == 200);
    // Wrong email and wrong password get the same answer.
    auto unknown = client.post("/api/v1/auth/login",
                               R"({"email":"nobody@example.com","password":"whatever-it-is"})");
    auto bad_password = client.post("/api/v1/auth/login",
                                    R"({"email":"other@example.com","password":"whatever-it-is"})");
    CHECK(unknown.status == 401);
    CHECK(bad_password.status == 401);
    CHECK(unknown.json().at("detail") == bad_password.json().at("detail"));
  }

  TEST_CASE("[e2e] CORS: allowed origins get preflight answers and headers; others do not") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--gateway-cors-origins", "https://shop.example"},
                         admin_env());
    HttpClient client(server.port());
    auto preflight = client.request("OPTIONS", "/api/v1/products", {},
                                    {{"Origin", "https://shop.example"},
                                     {"Access-Control-Request-Method", "POST"},
                                     {"Access-Control-Request-Headers", "authorization"}});
    CHECK(preflight.status == 204);
    CHECK(preflight.header("access-control-allow-origin") == "https://shop.example");
    CHECK(preflight.header("access-control-allow-headers").find("Authorization") !=
          std::string::npos);
    auto simple = client.get("/api/v1/products", {{"Origin", "https://shop.example"}});
    CHECK(simple.header("access-control-allow-origin") == "https://shop.example");
    auto foreign = client.request(
        "OPTIONS", "/api/v1/products", {},
        {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    CHECK(foreign.status == 403);
    CHECK(!foreign.has_header("access-control-allow-origin"));
    CHECK(!client.get("/api/v1/products", {{"Origin", "https://evil.example"}})
               .has_header("access-control-allow-origin"));
  }

  TEST_CASE("[e2e] mart users create-admin makes an admin that can sign in") {
    TempDir dir;
    auto [status, text] = run_mart({"users", "create-admin", "boss@example.com", "The Boss",
                                    "--data-dir", dir.path().string()},
                                   {{"MART_ADMIN_PASSWORD", "boss-password-1"}});
    CHECK(status == 0);
    CHECK(text.find("boss@example.com") != std::string::npos);
    CHECK(text.find("boss-password-1") == std::string::npos);
    ServerProcess server(dir.path());
    HttpClient client(server.port());
    auto token = login(client, "boss@example.com", "boss-password-1");
    CHECK(client.get("/api/v1/users", bearer(token)).status == 200);
  }

  TEST_CASE("[e2e] a sign-in's password check does not hold up the I/O thread's other requests") {
    // One I/O thread: before the password work moved to its own threads, the health check
    // below waited for the whole Argon2id verification (about 0.4 s) on that thread.
    TempDir dir;
    ServerProcess server(dir.path(), {"--io-threads", "1"}, admin_env());
    HttpClient setup(server.port());
    REQUIRE(register_user(setup, "slow@example.com").status == 201);

    std::atomic<bool> health_answered{false};
    std::atomic<bool> health_was_first{false};
    auto signing_in = std::async(std::launch::async, [&] {
      HttpClient client(server.port());
      auto answer =
          client.post("/api/v1/auth/login",
                      R"({"email":"slow@example.com","password":"long-enough-password"})");
      health_was_first = health_answered.load();
      return answer.status;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the sign-in is being checked
    HttpClient other(server.port());
    CHECK(other.get("/healthz").status == 200);
    health_answered = true;
    CHECK(signing_in.get() == 200);
    CHECK(health_was_first.load());
  }
}
