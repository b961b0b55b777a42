#include <kernel/base64url.hpp>
#include <kernel/jwt.hpp>

#include <doctest/doctest.h>

namespace {

const std::string kSecret(48, 's');
constexpr std::int64_t kNow = 1'800'000'000;

kernel::TokenClaims claims(std::int64_t exp = kNow + 3600) {
  return {42, kernel::Role::customer, kNow, exp, 0, {}};
}

std::optional<kernel::TokenError> error_of(const std::string& token) {
  kernel::TokenError error{};
  if (kernel::JwtCodec(kSecret).verify(token, kNow, &error)) return std::nullopt;
  return error;
}

std::string part(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  return token.substr(start, token.find('.', start) - start);
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[Jwt] the generation and the token id travel in the token") {
    kernel::JwtCodec codec(kSecret);
    auto with = claims();
    with.generation = 7;
    with.token_id = kernel::new_token_id();
    auto verified = codec.verify(codec.sign(with), kNow);
    REQUIRE(verified);
    CHECK(verified->generation == 7);
    CHECK(verified->token_id == with.token_id);
    CHECK(with.token_id.size() >= 22);  // 128 random bits
    CHECK(kernel::new_token_id() != with.token_id);
    auto without = codec.verify(codec.sign(claims()), kNow);  // no id given: no "jti"
    REQUIRE(without);
    CHECK(without->generation == 0);
    CHECK(without->token_id.empty());
  }

  TEST_CASE("[Jwt] a signed token verifies and carries sub, role, iat, exp") {
    kernel::JwtCodec codec(kSecret);
    auto token = codec.sign(claims());
    auto verified = codec.verify(token, kNow);
    REQUIRE(verified);
    CHECK(verified->user_id == 42);
    CHECK(verified->role == kernel::Role::customer);
    CHECK(verified->issued_at == kNow);
    CHECK(verified->expires_at == kNow + 3600);
    CHECK(*kernel::base64url_decode(part(token, 0)) == R"({"alg":"HS256","typ":"JWT"})");
    CHECK(kernel::base64url_decode(part(token, 1))->find(R"("sub":"42")") != std::string::npos);
  }

  TEST_CASE("[Jwt] each kind of bad token is refused for its reason") {
    kernel::JwtCodec codec(kSecret);
    auto token = codec.sign(claims());
    auto payload = part(token, 1);
    auto signature = part(token, 2);
    auto header = [](const std::string& json) { return kernel::base64url_encode(json); };
    using E = kernel::TokenError;

    CHECK(error_of("") == E::malformed);
    CHECK(error_of("a.b") == E::malformed);
    CHECK(error_of("a.b.c.d") == E::malformed);
    CHECK(error_of(token + "x").has_value());
    auto flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'Q' : 'A';
    CHECK(error_of(flipped).has_value());
    CHECK(error_of(header(R"({"alg":"none"})") + "." + payload + ".") == E::bad_algorithm);
    CHECK(error_of(header(R"({"alg":"HS512"})") + "." + payload + "." + signature) ==
          E::bad_algorithm);
    CHECK(error_of(header(R"({"alg":"RS256"})") + "." + payload + "." + signature) ==
          E::bad_algorithm);
    CHECK(error_of(header(R"({"typ":"JWT"})") + "." + payload + "." + signature) ==
          E::bad_algorithm);
    auto forged_payload =
        kernel::base64url_encode(R"({"sub":"42","role":"admin","iat":1,"exp":9999999999})");
    CHECK(error_of(part(token, 0) + "." + forged_payload + "." + signature) == E::bad_signature);
    CHECK(error_of(kernel::JwtCodec(std::string(48, 't')).sign(claims())) == E::bad_signature);
    CHECK(error_of(codec.sign(claims(kNow))) == E::expired);
    CHECK(error_of(codec.sign(claims(kNow - 1))) == E::expired);
  }

  TEST_CASE("[Jwt] a short secret is refused") {
    CHECK_THROWS_AS(kernel::JwtCodec("too-short"), std::invalid_argument);
  }
}
