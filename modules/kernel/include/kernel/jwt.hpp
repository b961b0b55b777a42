#pragma once
// JSON Web Tokens, HS256 only (RFC 7519 / 7515), on libsodium's HMAC-SHA-256 with a constant-time
// comparison. The algorithm is fixed by the server, never chosen by the token: a token whose
// header says anything but HS256 (including "none") is refused before any signature check.

#include "kernel/auth.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace kernel {

struct TokenClaims {
  std::int64_t user_id = 0;  // "sub", as a decimal string in the token
  Role role = Role::customer;
  std::int64_t issued_at = 0;   // "iat", seconds since the epoch
  std::int64_t expires_at = 0;  // "exp"
  // "gen": the account's token generation at sign-in. A password change, a promotion or a
  // demotion raises the account's generation, which ends every token of an older one.
  std::int64_t generation = 0;
  // "jti": this token's own id, so that a logout can end this token and no other ("" when the
  // token has none: one signed before token ids existed).
  std::string token_id;
};

// A fresh random token id (128 bits, base64url).
std::string new_token_id();

enum class TokenError { malformed, bad_algorithm, bad_signature, expired, bad_claims };
std::string_view describe(TokenError error);

class JwtCodec {
 public:
  // `secret` must be at least 32 bytes.
  explicit JwtCodec(std::string secret);

  std::string sign(const TokenClaims& claims) const;
  // Checks structure, algorithm, signature, then expiry against `now_seconds`.
  std::optional<TokenClaims> verify(std::string_view token, std::int64_t now_seconds,
                                    TokenError* error = nullptr) const;

 private:
  std::string mac(std::string_view signing_input) const;
  std::string secret_;
};

}  // namespace kernel
