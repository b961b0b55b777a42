#pragma once
// Cursor pagination as docs/openapi.yaml describes it: ?limit=1..100 (default 20) and an opaque
// ?cursor. Cursors encode a keyset position (the last id seen), so inserts never shift a page.

#include "kernel/http.hpp"

#include <boost/json/array.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kernel {

struct PageRequest {
  int limit = 20;
  std::optional<std::int64_t> after;  // the keyset position the cursor carries
};

// 422 for a bad limit, 400 for a cursor this server did not issue.
PageRequest parse_page(const Request& request, int default_limit = 20, int max_limit = 100);

std::string encode_cursor(std::int64_t position);
std::optional<std::int64_t> decode_cursor(std::string_view cursor);

// A store asks for rows_for_page(limit) rows, one more than the page holds, so that the extra
// row tells whether a next page exists without a second query.
constexpr int rows_for_page(int limit) {
  return limit + 1;
}

// Trims what rows_for_page() fetched to `limit` items; the next page's position (the id of the
// last item kept) if a row was left over, nullopt on the last page.
template <class Row>
std::optional<std::int64_t> take_page(std::vector<Row>& rows, int limit) {
  if (static_cast<int>(rows.size()) <= limit) return std::nullopt;
  rows.resize(static_cast<std::size_t>(limit));
  return rows.back().id;
}

// {"items": [...], "next_cursor": "..." | null}
Response page_response(boost::json::array items, std::optional<std::int64_t> next_position);

}  // namespace kernel
