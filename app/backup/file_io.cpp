#include "file_io.hpp"

#include <kernel/ids.hpp>
#include <kernel/unique_fd.hpp>

#include <sodium.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mart::backup {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error("cannot " + what + " " + path.string() + ": " +
                           std::string(std::strerror(errno)));
}

// `path` opened with `flags` (close-on-exec); holding nothing when the open failed (errno says
// why).
kernel::UniqueFd open_file(const std::filesystem::path& path, int flags, mode_t mode = 0) {
  return kernel::UniqueFd(::open(path.c_str(), flags | O_CLOEXEC, mode));
}

void write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& file) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", file);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string sha256_of_file(const std::filesystem::path& file) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto in = open_file(file, O_RDONLY);
  if (!in) fail("open", file);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::array<unsigned char, 1 << 16> buffer{};
  for (;;) {
    auto n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", file);
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&state, buffer.data(), static_cast<unsigned long long>(n));
  }
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

void sync_path(const std::filesystem::path& path) {
  auto fd = open_file(path, O_RDONLY);
  if (!fd) fail("open", path);
  if (::fsync(fd.get()) != 0) fail("fsync", path);
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  auto out = open_file(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!out) fail("create", file);
  write_all(out.get(), text.data(), text.size(), file);
  if (::fsync(out.get()) != 0) fail("fsync", file);
}

void copy_file_synced(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto in = open_file(from, O_RDONLY);
  if (!in) fail("open", from);
  auto out = open_file(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!out) fail("create", to);
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    auto n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", from);
    }
    if (n == 0) break;
    write_all(out.get(), buffer.data(), static_cast<std::size_t>(n), to);
  }
  if (::fsync(out.get()) != 0) fail("fsync", to);
}

std::filesystem::path make_temp_dir(const std::filesystem::path& stem) {
  auto dir = stem;
  dir += "." + kernel::random_hex_id().substr(0, 12);
  if (::mkdir(dir.c_str(), 0700) != 0) fail("create", dir);
  return dir;
}

}  // namespace mart::backup
