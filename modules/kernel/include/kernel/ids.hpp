#pragma once
// Random identifiers: secrets from libsodium's CSPRNG; ids that need only be unique (event, request
// and trace ids) from a per-thread generator it seeds, which costs no system call per id.

#include <array>
#include <string>
#include <string_view>

namespace kernel {

// 32 lowercase hex characters (128 random bits from the CSPRNG: fit for secrets).
std::string random_hex_id();
// 32 lowercase hex characters, unique but not secret (request and trace ids).
std::string unique_hex_id();
// An RFC 9562 version-7 UUID: a millisecond Unix timestamp, then random (unique, not secret) bits.
// Ids made later sort later, so tables keyed by them (the bus inboxes) grow at their end instead of
// touching a random B-tree page per insert.
std::string time_ordered_uuid();
// 24 bytes that are never handed out twice: a random 16-byte prefix per thread (drawn from the
// CSPRNG when the thread first asks, and again in a forked child) followed by a 64-bit counter.
// For nonces, which must never repeat under one key and need not be unpredictable: no system
// call per nonce, as randombytes_buf() makes.
std::array<unsigned char, 24> unique_nonce();
// Hex BLAKE2b-256 of `data`: a stable fingerprint (of a migration, of a request body).
std::string digest_hex(std::string_view data);

}  // namespace kernel
