#include "domain/password.hpp"

#include <sodium.h>

#include <atomic>
#include <stdexcept>

namespace users::password {
namespace {

std::atomic<std::uint64_t> hash_count{0};

void init() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::string hash(const std::string& password) {
  init();
  ++hash_count;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("password hashing ran out of memory");
  }
  return out;
}

bool verify(const std::string& hash, const std::string& password) {
  init();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void verify_dummy(const std::string& password) {
  static const std::string dummy = hash("not-a-real-password-just-for-timing");
  (void)verify(dummy, password);
}

std::uint64_t hashes_made() {
  return hash_count.load();
}

}  // namespace users::password
