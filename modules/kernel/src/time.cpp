#include "kernel/time.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <ctime>

namespace kernel {

namespace {

// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days):
// every row the flow writes carries a timestamp, and gmtime_r plus a format string cost more
// than the rest of formatting one.
struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const unsigned month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2);
  return {year, month, day};
}

char* put_digits(char* out, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

std::string format_rfc3339(TimePoint time) {
  auto millis = to_unix_millis(time);
  auto days = millis >= 0 ? millis / 86'400'000 : (millis - 86'399'999) / 86'400'000;
  auto in_day = millis - days * 86'400'000;  // 0 .. 86'399'999
  auto date = civil_from_days(days);
  if (date.year < 0 || date.year > 9999) {
    // Outside what four digits hold: the general (slow) path.
    std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                       utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                       millis % 1000);
  }
  char text[24];  // YYYY-MM-DDTHH:MM:SS.mmmZ
  char* out = put_digits(text, date.year, 4);
  *out++ = '-';
  out = put_digits(out, date.month, 2);
  *out++ = '-';
  out = put_digits(out, date.day, 2);
  *out++ = 'T';
  out = put_digits(out, in_day / 3'600'000, 2);
  *out++ = ':';
  out = put_digits(out, in_day / 60'000 % 60, 2);
  *out++ = ':';
  out = put_digits(out, in_day / 1000 % 60, 2);
  *out++ = '.';
  out = put_digits(out, in_day % 1000, 3);
  *out++ = 'Z';
  return std::string(text, out);
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  auto digits = [&](std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  std::tm utc{};
  int year = 0, month = 0;
  if (text.size() < 20 || !digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) ||
      text[7] != '-' || !digits(8, 2, utc.tm_mday) || (text[10] != 'T' && text[10] != 't') ||
      !digits(11, 2, utc.tm_hour) || text[13] != ':' || !digits(14, 2, utc.tm_min) ||
      text[16] != ':' || !digits(17, 2, utc.tm_sec)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 ||
      utc.tm_min > 59 || utc.tm_sec > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  int millis = 0;
  if (text[at] == '.') {
    std::size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (at - start < 3) millis = millis * 10 + (text[at] - '0');
      ++at;
    }
    if (at == start) return std::nullopt;
    for (auto n = at - start; n < 3; ++n) millis *= 10;
  }
  if (at + 1 != text.size() || (text[at] != 'Z' && text[at] != 'z')) return std::nullopt;
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  auto seconds = timegm(&utc);
  return from_unix_millis(static_cast<std::int64_t>(seconds) * 1000 + millis);
}

std::int64_t to_unix_millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_unix_millis(std::int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

}  // namespace kernel
