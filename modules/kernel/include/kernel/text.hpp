#pragma once
// Small text helpers shared by the modules' validation rules and the HTTP edge.

#include <string>
#include <string_view>

namespace kernel {

// ASCII white space: what trim() removes by default.
inline constexpr std::string_view kAsciiSpace = " \t\r\n\f\v";
// HTTP's optional white space, OWS (RFC 9110 §5.6.3): spaces and tabs.
inline constexpr std::string_view kHttpSpace = " \t";

// `text` without leading and trailing `space` characters: a view into `text`, no allocation.
constexpr std::string_view trim_view(std::string_view text, std::string_view space = kAsciiSpace) {
  auto begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// Without HTTP's optional white space around a field value or list element.
constexpr std::string_view trim_ows(std::string_view text) {
  return trim_view(text, kHttpSpace);
}

// Without leading and trailing ASCII white space, as a string of its own.
inline std::string trim(std::string_view text) {
  return std::string(trim_view(text));
}

// The number of Unicode code points of UTF-8 text (what a person calls characters).
std::size_t utf8_length(std::string_view text);

}  // namespace kernel
