// PaymentRequested's JSON form (the wire format: outbox, Kafka, timeline) never carries the card
// token in the clear: only sealed, and Payments' decoding opens it again.

#include "recording_bus.hpp"

#include <orders/events.hpp>

#include <eventbus/decode.hpp>
#include <kernel/sealed_text.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <doctest/doctest.h>

namespace {

using orders::events::PaymentRequested;

constexpr std::string_view kCanary = "tok_visa_CANARY7731";

void use_test_key() {
  kernel::sealed_text::set_key("a-test-secret-of-at-least-thirty-two-bytes",
                               "mart payment token v1");
}

}  // namespace

TEST_SUITE("orders") {
  TEST_CASE("[PaymentRequested] its JSON carries the token only sealed, and decodes back") {
    use_test_key();
    const PaymentRequested event{7, 3, 1250, "USD", std::string(kCanary), {}};
    const auto json = boost::json::value_from(event);
    const auto text = boost::json::serialize(json);
    CAPTURE(text);
    CHECK(text.find(kCanary) == std::string::npos);
    const auto& object = json.as_object();
    CHECK_FALSE(object.contains("payment_token"));
    REQUIRE(object.contains("payment_token_sealed"));
    const auto sealed = std::string(object.at("payment_token_sealed").as_string());
    CHECK(kernel::sealed_text::looks_sealed(sealed));
    CHECK(kernel::sealed_text::open(sealed) == std::optional<std::string>(kCanary));
    CHECK(object.at("order_id") == 7);
    CHECK(object.at("amount_cents") == 1250);

    // What the bus does with it on both sides: publish (value_from), deliver (decode_event).
    const auto decoded = eventbus::decode_event<PaymentRequested>(boost::json::parse(text));
    CHECK(decoded.order_id == 7);
    CHECK(decoded.user_id == 3);
    CHECK(decoded.amount_cents == 1250);
    CHECK(decoded.currency == "USD");
    CHECK(decoded.payment_token == kCanary);
  }

  TEST_CASE("[PaymentRequested] a token already sealed is written as it is, and decodes back") {
    use_test_key();
    const auto sealed = kernel::sealed_text::seal(kCanary);
    const PaymentRequested event{7, 3, 1250, "USD", std::string(kCanary), sealed};
    const auto json = boost::json::value_from(event);
    CHECK(std::string(json.at("payment_token_sealed").as_string()) == sealed);
    CHECK(boost::json::serialize(json).find(kCanary) == std::string::npos);
    const auto decoded = eventbus::decode_event<PaymentRequested>(json);
    CHECK(decoded.payment_token == kCanary);

    // A plain token put there by mistake is not written: the token is sealed afresh.
    const PaymentRequested mistaken{7, 3, 1250, "USD", std::string(kCanary), std::string(kCanary)};
    const auto text = boost::json::serialize(boost::json::value_from(mistaken));
    CHECK(text.find(kCanary) == std::string::npos);
    CHECK(eventbus::decode_event<PaymentRequested>(boost::json::parse(text)).payment_token ==
          kCanary);
  }

  TEST_CASE("[PaymentRequested] an event written by an older build, token in the clear, decodes") {
    use_test_key();
    const auto legacy =
        boost::json::parse(R"({"order_id":8,"user_id":3,"amount_cents":900,"currency":"USD",)"
                           R"("payment_token":"tok_visa_CANARY7731"})");
    const auto decoded = eventbus::decode_event<PaymentRequested>(legacy);
    CHECK(decoded.order_id == 8);
    CHECK(decoded.payment_token == kCanary);
    // Unknown fields are ignored, as for every event (ADR 0008).
    const auto extra = boost::json::parse(
        R"({"order_id":9,"amount_cents":1,"currency":"USD","payment_token":"tok","later":1})");
    CHECK(eventbus::decode_event<PaymentRequested>(extra).payment_token == "tok");
  }

  TEST_CASE("[PaymentRequested] a sealed token that does not open is a failed delivery, not ''") {
    use_test_key();
    const auto text = boost::json::serialize(
        boost::json::value_from(PaymentRequested{7, 3, 100, "USD", "tok_visa", {}}));
    // Another deployment's key (a process of a split deployment with another jwt_secret).
    kernel::sealed_text::set_key("another-secret-of-at-least-thirty-two-bytes",
                                 "mart payment token v1");
    CHECK_THROWS(eventbus::decode_event<PaymentRequested>(boost::json::parse(text)));
    CHECK_THROWS(eventbus::decode_event<PaymentRequested>(
        boost::json::parse(R"({"order_id":1,"payment_token_sealed":"sealed.v1.AAAA"})")));
    use_test_key();
  }

  TEST_CASE("[PaymentRequested] the recording bus, like the outbox, holds only the sealed form") {
    mart::test::RecordingBus rb;
    rb.host("orders");
    rb.inject("orders", PaymentRequested{5, 2, 300, "USD", std::string(kCanary), {}});
    const auto envelopes = rb.envelopes("orders");
    REQUIRE(envelopes.size() == 1);
    CHECK(envelopes[0].payload.find(kCanary) == std::string::npos);
    CHECK(envelopes[0].payload.find("payment_token_sealed") != std::string::npos);
    const auto published = rb.published<PaymentRequested>("orders");
    REQUIRE(published.size() == 1);
    CHECK(published[0].payment_token == kCanary);
  }
}
