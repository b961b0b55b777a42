#pragma once
// Random identifiers (event ids, request ids) from libsodium's CSPRNG.

#include <string>
#include <string_view>

namespace kernel {

// 32 lowercase hex characters (128 random bits).
std::string random_hex_id();
// An RFC 4122 version-4 UUID, "8-4-4-4-12".
std::string random_uuid();
// An RFC 9562 version-7 UUID: a millisecond Unix timestamp, then random bits. Ids made later sort
// later, so tables keyed by them (the bus inboxes) grow at their end instead of touching a random
// B-tree page per insert.
std::string time_ordered_uuid();
// Hex BLAKE2b-256 of `data`: a stable fingerprint (of a migration, of a request body).
std::string digest_hex(std::string_view data);

}  // namespace kernel
