#include "kernel/jwt.hpp"

#include "kernel/base64url.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sodium.h>

#include <charconv>
#include <stdexcept>

namespace kernel {
namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

std::optional<std::int64_t> integer_claim(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

}  // namespace

std::string_view role_name(Role role) {
  return role == Role::admin ? "admin" : "customer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::admin;
  if (text == "customer") return Role::customer;
  return std::nullopt;
}

std::string_view describe(TokenError error) {
  switch (error) {
    case TokenError::malformed:
      return "the token is malformed";
    case TokenError::bad_algorithm:
      return "the token's algorithm is not accepted";
    case TokenError::bad_signature:
      return "the token's signature is invalid";
    case TokenError::expired:
      return "the token has expired";
    case TokenError::bad_claims:
      return "the token's claims are invalid";
  }
  return "the token is invalid";
}

std::string new_token_id() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

JwtCodec::JwtCodec(std::string secret) : secret_(std::move(secret)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (secret_.size() < 32) throw std::invalid_argument("the JWT secret must be at least 32 bytes");
}

std::string JwtCodec::mac(std::string_view signing_input) const {
  crypto_auth_hmacsha256_state state;
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string JwtCodec::sign(const TokenClaims& claims) const {
  boost::json::object payload{{"sub", std::to_string(claims.user_id)},
                              {"role", role_name(claims.role)},
                              {"iat", claims.issued_at},
                              {"exp", claims.expires_at},
                              {"gen", claims.generation}};
  if (!claims.token_id.empty()) payload["jti"] = claims.token_id;
  auto input = base64url_encode(kHeader) + "." + base64url_encode(boost::json::serialize(payload));
  return input + "." + base64url_encode(mac(input));
}

std::optional<TokenClaims> JwtCodec::verify(std::string_view token, std::int64_t now_seconds,
                                            TokenError* error) const {
  auto fail = [&](TokenError e) -> std::optional<TokenClaims> {
    if (error) *error = e;
    return std::nullopt;
  };
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return fail(TokenError::malformed);
  }
  auto header_text = base64url_decode(token.substr(0, first));
  auto payload_text = base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(token.substr(second + 1));
  if (!header_text || !payload_text || !signature) return fail(TokenError::malformed);

  boost::system::error_code ec;
  auto header = boost::json::parse(*header_text, ec);
  if (ec || !header.is_object()) return fail(TokenError::malformed);
  const auto* alg = header.as_object().if_contains("alg");
  if (!alg || !alg->is_string() || alg->get_string() != "HS256") {
    return fail(TokenError::bad_algorithm);
  }
  auto expected = mac(token.substr(0, second));
  if (signature->size() != expected.size() ||
      sodium_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return fail(TokenError::bad_signature);
  }

  auto payload = boost::json::parse(*payload_text, ec);
  if (ec || !payload.is_object()) return fail(TokenError::malformed);
  const auto& claims = payload.as_object();
  TokenClaims out;
  const auto* sub = claims.if_contains("sub");
  const auto* role = claims.if_contains("role");
  auto iat = integer_claim(claims, "iat");
  auto exp = integer_claim(claims, "exp");
  if (!sub || !sub->is_string() || !role || !role->is_string() || !iat || !exp) {
    return fail(TokenError::bad_claims);
  }
  std::string_view sub_text = sub->get_string();
  auto [ptr, parse_error] =
      std::from_chars(sub_text.data(), sub_text.data() + sub_text.size(), out.user_id);
  auto parsed_role = parse_role(role->get_string());
  if (parse_error != std::errc() || ptr != sub_text.data() + sub_text.size() || out.user_id <= 0 ||
      !parsed_role) {
    return fail(TokenError::bad_claims);
  }
  out.role = *parsed_role;
  out.issued_at = *iat;
  out.expires_at = *exp;
  // Both are absent from tokens signed before they existed: generation 0, no id.
  if (const auto* gen = claims.if_contains("gen")) {
    if (!gen->is_int64() || gen->get_int64() < 0) return fail(TokenError::bad_claims);
    out.generation = gen->get_int64();
  }
  if (const auto* jti = claims.if_contains("jti")) {
    if (!jti->is_string() || jti->get_string().empty()) return fail(TokenError::bad_claims);
    out.token_id = std::string(jti->get_string());
  }
  if (out.expires_at <= now_seconds) return fail(TokenError::expired);
  return out;
}

}  // namespace kernel
