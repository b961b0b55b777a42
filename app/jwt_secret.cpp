#include "jwt_secret.hpp"

#include <kernel/ids.hpp>
#include <kernel/log.hpp>
#include <kernel/unique_fd.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mart {
namespace {

std::string fresh_secret() {
  return kernel::random_hex_id() + kernel::random_hex_id();
}

std::string read_secret(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < 32) {
    throw std::runtime_error(file.string() +
                             " holds fewer than 32 characters; delete it to let "
                             "mart generate a new secret (existing tokens become invalid)");
  }
  return secret;
}

// Anyone who can read the secret can sign an admin token.
void warn_if_readable_by_others(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    kernel::log::warn("app", file.string() +
                                 " can be read by other users: anyone who reads it can sign "
                                 "tokens (chmod 600 it)");
  }
}

}  // namespace

std::string load_or_create_jwt_secret(const Config& config) {
  if (!config.jwt_secret.empty()) return config.jwt_secret;
  if (config.in_memory) return fresh_secret();
  auto file = config.data_dir / "jwt_secret";
  kernel::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno != EEXIST) throw std::runtime_error("cannot create " + file.string());
    warn_if_readable_by_others(file);
    return read_secret(file);
  }
  auto secret = fresh_secret();
  auto line = secret + "\n";
  bool written = ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                 ::fsync(fd.get()) == 0;
  fd.reset();
  if (!written) {
    std::filesystem::remove(file);
    throw std::runtime_error("cannot write " + file.string());
  }
  return secret;
}

}  // namespace mart
