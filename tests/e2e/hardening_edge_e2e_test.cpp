// #13 hardening, the edge: against the real binary, (1) a locked sign-in stays locked whatever the
// spelling of the path, in one process and through a forwarding gateway; (2) behind a gateway,
// an upstream that trusts it keys its sign-in throttling on the real client, and a client cannot
// choose its address with a forged X-Forwarded-For.
#include "server_process.hpp"

#include "api_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mart::test;

namespace {

const std::string kSharedSecret = "edge-e2e-shared-secret-0123456789abcdef01";

// Every other spelling of POST /api/v1/auth/login that a lenient router would accept.
const std::vector<std::string> kLoginSpellings = {
    "/api/v1/auth/login/",
    "/api/v1//auth/login",
    "//api/v1/auth/login",
    "/api/v1/auth//login",
    "/api/v1/auth/login//",
    "/api/v1/auth/%6cogin",
    "/api/v1/auth/%6Cogin",
    "/%61pi/v1/auth/login",
    "/api/v1/auth/login%2F",
    "/api/v1/auth/./login",
    "/./api/v1/auth/login",
    "/api/v1/users/../auth/login",
    "/api/v1/auth/login/.",
    "/api/v1/auth/login/%2e",
    "/api/v1/auth/login/./",
    "http://127.0.0.1/api/v1/auth/login/",
    "http://127.0.0.1//api/v1/auth/login",
    "http://127.0.0.1/api/v1/auth/%6cogin",
    // The canonical path itself, with a query or in absolute-form: the same route, so 429.
    "/api/v1/auth/login?x=1",
    "http://127.0.0.1/api/v1/auth/login",
};

// Fails `email`'s sign-in until it is locked (429) on the canonical path.
void lock(HttpClient& client, const std::string& email) {
  int status = 0;
  for (int i = 0; i < 10 && status != 429; ++i) {
    status = client.post("/api/v1/auth/login", credentials(email, "wrong-password")).status;
  }
  REQUIRE(status == 429);
}

// With the right password, no spelling signs the locked email in.
void no_spelling_signs_in(HttpClient& client, const std::string& email,
                          const std::string& password) {
  for (const auto& spelling : kLoginSpellings) {
    CAPTURE(spelling);
    auto response = client.post(spelling, credentials(email, password));
    CHECK((response.status == 404 || response.status == 429));
    CHECK(response.body.find("access_token") == std::string::npos);
  }
  CHECK(client.post("/api/v1/auth/login", credentials(email, password)).status == 429);
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] hardening: a locked sign-in cannot be reached through another path spelling") {
    TempDir dir;
    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    customer_headers(client, "locked@example.com", "right-password-1");
    lock(client, "locked@example.com");
    no_spelling_signs_in(client, "locked@example.com", "right-password-1");

    // Other routes keep working: a query string, HEAD, absolute-form.
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.get("/api/v1/products?q=tea&limit=5").status == 200);
    CHECK(client.request("HEAD", "/api/v1/products").status == 200);
    CHECK(client.get("http://127.0.0.1/api/v1/products?limit=1").status == 200);
    CHECK(client.get("/api/v1/products/").status == 404);
    // An admin route in another spelling is not an admin route with a forgotten check: 404.
    auto admin = admin_headers(client);
    CHECK(client.get("/api/v1/admin/dead-letters", admin).status == 200);
    CHECK(client.get("/api/v1/admin//dead-letters").status == 404);
    CHECK(client.get("/api/v1/admin/dead-letters/").status == 404);
  }

  TEST_CASE("[e2e] hardening: split mode, path spellings and the real client behind a gateway") {
    TempDir u_dir;
    TempDir g_dir;
    auto u_env = admin_env();
    u_env["MART_JWT_SECRET"] = kSharedSecret;
    // The upstream trusts the gateway (127.0.0.1) and locks a client after 3 failed sign-ins.
    ServerProcess upstream(u_dir.path(),
                           {"--modules", "products,users", "--gateway-trusted-proxies", "127.0.0.1",
                            "--gateway-login-max-failures-per-client", "3",
                            "--gateway-login-max-failures-per-email", "50"},
                           u_env);
    const auto up = "http://127.0.0.1:" + std::to_string(upstream.port());
    ServerProcess gateway(g_dir.path(),
                          {"--modules", "none", "--upstream", "products=" + up, "--upstream",
                           "users=" + up, "--http-max-connections-per-client", "64"});
    HttpClient setup(gateway.port(), "127.0.0.3");
    customer_headers(setup, "bea@example.com", "bea-password-1");
    customer_headers(setup, "cy@example.com", "cy-password-12");

    // One client (127.0.0.2) fails sign-ins, each with another email and a forged
    // X-Forwarded-For: the upstream locks that client, and only that client.
    HttpClient attacker(gateway.port(), "127.0.0.2");
    int status = 0;
    for (int i = 0; i < 4; ++i) {
      auto forged = "198.51.100." + std::to_string(i + 1);
      status = attacker
                   .post("/api/v1/auth/login",
                         credentials("nobody" + std::to_string(i) + "@example.com", "wrong"),
                         {{"X-Forwarded-For", forged}, {"Forwarded", "for=" + forged}})
                   .status;
    }
    CHECK(status == 429);
    CHECK(attacker.post("/api/v1/auth/login", credentials("bea@example.com", "bea-password-1"))
              .status == 429);
    // Another client signs in.
    HttpClient other(gateway.port(), "127.0.0.3");
    CHECK(
        other.post("/api/v1/auth/login", credentials("bea@example.com", "bea-password-1")).status ==
        200);

    // The upstream itself does not trust 127.0.0.4: the field it sends is ignored, and it is
    // one client however it names itself.
    HttpClient direct(upstream.port(), "127.0.0.4");
    for (int i = 0; i < 3; ++i) {
      direct.post("/api/v1/auth/login", credentials("x" + std::to_string(i) + "@example.com", "no"),
                  {{"X-Forwarded-For", "203.0.113." + std::to_string(i + 1)}});
    }
    CHECK(direct
              .post("/api/v1/auth/login", credentials("cy@example.com", "cy-password-12"),
                    {{"X-Forwarded-For", "203.0.113.99"}})
              .status == 429);

    // Path spellings through the gateway: a locked email stays locked (404 or 429, never 200).
    HttpClient victim(gateway.port(), "127.0.0.5");
    lock(victim, "cy@example.com");
    no_spelling_signs_in(victim, "cy@example.com", "cy-password-12");
    CHECK(victim.get("/api/v1/products?limit=1").status == 200);
    CHECK(victim.request("HEAD", "/api/v1/products").status == 200);
    CHECK(victim.get("/api/v1/products/").status == 404);
    CHECK(victim.get("/api/v1//products").status == 404);
  }

  TEST_CASE(
      "[e2e] hardening: a gateway.trusted_proxies entry that is not an address stops start-up") {
    TempDir dir;
    for (const char* bad : {"10.0.0.0/40", "proxy.example", "127.0.0.1,::1/200"}) {
      CAPTURE(std::string(bad));
      auto [status, output] = run_mart(
          {"--data-dir", dir.path().string(), "--port", "0", "--gateway-trusted-proxies", bad});
      CHECK(status != 0);
      CHECK(output.find("gateway.trusted_proxies") != std::string::npos);
    }
  }
}
