// The forwarding policy of app/forward: which module serves a path, which fields cross a
// forwarding process, upstream URLs, and the decision per request.

#include "forward/forward_headers.hpp"
#include "forward/forwarder.hpp"
#include "forward/module_routes.hpp"
#include "forward/upstream_url.hpp"

#include <kernel/trace.hpp>

#include <doctest/doctest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

kernel::Request request_for(std::string path) {
  kernel::Request r;
  r.method = "GET";
  r.path = path;
  r.target = std::move(path);
  r.request_id = "rid-1";
  r.client_address = "10.1.2.3";
  return r;
}

std::vector<std::string> names(const kernel::Headers& headers) {
  std::vector<std::string> out;
  for (const auto& [name, value] : headers.all()) out.push_back(name);
  return out;
}

}  // namespace

TEST_SUITE("forward") {
  TEST_CASE("[module_for_path] every module's routes of api.md, and the local ones") {
    const std::map<std::string, std::string> routes = {
        {"/api/v1/products", "products"},
        {"/api/v1/products/7", "products"},
        {"/api/v1/inventory/7", "inventory"},
        {"/api/v1/inventory/7/adjustments", "inventory"},
        {"/api/v1/orders", "orders"},
        {"/api/v1/orders/3/cancel", "orders"},
        {"/api/v1/orders/3/ship", "orders"},
        {"/api/v1/orders/3/events", "orders"},
        {"/api/v1/payments", "payments"},
        {"/api/v1/payments/9/refund", "payments"},
        {"/api/v1/notifications", "notifications"},
        {"/api/v1/notifications/4/read", "notifications"},
        {"/api/v1/users", "users"},
        {"/api/v1/users/me", "users"},
        {"/api/v1/auth/login", "users"},
    };
    for (const auto& [path, module] : routes) {
      CAPTURE(path);
      auto found = mart::forward::module_for_path(path);
      REQUIRE(found);
      CHECK(*found == module);
    }
    for (const char* local :
         {"/healthz", "/readyz", "/metrics", "/", "/api/v1/admin/events/status",
          "/api/v1/admin/dead-letters", "/api/v1/admin/dead-letters/5/replay", "/api/v1",
          "/api/v1/productsx", "/api/v1/authentic", "/api/v2/products", "/API/V1/PRODUCTS"}) {
      CAPTURE(local);
      CHECK_FALSE(mart::forward::module_for_path(local));
    }
  }

  TEST_CASE("[upstream_request_headers] end-to-end fields go, hop-by-hop ones stay") {
    auto r = request_for("/api/v1/products?q=tea");
    r.headers.add("Host", "shop.example:8080");
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Content-Length", "12");
    r.headers.add("Authorization", "Bearer abc");
    r.headers.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    r.headers.add("tracestate", "mart=1");
    r.headers.add("Idempotency-Key", "k-1");
    r.headers.add("Connection", "keep-alive, X-Secret-Hop");
    r.headers.add("X-Secret-Hop", "1");
    r.headers.add("Keep-Alive", "timeout=5");
    r.headers.add("Transfer-Encoding", "chunked");
    r.headers.add("TE", "trailers");
    r.headers.add("Trailer", "Expires");
    r.headers.add("Upgrade", "websocket");
    r.headers.add("Proxy-Authorization", "Basic x");
    r.headers.add("Proxy-Connection", "keep-alive");
    r.headers.add("Expect", "100-continue");
    r.headers.add("X-Request-Id", "client-sent-this");
    r.headers.add("Cookie", "a=1");
    r.headers.add("Cookie", "b=2");

    auto out = mart::forward::upstream_request_headers(r);
    CHECK(out.get("Content-Type") == "application/json");
    CHECK(out.get("Authorization") == "Bearer abc");
    CHECK(out.get("traceparent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    CHECK(out.get("tracestate") == "mart=1");
    CHECK(out.get("Idempotency-Key") == "k-1");
    CHECK(out.get("X-Request-Id") == "rid-1");  // the id the server assigned
    CHECK(out.get("Via") == "1.1 mart");
    CHECK(out.get("X-Forwarded-For") == "10.1.2.3");
    CHECK(out.get("X-Forwarded-Proto") == "http");
    CHECK(out.get("X-Forwarded-Host") == "shop.example:8080");
    int cookies = 0;
    for (const auto& [name, value] : out.all()) cookies += name == "Cookie";
    CHECK(cookies == 2);
    for (const char* gone :
         {"Host", "Content-Length", "Connection", "X-Secret-Hop", "Keep-Alive", "Transfer-Encoding",
          "TE", "Trailer", "Upgrade", "Proxy-Authorization", "Proxy-Connection", "Expect"}) {
      CAPTURE(gone);
      CHECK_FALSE(out.get(gone));
    }
    int ids = 0;
    for (const auto& name : names(out)) ids += name == "X-Request-Id";
    CHECK(ids == 1);
  }

  TEST_CASE("[upstream_request_headers] the upstream joins the request's trace") {
    SUBCASE("the client's traceparent goes on as it came") {
      auto r = request_for("/api/v1/orders");
      r.headers.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      kernel::start_trace(r);
      auto out = mart::forward::upstream_request_headers(r);
      CHECK(out.get("traceparent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }
    SUBCASE("a malformed one is replaced by the trace this process started") {
      auto r = request_for("/api/v1/orders");
      r.headers.add("traceparent", "00-not-a-trace-01");
      kernel::start_trace(r);
      auto out = mart::forward::upstream_request_headers(r);
      CHECK(out.get("traceparent") == kernel::traceparent_of(r));
    }
    SUBCASE("no traceparent from the client: the trace this process started") {
      auto r = request_for("/api/v1/orders");
      kernel::start_trace(r);
      auto out = mart::forward::upstream_request_headers(r);
      REQUIRE(out.get("traceparent"));
      CHECK(*out.get("traceparent") == kernel::traceparent_of(r));
      CHECK(out.get("traceparent")->substr(3, 32) == r.trace_id);
    }
  }

  TEST_CASE("[upstream_request_headers] extends what proxies in front wrote") {
    auto r = request_for("/api/v1/orders");
    r.headers.add("Via", "1.1 edge");
    r.headers.add("X-Forwarded-For", "203.0.113.9");
    r.headers.add("X-Forwarded-Proto", "https");
    r.headers.add("X-Forwarded-Host", "shop.example");
    r.headers.add("Host", "10.0.0.1:8080");
    auto out = mart::forward::upstream_request_headers(r);
    CHECK(out.get("Via") == "1.1 edge, 1.1 mart");
    CHECK(out.get("X-Forwarded-For") == "203.0.113.9, 10.1.2.3");
    CHECK(out.get("X-Forwarded-Proto") == "https");
    CHECK(out.get("X-Forwarded-Host") == "shop.example");
  }

  TEST_CASE("[client_response_headers] the upstream's answer, minus hop-by-hop and CORS") {
    kernel::Headers upstream;
    upstream.add("Content-Type", "application/problem+json");
    upstream.add("Location", "/api/v1/products/7");
    upstream.add("Retry-After", "3");
    upstream.add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    upstream.add("Set-Cookie", "a=1");
    upstream.add("Set-Cookie", "b=2");
    upstream.add("Connection", "close, X-Hop");
    upstream.add("X-Hop", "1");
    upstream.add("Keep-Alive", "timeout=5");
    upstream.add("Upgrade", "h2c");
    upstream.add("Proxy-Authenticate", "Basic");
    upstream.add("Access-Control-Allow-Origin", "*");
    upstream.add("Access-Control-Expose-Headers", "Location");
    auto out = mart::forward::client_response_headers(upstream);
    CHECK(names(out) == std::vector<std::string>{"Content-Type", "Location", "Retry-After",
                                                 "WWW-Authenticate", "Set-Cookie", "Set-Cookie"});
  }

  TEST_CASE("[is_hop_by_hop] names, any case") {
    for (const char* hop : {"connection", "Keep-Alive", "TRANSFER-ENCODING", "te", "Trailer",
                            "upgrade", "Proxy-Authenticate", "proxy-anything", "Host"}) {
      CHECK(mart::forward::is_hop_by_hop(hop));
    }
    for (const char* end : {"Content-Type", "Authorization", "traceparent", "Tee", "X-Proxy"}) {
      CHECK_FALSE(mart::forward::is_hop_by_hop(end));
    }
  }

  TEST_CASE("[mart_hops] counts mart's own Via entries") {
    kernel::Headers h;
    CHECK(mart::forward::mart_hops(h) == 0);
    h.add("Via", "1.1 edge, 1.1 mart");
    h.add("Via", "HTTP/1.1 mart (comment), 1.0 martian");
    CHECK(mart::forward::mart_hops(h) == 2);
  }

  TEST_CASE("[parse_upstream_url] host, port, authority, base path") {
    auto plain = mart::forward::parse_upstream_url("http://127.0.0.1:8082");
    CHECK(plain.host == "127.0.0.1");
    CHECK(plain.port == 8082);
    CHECK(plain.authority == "127.0.0.1:8082");
    CHECK(plain.base_path.empty());

    auto named = mart::forward::parse_upstream_url("http://orders.internal/mart/v1/");
    CHECK(named.host == "orders.internal");
    CHECK(named.port == 80);
    CHECK(named.authority == "orders.internal");
    CHECK(named.base_path == "/mart/v1");

    auto v6 = mart::forward::parse_upstream_url("http://[::1]:9000/");
    CHECK(v6.host == "::1");
    CHECK(v6.authority == "[::1]:9000");
    CHECK(v6.base_path.empty());

    CHECK_THROWS_WITH_AS(mart::forward::parse_upstream_url("https://a"),
                         doctest::Contains("https is not supported"), std::invalid_argument);
    for (const char* bad : {"", "a:80", "ftp://a", "http://", "http://a:0", "http://u@a",
                            "http://a?x", "http://a#f", "//a/b", "http://a_b c"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(mart::forward::parse_upstream_url(bad), std::invalid_argument);
    }
  }

  TEST_CASE("[Forwarder] local, forwarded, not hosted, loop") {
    mart::forward::Forwarder forwarder(
        {"orders", "payments"},
        {{"products", "http://10.0.0.1:8081/base"}, {"orders", "http://10.0.0.2:8082"}}, 300ms);
    using Kind = mart::forward::Decision::Kind;

    CHECK(forwarder.decide(request_for("/api/v1/orders/1")).kind == Kind::local);
    CHECK(forwarder.decide(request_for("/healthz")).kind == Kind::local);
    CHECK(forwarder.decide(request_for("/api/v1/admin/dead-letters")).kind == Kind::local);
    CHECK(forwarder.decide(request_for("/nowhere")).kind == Kind::local);

    auto products = forwarder.decide(request_for("/api/v1/products"));
    CHECK(products.kind == Kind::forward);
    REQUIRE(products.upstream);
    CHECK(products.upstream->name == "products");
    CHECK(products.upstream->authority == "10.0.0.1:8081");
    CHECK(products.upstream->base_path == "/base");
    CHECK(products.upstream->timeout == 300ms);
    // The upstream of a hosted module is not used.
    CHECK(forwarder.upstreams().count("orders") == 0);

    auto users = forwarder.decide(request_for("/api/v1/auth/login"));
    CHECK(users.kind == Kind::not_hosted);
    CHECK(users.module == "users");
    auto refusal = mart::forward::Forwarder::refusal(users);
    CHECK(refusal.status == 503);
    CHECK(refusal.headers.get("Content-Type") == "application/problem+json");
    CHECK(refusal.body.find("users module is not hosted by this process and no upstream is "
                            "configured") != std::string::npos);

    auto looping = request_for("/api/v1/products");
    looping.headers.add("Via", "1.1 mart, 1.1 mart, 1.1 mart, 1.1 mart");
    auto loop = forwarder.decide(looping);
    CHECK(loop.kind == Kind::loop);
    CHECK(mart::forward::Forwarder::refusal(loop).status == 508);

    mart::forward::Forwarder none({}, {}, 1s);
    CHECK(none.decide(request_for("/api/v1/products")).kind == Kind::not_hosted);
    CHECK(none.decide(request_for("/metrics")).kind == Kind::local);
  }
}
