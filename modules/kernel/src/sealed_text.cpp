#include "kernel/sealed_text.hpp"

#include "kernel/base64url.hpp"
#include "kernel/ids.hpp"

#include <boost/json/value.hpp>

#include <sodium.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace kernel::sealed_text {
namespace {

constexpr std::string_view kPrefix = "sealed.v1.";
constexpr std::string_view kSealedSuffix = "_sealed";
// Fields that carried a secret in the clear before it was sealed: still in old stored events.
constexpr std::string_view kPlainSecretFields[] = {"payment_token"};
using Key = std::array<unsigned char, crypto_secretbox_KEYBYTES>;

// Set once at start-up and read on delivery threads: a shared_ptr swapped under a mutex.
std::mutex key_mutex;
std::shared_ptr<const Key> current_key;

std::shared_ptr<const Key> key() {
  std::lock_guard lock(key_mutex);
  return current_key;
}

}  // namespace

void set_key(std::string_view secret, std::string_view purpose) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto derived = std::make_shared<Key>();
  // BLAKE2b keyed by the secret over the purpose: a key of its own, not the signing secret.
  crypto_generichash(derived->data(), derived->size(),
                     reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     std::min<std::size_t>(secret.size(), crypto_generichash_KEYBYTES_MAX));
  std::lock_guard lock(key_mutex);
  current_key = std::move(derived);
}

bool has_key() {
  return key() != nullptr;
}

bool looks_sealed(std::string_view text) {
  return text.starts_with(kPrefix);
}

std::string seal(std::string_view plain) {
  auto k = key();
  if (!k) throw std::logic_error("sealed_text: no key set");
  std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(box.data());
  // The nonce must never repeat under the key; unique_nonce() makes one without a system call.
  static_assert(crypto_secretbox_NONCEBYTES == std::tuple_size_v<decltype(unique_nonce())>);
  std::memcpy(bytes, unique_nonce().data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(bytes + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), bytes,
                        k->data());
  return std::string(kPrefix) + base64url_encode(box);
}

std::optional<std::string> open(std::string_view sealed) {
  auto k = key();
  if (!k || !looks_sealed(sealed)) return std::nullopt;
  auto box = base64url_decode(sealed.substr(kPrefix.size()));
  if (!box || box->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(box->data());
  std::string plain(box->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()), bytes + crypto_secretbox_NONCEBYTES,
          box->size() - crypto_secretbox_NONCEBYTES, bytes, k->data()) != 0) {
    return std::nullopt;
  }
  return plain;
}

namespace {

bool is_secret_member(std::string_view name, const boost::json::value& value) {
  if (name.ends_with(kSealedSuffix)) return true;
  for (auto field : kPlainSecretFields) {
    if (name == field) return true;
  }
  return value.is_string() && looks_sealed(value.get_string());
}

}  // namespace

void redact(boost::json::value& json) {
  if (auto* object = json.if_object()) {
    for (auto it = object->begin(); it != object->end();) {
      if (is_secret_member(it->key(), it->value())) {
        it = object->erase(it);
      } else {
        redact(it->value());
        ++it;
      }
    }
  } else if (auto* array = json.if_array()) {
    for (auto& item : *array) redact(item);
  }
}

}  // namespace kernel::sealed_text
