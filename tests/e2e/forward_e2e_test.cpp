// Forwarding over real processes: a pure gateway (`--modules none`) in front of a process that
// hosts products and users and one that hosts orders; the gateway forwards by path, passes the
// upstreams' answers on unchanged, and answers 502/504/503 when an upstream cannot.

#include "server_process.hpp"

#include "api_helpers.hpp"
#include "http/check_problem.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace mart::test;
using namespace std::chrono_literals;

namespace {

const std::string kSharedSecret = "forward-e2e-shared-secret-0123456789abcdef";

std::string upstream(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

// A loopback listener. Silent: it only listens (the kernel completes the handshakes) and never
// answers. Capturing: it accepts one connection, records the request head and answers {}.
class Listener {
 public:
  explicit Listener(bool capture) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    if (capture) captured_ = std::async(std::launch::async, [this] { return serve_one(); });
  }
  ~Listener() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes a blocked accept()
    if (captured_.valid()) captured_.wait();
    ::close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  std::uint16_t port() const { return port_; }
  // The head of the request it received ("" if none came within 5 s).
  std::string request() {
    if (captured_.wait_for(5s) != std::future_status::ready) return {};
    return captured_.get();
  }

 private:
  std::string serve_one() {
    int connection = ::accept(fd_, nullptr, nullptr);
    if (connection < 0) return {};
    std::string text;
    char chunk[4096];
    while (text.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(connection, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      text.append(chunk, static_cast<std::size_t>(n));
    }
    std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Connection: close\r\n\r\n{}";
    ::send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(connection);
    return text;
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::future<std::string> captured_;
};

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] forward: a pure gateway in front of split processes") {
    TempDir p_dir;
    TempDir q_dir;
    TempDir g_dir;
    auto p_env = admin_env();
    p_env["MART_JWT_SECRET"] = kSharedSecret;
    ServerProcess p(p_dir.path(), {"--modules", "products,users"}, p_env);
    ServerProcess q(q_dir.path(), {"--modules", "orders"}, {{"MART_JWT_SECRET", kSharedSecret}});
    Listener capture(/*capture=*/true);
    ServerProcess g(
        g_dir.path(),
        {"--modules", "none", "--upstream", "products=" + upstream(p.port()), "--upstream",
         "users=" + upstream(p.port()), "--upstream", "orders=" + upstream(q.port()), "--upstream",
         "notifications=" + upstream(capture.port())});
    HttpClient gateway(g.port());
    HttpClient direct(p.port());

    // Accounts and sign-in, through the gateway.
    auto customer = customer_headers(gateway, "ada@example.com");
    auto admin = admin_headers(gateway);

    // Products: create as admin, list with a query string.
    for (const char* name : {"Green tea", "Black tea", "Coffee"}) {
      auto created =
          gateway.post("/api/v1/products",
                       std::string(R"({"name":")") + name + R"(","price_cents":450})", admin);
      REQUIRE(created.status == 201);
      CHECK(created.header("Location").starts_with("/api/v1/products/"));
    }
    auto teas = gateway.get("/api/v1/products?q=tea&limit=1");
    REQUIRE(teas.status == 200);
    CHECK(teas.json().at("items").as_array().size() == 1);
    CHECK(!teas.json().at("next_cursor").is_null());
    auto all = gateway.get("/api/v1/products?limit=100");
    CHECK(all.json().at("items").as_array().size() == 3);
    CHECK(all.body == direct.get("/api/v1/products?limit=100").body);

    // The request id: the client's is kept, a missing one is generated.
    auto with_id = gateway.get("/api/v1/products?limit=1", {{"X-Request-Id", "e2e-forward-1"}});
    CHECK(with_id.header("X-Request-Id") == "e2e-forward-1");
    CHECK(gateway.get("/api/v1/products").header("X-Request-Id").size() == 32);

    // The upstream's problems pass through unchanged.
    auto missing = gateway.get("/api/v1/products/999999");
    check_problem(missing, 404);
    CHECK(missing.body == direct.get("/api/v1/products/999999").body);
    auto invalid = gateway.post("/api/v1/products", R"({"name":"","price_cents":-1})", admin);
    check_problem(invalid, 422);
    CHECK(invalid.body ==
          direct.post("/api/v1/products", R"({"name":"","price_cents":-1})", admin).body);
    auto no_token = gateway.post("/api/v1/products", R"({"name":"x","price_cents":1})");
    check_problem(no_token, 401);
    CHECK(gateway.post("/api/v1/products", R"({"name":"x","price_cents":1})", customer).status ==
          403);
    CHECK(gateway.get("/api/v1/users/me", customer).json().at("email") == "ada@example.com");

    // Orders live in another process that does not host users: the token's claims count there.
    auto orders = gateway.get("/api/v1/orders", customer);
    CHECK(orders.status == 200);
    CHECK(orders.json().at("items").as_array().empty());
    CHECK(gateway.get("/api/v1/orders", admin).status == 200);
    check_problem(gateway.get("/api/v1/orders", bearer("not-a-token")), 401);

    // What an upstream receives: method, raw target, end-to-end fields, the request id, Host.
    auto captured =
        gateway.get("/api/v1/notifications?limit=5&cursor=a%2Fb",
                    {{"X-Request-Id", "e2e-forward-2"},
                     {"Authorization", "Bearer abc"},
                     {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                     {"Connection", "keep-alive"}});
    CHECK(captured.status == 200);
    auto head = capture.request();
    CHECK(head.starts_with("GET /api/v1/notifications?limit=5&cursor=a%2Fb HTTP/1.1\r\n"));
    CHECK(contains(head, "\r\nX-Request-Id: e2e-forward-2\r\n"));
    CHECK(contains(head, "\r\nAuthorization: Bearer abc\r\n"));
    CHECK(contains(head,
                   "\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"));
    CHECK(contains(head, "\r\nHost: " + upstream(capture.port()).substr(7) + "\r\n"));
    CHECK(contains(head, "\r\nVia: 1.1 mart\r\n"));
    CHECK(contains(head, "\r\nX-Forwarded-For: 127.0.0.1\r\n"));

    // Not hosted, no upstream: 503. Always local: the operational routes.
    auto payments = gateway.get("/api/v1/payments?order_id=1", customer);
    check_problem(payments, 503);
    CHECK(contains(std::string(payments.json().at("detail").as_string()),
                   "payments module is not hosted by this process and no upstream is configured"));

    // The upstream goes away: 502; the gateway itself stays healthy.
    p.kill9();
    auto gone = gateway.get("/api/v1/products");
    check_problem(gone, 502);
    CHECK(gone.header("X-Request-Id").size() == 32);
    check_problem(gateway.post("/api/v1/auth/login", R"({"email":"a@b.c","password":"x"})"), 502);
    CHECK(gateway.get("/healthz").status == 200);
    CHECK(gateway.get("/readyz").status == 200);
    CHECK(gateway.get("/metrics").status == 200);
    CHECK(gateway.get("/api/v1/orders", customer).status == 200);  // q still answers

#if MART_WEB_PAGES
    // The web pages are the gateway's own (it hosts no module): served with the products
    // process gone, while their API calls go upstream like any client's.
    auto storefront = gateway.get("/orders/42");
    CHECK(storefront.status == 200);
    CHECK(storefront.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(contains(storefront.body, "src=\"/assets/store-"));
    CHECK(storefront.header("Content-Security-Policy").starts_with("default-src 'self';"));
    CHECK(contains(gateway.get("/admin").body, "src=\"/assets/admin-"));
#endif
  }

  TEST_CASE("[e2e] forward: an upstream that never answers is a 504 at the deadline") {
    Listener silent(/*capture=*/false);
    TempDir dir;
    ServerProcess g(dir.path(),
                    {"--modules", "none", "--upstream", "products=" + upstream(silent.port()),
                     "--upstream-timeout-ms", "300"});
    HttpClient client(g.port());
    auto start = std::chrono::steady_clock::now();
    auto r = client.get("/api/v1/products");
    auto elapsed = std::chrono::steady_clock::now() - start;
    check_problem(r, 504);
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 1s);
    CHECK(client.get("/healthz").status == 200);
  }

  TEST_CASE("[e2e] forward: a process without users and without jwt_secret warns at start-up") {
    TempDir dir;
    ServerProcess orders(dir.path(), {"--modules", "orders"});
    CHECK(contains(orders.output(), "no jwt_secret is set"));
    orders.terminate();

    TempDir shared_dir;
    ServerProcess with_secret(shared_dir.path(), {"--modules", "orders"},
                              {{"MART_JWT_SECRET", kSharedSecret}});
    CHECK_FALSE(contains(with_secret.output(), "no jwt_secret is set"));
  }

  TEST_CASE("[e2e] forward: bad forwarding settings stop start-up naming the setting") {
    auto [status, output] = run_mart({"--modules", "none", "--upstream", "orders=https://a:1"});
    CHECK(status == 2);
    CHECK(contains(output, "upstream.orders"));
    CHECK(contains(output, "https is not supported"));
  }
}
