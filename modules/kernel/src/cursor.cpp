#include "kernel/pagination.hpp"

#include "kernel/problem.hpp"

#include <boost/json/object.hpp>

#include <charconv>

namespace kernel {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kPrefix = "k1:";  // versioned, so the format can change later

std::string base64url(std::string_view in) {
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (unsigned char c : in) {
    value = (value << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(value >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(value << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    value = (value << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string encode_cursor(std::int64_t position) {
  return base64url(std::string(kPrefix) + std::to_string(position));
}

std::optional<std::int64_t> decode_cursor(std::string_view cursor) {
  auto raw = unbase64url(cursor);
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
