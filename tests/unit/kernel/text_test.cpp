#include <kernel/base64url.hpp>
#include <kernel/text.hpp>

#include <doctest/doctest.h>

TEST_SUITE("kernel") {
  TEST_CASE("[Text] trim removes ASCII white space, trim_ows only spaces and tabs") {
    CHECK(kernel::trim(" \t\r\n\f\vname \n") == "name");
    CHECK(kernel::trim("  ").empty());
    CHECK(kernel::trim("a b") == "a b");
    CHECK(kernel::trim_ows(" \tchunked\t ") == "chunked");
    CHECK(kernel::trim_ows("\r\nchunked") == "\r\nchunked");  // CR and LF are not OWS
    CHECK(kernel::trim_ows("").empty());
    CHECK(kernel::utf8_length("h\xc3\xa9") == 2);
  }

  TEST_CASE("[Base64url] round-trips without padding and refuses what is not base64url") {
    CHECK(kernel::base64url_encode("\xfb\xff") == "-_8");
    CHECK(kernel::base64url_decode("-_8") == std::string("\xfb\xff"));
    for (std::string bytes : {"", "a", "ab", "abc", "abcd"}) {
      CHECK(kernel::base64url_decode(kernel::base64url_encode(bytes)) == bytes);
    }
    CHECK_FALSE(kernel::base64url_decode("+/8"));   // standard alphabet
    CHECK_FALSE(kernel::base64url_decode("YQ=="));  // padding
    CHECK_FALSE(kernel::base64url_decode("YQ!"));
  }
}
