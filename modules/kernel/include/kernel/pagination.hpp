#pragma once
// Cursor pagination per api.md: ?limit=1..100 (default 20) and an opaque ?cursor.
// Cursors encode a keyset position (the last id seen), so inserts never shift a page.

#include "kernel/http.hpp"

#include <boost/json/array.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace kernel {

struct PageRequest {
  int limit = 20;
  std::optional<std::int64_t> after;  // the keyset position the cursor carries
};

// 422 for a bad limit, 400 for a cursor this server did not issue.
PageRequest parse_page(const Request& request, int default_limit = 20, int max_limit = 100);

std::string encode_cursor(std::int64_t position);
std::optional<std::int64_t> decode_cursor(std::string_view cursor);

// {"items": [...], "next_cursor": "..." | null}
Response page_response(boost::json::array items, std::optional<std::int64_t> next_position);

}  // namespace kernel
