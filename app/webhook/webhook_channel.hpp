#pragma once
// A notifications::Channel that POSTs each notification as JSON to a configured HTTP endpoint,
// signed with HMAC-SHA256 so the receiver can tell it came from us. Beast and Asio stay in the
// .cpp; users see only this header.
//
//   POST <path> HTTP/1.1
//   Content-Type: application/json
//   X-Mart-Signature: t=<unix seconds>,v1=<lower-case hex HMAC-SHA256 of "<t>.<body>", keyed by
//                     the secret>
//   {"notification_id":..,"user_id":..,"email":"..","event_type":"..","order_id":..,
//    "message":"..","created_at":".."}
//
// The receiver recomputes the HMAC over "<t>.<exact body>", compares it in constant time and
// rejects a t more than 300 s away from its clock: a captured delivery cannot be replayed later.
// Any 2xx answer is a delivery; anything else (no connection, a timeout, another status) throws
// std::runtime_error and the bus retries later. Receivers must therefore accept the same
// notification_id more than once.

#include <notifications/module.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mart::webhook {

struct WebhookOptions {
  std::string url;     // http://host[:port][/path][?query]; https is not supported
  std::string secret;  // the HMAC key; at least kMinSecretBytes
  std::chrono::milliseconds timeout{
      5000};  // for the whole exchange: resolve, connect, send, answer
};

class WebhookChannel final : public notifications::Channel {
 public:
  // A shorter key can be guessed offline from one captured, signed delivery.
  static constexpr std::size_t kMinSecretBytes = 32;
  // Throws std::invalid_argument for a URL that is not http://host[:port]/path, a secret shorter
  // than kMinSecretBytes
  // or a non-positive timeout (the message names what is wrong, never the secret).
  explicit WebhookChannel(WebhookOptions options);

  std::string_view name() const override { return "webhook"; }
  void deliver(const notifications::Delivery& delivery) override;

  // The exact body deliver() sends, and its X-Mart-Signature value at `unix_seconds`
  // ("t=<unix_seconds>,v1=<hex>").
  static std::string body_of(const notifications::Delivery& delivery);
  static std::string signature_of(std::string_view body, std::string_view secret,
                                  std::int64_t unix_seconds);
  // Lower-case hex HMAC-SHA256 of `data` keyed by `key`.
  static std::string hmac_hex(std::string_view data, std::string_view key);

 private:
  WebhookOptions options_;
  std::string host_;       // to resolve (an IPv6 literal without brackets)
  std::string port_;       // "80" when the URL names none
  std::string authority_;  // the Host header
  std::string target_;     // path and query
};

}  // namespace mart::webhook
