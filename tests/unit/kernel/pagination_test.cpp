#include <kernel/pagination.hpp>
#include <kernel/problem.hpp>

#include <doctest/doctest.h>

TEST_SUITE("kernel") {
  TEST_CASE("[Pagination] cursors round-trip and reject what this server did not issue") {
    for (std::int64_t position : {0LL, 1LL, 42LL, 9'007'199'254'740'993LL}) {
      CHECK(kernel::decode_cursor(kernel::encode_cursor(position)) == position);
    }
    CHECK_FALSE(kernel::decode_cursor("garbage!"));
    CHECK_FALSE(kernel::decode_cursor(""));
    CHECK_FALSE(kernel::decode_cursor("MTIz"));     // base64 of "123": no version prefix
    CHECK(kernel::encode_cursor(42) == "azE6NDI");  // base64url of "k1:42", no padding
  }

  TEST_CASE("[Pagination] take_page keeps the limit and points past its last item") {
    struct Row {
      std::int64_t id;
    };
    std::vector<Row> rows{{5}, {7}, {9}};
    CHECK(kernel::rows_for_page(2) == 3);
    CHECK(kernel::take_page(rows, 2) == 7);
    CHECK(rows.size() == 2);
    CHECK_FALSE(kernel::take_page(rows, 2));  // exactly a page: the last one
    CHECK(rows.size() == 2);
    std::vector<Row> none;
    CHECK_FALSE(kernel::take_page(none, 20));
  }

  TEST_CASE("[Pagination] limit is 1..100 with default 20") {
    kernel::Request r;
    CHECK(kernel::parse_page(r).limit == 20);
    r.query = {{"limit", "100"}};
    CHECK(kernel::parse_page(r).limit == 100);
    for (const char* bad : {"0", "101", "-1", "ten", "5x", ""}) {
      CAPTURE(bad);
      r.query = {{"limit", bad}};
      try {
        kernel::parse_page(r);
        FAIL("accepted");
      } catch (const kernel::ApiError& e) {
        CHECK(e.status() == 422);
        CHECK(e.errors().count("limit") == 1);
      }
    }
    r.query = {{"cursor", "not-a-cursor"}};
    try {
      kernel::parse_page(r);
      FAIL("accepted");
    } catch (const kernel::ApiError& e) {
      CHECK(e.status() == 400);
    }
  }
}
