#include "admin_routes.hpp"

#include <kernel/sealed_text.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

namespace sealed = kernel::sealed_text;

TEST_CASE("[SealedText] seals so that only the same key opens, and tampering is detected") {
  sealed::set_key("a-secret-of-at-least-thirty-two-bytes!!", "test");
  auto box = sealed::seal("tok_visa_4242");
  CHECK(sealed::looks_sealed(box));
  CHECK(box.find("tok_visa") == std::string::npos);
  CHECK(sealed::open(box) == std::optional<std::string>("tok_visa_4242"));
  CHECK(sealed::seal("tok_visa_4242") != box);  // a fresh nonce each time

  auto tampered = box;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(sealed::open(tampered).has_value());
  CHECK_FALSE(sealed::open("tok_visa_4242").has_value());
  CHECK_FALSE(sealed::open("sealed.v1.").has_value());

  sealed::set_key("another-secret-of-at-least-thirty-two-b", "test");
  CHECK_FALSE(sealed::open(box).has_value());
  sealed::set_key("a-secret-of-at-least-thirty-two-bytes!!", "other purpose");
  CHECK_FALSE(sealed::open(box).has_value());
}

TEST_CASE("[SealedText] a view of an event drops the card token, sealed or in the clear") {
  sealed::set_key("a-secret-of-at-least-thirty-two-bytes!!", "test");
  auto payload = boost::json::parse(
      R"({"order_id":7,"payment_token":"tok_visa_CANARY7731","payment_token_sealed":")" +
      sealed::seal("tok_visa_CANARY7731") + R"(","nested":{"note":")" + sealed::seal("x") +
      R"(","keep":"sealed? no"},"list":[{"card_token_sealed":"y","n":1}]})");
  sealed::redact(payload);
  CHECK(payload ==
        boost::json::parse(R"({"order_id":7,"nested":{"keep":"sealed? no"},"list":[{"n":1}]})"));
  boost::json::value text = "sealed.v1.abc";  // not an object: nothing to drop a member from
  sealed::redact(text);
  CHECK(text == "sealed.v1.abc");
}

TEST_CASE("[DeadLetters] a dead letter's event is shown without the card token") {
  sealed::set_key("a-secret-of-at-least-thirty-two-bytes!!", "test");
  eventbus::ParkedEvent parked;
  parked.id = 3;
  parked.module = "payments";
  parked.event.type = "orders.payment_requested.v1";
  parked.event.payload = R"({"order_id":7,"amount_cents":100,"payment_token_sealed":")" +
                         sealed::seal("tok_visa_CANARY7731") + R"("})";
  auto sealed_view = boost::json::serialize(mart::to_json(parked));
  CAPTURE(sealed_view);
  CHECK(sealed_view.find("payment_token") == std::string::npos);
  CHECK(sealed_view.find("sealed.v1.") == std::string::npos);
  CHECK(sealed_view.find(R"("amount_cents":100)") != std::string::npos);

  parked.event.payload = R"({"order_id":7,"payment_token":"tok_visa_CANARY7731"})";
  auto legacy_view = boost::json::serialize(mart::to_json(parked));
  CHECK(legacy_view.find("CANARY7731") == std::string::npos);
}
