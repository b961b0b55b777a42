#pragma once
// Password hashing: Argon2id through libsodium's crypto_pwhash_str with its interactive limits.
// Verification is constant-time (libsodium); an unknown account is checked against a dummy hash
// so that a wrong email and a wrong password take the same time.

#include <cstdint>
#include <string>

namespace users::password {

std::string hash(const std::string& password);
bool verify(const std::string& hash, const std::string& password);
// Spends the time of one verification without an account (for unknown emails).
void verify_dummy(const std::string& password);
// How many hashes this process has made (hash() calls): lets tests prove a path made none.
std::uint64_t hashes_made();

}  // namespace users::password
