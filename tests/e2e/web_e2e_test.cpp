// The web pages over real HTTP from the real binary: the storefront at /, deep links, the admin
// pages, the hashed assets with and without gzip, revalidation (304), the security headers, and
// `--no-web` for an API-only deployment.

#include "server_process.hpp"

#include "http/check_problem.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

using mart::test::check_problem;
using mart::test::contains;
using mart::test::HttpClient;
using mart::test::HttpResponse;
using mart::test::ServerProcess;
using mart::test::TempDir;

#if MART_WEB_PAGES
namespace {

const std::string kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

void check_page_headers(const HttpResponse& r) {
  CHECK(r.header("Content-Security-Policy") == kCsp);
  CHECK(r.header("X-Frame-Options") == "DENY");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("Referrer-Policy") == "no-referrer");
  CHECK(r.header("Vary") == "Accept-Encoding");
  CHECK(r.header("ETag").starts_with('"'));
}

// What `gzip -dc` makes of `bytes` (the gzip program is part of every Debian system).
std::string gunzip(const std::string& bytes) {
  TempDir dir;
  auto file = dir.path() / "body.gz";
  std::ofstream(file, std::ios::binary) << bytes;
  std::string command = "gzip -dc '" + file.string() + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char chunk[4096];
  while (auto n = std::fread(chunk, 1, sizeof chunk, pipe)) out.append(chunk, n);
  REQUIRE(::pclose(pipe) == 0);
  return out;
}

// The script an HTML page runs (its first <script src>), or "".
std::string script_of(const std::string& html) {
  static const std::regex script(R"re(<script[^>]*\ssrc="([^"]+)")re");
  std::smatch match;
  return std::regex_search(html, match, script) ? match[1].str() : std::string();
}

// The /assets/ URLs an HTML page refers to (src= and href=).
std::vector<std::string> asset_urls(const std::string& html) {
  std::vector<std::string> out;
  static const std::regex reference(R"re((?:src|href)="(/assets/[^"]+)")re");
  for (std::sregex_iterator it(html.begin(), html.end(), reference), end; it != end; ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

}  // namespace
#endif

TEST_SUITE("e2e") {
#if MART_WEB_PAGES
  TEST_CASE("[e2e] web: the storefront, deep links, the admin pages and their assets") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient client(server.port());

    auto home = client.get("/");
    REQUIRE(home.status == 200);
    CHECK(home.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(home.header("Cache-Control") == "no-cache");
    CHECK_FALSE(home.has_header("Content-Encoding"));
    check_page_headers(home);
    CHECK(script_of(home.body).starts_with("/assets/store-"));
    CHECK(home.body == client.get("/index.html").body);

    // A deep link loads the page whose client-side router shows it.
    for (const char* path : {"/orders/42", "/orders", "/products/7", "/cart", "/signin"}) {
      CAPTURE(path);
      auto page = client.get(path);
      CHECK(page.status == 200);
      CHECK(page.body == home.body);
      check_page_headers(page);
    }
    auto admin = client.get("/admin/products");
    REQUIRE(admin.status == 200);
    check_page_headers(admin);
    CHECK(script_of(admin.body).starts_with("/assets/admin-"));
    CHECK(admin.body == client.get("/admin").body);
    CHECK(admin.body == client.get("/admin/products/3").body);
    CHECK(admin.body == client.get("/admin.html").body);

    // HEAD: the headers and the length, no body.
    auto head = client.request("HEAD", "/orders/42");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("Content-Length") == std::to_string(home.body.size()));
    CHECK(head.header("Content-Security-Policy") == kCsp);

    // HTML compresses (and the browser's own Accept-Encoding is accepted).
    auto home_gzip = client.get("/", {{"Accept-Encoding", "gzip, deflate, br, zstd"}});
    REQUIRE(home_gzip.status == 200);
    CHECK(home_gzip.header("Content-Encoding") == "gzip");
    CHECK(home_gzip.body.size() < home.body.size());
    CHECK(gunzip(home_gzip.body) == home.body);
    CHECK(home_gzip.header("ETag") != home.header("ETag"));
    check_page_headers(home_gzip);
    auto refused = client.get("/", {{"Accept-Encoding", "gzip;q=0"}});
    CHECK_FALSE(refused.has_header("Content-Encoding"));
    CHECK(refused.body == home.body);

    // Every asset the two pages use: immutable, typed, the same bytes with or without gzip.
    auto urls = asset_urls(home.body);
    for (const auto& url : asset_urls(admin.body)) urls.push_back(url);
    REQUIRE(urls.size() >= 4);  // store and admin scripts, the style sheet, the icon
    for (const auto& url : urls) {
      CAPTURE(url);
      auto plain = client.get(url);
      REQUIRE(plain.status == 200);
      CHECK(plain.header("Cache-Control") == "public, max-age=31536000, immutable");
      CHECK_FALSE(plain.has_header("Content-Encoding"));
      check_page_headers(plain);
      if (url.ends_with(".js"))
        CHECK(plain.header("Content-Type") == "text/javascript; charset=utf-8");
      if (url.ends_with(".css")) CHECK(plain.header("Content-Type") == "text/css; charset=utf-8");
      if (url.ends_with(".svg")) CHECK(plain.header("Content-Type") == "image/svg+xml");

      auto gzip = client.get(url, {{"Accept-Encoding", "gzip"}});
      REQUIRE(gzip.status == 200);
      CHECK(gzip.header("Content-Type") == plain.header("Content-Type"));
      check_page_headers(gzip);
      if (gzip.header("Content-Encoding") == "gzip") {
        CHECK(gunzip(gzip.body) == plain.body);
        CHECK(gzip.body.size() < plain.body.size());
      } else {
        // Only a file gzip would not make smaller is sent as it is: text only when it is tiny.
        CHECK_FALSE(gzip.has_header("Content-Encoding"));
        CHECK(gzip.body == plain.body);
        if (plain.header("Content-Type").starts_with("text/")) CHECK(plain.body.size() < 1024);
      }

      // Revalidation: the current ETag answers 304 with the same headers and no body.
      auto again = client.get(url, {{"If-None-Match", plain.header("ETag")}});
      CHECK(again.status == 304);
      CHECK(again.body.empty());
      CHECK(again.header("ETag") == plain.header("ETag"));
      CHECK(again.header("Cache-Control") == "public, max-age=31536000, immutable");
      check_page_headers(again);
    }
    auto home_again = client.get("/orders/42", {{"If-None-Match", home.header("ETag")}});
    CHECK(home_again.status == 304);
    CHECK(home_again.body.empty());
    CHECK(home_again.header("Cache-Control") == "no-cache");
    CHECK(home_again.header("Content-Security-Policy") == kCsp);
    CHECK(client.get("/", {{"If-None-Match", "\"stale\""}}).status == 200);

    // Everything else is the router's, as before the pages.
    check_problem(client.get("/unknown"), 404);
    check_problem(client.get("/orders/abc"), 404);
    check_problem(client.get("/orders/42/"), 404);
    check_problem(client.get("/assets/store-missing.js"), 404);
    check_problem(client.post("/", "{}"), 404);
    CHECK(client.get("/api/v1/products").status == 200);
    CHECK(client.get("/healthz").status == 200);

    // The pages' routes in the metrics: page patterns and web:assets, not one series per URL.
    auto metrics = client.get("/metrics").body;
    CHECK(contains(metrics, "route=\"web:assets\""));
    CHECK(contains(metrics, "route=\"/orders/{id}\""));
    CHECK(contains(metrics, "route=\"/admin/products\""));
    CHECK_FALSE(contains(metrics, "route=\"/orders/42\""));
  }

#else
  TEST_CASE("[e2e] web: a binary built with -DMART_WEB=OFF serves no page, and says so") {
    TempDir dir;
    ServerProcess server(dir.path());
    HttpClient client(server.port());
    check_problem(client.get("/"), 404);
    check_problem(client.get("/orders/42"), 404);
    CHECK(client.get("/api/v1/products").status == 200);
    CHECK(contains(server.output(), "built without the web pages"));
  }
#endif

  TEST_CASE("[e2e] web: --no-web serves the API only") {
    TempDir dir;
    ServerProcess server(dir.path(), {"--no-web"});
    HttpClient client(server.port());
    check_problem(client.get("/"), 404);
    check_problem(client.get("/orders/42"), 404);
    check_problem(client.get("/index.html"), 404);
    check_problem(client.get("/admin/products"), 404);
    CHECK(client.get("/api/v1/products").status == 200);
    CHECK(contains(server.output(), "the web pages are off"));
  }
}
