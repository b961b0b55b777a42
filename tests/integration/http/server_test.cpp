// In-process tests of app/http's Server over real sockets on 127.0.0.1.

#include "http/server.hpp"
#include "http/adapter.hpp"
#include "http/client.hpp"
#include "kernel/problem.hpp"
#include "kernel/router.hpp"
#include "text.hpp"
#include "timing.hpp"

#include <doctest/doctest.h>
#include <boost/beast/http/write.hpp>  // operator<< of a message: Beast's own serializer
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using mart::http::RequestHandler;
using mart::http::Server;
using mart::http::ServerOptions;
using mart::test::contains;
using mart::test::eventually;
using mart::test::HttpClient;
using mart::test::send_raw;
using mart::test::since;
using SteadyClock = std::chrono::steady_clock;

ServerOptions test_options() {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.shutdown_grace = 3s;
  return options;
}

// Everything the handler saw, as JSON.
kernel::Response echo(kernel::Request& request) {
  boost::json::object body;
  body["method"] = request.method;
  body["target"] = request.target;
  body["path"] = request.path;
  boost::json::array query;
  for (const auto& [key, value] : request.query) query.push_back(boost::json::array{key, value});
  body["query"] = std::move(query);
  body["word"] = request.param("word");
  body["body"] = request.body;
  body["request_id"] = request.request_id;
  body["client_address"] = request.client_address;
  return kernel::Response::json(200, body);
}

// A router-backed handler: /hello, /echo/{word} (GET, POST, PURGE), and /slow which calls
// `on_slow` (if set) and answers after 200 ms.
RequestHandler router_handler(std::function<void()> on_slow = {}) {
  auto router = std::make_shared<kernel::Router>();
  router->get("/hello", [](kernel::Request&) {
    return kernel::Response::json(200, boost::json::object{{"hello", "world"}});
  });
  for (const char* method : {"GET", "POST", "PURGE"}) router->add(method, "/echo/{word}", echo);
  router->get("/slow", [on_slow = std::move(on_slow)](kernel::Request&) {
    if (on_slow) on_slow();
    std::this_thread::sleep_for(200ms);
    return kernel::Response::json(200, boost::json::object{{"slow", "done"}});
  });
  return [router](kernel::Request& request) { return router->dispatch(request); };
}

bool is_hex_id(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TEST_SUITE("http") {
  TEST_CASE("[Server] serves several requests over one keep-alive connection") {
    Server server(test_options(), router_handler());
    auto port = server.start();
    HttpClient client(port);
    for (int i = 0; i < 3; ++i) {
      auto response = client.get("/hello");
      REQUIRE(response.status == 200);
      CHECK(response.json().at("hello") == "world");
      CHECK(response.header("Server") == "mart");
      CHECK(response.header("Content-Type") == "application/json");
    }
    CHECK(client.connections_opened() == 1);
    CHECK(server.open_connections() == 1);
  }

  TEST_CASE("[Server] echoes a valid X-Request-Id and generates one otherwise") {
    Server server(test_options(), router_handler());
    HttpClient client(server.start());

    SUBCASE("given") {
      auto response = client.get("/echo/x", {{"X-Request-Id", "req-42 abc"}});
      CHECK(response.header("X-Request-Id") == "req-42 abc");
      CHECK(response.json().at("request_id") == "req-42 abc");
    }
    SUBCASE("absent") {
      auto response = client.get("/echo/x");
      CHECK(is_hex_id(response.header("X-Request-Id")));
      CHECK(response.json().at("request_id").as_string() == response.header("X-Request-Id"));
    }
    SUBCASE("too long") {
      auto response = client.get("/echo/x", {{"X-Request-Id", std::string(129, 'a')}});
      CHECK(is_hex_id(response.header("X-Request-Id")));
    }
    SUBCASE("not printable ASCII") {
      auto response = client.get("/echo/x", {{"X-Request-Id", "caf\xc3\xa9"}});
      CHECK(is_hex_id(response.header("X-Request-Id")));
    }
    SUBCASE("on a 404 from the router") {
      auto response = client.get("/nowhere", {{"X-Request-Id", "r-404"}});
      CHECK(response.status == 404);
      CHECK(response.header("X-Request-Id") == "r-404");
    }
  }

  TEST_CASE("[Server] delivers the percent-decoded path and query to the handler") {
    // Straight to echo, without a router: a percent-encoded path reaches no route (see below).
    Server server(test_options(), [](kernel::Request& request) -> mart::http::Outcome {
      request.path_params = {{"word", request.path.substr(6)}};
      auto response = echo(request);
      response.headers.set("X-Canonical", request.path_canonical ? "yes" : "no");
      return response;
    });
    HttpClient client(server.start());
    auto response = client.get("/echo/hello%20w%C3%B6rld?q=caf%C3%A9&x=a%2Bb&y=1+2&flag");
    REQUIRE(response.status == 200);
    auto body = response.json().as_object();
    CHECK(body.at("method") == "GET");
    CHECK(body.at("target") == "/echo/hello%20w%C3%B6rld?q=caf%C3%A9&x=a%2Bb&y=1+2&flag");
    CHECK(body.at("path") == "/echo/hello w\xc3\xb6rld");
    CHECK(body.at("word") == "hello w\xc3\xb6rld");
    CHECK(body.at("client_address") == "127.0.0.1");
    CHECK(response.header("X-Canonical") == "no");  // percent-encoded as received
    const auto& query = body.at("query").as_array();
    REQUIRE(query.size() == 4);
    CHECK(query[0] == boost::json::array{"q", "caf\xc3\xa9"});
    CHECK(query[1] == boost::json::array{"x", "a+b"});
    CHECK(query[2] == boost::json::array{"y", "1 2"});
    CHECK(query[3] == boost::json::array{"flag", ""});
  }

  // Issue #13, item 1: one spelling of a path reaches its route; the others (judged on the path
  // as received, before percent-decoding) are 404, so that no policy comparing paths can be
  // walked around.
  TEST_CASE("[Server] only the canonical spelling of a path reaches its route") {
    Server server(test_options(), router_handler());
    auto port = server.start();
    HttpClient client(port);
    CHECK(client.get("/hello").status == 200);
    CHECK(client.get("/hello?x=1&y=%2F").status == 200);
    CHECK(client.get("http://127.0.0.1/hello?x=1").status == 200);  // absolute-form
    auto head = client.request("HEAD", "/hello");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(client.get("/echo/word").status == 200);
    for (const std::string spelling :
         {"/hello/", "//hello", "/%68ello", "/hell%6F", "/./hello", "/x/../hello", "/hello/.",
          "/echo//word", "/echo/wo%72d", "/echo/word/", "/echo/%2e%2e", "http://127.0.0.1//hello",
          "http://127.0.0.1/%68ello"}) {
      CAPTURE(spelling);
      auto response = client.get(spelling);
      CHECK(response.status == 404);
      CHECK(response.header("Content-Type") == "application/problem+json");
      CHECK(client.request("HEAD", spelling).status == 404);
    }
  }

  // Issue #13, item 8: a request whose end two parsers could see in different places (request
  // smuggling) is refused: 400, and the connection is closed.
  TEST_CASE("[Server] answers 400 to a Transfer-Encoding other than chunked and to mixed framing") {
    Server server(test_options(), router_handler());
    auto port = server.start();
    const std::string head = "POST /echo/x HTTP/1.1\r\nHost: t\r\n";
    const std::string chunked_body = "\r\n5\r\nhello\r\n0\r\n\r\n";
    for (const std::string fields :
         {"Transfer-Encoding: chunked, gzip\r\n", "Transfer-Encoding: gzip\r\n",
          "Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: identity\r\n",
          "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
          "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
          "Content-Length: 19\r\nTransfer-Encoding: chunked\r\n"}) {
      CAPTURE(fields);
      auto reply = send_raw(port, head + fields + chunked_body, 2s);
      CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
      CHECK(contains(reply, "Connection: close"));
      CHECK_FALSE(contains(reply, "HTTP/1.1 200"));
    }
    for (const std::string fields :
         {"Content-Length: 5\r\nContent-Length: 5\r\n",
          "Content-Length: 5\r\nContent-Length: 7\r\n", "Content-Length: 5, 5\r\n"}) {
      CAPTURE(fields);
      auto reply = send_raw(port, head + fields + "\r\nhello", 2s);
      CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
      CHECK(contains(reply, "Connection: close"));
    }
    // Plain chunked and Content-Length still work.
    auto chunked = send_raw(
        port, head + "Transfer-Encoding: Chunked\r\nConnection: close\r\n" + chunked_body, 2s);
    CHECK(chunked.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(contains(chunked, "\"body\":\"hello\""));
    auto sized = send_raw(port, head + "Content-Length: 5\r\nConnection: close\r\n\r\nhello", 2s);
    CHECK(sized.rfind("HTTP/1.1 200", 0) == 0);
  }

  // Issue #13, item 2: X-Forwarded-For / Forwarded count only from a trusted proxy.
  TEST_CASE("[Server] the client address: the peer, or whom a trusted proxy names") {
    auto options = test_options();
    options.trusted_proxies = {"127.0.0.1"};
    Server server(options, router_handler());
    auto port = server.start();
    auto client_of = [&](const std::string& source, const mart::test::HeaderList& fields) {
      HttpClient client(port, source);
      auto response = client.get("/echo/x", fields);
      return std::string(response.json().at("client_address").as_string());
    };
    CHECK(client_of("127.0.0.1", {}) == "127.0.0.1");
    CHECK(client_of("127.0.0.1", {{"X-Forwarded-For", "203.0.113.5"}}) == "203.0.113.5");
    CHECK(client_of("127.0.0.1", {{"Forwarded", "for=203.0.113.6"}}) == "203.0.113.6");
    CHECK(client_of("127.0.0.1", {{"X-Forwarded-For", "bogus"}}) == "127.0.0.1");
    // Not a trusted proxy: its fields are ignored.
    CHECK(client_of("127.0.0.2", {{"X-Forwarded-For", "203.0.113.5"}}) == "127.0.0.2");
    CHECK(client_of("127.0.0.2", {{"Forwarded", "for=203.0.113.6"}}) == "127.0.0.2");

    Server plain(test_options(), router_handler());
    HttpClient direct(plain.start());
    auto response = direct.get("/echo/x", {{"X-Forwarded-For", "203.0.113.5"}});
    CHECK(response.json().at("client_address") == "127.0.0.1");
  }

  TEST_CASE("[Server] a trusted_proxies entry that is not an address stops the server") {
    auto options = test_options();
    options.trusted_proxies = {"10.0.0.0/99"};
    CHECK_THROWS_AS(Server(options, router_handler()), std::invalid_argument);
  }

  TEST_CASE("[Server] passes the body and upper-cases the method, unknown verbs included") {
    Server server(test_options(), router_handler());
    auto port = server.start();

    SUBCASE("POST body") {
      HttpClient client(port);
      auto response = client.post("/echo/x", R"({"a":1})");
      CHECK(response.status == 200);
      CHECK(response.json().at("body") == R"({"a":1})");
    }
    SUBCASE("lower-case unknown verb") {
      auto reply =
          send_raw(port, "purge /echo/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 2s);
      CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
      CHECK(contains(reply, R"("method":"PURGE")"));
    }
  }

  TEST_CASE("[Server] answers 413 problem+json to a body over the limit") {
    auto options = test_options();
    options.body_limit = 1024;
    Server server(options, router_handler());
    auto port = server.start();

    SUBCASE("announced by Content-Length") {
      HttpClient client(port);
      auto response =
          client.post("/echo/x", std::string(std::size_t{64} * 1024, 'x'),
                      {{"X-Request-Id", "big"},
                       {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
      CHECK(response.status == 413);
      // Rejected before any handler, still in the client's trace (with a span of its own).
      CHECK(response.header("traceparent").rfind("00-4bf92f3577b34da6a3ce929d0e0e4736-", 0) == 0);
      CHECK(response.header("Content-Type") == "application/problem+json");
      CHECK(response.header("Connection") == "close");
      CHECK(response.header("X-Request-Id") == "big");
      CHECK(response.json().at("status") == 413);
      // The connection was closed; the client reconnects and the limit still lets small bodies in.
      auto small = client.post("/echo/x", std::string(1024, 'y'));
      CHECK(small.status == 200);
      CHECK(client.connections_opened() == 2);
    }
    SUBCASE("chunked") {
      std::string request =
          "POST /echo/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
          std::string(0x800, 'z') + "\r\n0\r\n\r\n";
      auto reply = send_raw(port, request, 2s);
      CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
      CHECK(contains(reply, "application/problem+json"));
    }
  }

  TEST_CASE("[Server] answers 400 to bytes that are not HTTP, and closes") {
    Server server(test_options(), router_handler());
    auto port = server.start();
    auto start = SteadyClock::now();
    auto reply = send_raw(port, "NOT HTTP\r\n\r\n", 2s);
    CHECK(since(start) < 1s);  // closed by the server, not by our deadline
    CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(contains(reply, "Content-Type: application/problem+json"));
    CHECK(contains(reply, "X-Request-Id: "));
    CHECK(contains(reply, "traceparent: 00-"));  // a trace of its own: the client sent none
    CHECK(contains(reply, "Connection: close"));
  }

  TEST_CASE("[Server] answers 400 to a target that is not a valid URI") {
    Server server(test_options(), router_handler());
    auto reply =
        send_raw(server.start(), "GET /%zz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 2s);
    CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(contains(reply, "application/problem+json"));
    CHECK(contains(reply, "not a valid URI"));
  }

  TEST_CASE("[Server] answers 431 to a request head over the header limit") {
    auto options = test_options();
    options.header_limit = 1024;
    Server server(options, router_handler());
    HttpClient client(server.start());
    auto response = client.get("/hello", {{"X-Filler", std::string(4096, 'f')}});
    CHECK(response.status == 431);
    CHECK(response.header("Content-Type") == "application/problem+json");
    CHECK(response.header("traceparent").size() == 55);
    CHECK(is_hex_id(response.header("X-Request-Id")));
  }

  TEST_CASE("[Server] a stalled half request neither delays others nor outlives read_timeout") {
    auto options = test_options();
    options.io_threads = 1;  // the stalled connection shares the only I/O thread
    options.read_timeout = 300ms;
    Server server(options, router_handler());
    auto port = server.start();

    auto stalled = std::async(std::launch::async, [port] {
      auto start = SteadyClock::now();
      auto reply =
          send_raw(port, "POST /echo/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc", 5s);
      return std::make_pair(reply, since(start));
    });
    REQUIRE(eventually([&] { return server.open_connections() == 1; }));

    HttpClient other(port);
    auto start = SteadyClock::now();
    auto response = other.get("/hello");
    CHECK(response.status == 200);
    CHECK(since(start) < 250ms);

    REQUIRE(stalled.wait_for(3s) == std::future_status::ready);
    auto [reply, elapsed] = stalled.get();
    CHECK(reply.empty());
    CHECK(elapsed >= 250ms);
    CHECK(elapsed < 2s);
  }

  TEST_CASE("[Server] closes a silent connection after read_timeout") {
    auto options = test_options();
    options.read_timeout = 200ms;
    Server server(options, router_handler());
    auto port = server.start();
    auto start = SteadyClock::now();
    auto reply = send_raw(port, "", 3s);
    CHECK(reply.empty());
    CHECK(since(start) < 1500ms);
  }

  TEST_CASE("[Server] closes an idle keep-alive connection after idle_timeout") {
    auto options = test_options();
    options.idle_timeout = 200ms;
    Server server(options, router_handler());
    HttpClient client(server.start());
    CHECK(client.get("/hello").status == 200);
    CHECK(eventually([&] { return server.open_connections() == 0; }));
    CHECK(client.get("/hello").status == 200);  // the client notices and reconnects
    CHECK(client.connections_opened() == 2);
  }

  TEST_CASE("[Server] answers pipelined requests in order and honours HTTP/1.0") {
    Server server(test_options(), router_handler());
    auto port = server.start();

    SUBCASE("pipelined") {
      auto reply = send_raw(port,
                            "GET /echo/one HTTP/1.1\r\nHost: t\r\n\r\n"
                            "GET /echo/two HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                            2s);
      auto first = reply.find(R"("word":"one")");
      auto second = reply.find(R"("word":"two")");
      REQUIRE(first != std::string::npos);
      REQUIRE(second != std::string::npos);
      CHECK(first < second);
      CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
      CHECK(reply.find("HTTP/1.1 200", 1) != std::string::npos);
    }
    SUBCASE("HTTP/1.0 closes after the answer") {
      auto start = SteadyClock::now();
      auto reply = send_raw(port, "GET /hello HTTP/1.0\r\n\r\n", 2s);
      CHECK(since(start) < 1s);
      CHECK(reply.rfind("HTTP/1.0 200", 0) == 0);
      CHECK(contains(reply, R"({"hello":"world"})"));
    }
    SUBCASE("HTTP/1.0 with keep-alive") {
      auto reply = send_raw(port, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 300ms);
      CHECK(reply.rfind("HTTP/1.0 200", 0) == 0);
      CHECK(contains(reply, "Connection: keep-alive"));
    }
  }

  TEST_CASE("[Server] answers HEAD with the headers and no body") {
    Server server(test_options(), router_handler());
    auto reply = send_raw(server.start(),
                          "HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 2s);
    CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(contains(reply, "Content-Length: 17\r\n"));
    auto end_of_head = reply.find("\r\n\r\n");
    REQUIRE(end_of_head != std::string::npos);
    CHECK(reply.size() == end_of_head + 4);
  }

  TEST_CASE("[Server] answers Expect: 100-continue before reading the body") {
    Server server(test_options(), router_handler());
    auto reply = send_raw(server.start(),
                          "POST /echo/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                          "Expect: 100-continue\r\nConnection: close\r\n\r\nhello",
                          2s);
    CHECK(reply.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", 0) == 0);
    CHECK(contains(reply, R"("body":"hello")"));
  }

  TEST_CASE("[Server] a throwing handler becomes a 500 problem") {
    Server server(test_options(),
                  [](kernel::Request&) -> kernel::Response { throw std::runtime_error("boom"); });
    HttpClient client(server.start());
    auto response = client.get("/anything", {{"X-Request-Id", "r-500"}});
    CHECK(response.status == 500);
    CHECK(response.header("Content-Type") == "application/problem+json");
    CHECK(response.header("X-Request-Id") == "r-500");
    CHECK(client.get("/again").status == 500);  // the connection survived
    CHECK(client.connections_opened() == 1);
  }

  TEST_CASE("[Server] a deferred answer leaves its I/O thread free until it comes") {
    auto options = test_options();
    options.io_threads = 1;
    std::promise<kernel::Reply> parked;
    Server server(options, [&parked](kernel::Request& request) -> kernel::Response {
      if (request.path == "/later") {
        return kernel::Response::deferred(
            [&parked](kernel::Reply reply) { parked.set_value(std::move(reply)); });
      }
      if (request.path == "/refused") {
        return kernel::Response::deferred(
            [](const kernel::Reply&) { throw std::runtime_error("cannot queue"); });
      }
      return kernel::Response::json(200, boost::json::object{{"hello", "world"}});
    });
    auto port = server.start();
    auto later = std::async(std::launch::async, [port] {
      HttpClient client(port);
      return client.get("/later", {{"X-Request-Id", "r-later"}});
    });
    auto reply = parked.get_future().get();  // the deferred request is being handled
    HttpClient other(port);
    CHECK(other.get("/hello").status == 200);  // the only I/O thread is not blocked by it
    CHECK(later.wait_for(0ms) == std::future_status::timeout);
    std::thread([reply = std::move(reply)] {
      reply(kernel::Response::json(201, boost::json::object{{"late", true}}));
    }).join();
    auto answer = later.get();
    CHECK(answer.status == 201);
    CHECK(answer.json().at("late") == true);
    CHECK(answer.header("X-Request-Id") == "r-later");
    CHECK(other.get("/refused").status == 500);  // a deferral that could not start
    CHECK(other.get("/hello").status == 200);
  }

  TEST_CASE("[Server] stop() waits for a deferred answer and writes it") {
    auto options = test_options();
    options.io_threads = 1;
    std::promise<kernel::Reply> parked;
    Server server(options, [&parked](kernel::Request&) -> kernel::Response {
      return kernel::Response::deferred(
          [&parked](kernel::Reply reply) { parked.set_value(std::move(reply)); });
    });
    auto port = server.start();
    auto answer = std::async(std::launch::async, [port] { return HttpClient(port).get("/later"); });
    auto reply = parked.get_future().get();
    std::thread late([reply = std::move(reply)] {
      std::this_thread::sleep_for(300ms);
      reply(kernel::Response::json(201, boost::json::object{{"late", true}}));
    });
    auto start = SteadyClock::now();
    server.stop();  // the I/O thread must not return while the answer is owed
    CHECK(since(start) >= 250ms);
    late.join();
    auto response = answer.get();
    CHECK(response.status == 201);
    CHECK(response.header("Connection") == "close");
  }

  TEST_CASE("[Server] owns the framing headers and drops invalid ones from handlers") {
    Server server(test_options(), [](kernel::Request&) {
      kernel::Response response;
      response.body = "abc";
      response.headers.set("Content-Length", "999");
      response.headers.set("X-Evil", "a\r\nInjected: 1");
      response.headers.add("Set-Cookie", "a=1");
      response.headers.add("Set-Cookie", "b=2");
      return response;
    });
    auto reply =
        send_raw(server.start(), "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 2s);
    CHECK(contains(reply, "Content-Length: 3\r\n"));
    CHECK_FALSE(contains(reply, "Content-Length: 999"));
    CHECK_FALSE(contains(reply, "Injected"));
    CHECK(contains(reply, "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"));
    CHECK(reply.substr(reply.size() - 3) == "abc");
  }

  TEST_CASE("[Server] start() reports an address in use") {
    Server first(test_options(), router_handler());
    auto port = first.start();
    auto options = test_options();
    options.port = port;
    Server second(options, router_handler());
    std::string message;
    try {
      second.start();
    } catch (const std::runtime_error& error) {
      message = error.what();
    }
    CHECK(contains(message, "127.0.0.1:" + std::to_string(port)));
    CHECK(contains(message, "in use"));
  }

  TEST_CASE("[Server] stop() with an idle keep-alive connection returns promptly") {
    auto options = test_options();
    options.shutdown_grace = 5s;
    Server server(options, router_handler());
    auto port = server.start();
    HttpClient client(port);
    REQUIRE(client.get("/hello").status == 200);
    REQUIRE(server.open_connections() == 1);

    auto start = SteadyClock::now();
    server.stop();
    CHECK(since(start) < 1s);
    CHECK(server.open_connections() == 0);
    CHECK_THROWS_AS(HttpClient(port, 1s).get("/hello"), std::runtime_error);
    server.stop();  // idempotent
  }

  TEST_CASE("[Server] stop() lets an in-flight request finish and answer") {
    std::promise<void> entered;
    auto entered_future = entered.get_future();
    std::atomic<bool> first{true};
    Server server(test_options(), router_handler([&] {
                    if (first.exchange(false)) entered.set_value();
                  }));
    auto port = server.start();
    auto in_flight =
        std::async(std::launch::async, [port] { return HttpClient(port).get("/slow"); });
    REQUIRE(entered_future.wait_for(5s) == std::future_status::ready);

    auto start = SteadyClock::now();
    server.stop();
    CHECK(since(start) < 2s);
    REQUIRE(in_flight.wait_for(2s) == std::future_status::ready);
    auto response = in_flight.get();
    CHECK(response.status == 200);
    CHECK(response.json().at("slow") == "done");
    CHECK(response.header("Connection") == "close");
  }

  TEST_CASE("[Server] stop() gives up on a request still arriving after shutdown_grace") {
    auto options = test_options();
    options.read_timeout = 10s;
    options.shutdown_grace = 200ms;
    Server server(options, router_handler());
    auto port = server.start();
    auto stalled = std::async(std::launch::async, [port] {
      return send_raw(port, "POST /echo/x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab", 5s);
    });
    REQUIRE(eventually([&] { return server.open_connections() == 1; }));
    std::this_thread::sleep_for(50ms);  // let the partial request reach the server

    auto start = SteadyClock::now();
    server.stop();
    CHECK(since(start) >= 150ms);
    CHECK(since(start) < 1500ms);
    CHECK(server.open_connections() == 0);
    REQUIRE(stalled.wait_for(2s) == std::future_status::ready);  // closed, not timed out
    CHECK(stalled.get().empty());
  }

  TEST_CASE("[Server] wait_for_signal() returns on SIGTERM and on stop()") {
    Server server(test_options(), router_handler());

    SUBCASE("SIGTERM, also one that came before wait_for_signal()") {
      struct sigaction before {};
      ::sigaction(SIGTERM, nullptr, &before);
      server.start();
      // start() replaced the current handler: the server may answer (a supervisor may see it up
      // and stop it) before wait_for_signal() runs, and a SIGTERM then must not kill the process
      // but wait for it.
      struct sigaction now {};
      ::sigaction(SIGTERM, nullptr, &now);
      bool installed = now.sa_handler != before.sa_handler;
      CHECK(installed);
      if (installed) ::kill(::getpid(), SIGTERM);
      auto waiter = std::async(std::launch::async, [&] { server.wait_for_signal(); });
      bool returned = waiter.wait_for(2s) == std::future_status::ready;
      CHECK(returned);
      if (!installed || !returned) server.stop();  // never leave the waiter blocked
    }
    SUBCASE("stop()") {
      server.start();
      auto waiter = std::async(std::launch::async, [&] { server.wait_for_signal(); });
      server.stop();
      CHECK(waiter.wait_for(2s) == std::future_status::ready);
      server.wait_for_signal();  // after stop() it returns at once
    }
  }

  TEST_CASE("[Server] an answer goes on the wire byte for byte as Beast's serializer writes it") {
    using mart::http::detail::ResponseContext;
    auto beast_bytes = [](const mart::http::detail::BeastResponse& r) {
      std::ostringstream out;
      out << r;
      return out.str();
    };
    std::vector<std::pair<kernel::Response, ResponseContext>> cases;
    auto json = kernel::Response::json(201, {{"id", 7}});
    json.headers.set("Location", "/things/7");
    cases.push_back({json, {11, true, false, "r1", std::nullopt}});
    cases.push_back({kernel::Response::no_content(), {11, false, false, "r2", std::nullopt}});
    cases.push_back({json, {10, true, false, "r3", std::nullopt}});  // HTTP/1.0 keep-alive
    cases.push_back({json, {11, true, true, "r4", std::nullopt}});   // HEAD
    cases.push_back({kernel::problem_response(404, "Not Found", "No."),
                     {10, false, false, "r5", std::nullopt}});
    for (auto& [response, context] : cases) {
      auto beast = mart::http::detail::to_beast_response(kernel::Response(response), context);
      std::string wire;
      mart::http::detail::serialize(beast, wire);
      CHECK(wire == beast_bytes(beast));
    }
  }
}
