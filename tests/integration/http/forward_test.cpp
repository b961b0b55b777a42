// In-process tests of forwarding in app/http: a front Server whose handler answers some requests
// itself and forwards the others to an upstream Server, over real sockets on 127.0.0.1.

#include "http/client.hpp"
#include "http/server.hpp"
#include "kernel/router.hpp"
#include "timing.hpp"

#include <doctest/doctest.h>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using mart::http::Forward;
using mart::http::Outcome;
using mart::http::Server;
using mart::http::ServerOptions;
using mart::http::Upstream;
using mart::test::HttpClient;
using mart::test::since;
using SteadyClock = std::chrono::steady_clock;

ServerOptions options(int io_threads = 1) {
  ServerOptions o;
  o.port = 0;
  o.io_threads = io_threads;
  o.shutdown_grace = 3s;
  return o;
}

// The upstream: /echo answers with what it received; /slow after 500 ms; /head-me has a body.
mart::http::RequestHandler upstream_handler(std::atomic<int>* requests = nullptr) {
  auto router = std::make_shared<kernel::Router>();
  auto echo = [requests](kernel::Request& r) {
    if (requests) ++*requests;
    boost::json::object seen;
    seen["method"] = r.method;
    seen["target"] = r.target;
    seen["body"] = r.body;
    for (const char* name : {"Host", "X-Request-Id", "Content-Type", "Authorization", "Connection",
                             "X-Custom", "Content-Length"}) {
      if (auto value = r.header(name)) seen[name] = std::string(*value);
    }
    auto response = kernel::Response::json(201, seen);
    response.headers.add("Set-Cookie", "a=1");
    response.headers.add("Set-Cookie", "b=2");
    response.headers.set("X-Upstream", "yes");
    return response;
  };
  for (const char* method : {"GET", "POST", "DELETE"}) router->add(method, "/base/echo", echo);
  router->get("/base/slow", [](kernel::Request&) {
    std::this_thread::sleep_for(500ms);
    return kernel::Response::json(200, boost::json::object{{"slow", "done"}});
  });
  router->get("/base/head-me", [](kernel::Request&) {
    kernel::Response r;
    r.headers.set("Content-Type", "text/plain");
    r.body = std::string(1234, 'x');
    return r;
  });
  return [router](kernel::Request& request) -> Outcome { return router->dispatch(request); };
}

std::shared_ptr<const Upstream> upstream_at(std::uint16_t port,
                                            std::chrono::milliseconds timeout = 2s) {
  auto upstream = std::make_shared<Upstream>();
  upstream->name = "products";
  upstream->host = "127.0.0.1";
  upstream->port = port;
  upstream->authority = "127.0.0.1:" + std::to_string(port);
  upstream->base_path = "/base";
  upstream->timeout = timeout;
  return upstream;
}

// The front: /hello answered here; everything else forwarded with all of its fields, and marked
// on the way back.
mart::http::RequestHandler front_handler(std::shared_ptr<const Upstream> upstream) {
  return [upstream = std::move(upstream)](kernel::Request& request) -> Outcome {
    if (request.path == "/hello") {
      return kernel::Response::json(200, boost::json::object{{"hello", "front"}});
    }
    return Forward{upstream, request.headers,
                   [](const kernel::Request& forwarded, kernel::Response& answer) {
                     answer.headers.set("X-Finished", forwarded.path);
                   }};
  };
}

// A TCP listener that accepts (in the kernel's backlog) and never answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_SUITE("http") {
  TEST_CASE("[Forward] method, target, body and fields go; status, fields and body come back") {
    Server upstream(options(2), upstream_handler());
    auto upstream_port = upstream.start();
    Server front(options(), front_handler(upstream_at(upstream_port)));
    HttpClient client(front.start());

    auto r = client.post("/echo?q=tea%20cup&limit=2", R"({"name":"tea"})",
                         {{"X-Request-Id", "rid-42"},
                          {"Authorization", "Bearer t"},
                          {"X-Custom", "kept"},
                          {"Content-Type", "application/json; charset=utf-8"}});
    CHECK(r.status == 201);
    CHECK(r.header("X-Upstream") == "yes");
    CHECK(r.header("Set-Cookie") == "a=1, b=2");
    CHECK(r.header("X-Finished") == "/echo");
    CHECK(r.header("X-Request-Id") == "rid-42");
    auto seen = r.json().as_object();
    CHECK(seen.at("method") == "POST");
    CHECK(seen.at("target") == "/base/echo?q=tea%20cup&limit=2");
    CHECK(seen.at("body") == R"({"name":"tea"})");
    CHECK(std::string(seen.at("Host").as_string()) == "127.0.0.1:" + std::to_string(upstream_port));
    CHECK(seen.at("X-Request-Id") == "rid-42");
    CHECK(seen.at("Authorization") == "Bearer t");
    CHECK(seen.at("X-Custom") == "kept");
    CHECK(seen.at("Content-Type") == "application/json; charset=utf-8");
    CHECK(seen.at("Content-Length") == "14");
    CHECK_FALSE(seen.contains("Connection"));

    auto local = client.get("/hello");
    CHECK(local.status == 200);
    CHECK(local.json().at("hello") == "front");
    auto missing = client.del("/nothing-here");
    CHECK(missing.status == 404);  // the upstream's 404, passed on
    CHECK(missing.header("Content-Type") == "application/problem+json");
    CHECK(missing.header("X-Finished") == "/nothing-here");
  }

  TEST_CASE("[Forward] sequential requests reuse one upstream connection") {
    std::atomic<int> requests{0};
    Server upstream(options(2), upstream_handler(&requests));
    Server front(options(), front_handler(upstream_at(upstream.start())));
    HttpClient client(front.start());
    for (int i = 0; i < 5; ++i) CHECK(client.get("/echo").status == 201);
    CHECK(requests == 5);
    CHECK(upstream.open_connections() == 1);
  }

  TEST_CASE("[Forward] an idle connection the upstream closed is replaced, for any method") {
    auto upstream_options = options(2);
    upstream_options.idle_timeout = 100ms;
    Server upstream(upstream_options, upstream_handler());
    Server front(options(), front_handler(upstream_at(upstream.start())));
    HttpClient client(front.start());
    CHECK(client.get("/echo").status == 201);
    std::this_thread::sleep_for(300ms);  // the upstream closes the idle connection
    CHECK(client.post("/echo", "{}").status == 201);
    std::this_thread::sleep_for(300ms);
    CHECK(client.get("/echo").status == 201);
  }

  TEST_CASE("[Forward] the I/O thread serves other requests while an upstream is slow") {
    Server upstream(options(2), upstream_handler());
    Server front(options(1), front_handler(upstream_at(upstream.start())));
    auto port = front.start();
    auto slow = std::async(std::launch::async, [port] {
      HttpClient client(port);
      return client.get("/slow").status;
    });
    std::this_thread::sleep_for(50ms);
    HttpClient client(port);
    auto start = SteadyClock::now();
    CHECK(client.get("/hello").status == 200);
    CHECK(since(start) < 350ms);  // not behind the 500 ms of the forwarded request
    CHECK(slow.get() == 200);
  }

  TEST_CASE("[Forward] HEAD: no body, the upstream's Content-Length") {
    Server upstream(options(2), upstream_handler());
    Server front(options(), front_handler(upstream_at(upstream.start())));
    HttpClient client(front.start());
    auto r = client.request("HEAD", "/head-me");
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(r.header("Content-Length") == "1234");
    CHECK(client.get("/head-me").body.size() == 1234);  // the connection is still in step
  }

  TEST_CASE("[Forward] refused: 502 problem; silent: 504 problem at the deadline") {
    auto closed_port = mart::test::free_port();
    Server refused(options(), front_handler(upstream_at(closed_port)));
    HttpClient refused_client(refused.start());
    auto bad_gateway = refused_client.get("/echo");
    CHECK(bad_gateway.status == 502);
    CHECK(bad_gateway.header("Content-Type") == "application/problem+json");
    CHECK(bad_gateway.json().at("status") == 502);
    CHECK(bad_gateway.header("X-Finished") == "/echo");  // finish sees the problem too

    SilentListener silent;
    Server timing_out(options(), front_handler(upstream_at(silent.port(), 200ms)));
    HttpClient client(timing_out.start());
    auto start = SteadyClock::now();
    auto timeout = client.get("/echo");
    auto elapsed = since(start);
    CHECK(timeout.status == 504);
    CHECK(timeout.header("Content-Type") == "application/problem+json");
    CHECK(timeout.json().at("detail").as_string().find("200 ms") != std::string::npos);
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 1000ms);
    CHECK(client.get("/hello").status == 200);  // the client's connection is fine
  }

  TEST_CASE("[Forward] stop() finishes a forwarded request in flight") {
    Server upstream(options(2), upstream_handler());
    Server front(options(), front_handler(upstream_at(upstream.start())));
    auto port = front.start();
    auto slow = std::async(std::launch::async, [port] {
      HttpClient client(port);
      auto r = client.get("/slow");
      return std::make_pair(r.status, r.header("Connection"));
    });
    std::this_thread::sleep_for(100ms);
    front.stop();
    auto [status, connection] = slow.get();
    CHECK(status == 200);
    CHECK(connection == "close");
  }
}
