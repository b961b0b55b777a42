#include "kernel/pagination.hpp"

#include "kernel/base64url.hpp"
#include "kernel/problem.hpp"

#include <boost/json/object.hpp>

#include <charconv>

namespace kernel {
namespace {

constexpr std::string_view kPrefix = "k1:";  // versioned, so the format can change later

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string encode_cursor(std::int64_t position) {
  return base64url_encode(std::string(kPrefix) + std::to_string(position));
}

std::optional<std::int64_t> decode_cursor(std::string_view cursor) {
  auto raw = base64url_decode(cursor);
  if (!raw || !raw->starts_with(kPrefix)) return std::nullopt;
  auto value = parse_int(std::string_view(*raw).substr(kPrefix.size()));
  if (!value || *value < 0) return std::nullopt;
  return value;
}

PageRequest parse_page(const Request& request, int default_limit, int max_limit) {
  PageRequest page;
  page.limit = default_limit;
  if (auto limit = request.query_param("limit")) {
    auto value = parse_int(*limit);
    if (!value || *value < 1 || *value > max_limit) {
      throw ApiError::unprocessable(
          "limit must be an integer from 1 to " + std::to_string(max_limit) + ".",
          {{"limit", "must be an integer from 1 to " + std::to_string(max_limit)}});
    }
    page.limit = static_cast<int>(*value);
  }
  if (auto cursor = request.query_param("cursor")) {
    page.after = decode_cursor(*cursor);
    if (!page.after) throw ApiError::bad_request("The cursor is not one this server issued.");
  }
  return page;
}

Response page_response(boost::json::array items, std::optional<std::int64_t> next_position) {
  boost::json::object body;
  body["items"] = std::move(items);
  if (next_position) {
    body["next_cursor"] = encode_cursor(*next_position);
  } else {
    body["next_cursor"] = nullptr;
  }
  return Response::json(200, body);
}

}  // namespace kernel
