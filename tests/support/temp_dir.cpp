#include "temp_dir.hpp"

#include <kernel/ids.hpp>

namespace mart::test {

TempDir::TempDir()
    : path_(std::filesystem::temp_directory_path() / ("mart-test-" + kernel::random_hex_id())) {
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace mart::test
