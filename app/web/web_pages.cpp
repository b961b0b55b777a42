#include "web/web_pages.hpp"

#include <kernel/text.hpp>

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mart::web {
namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";
constexpr std::size_t kMaxIdDigits = 19;  // an int64

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Calls `each` with every element of a comma-separated field value, trimmed, empty ones skipped.
template <class F>
void for_each_element(std::string_view list, F&& each) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto element = kernel::trim_ows(list.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// A qvalue of zero ("0", "0.", "0.000"), which means "not acceptable" (RFC 9110 12.4.2).
bool is_zero_q(std::string_view q) {
  if (q.empty() || q.front() != '0') return false;
  q.remove_prefix(1);
  if (q.empty()) return true;
  if (q.front() != '.') return false;
  q.remove_prefix(1);
  return std::all_of(q.begin(), q.end(), [](char c) { return c == '0'; });
}

// An Accept-Encoding element ("gzip;q=0.5"): its coding, and whether its weight is above zero.
std::pair<std::string_view, bool> coding_of(std::string_view element) {
  auto semicolon = element.find(';');
  auto coding = kernel::trim_ows(element.substr(0, semicolon));
  bool positive = true;
  while (semicolon != std::string_view::npos) {
    element.remove_prefix(semicolon + 1);
    semicolon = element.find(';');
    auto parameter = kernel::trim_ows(element.substr(0, semicolon));
    if (boost::algorithm::istarts_with(parameter, "q=")) {
      positive = !is_zero_q(kernel::trim_ows(parameter.substr(2)));
    }
  }
  return {coding, positive};
}

void add_security_headers(kernel::Headers& headers) {
  headers.add("Content-Security-Policy", std::string(kContentSecurityPolicy));
  headers.add("X-Frame-Options", "DENY");
  headers.add("X-Content-Type-Options", "nosniff");
  headers.add("Referrer-Policy", "no-referrer");
}

kernel::Response respond(const Asset& asset, const kernel::Request& request,
                         std::string_view route) {
  const bool gzip =
      !asset.gzip.empty() && accepts_gzip(request.header("Accept-Encoding").value_or(""));
  const auto etag = gzip ? asset.gzip_etag : asset.etag;
  kernel::Response response;
  response.route = std::string(route);
  auto& headers = response.headers;
  add_security_headers(headers);
  headers.add("ETag", std::string(etag));
  headers.add("Cache-Control", std::string(asset.immutable ? kImmutable : kRevalidate));
  headers.add("Vary", "Accept-Encoding");
  if (auto tags = request.header("If-None-Match"); tags && none_match(*tags, etag)) {
    response.status = 304;
    return response;
  }
  headers.add("Content-Type", std::string(asset.type));
  if (gzip) headers.add("Content-Encoding", "gzip");
  const auto bytes = gzip ? asset.gzip : asset.body;
  response.body.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return response;  // for HEAD the server sends the headers and this body's length only
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<bool> gzip;
  std::optional<bool> any;
  for_each_element(accept_encoding, [&](std::string_view element) {
    auto [coding, positive] = coding_of(element);
    if (boost::algorithm::iequals(coding, "gzip") || boost::algorithm::iequals(coding, "x-gzip")) {
      gzip = gzip.value_or(false) || positive;
    } else if (coding == "*") {
      any = any.value_or(false) || positive;
    }
  });
  return gzip ? *gzip : any.value_or(false);
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
  auto opaque = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
  bool matched = false;
  for_each_element(if_none_match, [&](std::string_view tag) {
    if (tag == "*" || opaque(tag) == opaque(etag)) matched = true;
  });
  return matched;
}

bool matches_page(std::string_view pattern, std::string_view path) {
  if (pattern == "/" || path == "/") return pattern == path;
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto expected = pattern.substr(0, pattern.find('/'));
    auto segment = path.substr(0, path.find('/'));
    if (expected == "{id}") {
      if (!is_digits(segment) || segment.size() > kMaxIdDigits) return false;
    } else if (expected != segment) {
      return false;
    }
    pattern.remove_prefix(expected.size());
    path.remove_prefix(segment.size());
  }
  return pattern.empty() && path.empty();
}

WebPages::WebPages(AssetTable table) : assets_(table.assets) {
  for (const auto& page : table.pages) {
    const auto* html = find_asset(page.url);
    if (!html) {
      throw std::invalid_argument("web page " + std::string(page.pattern) + " names " +
                                  std::string(page.url) + ", which is no asset");
    }
    pages_.push_back({page.pattern, html});
  }
}

const Asset* WebPages::find_asset(std::string_view path) const {
  for (const auto& asset : assets_) {
    if (asset.url == path) return &asset;
  }
  return nullptr;
}

std::optional<kernel::Response> WebPages::answer(const kernel::Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  // The API (the hot path) is never a page: one prefix test and it is on its way.
  if (!request.path_canonical || request.path.starts_with("/api/")) return std::nullopt;
  if (const auto* asset = find_asset(request.path)) return respond(*asset, request, kAssetsRoute);
  for (const auto& page : pages_) {
    if (matches_page(page.pattern, request.path)) return respond(*page.html, request, page.pattern);
  }
  return std::nullopt;
}

}  // namespace mart::web
