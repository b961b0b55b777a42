#include "domain/notice.hpp"

#include <doctest/doctest.h>

#include <utility>

using notifications::format_money;
using notifications::notice_of;

TEST_SUITE("notifications") {
  TEST_CASE("[Notice] money is told in the currency's own decimals") {
    CHECK(format_money(4500, "USD") == "45.00 USD");
    CHECK(format_money(5, "EUR") == "0.05 EUR");
    CHECK(format_money(1200, "JPY") == "1200 JPY");
    CHECK(format_money(1234, "KWD") == "1.234 KWD");
    CHECK(format_money(-250, "USD") == "-2.50 USD");
    CHECK(format_money(100, "") == "1.00 USD");
    CHECK(format_money(INT64_MIN, "USD") == "-92233720368547758.08 USD");
  }

  TEST_CASE("[Notice] each event kind has its own sentence and fact identity") {
    auto placed = notice_of(
        orders::events::OrderPlaced{12, 7, {{1, 2, 500}, {2, 1, 250}}, 1250, "USD", ""}, "env-1");
    CHECK(placed.user_id == 7);
    CHECK(placed.order_id == 12);
    CHECK(placed.event_type == "orders.order_placed.v2");
    CHECK(placed.source_event_id == "orders.order_placed.v2/order/12");
    CHECK(placed.message == "Your order #12 was placed: 3 items, total 12.50 USD.");
    auto with_address = notice_of(
        orders::events::OrderPlaced{12, 7, {{1, 1, 500}}, 500, "USD", "12 Main St, Springfield"},
        "env-1");
    CHECK(with_address.message ==
          "Your order #12 was placed: 1 item, total 5.00 USD. It will be shipped to 12 Main St, "
          "Springfield.");

    auto confirmed = notice_of(orders::events::OrderConfirmed{12, 7, 1250, "USD"}, "env-2");
    CHECK(confirmed.message ==
          "Your order #12 is confirmed: we received your payment of 12.50 USD.");
    CHECK(confirmed.source_event_id == "orders.order_confirmed.v1/order/12");

    auto shipped = notice_of(orders::events::OrderShipped{12, 7}, "env-3");
    CHECK(shipped.message == "Your order #12 has shipped.");

    auto failed =
        notice_of(payments::events::PaymentFailed{3, 12, 7, 1250, "USD", "card declined"}, "env-4");
    CHECK(failed.order_id == 12);
    CHECK(failed.source_event_id == "payments.payment_failed.v1/payment/3");
    CHECK(failed.message == "The payment of 12.50 USD for your order #12 failed: card declined.");

    auto refunded = notice_of(payments::events::PaymentRefunded{3, 12, 7, 1250, "USD"}, "env-5");
    CHECK(refunded.event_type == "payments.payment_refunded.v1");
    CHECK(refunded.message == "Your payment of 12.50 USD for order #12 was refunded.");
  }

  TEST_CASE("[Notice] a cancellation names its reason, known or not") {
    auto notice = [](std::string reason) {
      return notice_of(orders::events::OrderCancelled{12, 7, std::move(reason), "reserved"}, "env")
          .message;
    };
    CHECK(notice("out_of_stock") ==
          "Your order #12 was cancelled: some items are out of stock (reason: out_of_stock).");
    CHECK(notice("payment_declined") ==
          "Your order #12 was cancelled: the payment was declined (reason: payment_declined).");
    CHECK(notice("customer_request").find("customer_request") != std::string::npos);
    CHECK(notice("fraud_suspected") == "Your order #12 was cancelled (reason: fraud_suspected).");
    CHECK(notice("") == "Your order #12 was cancelled.");
  }

  TEST_CASE("[Notice] an event without the id of its subject is identified by its envelope") {
    auto a = notice_of(payments::events::PaymentRefunded{0, 12, 7, 1, "USD"}, "env-a");
    auto b = notice_of(payments::events::PaymentRefunded{0, 12, 7, 1, "USD"}, "env-b");
    CHECK(a.source_event_id == "payments.payment_refunded.v1/event/env-a");
    CHECK(a.source_event_id != b.source_event_id);
  }
}
