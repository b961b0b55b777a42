#pragma once
// Files of the repository the catalogue tests compare with (MART_SOURCE_DIR is the checkout).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace catalog::test {

inline std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(MART_SOURCE_DIR) / relative;
}

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(source_path(relative), std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << source_path(relative).string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace catalog::test
