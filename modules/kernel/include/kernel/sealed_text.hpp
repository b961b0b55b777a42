#pragma once
// Text that only holders of the deployment's secret can read: authenticated encryption
// (libsodium's XChaCha20-Poly1305 secretbox) under a key derived from that secret. Used for the
// card token on its way from Orders to Payments, so the outbox, Kafka, dead letters and
// timelines hold a sealed form that is useless to anyone who reads them.

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace kernel::sealed_text {

// The key for this process: derived (keyed BLAKE2b, with `purpose` as the context) from
// `secret`, which every process of a deployment shares (jwt_secret). Call once at start-up,
// before any seal() or open(); later calls replace the key.
void set_key(std::string_view secret, std::string_view purpose);
bool has_key();

// "sealed.v1." + base64url(nonce || ciphertext). Throws std::logic_error without a key.
std::string seal(std::string_view plain);
// The plain text, or nullopt when `sealed` is not a sealed text made with this key (tampered,
// another key, not sealed at all).
std::optional<std::string> open(std::string_view sealed);
bool looks_sealed(std::string_view text);

// For views of an event's JSON that people read (an order's timeline, dead letters): removes,
// at any depth, every member that holds a sealed text or is named as one ("…_sealed"), and the
// card token's own field ("payment_token"), which events written before tokens were sealed carry
// in the clear. A sealed text is useless to a reader; a plain token must never be shown.
void redact(boost::json::value& json);

}  // namespace kernel::sealed_text
