#include "kernel/text.hpp"

namespace kernel {

std::string trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(kSpace) - begin + 1));
}

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;  // continuation bytes do not start a character
  }
  return count;
}

}  // namespace kernel
