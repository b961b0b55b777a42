#pragma once
// The web pages' HTTP answers (api.md "Web pages"): a GET or HEAD of an asset, or of a page
// pattern (a deep link such as /orders/42, answered with its page's HTML), gets the file with its
// type, a strong ETag (304 on If-None-Match), gzip when accepted, cache headers (hashed assets for
// a year, HTML revalidated) and the security headers. Every other request is not the pages'
// business and goes on to the router unchanged. No Beast here: the kernel's Request/Response.

#include "web/web_assets.hpp"

#include <kernel/http.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace mart::web {

// Sent with every answer of the pages, 200 and 304 alike.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
// The route (metrics, access log) of an asset's answer; a page's is its pattern.
inline constexpr std::string_view kAssetsRoute = "web:assets";

class WebPages {
 public:
  // Throws std::invalid_argument when a page names a URL that is no asset of `table`.
  explicit WebPages(AssetTable table);

  // The answer to a GET or HEAD of an asset or a page; std::nullopt for any other request.
  std::optional<kernel::Response> answer(const kernel::Request& request) const;

 private:
  struct Page {
    std::string_view pattern;
    const Asset* html;
  };
  const Asset* find_asset(std::string_view path) const;

  std::span<const Asset> assets_;
  std::vector<Page> pages_;
};

// Whether an Accept-Encoding field value accepts gzip: gzip (or x-gzip) with q > 0, or, when
// gzip is not named, * with q > 0.
bool accepts_gzip(std::string_view accept_encoding);

// Whether an If-None-Match field value matches `etag`: "*", or one of its tags by the weak
// comparison (W/"x" matches "x"), as RFC 9110 13.1.2 says.
bool none_match(std::string_view if_none_match, std::string_view etag);

// Whether `path` matches a page pattern: the same number of segments, each equal, except that
// {id} matches a segment of 1 to 19 digits.
bool matches_page(std::string_view pattern, std::string_view path);

}  // namespace mart::web
