#pragma once
// Checks on text in tests.

#include <string>
#include <string_view>

namespace mart::test {

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace mart::test
