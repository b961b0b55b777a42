#pragma once
// Payments' published language (topic PaymentEvents), keyed by order id. Other modules may
// include this header and nothing else of payments.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace payments::events {

inline constexpr std::string_view kTopic = "PaymentEvents";

struct PaymentSucceeded {
  static constexpr std::string_view kType = "payments.payment_succeeded.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t payment_id = 0;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(PaymentSucceeded, (), (payment_id, order_id, user_id, amount_cents, currency))

struct PaymentFailed {
  static constexpr std::string_view kType = "payments.payment_failed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t payment_id = 0;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string reason;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(PaymentFailed, (),
                      (payment_id, order_id, user_id, amount_cents, currency, reason))

struct PaymentRefunded {
  static constexpr std::string_view kType = "payments.payment_refunded.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t payment_id = 0;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(PaymentRefunded, (), (payment_id, order_id, user_id, amount_cents, currency))

}  // namespace payments::events
