// The web pages' answers (app/web) over a hand-made table: which requests they answer (assets,
// page patterns, GET and HEAD only) and which go on to the router, and the headers of each
// answer (type, ETag and 304, gzip by Accept-Encoding, caching, security).

#include "web/web_pages.hpp"

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <string_view>

using mart::web::accepts_gzip;
using mart::web::Asset;
using mart::web::AssetTable;
using mart::web::matches_page;
using mart::web::none_match;
using mart::web::PageRoute;
using mart::web::WebPages;

namespace {

constexpr unsigned char kScript[] = {'c', 'o', 'n', 's', 'o', 'l', 'e',
                                     '.', 'l', 'o', 'g', '(', ')'};
constexpr unsigned char kScriptGzip[] = {0x1f, 0x8b, 0x08, 0x00, 'j', 's'};
constexpr unsigned char kStyle[] = {'b', 'o', 'd', 'y', '{', '}'};
constexpr unsigned char kIndex[] = {'<', 'p', '>', 's', 't', 'o', 'r', 'e'};
constexpr unsigned char kIndexGzip[] = {0x1f, 0x8b, 0x08, 0x00, 's'};
constexpr unsigned char kAdmin[] = {'<', 'p', '>', 'a', 'd', 'm', 'i', 'n'};

constexpr std::array kAssets = {
    Asset{"/assets/store-ABC.js", "text/javascript; charset=utf-8", "\"js1\"", kScript, kScriptGzip,
          "\"js1-gzip\"", true},
    Asset{"/assets/style-DEF.css", "text/css; charset=utf-8", "\"css1\"", kStyle, {}, "", true},
    Asset{"/index.html", "text/html; charset=utf-8", "\"ix1\"", kIndex, kIndexGzip, "\"ix1-gzip\"",
          false},
    Asset{"/admin.html", "text/html; charset=utf-8", "\"ad1\"", kAdmin, {}, "", false},
};
constexpr std::array kPages = {
    PageRoute{"/", "/index.html"},
    PageRoute{"/orders", "/index.html"},
    PageRoute{"/orders/{id}", "/index.html"},
    PageRoute{"/admin", "/admin.html"},
    PageRoute{"/admin/products", "/admin.html"},
    PageRoute{"/admin/products/new", "/admin.html"},
    PageRoute{"/admin/products/{id}", "/admin.html"},
};

const WebPages& pages() {
  static const WebPages instance(AssetTable{kAssets, kPages});
  return instance;
}

kernel::Request request(std::string path, std::string method = "GET",
                        kernel::Headers headers = {}) {
  kernel::Request r;
  r.method = std::move(method);
  r.target = path;
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

kernel::Headers with(std::string name, std::string value) {
  kernel::Headers headers;
  headers.add(std::move(name), std::move(value));
  return headers;
}

std::string text(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

std::string header(const kernel::Response& response, std::string_view name) {
  return std::string(response.headers.get(name).value_or("<absent>"));
}

void check_security_headers(const kernel::Response& response) {
  CHECK(header(response, "Content-Security-Policy") ==
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'");
  CHECK(header(response, "X-Frame-Options") == "DENY");
  CHECK(header(response, "X-Content-Type-Options") == "nosniff");
  CHECK(header(response, "Referrer-Policy") == "no-referrer");
}

}  // namespace

TEST_SUITE("web") {
  TEST_CASE("[WebPages] an asset: its bytes, type, strong ETag and a year of caching") {
    auto answer = pages().answer(request("/assets/store-ABC.js"));
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->body == text(kScript, sizeof kScript));
    CHECK(header(*answer, "Content-Type") == "text/javascript; charset=utf-8");
    CHECK(header(*answer, "ETag") == "\"js1\"");
    CHECK(header(*answer, "Cache-Control") == "public, max-age=31536000, immutable");
    CHECK(header(*answer, "Vary") == "Accept-Encoding");
    CHECK_FALSE(answer->headers.get("Content-Encoding"));
    CHECK(answer->route == "web:assets");
    check_security_headers(*answer);

    auto style = pages().answer(request("/assets/style-DEF.css"));
    REQUIRE(style);
    CHECK(style->body == "body{}");
    CHECK(header(*style, "Content-Type") == "text/css; charset=utf-8");
  }

  TEST_CASE("[WebPages] HTML is revalidated every time (no-cache), by its ETag") {
    for (const char* path : {"/index.html", "/admin.html"}) {
      CAPTURE(path);
      auto answer = pages().answer(request(path));
      REQUIRE(answer);
      CHECK(answer->status == 200);
      CHECK(header(*answer, "Content-Type") == "text/html; charset=utf-8");
      CHECK(header(*answer, "Cache-Control") == "no-cache");
      CHECK(answer->route == "web:assets");
      check_security_headers(*answer);
    }
    CHECK(pages().answer(request("/admin.html"))->body == "<p>admin");
  }

  TEST_CASE("[WebPages] gzip when Accept-Encoding accepts it and the asset has a gzip copy") {
    auto gzip = pages().answer(
        request("/assets/store-ABC.js", "GET", with("Accept-Encoding", "gzip, deflate, br")));
    REQUIRE(gzip);
    CHECK(gzip->body == text(kScriptGzip, sizeof kScriptGzip));
    CHECK(header(*gzip, "Content-Encoding") == "gzip");
    CHECK(header(*gzip, "Content-Type") == "text/javascript; charset=utf-8");
    CHECK(header(*gzip, "Vary") == "Accept-Encoding");
    // Another representation, another strong validator.
    CHECK(header(*gzip, "ETag") == "\"js1-gzip\"");
    check_security_headers(*gzip);

    SUBCASE("refused with q=0: the identity body") {
      auto plain = pages().answer(
          request("/assets/store-ABC.js", "GET", with("Accept-Encoding", "gzip;q=0, br")));
      REQUIRE(plain);
      CHECK(plain->body == text(kScript, sizeof kScript));
      CHECK_FALSE(plain->headers.get("Content-Encoding"));
      CHECK(header(*plain, "ETag") == "\"js1\"");
    }
    SUBCASE("no gzip copy (it would not be smaller): the identity body, whatever is accepted") {
      auto style =
          pages().answer(request("/assets/style-DEF.css", "GET", with("Accept-Encoding", "gzip")));
      REQUIRE(style);
      CHECK(style->body == "body{}");
      CHECK_FALSE(style->headers.get("Content-Encoding"));
      CHECK(header(*style, "Vary") == "Accept-Encoding");
    }
    SUBCASE("a deep link's HTML is compressed too") {
      auto html = pages().answer(request("/orders/42", "GET", with("Accept-Encoding", "x-gzip")));
      REQUIRE(html);
      CHECK(html->body == text(kIndexGzip, sizeof kIndexGzip));
      CHECK(header(*html, "Content-Encoding") == "gzip");
    }
  }

  TEST_CASE("[accepts_gzip] the Accept-Encoding rules of RFC 9110 12.5.3") {
    CHECK(accepts_gzip("gzip"));
    CHECK(accepts_gzip("GZIP"));
    CHECK(accepts_gzip("deflate, gzip;q=0.5"));
    CHECK(accepts_gzip("br ; q=1, gzip ; q=0.001"));
    CHECK(accepts_gzip("x-gzip"));
    CHECK(accepts_gzip("*"));
    CHECK(accepts_gzip("br, *;q=0.1"));
    CHECK_FALSE(accepts_gzip(""));
    CHECK_FALSE(accepts_gzip("identity"));
    CHECK_FALSE(accepts_gzip("br, deflate"));
    CHECK_FALSE(accepts_gzip("gzip;q=0"));
    CHECK_FALSE(accepts_gzip("gzip; Q=0.000"));
    CHECK_FALSE(accepts_gzip("gzip;q=0., br"));
    CHECK_FALSE(accepts_gzip("*;q=0"));
    // Named with q=0, it stays refused whatever * says.
    CHECK_FALSE(accepts_gzip("gzip;q=0, *"));
    CHECK(accepts_gzip("gzip;q=0.0001, *;q=0"));  // not a valid qvalue of zero: treated as > 0
    CHECK(accepts_gzip(" , gzip ,"));
  }

  TEST_CASE("[WebPages] If-None-Match with the current ETag: 304, no body, the same headers") {
    for (const char* tags : {"\"js1\"", "\"old\", \"js1\"", "W/\"js1\"", "*"}) {
      CAPTURE(tags);
      auto answer =
          pages().answer(request("/assets/store-ABC.js", "GET", with("If-None-Match", tags)));
      REQUIRE(answer);
      CHECK(answer->status == 304);
      CHECK(answer->body.empty());
      CHECK(header(*answer, "ETag") == "\"js1\"");
      CHECK(header(*answer, "Cache-Control") == "public, max-age=31536000, immutable");
      CHECK(header(*answer, "Vary") == "Accept-Encoding");
      CHECK_FALSE(answer->headers.get("Content-Encoding"));
      CHECK(answer->route == "web:assets");
      check_security_headers(*answer);
    }
    SUBCASE("a stale or other representation's ETag: the full answer") {
      for (const char* tags : {"\"old\"", "\"js1-gzip\"", "js1", ""}) {
        CAPTURE(tags);
        auto answer =
            pages().answer(request("/assets/store-ABC.js", "GET", with("If-None-Match", tags)));
        REQUIRE(answer);
        CHECK(answer->status == 200);
        CHECK(answer->body == text(kScript, sizeof kScript));
      }
    }
    SUBCASE("the gzip representation is validated by its own ETag") {
      kernel::Headers headers;
      headers.add("Accept-Encoding", "gzip");
      headers.add("If-None-Match", "\"js1-gzip\"");
      auto answer = pages().answer(request("/assets/store-ABC.js", "GET", headers));
      REQUIRE(answer);
      CHECK(answer->status == 304);
      CHECK(header(*answer, "ETag") == "\"js1-gzip\"");
    }
    SUBCASE("HTML too (revalidation is how no-cache works)") {
      auto answer = pages().answer(request("/orders/7", "GET", with("If-None-Match", "\"ix1\"")));
      REQUIRE(answer);
      CHECK(answer->status == 304);
      CHECK(header(*answer, "Cache-Control") == "no-cache");
      CHECK(answer->route == "/orders/{id}");
      check_security_headers(*answer);
    }
  }

  TEST_CASE("[none_match] weak comparison and lists") {
    CHECK(none_match("\"a\"", "\"a\""));
    CHECK(none_match("W/\"a\"", "\"a\""));
    CHECK(none_match(" \"b\" ,\"a\" ", "\"a\""));
    CHECK(none_match("*", "\"a\""));
    CHECK_FALSE(none_match("\"b\"", "\"a\""));
    CHECK_FALSE(none_match("\"ab\"", "\"a\""));
    CHECK_FALSE(none_match("", "\"a\""));
  }

  TEST_CASE("[WebPages] HEAD: the same answer (the server sends its headers and length only)") {
    auto head = pages().answer(request("/admin/products", "HEAD"));
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->body == "<p>admin");
    CHECK(header(*head, "Content-Type") == "text/html; charset=utf-8");
    check_security_headers(*head);
  }

  TEST_CASE("[WebPages] a deep link gets its page's HTML; the route is the page pattern") {
    struct Case {
      const char* path;
      const char* body;
      const char* route;
    };
    for (const auto& c :
         {Case{"/", "<p>store", "/"}, Case{"/orders", "<p>store", "/orders"},
          Case{"/orders/42", "<p>store", "/orders/{id}"}, Case{"/admin", "<p>admin", "/admin"},
          Case{"/admin/products", "<p>admin", "/admin/products"},
          Case{"/admin/products/new", "<p>admin", "/admin/products/new"},
          Case{"/admin/products/9", "<p>admin", "/admin/products/{id}"}}) {
      CAPTURE(c.path);
      auto answer = pages().answer(request(c.path));
      REQUIRE(answer);
      CHECK(answer->status == 200);
      CHECK(answer->body == c.body);
      CHECK(answer->route == c.route);
      CHECK(header(*answer, "Cache-Control") == "no-cache");
      check_security_headers(*answer);
    }
  }

  TEST_CASE("[WebPages] everything else goes on to the router") {
    for (const char* path : {"/api/v1/products",
                             "/api/v1/orders/42",
                             "/metrics",
                             "/healthz",
                             "/readyz",
                             "/unknown",
                             "/orders/",
                             "/orders/abc",
                             "/orders/-1",
                             "/orders/4x",
                             "/orders/42/cancel",
                             "/orders/12345678901234567890",
                             "/admin/products/new/1",
                             "/admin/",
                             "/ORDERS",
                             "/assets/store-ABC.js/",
                             "/assets/other.js",
                             "/assets",
                             "/index.htm",
                             "//"}) {
      CAPTURE(path);
      CHECK_FALSE(pages().answer(request(path)));
    }
    SUBCASE("methods other than GET and HEAD") {
      for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        CAPTURE(method);
        CHECK_FALSE(pages().answer(request("/", method)));
        CHECK_FALSE(pages().answer(request("/assets/store-ABC.js", method)));
      }
    }
    SUBCASE("a path the adapter found not canonical (it answers 404 through the router)") {
      auto r = request("/orders/42");
      r.path_canonical = false;
      CHECK_FALSE(pages().answer(r));
    }
  }

  TEST_CASE("[matches_page] exact segments; {id} is one segment of digits") {
    CHECK(matches_page("/", "/"));
    CHECK_FALSE(matches_page("/", "/x"));
    CHECK_FALSE(matches_page("/x", "/"));
    CHECK(matches_page("/orders/{id}", "/orders/1"));
    CHECK(matches_page("/orders/{id}", "/orders/9223372036854775807"));
    CHECK_FALSE(matches_page("/orders/{id}", "/orders"));
    CHECK_FALSE(matches_page("/orders/{id}", "/orders/"));
    CHECK_FALSE(matches_page("/orders/{id}", "/orders/1/2"));
    CHECK_FALSE(matches_page("/orders/{id}", "/orders/1a"));
    CHECK_FALSE(matches_page("/orders/{id}", "/orders/12345678901234567890"));
    CHECK_FALSE(matches_page("/orders", "/orders/1"));
    CHECK_FALSE(matches_page("/orders", "/order"));
    CHECK_FALSE(matches_page("/orders", "/ordersx"));
    CHECK(matches_page("/admin/products/{id}", "/admin/products/3"));
    CHECK_FALSE(matches_page("/admin/products/{id}", "/admin/products/new"));
  }

  TEST_CASE("[WebPages] a page naming no asset is refused when the table is loaded") {
    constexpr std::array bad = {PageRoute{"/x", "/missing.html"}};
    CHECK_THROWS_AS(WebPages(AssetTable{kAssets, bad}), std::invalid_argument);
  }

  TEST_CASE("[WebPages] the table built into this binary is consistent") {
    auto table = mart::web::embedded_assets();
    // Built with -DMART_WEB=OFF: no page at all.
    REQUIRE(table.assets.empty() == !MART_WEB_PAGES);
    REQUIRE(table.pages.empty() == !MART_WEB_PAGES);
    if (!MART_WEB_PAGES) return;
    WebPages built(table);  // every page names an asset
    bool index = false;
    for (const auto& asset : table.assets) {
      CAPTURE(asset.url);
      CHECK(asset.etag.starts_with('"'));
      CHECK(asset.etag.ends_with('"'));
      CHECK(asset.gzip.empty() == asset.gzip_etag.empty());
      CHECK(asset.gzip.size() < asset.body.size() + (asset.gzip.empty() ? 1 : 0));
      CHECK(asset.immutable == asset.url.starts_with("/assets/"));
      index = index || asset.url == "/index.html";
    }
    CHECK(index);
    auto home = built.answer(request("/"));
    REQUIRE(home);
    CHECK(home->body.find("src=\"/assets/store-") != std::string::npos);
    auto admin = built.answer(request("/admin/products"));
    REQUIRE(admin);
    CHECK(admin->body.find("src=\"/assets/admin-") != std::string::npos);
  }
}
