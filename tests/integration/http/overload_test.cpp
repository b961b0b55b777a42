// Overload: the connection cap and the in-flight cap answer 503 with Retry-After, count the
// refusals, and the server keeps serving afterwards.

#include "http/client.hpp"
#include "http/server.hpp"

#include <kernel/metrics.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using mart::http::Server;
using mart::http::ServerOptions;
using mart::test::HttpClient;

double rejected(const char* reason) {
  return kernel::metrics::registry()
      .counter("mart_http_rejected_total",
               "Requests and connections refused by the server itself, by reason.", {"reason"})
      .with({reason})
      .value();
}

kernel::Response ok(std::string body = "ok") {
  kernel::Response r;
  r.headers.set("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("[Server] beyond max_connections: 503 with Retry-After, then serving again") {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.max_connections = 2;
    Server server(options, [](kernel::Request&) -> mart::http::Outcome { return ok(); });
    auto port = server.start();
    auto before = rejected("max_connections");

    auto first = std::make_unique<HttpClient>(port);
    HttpClient second(port);
    REQUIRE(first->get("/").status == 200);
    REQUIRE(second.get("/").status == 200);
    REQUIRE(server.open_connections() == 2);

    for (int i = 0; i < 3; ++i) {
      HttpClient third(port);
      auto refused = third.get("/");
      CHECK(refused.status == 503);
      CHECK(refused.header("Retry-After") == "1");
      CHECK(refused.header("Content-Type") == "application/problem+json");
      CHECK(refused.header("Connection") == "close");
    }
    CHECK(rejected("max_connections") == before + 3);

    first.reset();  // one connection closes: there is room again
    for (int i = 0; i < 200 && server.open_connections() > 1; ++i) std::this_thread::sleep_for(5ms);
    HttpClient fourth(port);
    CHECK(fourth.get("/").status == 200);
    CHECK(second.get("/").status == 200);
  }

  TEST_CASE("[Server] beyond max_in_flight: 503 with Retry-After, the connection stays usable") {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.max_in_flight = 1;
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future().share();
    Server server(options, [&](kernel::Request& request) -> mart::http::Outcome {
      if (request.path == "/slow") {
        entered.set_value();
        released.wait_for(10s);
      }
      return ok();
    });
    auto port = server.start();
    auto before = rejected("max_in_flight");

    // Connections go to the I/O threads in turn, and the first thread also accepts: a first
    // connection takes it, so the slow request holds the second and the third connection is
    // accepted and served by the first.
    HttpClient first(port);
    REQUIRE(first.get("/fast").status == 200);
    HttpClient slow_client(port);
    auto slow = std::async(std::launch::async, [&] { return slow_client.get("/slow"); });
    REQUIRE(entered.get_future().wait_for(5s) == std::future_status::ready);
    HttpClient other(port);
    auto busy = other.get("/fast");
    CHECK(busy.status == 503);
    CHECK(busy.header("Retry-After") == "1");
    CHECK(busy.header("Content-Type") == "application/problem+json");
    CHECK(rejected("max_in_flight") == before + 1);

    release.set_value();
    CHECK(slow.get().status == 200);
    CHECK(other.get("/fast").status == 200);  // same connection, served now
    CHECK(slow_client.get("/fast").status == 200);
  }

  // Issue #13, item 8: one client cannot hold every connection slot.
  TEST_CASE("[Server] beyond max_connections_per_client: 503 for that client only") {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.max_connections_per_client = 2;
    options.trusted_proxies = {"127.0.0.4"};
    Server server(options, [](kernel::Request&) -> mart::http::Outcome { return ok(); });
    auto port = server.start();
    auto before = rejected("max_connections_per_client");

    auto first = std::make_unique<HttpClient>(port, "127.0.0.2");
    HttpClient second(port, "127.0.0.2");
    REQUIRE(first->get("/").status == 200);
    REQUIRE(second.get("/").status == 200);

    for (int i = 0; i < 3; ++i) {
      HttpClient third(port, "127.0.0.2");
      auto refused = third.get("/");
      CHECK(refused.status == 503);
      CHECK(refused.header("Retry-After") == "1");
      CHECK(refused.header("Content-Type") == "application/problem+json");
      CHECK(refused.header("Connection") == "close");
      CHECK(refused.body.find("http.max_connections_per_client") != std::string::npos);
    }
    CHECK(rejected("max_connections_per_client") == before + 3);

    // Another client is served; a trusted proxy (every client behind it shares its address) is
    // not capped.
    HttpClient other(port, "127.0.0.3");
    CHECK(other.get("/").status == 200);
    std::vector<std::unique_ptr<HttpClient>> proxy;
    for (int i = 0; i < 4; ++i) {
      proxy.push_back(std::make_unique<HttpClient>(port, "127.0.0.4"));
      CHECK(proxy.back()->get("/").status == 200);
    }

    first.reset();  // one of its connections closes: the client has room again
    bool served = false;
    for (int i = 0; i < 200 && !served; ++i) {
      HttpClient again(port, "127.0.0.2");
      served = again.get("/").status == 200;
      if (!served) std::this_thread::sleep_for(5ms);
    }
    CHECK(served);
    CHECK(second.get("/").status == 200);
  }
}
