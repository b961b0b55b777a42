#include "kernel/ids.hpp"

#include <sodium.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>

namespace kernel {
namespace {

std::array<unsigned char, 16> random_bytes() {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
  std::array<unsigned char, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return bytes;
}

// libsodium reads the kernel's generator (a getrandom system call) on every call; ids that only
// need to be unique come from a per-thread generator seeded from it once.
// A forked child must not repeat its parent's ids: it reseeds every thread's generator it uses.
std::atomic<unsigned> g_forks{0};

// Whether a per-thread generator last seeded at fork count `seeded_at` must be seeded again (it
// never was, or this process is a child forked since); notes the count it is seeded at now.
bool must_reseed(unsigned& seeded_at) {
  static const bool watching = pthread_atfork(nullptr, nullptr, [] { ++g_forks; }) == 0;
  (void)watching;
  auto forks = g_forks.load(std::memory_order_relaxed);
  if (seeded_at == forks) return false;
  seeded_at = forks;
  return true;
}

std::array<unsigned char, 16> unique_bytes() {
  struct Generator {
    std::mt19937_64 engine;
    unsigned forks = ~0u;  // the fork count it was seeded at; never one yet
  };
  thread_local Generator generator;
  if (must_reseed(generator.forks)) {
    auto seed = random_bytes();
    std::seed_seq sequence(seed.begin(), seed.end());
    generator.engine.seed(sequence);
  }
  std::array<unsigned char, 16> bytes{};
  const std::uint64_t words[2] = {generator.engine(), generator.engine()};
  std::memcpy(bytes.data(), words, bytes.size());
  return bytes;
}

std::string to_hex(const std::array<unsigned char, 16>& bytes) {
  std::string out(32, '0');
  sodium_bin2hex(out.data(), out.size() + 1, bytes.data(), bytes.size());
  return out;
}

}  // namespace

std::array<unsigned char, 24> unique_nonce() {
  struct Source {
    std::array<unsigned char, 16> prefix{};
    std::uint64_t counter = 0;
    unsigned forks = ~0u;  // the fork count its prefix was drawn at; never one yet
  };
  thread_local Source source;
  if (must_reseed(source.forks)) {
    source.prefix = random_bytes();
    source.counter = 0;
  }
  std::array<unsigned char, 24> nonce{};
  std::memcpy(nonce.data(), source.prefix.data(), source.prefix.size());
  ++source.counter;
  std::memcpy(nonce.data() + source.prefix.size(), &source.counter, sizeof source.counter);
  return nonce;
}

std::string unique_hex_id() {
  return to_hex(unique_bytes());
}

std::string random_hex_id() {
  return to_hex(random_bytes());
}

namespace {

std::string format_uuid(std::array<unsigned char, 16> bytes, unsigned version) {
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string time_ordered_uuid() {
  auto bytes = unique_bytes();
  auto millis = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  for (int i = 0; i < 6; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(millis >> (40 - 8 * i));
  }
  return format_uuid(bytes, 7);
}

std::string digest_hex(std::string_view data) {
  unsigned char hash[crypto_generichash_BYTES];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  std::string hex(sizeof hash * 2, '0');
  sodium_bin2hex(hex.data(), hex.size() + 1, hash, sizeof hash);
  return hex;
}

}  // namespace kernel
