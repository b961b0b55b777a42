#include <kernel/time.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>

namespace {

// What format_rfc3339 wrote before its fast path: gmtime_r and a format string.
std::string by_gmtime(std::int64_t millis) {
  auto seconds = static_cast<std::time_t>(millis >= 0 ? millis / 1000 : (millis - 999) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     ((millis % 1000) + 1000) % 1000);
}

kernel::TimePoint at(std::int64_t millis) {
  return kernel::TimePoint(std::chrono::milliseconds(millis));
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[time] format_rfc3339 writes UTC with milliseconds") {
    CHECK(kernel::format_rfc3339(at(0)) == "1970-01-01T00:00:00.000Z");
    CHECK(kernel::format_rfc3339(at(951'782'400'000)) == "2000-02-29T00:00:00.000Z");
    CHECK(kernel::format_rfc3339(at(1'795'737'599'999)) == "2026-11-26T23:59:59.999Z");
    CHECK(kernel::format_rfc3339(at(-1)) == "1969-12-31T23:59:59.999Z");
  }

  TEST_CASE("[time] format_rfc3339 agrees with gmtime_r from 1900 to 2200, and parses back") {
    std::mt19937_64 random(42);
    // Every day boundary of leap and century years is in the range; so are random instants.
    std::uniform_int_distribution<std::int64_t> instant(-2'208'988'800'000, 7'258'118'400'000);
    for (int i = 0; i < 20'000; ++i) {
      auto millis = i < 400 ? (i - 200) * 86'400'000LL * 183 + (i % 2) : instant(random);
      auto text = kernel::format_rfc3339(at(millis));
      REQUIRE(text == by_gmtime(millis));
      auto back = kernel::parse_rfc3339(text);
      REQUIRE(back);
      CHECK(kernel::to_unix_millis(*back) == millis);
    }
  }
}
