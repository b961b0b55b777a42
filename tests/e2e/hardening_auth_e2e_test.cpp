// #13 items 3 and 4 against the real binary: password hashing cannot starve the server, and a
// password change, a logout, a promotion or a demotion ends the tokens it should.
#include "api_helpers.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

#include <map>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

using namespace mart::test;
using namespace std::chrono_literals;

namespace {

std::string registration(const std::string& email, const std::string& password) {
  return R"({"email":")" + email + R"(","password":")" + password + R"(","name":"Test"})";
}

// The status GET /api/v1/users/me answers with `token` once it is not 200, or 200 after `within`.
int status_after_revocation(HttpClient& client, const std::string& token,
                            std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    auto status = client.get("/api/v1/users/me", bearer(token)).status;
    if (status != 200 || std::chrono::steady_clock::now() >= deadline) return status;
    std::this_thread::sleep_for(50ms);
  }
}

int login_status(HttpClient& client, const std::string& email, const std::string& password) {
  return client.post("/api/v1/auth/login", credentials(email, password)).status;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] password change: older tokens end within a second; only the new one signs in") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient client(server.port());
    const std::string email = "change@example.com";
    REQUIRE(client.post("/api/v1/users", registration(email, "first-password")).status == 201);
    auto first = login(client, email, "first-password");
    auto second = login(client, email, "first-password");

    auto change = [&](const std::string& token, const std::string& current,
                      const std::string& next) {
      return client.post(
          "/api/v1/users/me/password",
          R"({"current_password":")" + current + R"(","new_password":")" + next + R"("})",
          bearer(token));
    };
    CHECK(change(first, "wrong-password", "second-password").status == 401);
    CHECK(change(first, "first-password", "short").status == 422);
    CHECK(client.get("/api/v1/users/me", bearer(first)).status == 200);  // refused: no change
    CHECK(client
              .post("/api/v1/users/me/password",
                    R"({"current_password":"first-password","new_password":"x-password"})")
              .status == 401);  // no token

    auto started = std::chrono::steady_clock::now();
    REQUIRE(change(first, "first-password", "second-password").status == 204);
    CHECK(status_after_revocation(client, first, 1500ms) == 401);
    CHECK(status_after_revocation(client, second, 1500ms) == 401);
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);

    CHECK(login_status(client, email, "first-password") == 401);
    auto fresh = login(client, email, "second-password");
    CHECK(client.get("/api/v1/users/me", bearer(fresh)).status == 200);
  }

  TEST_CASE("[e2e] logout ends that token within a second; the user's other tokens live on") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient client(server.port());
    const std::string email = "leaving@example.com";
    REQUIRE(client.post("/api/v1/users", registration(email, "leaving-password")).status == 201);
    auto leaving = login(client, email, "leaving-password");
    auto staying = login(client, email, "leaving-password");
    CHECK(client.get("/api/v1/users/me", bearer(leaving)).status == 200);

    CHECK(client.post("/api/v1/auth/logout", "").status == 401);  // needs a token
    REQUIRE(client.post("/api/v1/auth/logout", "", bearer(leaving)).status == 204);
    CHECK(status_after_revocation(client, leaving, 1500ms) == 401);
    CHECK(client.get("/api/v1/users/me", bearer(staying)).status == 200);
    CHECK(client.post("/api/v1/auth/logout", "", bearer(leaving)).status == 401);
  }

  TEST_CASE(
      "[e2e] create-admin refuses an existing customer unless --promote-existing; a "
      "promotion and a demotion end older tokens") {
    TempDir dir;
    const std::string email = "climber@example.com";
    std::string customer_token;
    {
      ServerProcess server(dir.path());
      HttpClient client(server.port());
      REQUIRE(client.post("/api/v1/users", registration(email, "customer-password")).status == 201);
      customer_token = login(client, email, "customer-password");
      REQUIRE(server.terminate() == 0);
    }
    auto data_dir = dir.path().string();
    std::map<std::string, std::string> env{{"MART_ADMIN_PASSWORD", "promoted-password"}};
    auto [refused, refused_output] =
        run_mart({"users", "create-admin", email, "--data-dir", data_dir}, env);
    CHECK(refused != 0);
    CHECK(refused_output.find("--promote-existing") != std::string::npos);
    {
      ServerProcess server(dir.path());
      HttpClient client(server.port());
      auto me = client.get("/api/v1/users/me", bearer(customer_token));
      REQUIRE(me.status == 200);  // refused: nothing changed
      CHECK(me.json().at("role") == "customer");
      REQUIRE(server.terminate() == 0);
    }

    auto promote_run = run_mart(
        {"users", "create-admin", email, "--promote-existing", "--data-dir", data_dir}, env);
    const int promoted = promote_run.first;
    const std::string& promoted_output = promote_run.second;
    REQUIRE_MESSAGE(promoted == 0, promoted_output);
    std::string admin_token;
    {
      ServerProcess server(dir.path());
      HttpClient client(server.port());
      CHECK(client.get("/api/v1/users/me", bearer(customer_token)).status == 401);
      admin_token = login(client, email, "promoted-password");
      auto me = client.get("/api/v1/users/me", bearer(admin_token));
      REQUIRE(me.status == 200);
      CHECK(me.json().at("role") == "admin");
      CHECK(client.get("/api/v1/users", bearer(admin_token)).status == 200);
      REQUIRE(server.terminate() == 0);
    }

    auto demote_run = run_mart({"users", "demote-admin", email, "--data-dir", data_dir});
    const int demoted = demote_run.first;
    const std::string& demoted_output = demote_run.second;
    REQUIRE_MESSAGE(demoted == 0, demoted_output);
    ServerProcess server(dir.path());
    HttpClient client(server.port());
    CHECK(client.get("/api/v1/users/me", bearer(admin_token)).status == 401);
    auto fresh = login(client, email, "promoted-password");
    CHECK(client.get("/api/v1/users/me", bearer(fresh)).json().at("role") == "customer");
    CHECK(client.get("/api/v1/users", bearer(fresh)).status == 403);
  }

  TEST_CASE("[e2e] start-up with admin_email naming a customer refuses without the setting") {
    TempDir dir;
    const std::string email = "owner@example.com";
    {
      ServerProcess server(dir.path());
      HttpClient client(server.port());
      REQUIRE(client.post("/api/v1/users", registration(email, "owner-password")).status == 201);
      REQUIRE(server.terminate() == 0);
    }
    // Refused at start-up: mart exits before serving (ServerProcess throws with its output).
    std::string refusal;
    try {
      ServerProcess refused(
          dir.path(), {},
          {{"MART_ADMIN_EMAIL", email}, {"MART_ADMIN_PASSWORD", "owner-admin-password"}});
    } catch (const std::runtime_error& error) {
      refusal = error.what();
    }
    CHECK(refusal.find("admin_promote_existing") != std::string::npos);
    ServerProcess server(dir.path(), {},
                         {{"MART_ADMIN_EMAIL", email},
                          {"MART_ADMIN_PASSWORD", "owner-admin-password"},
                          {"MART_ADMIN_PROMOTE_EXISTING", "true"}});
    HttpClient client(server.port());
    auto token = login(client, email, "owner-admin-password");
    CHECK(client.get("/api/v1/users", bearer(token)).status == 200);
  }

  TEST_CASE("[e2e] registrations are throttled per client with 429 and Retry-After") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, {{"MART_GATEWAY_REGISTRATIONS_PER_CLIENT", "3"}});
    HttpClient client(server.port());
    CHECK(client.post("/api/v1/users", registration("r@example.com", "r-password")).status == 201);
    CHECK(client.post("/api/v1/users", registration("r@example.com", "r-password")).status == 409);
    CHECK(client.post("/api/v1/users", R"({"email":"bad"})").status == 422);
    auto refused = client.post("/api/v1/users", registration("s@example.com", "s-password"));
    CHECK(refused.status == 429);
    CHECK(refused.has_header("retry-after"));
    CHECK(client.get("/api/v1/products").status == 200);
    CHECK(login_status(client, "r@example.com", "r-password") == 200);
  }

  TEST_CASE(
      "[e2e] a registration flood gets 201/409/503, never a hang, while product pages "
      "answer 200 within a second") {
    // Few in-flight slots and a small hash budget: before the budget, queued hashes took every
    // in-flight slot and product pages answered 503.
    TempDir dir;
    ServerProcess server(dir.path(), {},
                         {{"MART_GATEWAY_REGISTRATIONS_PER_CLIENT", "1000000"},
                          {"MART_HTTP_MAX_IN_FLIGHT", "24"},
                          {"MART_USERS_HASH_QUEUE", "8"}});
    constexpr int kFlooders = 40;
    constexpr auto kFloodFor = 4s;
    std::atomic<bool> stop{false};
    std::vector<std::future<std::multiset<int>>> flooders;
    for (int i = 0; i < kFlooders; ++i) {
      flooders.push_back(std::async(std::launch::async, [&, i] {
        std::multiset<int> statuses;
        HttpClient client(server.port(), 10s);
        for (int n = 0; !stop; ++n) {
          // Every third email repeats one already sent: a 409 once it exists.
          auto email = "flood" + std::to_string(i) + "-" + std::to_string(n % 3 == 2 ? 0 : n) +
                       "@example.com";
          try {
            statuses.insert(
                client.post("/api/v1/users", registration(email, "flood-password")).status);
          } catch (const std::exception&) {
            statuses.insert(-1);  // no answer within 10 s: a hang
            client.close();
          }
        }
        return statuses;
      }));
    }

    HttpClient reader(server.port(), 5s);
    std::this_thread::sleep_for(300ms);  // the flood is on
    auto until = std::chrono::steady_clock::now() + kFloodFor;
    int reads = 0;
    std::chrono::nanoseconds slowest{0};
    std::multiset<int> read_statuses;
    while (std::chrono::steady_clock::now() < until) {
      auto started = std::chrono::steady_clock::now();
      read_statuses.insert(reader.get("/api/v1/products").status);
      slowest =
          std::max<std::chrono::nanoseconds>(slowest, std::chrono::steady_clock::now() - started);
      ++reads;
      std::this_thread::sleep_for(50ms);
    }
    stop = true;
    std::multiset<int> flood;
    for (auto& f : flooders) flood.merge(f.get());

    CHECK(reads > 10);
    CHECK(read_statuses.count(200) == read_statuses.size());
    CHECK_MESSAGE(slowest < 1s,
                  "slowest product GET took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()
                      << " ms");
    CHECK(flood.count(-1) == 0);
    CHECK(flood.count(201) > 0);
    CHECK(flood.count(503) > 0);
    CHECK(flood.count(201) + flood.count(409) + flood.count(503) == flood.size());
  }
}
