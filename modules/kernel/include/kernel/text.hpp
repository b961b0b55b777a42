#pragma once
// Small text helpers shared by the modules' validation rules.

#include <string>
#include <string_view>

namespace kernel {

// Without leading and trailing ASCII white space.
std::string trim(std::string_view text);
// The number of Unicode code points of UTF-8 text (what a person calls characters).
std::size_t utf8_length(std::string_view text);

}  // namespace kernel
