#pragma once
// Orders' published language (topic OrderEvents), keyed by order id. Other modules may include
// this header and nothing else of orders.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orders::events {

inline constexpr std::string_view kTopic = "OrderEvents";

struct OrderLine {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  std::int64_t unit_price_cents = 0;
};
BOOST_DESCRIBE_STRUCT(OrderLine, (), (product_id, quantity, unit_price_cents))

// A customer's order was accepted (status pending); inventory reserves its lines next.
struct OrderPlaced {
  static constexpr std::string_view kType = "orders.order_placed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::vector<OrderLine> lines;
  std::int64_t total_cents = 0;
  std::string currency;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderPlaced, (), (order_id, user_id, lines, total_cents, currency))

// Stock is held: payments should charge the order's total with this token.
struct PaymentRequested {
  static constexpr std::string_view kType = "orders.payment_requested.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(PaymentRequested, (),
                      (order_id, user_id, amount_cents, currency, payment_token))

// Paid: inventory turns the reservation into a sale.
struct OrderConfirmed {
  static constexpr std::string_view kType = "orders.order_confirmed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t total_cents = 0;
  std::string currency;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderConfirmed, (), (order_id, user_id, total_cents, currency))

// reason: "out_of_stock" | "payment_declined" | "customer_request".
// previous_status says what has to be undone: "pending" (a reservation may still come and must
// be released), "reserved" (release the hold), "confirmed" (refund, and return the sold stock).
struct OrderCancelled {
  static constexpr std::string_view kType = "orders.order_cancelled.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::string reason;
  std::string previous_status;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderCancelled, (), (order_id, user_id, reason, previous_status))

struct OrderShipped {
  static constexpr std::string_view kType = "orders.order_shipped.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderShipped, (), (order_id, user_id))

}  // namespace orders::events
