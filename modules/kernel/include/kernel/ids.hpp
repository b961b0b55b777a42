#pragma once
// Random identifiers (event ids, request ids) from libsodium's CSPRNG.

#include <string>

namespace kernel {

// 32 lowercase hex characters (128 random bits).
std::string random_hex_id();
// An RFC 4122 version-4 UUID, "8-4-4-4-12".
std::string random_uuid();

}  // namespace kernel
