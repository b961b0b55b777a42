#pragma once
// Orders' published language (topic OrderEvents), keyed by order id. Other modules may include
// this header and nothing else of orders.

#include <eventbus/decode.hpp>
#include <kernel/sealed_text.hpp>

#include <boost/describe/class.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <stdexcept>
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
// Version 2: with where to ship it. Consumers subscribe to it and to OrderPlacedV1, which they
// upcast (ModuleBus::subscribe_versions), so an event written by an older build (in an outbox,
// parked, or from Kafka) is read as this one (docs/events.md, "Versions and rolling upgrades").
struct OrderPlaced {
  static constexpr std::string_view kType = "orders.order_placed.v2";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::vector<OrderLine> lines;
  std::int64_t total_cents = 0;
  std::string currency;
  std::string shipping_address;  // as given with the order; "" when not given (or not known)
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderPlaced, (),
                      (order_id, user_id, lines, total_cents, currency, shipping_address))

// Version 1, without the shipping address: what builds before version 2 publish, and what this
// build publishes while `events.publish_versions` pins it for consumers not upgraded yet.
struct OrderPlacedV1 {
  static constexpr std::string_view kType = "orders.order_placed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::vector<OrderLine> lines;
  std::int64_t total_cents = 0;
  std::string currency;
  std::string key() const { return std::to_string(order_id); }
};
BOOST_DESCRIBE_STRUCT(OrderPlacedV1, (), (order_id, user_id, lines, total_cents, currency))

// v1 → v2: a v1 event does not say where to ship, so the address is "" (not known), as for an
// order placed without one.
inline OrderPlaced upcast(const OrderPlacedV1& v1) {
  return {v1.order_id, v1.user_id, v1.lines, v1.total_cents, v1.currency, {}};
}

// v2 → v1, for a publisher pinned to v1: the address is left out (v1 cannot carry it; the order
// keeps it).
inline OrderPlacedV1 downcast(const OrderPlaced& v2) {
  return {v2.order_id, v2.user_id, v2.lines, v2.total_cents, v2.currency};
}

// Stock is held: payments should charge the order's total with this token.
//
// payment_token is the card token in the clear, in memory only: it is not a described member, so
// no describe-based code can write it, and its JSON form (the wire format: outbox, Kafka,
// timeline) carries it only as `payment_token_sealed` (kernel/sealed_text.hpp, keyed from the
// deployment's jwt_secret), see the mapping below. Only Payments reads it.
struct PaymentRequested {
  static constexpr std::string_view kType = "orders.payment_requested.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
  // The same token already sealed (as Orders stores it), written as it is: set by the publisher
  // to spare a second seal; empty on a decoded event.
  std::string payment_token_sealed;
  std::string key() const { return std::to_string(order_id); }

  struct Wire;  // its JSON form, for the event catalogue and docs
};
BOOST_DESCRIBE_STRUCT(PaymentRequested, (), (order_id, user_id, amount_cents, currency))

// PaymentRequested as written to JSON.
struct PaymentRequested::Wire {
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token_sealed;
};
BOOST_DESCRIBE_STRUCT(PaymentRequested::Wire, (),
                      (order_id, user_id, amount_cents, currency, payment_token_sealed))

// Writing seals the token, unless the publisher gave it sealed (Boost.JSON picks this over the
// described members). Anything in payment_token_sealed that is not a sealed text is ignored, so
// a mistaken publisher cannot put a token on the wire in the clear.
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& json,
                       const PaymentRequested& e) {
  json = boost::json::value_from(
      PaymentRequested::Wire{e.order_id, e.user_id, e.amount_cents, e.currency,
                             kernel::sealed_text::looks_sealed(e.payment_token_sealed)
                                 ? e.payment_token_sealed
                                 : kernel::sealed_text::seal(e.payment_token)},
      json.storage());
}

// Reading opens it, tolerantly as every event is read (ADR 0008). An event written before tokens
// were sealed carries `payment_token` in the clear and is still read, so that it can be charged.
// A sealed token that does not open (another deployment's key) throws: a failed delivery, retried
// and then a dead letter, never a charge with an empty token.
inline PaymentRequested tag_invoke(boost::json::value_to_tag<PaymentRequested>,
                                   const boost::json::value& json) {
  auto wire = eventbus::decode_event<PaymentRequested::Wire>(json);
  PaymentRequested e{
      wire.order_id, wire.user_id, wire.amount_cents, std::move(wire.currency), {}, {}};
  if (!wire.payment_token_sealed.empty()) {
    auto plain = kernel::sealed_text::open(wire.payment_token_sealed);
    if (!plain) {
      throw std::runtime_error(
          "orders.payment_requested.v1: the card token does not open with this deployment's "
          "key (does every process share jwt_secret?)");
    }
    e.payment_token = std::move(*plain);
  } else if (const auto* legacy = json.as_object().if_contains("payment_token")) {
    e.payment_token = boost::json::value_to<std::string>(*legacy);
  }
  return e;
}

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
