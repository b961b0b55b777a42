// The forwarding policy of app/forward: which module serves a path, which fields cross a
// forwarding process, upstream URLs, and the decision per request.

#include "config/config.hpp"
#include "forward/forward_headers.hpp"
#include "forward/forwarder.hpp"
#include "forward/module_routes.hpp"
#include "forward/upstream_url.hpp"
#include "http/client_address.hpp"

#include <kernel/trace.hpp>
#include <mart/module_list.hpp>

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
    // Named references, not a structured binding: clang 14 cannot capture one (CAPTURE, CHECK).
    for (const auto& route : routes) {
      const auto& path = route.first;
      const auto& module = route.second;
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

  TEST_CASE("[upstream_request_headers] extends what trusted proxies in front wrote") {
    auto r = request_for("/api/v1/orders");
    r.peer_trusted = true;
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

  // Issue #13, item 2: a client's forged X-Forwarded-For / Forwarded never reaches the upstream
  // as if this process vouched for it.
  TEST_CASE("[upstream_request_headers] drops a client's own forwarding fields") {
    auto r = request_for("/api/v1/auth/login");
    r.peer_address = "10.1.2.3";
    r.headers.add("X-Forwarded-For", "198.51.100.7");
    r.headers.add("Forwarded", "for=198.51.100.8");
    auto out = mart::forward::upstream_request_headers(r);
    CHECK(out.get("X-Forwarded-For") == "10.1.2.3");
    CHECK_FALSE(out.get("Forwarded"));

    // From a trusted proxy that wrote only Forwarded: the client it named, then the proxy.
    auto trusted = request_for("/api/v1/auth/login");
    trusted.peer_address = "10.0.0.9";
    trusted.peer_trusted = true;
    trusted.client_address = "198.51.100.8";
    trusted.headers.add("Forwarded", "for=198.51.100.8");
    auto kept = mart::forward::upstream_request_headers(trusted);
    CHECK(kept.get("X-Forwarded-For") == "198.51.100.8, 10.0.0.9");
    CHECK(kept.get("Forwarded") == "for=198.51.100.8");
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

  // Issue #16: a dead letter's replay or discard goes to the process hosting its module (the
  // bus numbers dead letters local id * 16 + the module's code).
  TEST_CASE("[Forwarder] a dead letter's replay and discard go to its module's process") {
    mart::forward::Forwarder forwarder({"orders"}, {{"payments", "http://10.0.0.2:8082"}}, 300ms);
    using Kind = mart::forward::Decision::Kind;
    auto post = [](std::string path) {
      auto r = request_for(std::move(path));
      r.method = "POST";
      return r;
    };
    const auto orders = mart::module_code("orders");
    const auto payments = mart::module_code("payments");
    const auto users = mart::module_code("users");
    auto path = [](std::int64_t id, const char* action) {
      return "/api/v1/admin/dead-letters/" + std::to_string(id) + "/" + action;
    };

    auto replay = forwarder.decide(post(path(3 * 16 + payments, "replay")));
    CHECK(replay.kind == Kind::forward);
    CHECK(replay.module == "payments");
    REQUIRE(replay.upstream);
    CHECK(replay.upstream->authority == "10.0.0.2:8082");
    CHECK(forwarder.decide(post(path(16 + payments, "discard"))).kind == Kind::forward);
    CHECK(forwarder.decide(post(path(5 * 16 + orders, "replay"))).kind == Kind::local);
    auto nowhere = forwarder.decide(post(path(16 + users, "replay")));
    CHECK(nowhere.kind == Kind::not_hosted);
    CHECK(nowhere.module == "users");

    // ?scope=local, another method or action, an id that is no number or names no module: here.
    auto local = post(path(16 + payments, "replay") + "?scope=local");
    local.query = {{"scope", "local"}};
    CHECK(forwarder.decide(local).kind == Kind::local);
    CHECK(forwarder.decide(request_for(path(16 + payments, "replay"))).kind == Kind::local);
    CHECK(forwarder.decide(post(path(16 + payments, "delete"))).kind == Kind::local);
    CHECK(forwarder.decide(post("/api/v1/admin/dead-letters/x3/replay")).kind == Kind::local);
    CHECK(forwarder.decide(post("/api/v1/admin/dead-letters/0/replay")).kind == Kind::local);
    CHECK(forwarder.decide(post(path(16 + 15, "replay"))).kind == Kind::local);
  }

  // Issue #13, item 1: the forwarding decision follows the router's rule. A path in another
  // spelling than the canonical one is never forwarded: it stays here, where the router answers
  // 404.
  TEST_CASE("[Forwarder] a path that is not canonical is never forwarded") {
    mart::forward::Forwarder forwarder({}, {{"users", "http://10.0.0.3:8083"}}, 300ms);
    using Kind = mart::forward::Decision::Kind;
    CHECK(forwarder.decide(request_for("/api/v1/auth/login")).kind == Kind::forward);
    for (const std::string spelling :
         {"/api/v1/auth/login/", "/api/v1//auth/login", "//api/v1/auth/login",
          "/api/v1/auth/./login", "/api/v1/users/../auth/login", "/api/v1/auth/login/.",
          "/api/v1/auth/lo%67in", "/api/v1/auth//login", "/api/v1/users/"}) {
      CAPTURE(spelling);
      CHECK_FALSE(mart::forward::module_for_path(spelling));
      CHECK(forwarder.decide(request_for(spelling)).kind == Kind::local);
    }
    // Percent-decoded by the adapter ("/api/v1/auth/%6cogin"): canonical-looking, but not as
    // received.
    auto decoded = request_for("/api/v1/auth/login");
    decoded.path_canonical = false;
    CHECK(forwarder.decide(decoded).kind == Kind::local);
  }

  // Issue #13, item 2: who the client is behind proxies.
  TEST_CASE("[TrustedProxies] addresses and CIDR blocks, IPv4 and IPv6") {
    mart::http::TrustedProxies trusted(
        {"127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1", "192.0.2.128/25"});
    CHECK(trusted.contains("127.0.0.1"));
    CHECK(trusted.contains("::ffff:127.0.0.1"));
    CHECK_FALSE(trusted.contains("127.0.0.2"));
    CHECK(trusted.contains("10.255.0.1"));
    CHECK_FALSE(trusted.contains("11.0.0.1"));
    CHECK(trusted.contains("fd12::5"));
    CHECK_FALSE(trusted.contains("fe80::1"));
    CHECK(trusted.contains("::1"));
    CHECK(trusted.contains("192.0.2.200"));
    CHECK_FALSE(trusted.contains("192.0.2.100"));
    CHECK_FALSE(trusted.contains("not-an-address"));
    CHECK_FALSE(trusted.contains(""));
    CHECK(mart::http::TrustedProxies().empty());
    CHECK_FALSE(mart::http::TrustedProxies().contains("127.0.0.1"));
    for (const std::string bad : {"localhost", "10.0.0.0/33", "::/129", "10.0.0.1/", "10.0.0.1/x",
                                  "300.1.1.1", "10.0.0.0/8/8", ""}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(mart::http::TrustedProxies({bad}), std::invalid_argument);
    }
  }

  TEST_CASE("[resolve_client] forwarding fields count only from a trusted peer") {
    mart::http::TrustedProxies trusted({"127.0.0.1", "10.0.0.0/8"});
    auto with = [](const std::vector<std::pair<std::string, std::string>>& fields) {
      kernel::Headers headers;
      for (const auto& [name, value] : fields) headers.add(name, value);
      return headers;
    };
    using mart::http::resolve_client;
    // An untrusted peer: its fields are ignored, whatever they say.
    CHECK(resolve_client("198.51.100.1", with({{"X-Forwarded-For", "203.0.113.5"}}), trusted) ==
          "198.51.100.1");
    CHECK(resolve_client("198.51.100.1", with({{"Forwarded", "for=203.0.113.5"}}), trusted) ==
          "198.51.100.1");
    // No trusted proxies at all.
    CHECK(resolve_client("127.0.0.1", with({{"X-Forwarded-For", "203.0.113.5"}}), {}) ==
          "127.0.0.1");
    // A trusted peer: walked from the right, trusted addresses skipped; the forged left part of
    // the chain is never reached.
    CHECK(resolve_client("127.0.0.1", with({{"X-Forwarded-For", "203.0.113.5"}}), trusted) ==
          "203.0.113.5");
    CHECK(resolve_client(
              "127.0.0.1",
              with({{"X-Forwarded-For", "1.1.1.1, 203.0.113.5"}, {"X-Forwarded-For", "10.0.0.7"}}),
              trusted) == "203.0.113.5");
    CHECK(resolve_client("127.0.0.1", with({{"X-Forwarded-For", "2001:db8::1"}}), trusted) ==
          "2001:db8::1");
    // Malformed: the peer.
    CHECK(resolve_client("127.0.0.1", with({{"X-Forwarded-For", "evil, 203.0.113.5, nonsense"}}),
                         trusted) == "127.0.0.1");
    CHECK(resolve_client("127.0.0.1", with({{"X-Forwarded-For", "unknown"}}), trusted) ==
          "127.0.0.1");
    // No field: the peer. Only trusted entries: the leftmost.
    CHECK(resolve_client("127.0.0.1", {}, trusted) == "127.0.0.1");
    CHECK(resolve_client("127.0.0.1", with({{"X-Forwarded-For", "10.0.0.1, 10.0.0.2"}}), trusted) ==
          "10.0.0.1");
    // RFC 7239 Forwarded, when there is no X-Forwarded-For.
    CHECK(resolve_client("127.0.0.1",
                         with({{"Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"}}),
                         trusted) == "192.0.2.60");
    CHECK(resolve_client("127.0.0.1",
                         with({{"Forwarded", "for=\"[2001:db8:cafe::17]:4711\", for=10.0.0.3"}}),
                         trusted) == "2001:db8:cafe::17");
    CHECK(resolve_client("127.0.0.1", with({{"Forwarded", "for=\"_hidden\""}}), trusted) ==
          "127.0.0.1");
    CHECK(resolve_client("127.0.0.1", with({{"Forwarded", "for=192.0.2.60:8080"}}), trusted) ==
          "192.0.2.60");
  }

  TEST_CASE("[Config] gateway.trusted_proxies is checked at start-up") {
    auto c = mart::load_config({"--gateway-trusted-proxies", "127.0.0.1, 10.0.0.0/8,fd00::/8"}, {});
    CHECK(c.trusted_proxies.size() == 3);
    for (const std::string bad : {"10.0.0.0/40", "proxy.example", "127.0.0.1,nope"}) {
      CAPTURE(bad);
      std::string message;
      try {
        mart::load_config({"--gateway-trusted-proxies", bad}, {});
      } catch (const mart::ConfigError& e) {
        message = e.what();
      }
      CHECK(message.find("gateway.trusted_proxies") != std::string::npos);
    }
  }
}
