#include "usecases/payments.hpp"

#include "recording_bus.hpp"
#include "test_provider.hpp"

#include <orders/events.hpp>
#include <payments/events.hpp>
#include <payments/module.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

namespace {

using orders::events::OrderCancelled;
using orders::events::PaymentRequested;
using payments::events::PaymentFailed;
using payments::events::PaymentRefunded;
using payments::events::PaymentSucceeded;

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& payments_bus = rb.host("payments");
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  std::shared_ptr<payments::test::CountingProvider> provider =
      std::make_shared<payments::test::CountingProvider>();
  std::unique_ptr<kernel::Module> module = payments::make_module(payments_bus, provider);
  // The module's use cases are private to it; a second instance on the same database reads it.
  payments::Payments payments{payments_bus, provider};
  kernel::Principal admin{1, kernel::Role::admin};

  void request_payment(std::int64_t order_id, std::string token = "tok_visa",
                       std::int64_t amount = 2500, std::int64_t user_id = 10) {
    rb.inject("orders", PaymentRequested{order_id, user_id, amount, "USD", std::move(token), {}});
    rb.run_until_idle();
  }
  void cancel(std::int64_t order_id, std::string previous_status = "confirmed") {
    rb.inject("orders",
              OrderCancelled{order_id, 10, "customer_request", std::move(previous_status)});
    rb.run_until_idle();
  }
  std::vector<payments::Payment> payments_of(std::int64_t order_id) {
    return payments.list_for_order(order_id, admin, 0, 100).items;
  }
  std::int64_t dead_letters() {
    std::int64_t dead = 0;
    for (const auto& s : rb.bus().status()) dead += s.dead_letters;
    return dead;
  }
};

}  // namespace

TEST_SUITE("payments") {
  TEST_CASE("[ChargeOrder] an approved token records a succeeded payment, PaymentSucceeded") {
    Fixture f;
    f.request_payment(7, "tok_visa", 2500);
    auto payments = f.payments_of(7);
    REQUIRE(payments.size() == 1);
    CHECK(payments[0].status == payments::PaymentStatus::succeeded);
    CHECK(payments[0].amount_cents == 2500);
    CHECK(payments[0].currency == "USD");
    CHECK(payments[0].user_id == 10);
    CHECK_FALSE(payments[0].provider_reference.empty());
    CHECK_FALSE(payments[0].created_at.empty());
    auto succeeded = f.rb.published<PaymentSucceeded>("payments");
    REQUIRE(succeeded.size() == 1);
    CHECK(succeeded[0].payment_id == payments[0].id);
    CHECK(succeeded[0].order_id == 7);
    CHECK(succeeded[0].user_id == 10);
    CHECK(succeeded[0].amount_cents == 2500);
    CHECK(succeeded[0].currency == "USD");
    CHECK(f.rb.published<PaymentFailed>("payments").empty());
    CHECK(f.provider->keys == std::set<std::string>{"7"});  // the order id is the key
    // The event carries the request's correlation id onwards.
    CHECK(f.rb.envelopes("payments").at(0).correlation_id == "test");
  }

  TEST_CASE("[ChargeOrder] a tok_decline token records a failed payment, PaymentFailed") {
    Fixture f;
    f.request_payment(8, "tok_decline_expired");
    auto payments = f.payments_of(8);
    REQUIRE(payments.size() == 1);
    CHECK(payments[0].status == payments::PaymentStatus::failed);
    CHECK(payments[0].failure_reason == "card_declined");
    auto failed = f.rb.published<PaymentFailed>("payments");
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].order_id == 8);
    CHECK(failed[0].payment_id == payments[0].id);
    CHECK(failed[0].reason == "card_declined");
    CHECK(f.rb.published<PaymentSucceeded>("payments").empty());
  }

  TEST_CASE("[ChargeOrder] an invalid amount or currency fails without asking the provider") {
    Fixture f;
    f.rb.inject("orders", PaymentRequested{1, 10, -5, "USD", "tok_visa", {}});
    f.rb.inject("orders", PaymentRequested{2, 10, 100, "usd", "tok_visa", {}});
    f.rb.run_until_idle();
    auto failed = f.rb.published<PaymentFailed>("payments");
    REQUIRE(failed.size() == 2);
    CHECK(failed[0].reason == "invalid_amount");
    CHECK(failed[1].reason == "invalid_currency");
    CHECK(f.provider->charge_calls == 0);
  }

  TEST_CASE("[ChargeOrder] a redelivery after a lost commit charges the provider once") {
    Fixture f;
    // The provider charges, then the answer is lost: the handler's transaction rolls back and the
    // bus delivers the same event again later.
    f.provider->lose_answers = 1;
    f.request_payment(7);
    CHECK(f.payments_of(7).empty());
    CHECK(f.rb.published<PaymentSucceeded>("payments").empty());
    f.rb.clock().advance(std::chrono::seconds(5));
    f.rb.run_until_idle();
    CHECK(f.provider->charge_calls == 2);
    // Both calls carried the same idempotency key, so the provider took the money once.
    CHECK(f.provider->keys == std::set<std::string>{"7"});
    CHECK(f.payments_of(7).size() == 1);
    CHECK(f.rb.published<PaymentSucceeded>("payments").size() == 1);
    CHECK(f.dead_letters() == 0);
  }

  TEST_CASE("[ChargeOrder] a second PaymentRequested (another event id) charges nothing more") {
    Fixture f;
    f.request_payment(7, "tok_visa", 2500);
    f.request_payment(7, "tok_visa", 2500);
    f.request_payment(7, "tok_decline", 9999);  // even a different request: the first one stands
    CHECK(f.provider->charge_calls == 1);
    auto payments = f.payments_of(7);
    REQUIRE(payments.size() == 1);
    CHECK(payments[0].status == payments::PaymentStatus::succeeded);
    CHECK(payments[0].amount_cents == 2500);
    CHECK(f.rb.published<PaymentSucceeded>("payments").size() == 1);
    CHECK(f.rb.published<PaymentFailed>("payments").empty());
  }

  TEST_CASE("[ChargeOrder] the use case itself is idempotent, without the bus's inbox") {
    Fixture f;
    payments::ChargeOrder order{9, 10, 300, "EUR", "tok_visa"};
    for (int i = 0; i < 3; ++i) {
      auto record = f.payments.charge_order(order, f.payments_bus.db());
      f.payments_bus.transact({"direct", ""}, [&](eventbus::Tx& tx) {
        eventbus::Envelope event;
        eventbus::HandlerContext ctx{tx, event};
        record(ctx);
      });
    }
    CHECK(f.provider->charge_calls == 1);
    CHECK(f.payments_of(9).size() == 1);
    CHECK(f.rb.published<PaymentSucceeded>("payments").size() == 1);
  }

  TEST_CASE("[OrderCancelled] a paid order is refunded once, with PaymentRefunded") {
    Fixture f;
    f.request_payment(7, "tok_visa", 2500);
    f.cancel(7);
    auto payments = f.payments_of(7);
    REQUIRE(payments.size() == 1);
    CHECK(payments[0].status == payments::PaymentStatus::refunded);
    CHECK_FALSE(payments[0].refund_reference.empty());
    auto refunded = f.rb.published<PaymentRefunded>("payments");
    REQUIRE(refunded.size() == 1);
    CHECK(refunded[0].payment_id == payments[0].id);
    CHECK(refunded[0].order_id == 7);
    CHECK(refunded[0].amount_cents == 2500);
    // Another cancellation event for the same order changes nothing.
    f.cancel(7);
    CHECK(f.provider->refund_calls == 1);
    CHECK(f.rb.published<PaymentRefunded>("payments").size() == 1);
  }

  TEST_CASE("[OrderCancelled] a paid order cancelled while 'reserved' is refunded too") {
    // The customer cancelled before orders saw PaymentSucceeded: money was taken all the same.
    Fixture f;
    f.request_payment(7);
    f.cancel(7, "reserved");
    CHECK(f.payments_of(7).at(0).status == payments::PaymentStatus::refunded);
    CHECK(f.rb.published<PaymentRefunded>("payments").size() == 1);
  }

  TEST_CASE("[OrderCancelled] an unpaid or declined order is left alone") {
    Fixture f;
    f.cancel(5, "pending");
    f.request_payment(6, "tok_decline");
    f.cancel(6, "reserved");
    CHECK(f.provider->refund_calls == 0);
    CHECK(f.rb.published<PaymentRefunded>("payments").empty());
    CHECK(f.payments_of(5).empty());
    CHECK(f.payments_of(6).at(0).status == payments::PaymentStatus::failed);
  }

  TEST_CASE("[OrderCancelled] a payment request arriving after the cancel charges nothing") {
    Fixture f;
    f.cancel(5, "pending");
    f.request_payment(5);
    CHECK(f.provider->charge_calls == 0);
    CHECK(f.payments_of(5).empty());
    CHECK(f.rb.published<PaymentSucceeded>("payments").empty());
  }

  TEST_CASE("[OrderCancelled] a cancel waits behind a retried charge, then refunds it") {
    Fixture f;
    // The charge's answer is lost while the customer cancels: the cancel must not overtake the
    // retry, or the money the provider took would never be refunded.
    f.provider->lose_answers = 1;
    f.rb.inject("orders", PaymentRequested{7, 10, 2500, "USD", "tok_visa", {}});
    f.rb.inject("orders", OrderCancelled{7, 10, "customer_request", "reserved"});
    f.rb.run_until_idle();
    CHECK(f.payments_of(7).empty());
    f.rb.clock().advance(std::chrono::seconds(5));
    f.rb.run_until_idle();
    CHECK(f.provider->keys == std::set<std::string>{"7"});
    REQUIRE(f.payments_of(7).size() == 1);
    CHECK(f.payments_of(7)[0].status == payments::PaymentStatus::refunded);
    CHECK(f.rb.published<PaymentSucceeded>("payments").size() == 1);
    CHECK(f.rb.published<PaymentRefunded>("payments").size() == 1);
    CHECK(f.dead_letters() == 0);
  }

  TEST_CASE(
      "[OrderCancelled] a refused refund is retried visibly, then dead-lettered, never dropped") {
    Fixture f;
    f.request_payment(7);
    f.provider->refuse_refunds = true;
    f.cancel(7);
    for (int i = 0; i < 5; ++i) {
      f.rb.clock().advance(std::chrono::minutes(1));
      f.rb.run_until_idle();
    }
    CHECK(f.provider->refund_calls > 2);
    CHECK(f.dead_letters() == 0);  // retried for an hour (PaymentsOptions::retry_for)
    auto health = f.module->health();
    auto detail = [&](std::string_view name) {
      for (const auto& d : health) {
        if (d.name == name) return d;
      }
      return kernel::HealthDetail{};
    };
    CHECK(detail("refunds_waiting_for_provider").value == "1");
    CHECK_FALSE(detail("refunds_waiting_for_provider").ok);
    // Anonymous /readyz gets counts, never the provider's own words.
    for (const auto& d : health) CHECK(d.value.find("charge_disputed") == std::string::npos);
    bool gauge = false;
    for (const auto& g : f.module->gauges()) {
      if (g.labels == decltype(g.labels){{"kind", "refund"}, {"state", "waiting"}}) {
        gauge = g.value == 1;
      }
    }
    CHECK(gauge);
    auto timeline =
        f.rb.bus().events_for_key("7", {"orders"}, [](std::string_view) { return true; });
    REQUIRE(timeline.size() == 2);
    REQUIRE(timeline[1].waiting.size() == 1);
    CHECK(timeline[1].waiting[0].last_error.find("charge_disputed") != std::string::npos);

    for (int i = 0; i < 60; ++i) {
      f.rb.clock().advance(std::chrono::minutes(1));
      f.rb.run_until_idle();
    }
    CHECK(f.payments_of(7).at(0).status == payments::PaymentStatus::succeeded);
    CHECK(f.rb.published<PaymentRefunded>("payments").empty());
    CHECK(f.dead_letters() == 1);
  }

  TEST_CASE("[ChargeOrder] a 10-minute provider outage is ridden out without a dead letter") {
    Fixture f;
    f.provider->charges_unreachable = true;
    f.request_payment(7);
    for (int i = 0; i < 40; ++i) {  // 10 minutes
      f.rb.clock().advance(std::chrono::seconds(15));
      f.rb.run_until_idle();
    }
    CHECK(f.payments_of(7).empty());
    CHECK(f.dead_letters() == 0);
    CHECK(f.provider->charge_calls > 5);
    CHECK(f.provider->charge_calls < 40);  // backing off, up to a minute
    f.provider->charges_unreachable = false;
    f.rb.clock().advance(std::chrono::minutes(1));
    f.rb.run_until_idle();
    REQUIRE(f.payments_of(7).size() == 1);
    CHECK(f.payments_of(7)[0].status == payments::PaymentStatus::succeeded);
    CHECK(f.rb.published<PaymentSucceeded>("payments").size() == 1);
    CHECK(f.dead_letters() == 0);
  }

  TEST_CASE("[ChargeOrder] a decline is attempted once, never retried") {
    Fixture f;
    f.request_payment(7, "tok_decline");
    for (int i = 0; i < 5; ++i) {
      f.rb.clock().advance(std::chrono::minutes(5));
      f.rb.run_until_idle();
    }
    CHECK(f.provider->charge_calls == 1);
    CHECK(f.rb.published<PaymentFailed>("payments").size() == 1);
    CHECK(f.dead_letters() == 0);
  }

  TEST_CASE("[ChargeOrder] the provider is called with no payments write transaction open") {
    Fixture f;
    int locked = 0;
    f.provider->on_call = [&] {
      // Another thread takes the payments write lock while the provider "answers".
      auto done = std::make_shared<std::promise<void>>();
      auto finished = done->get_future();
      std::thread([&db = f.payments_bus.db(), done] {
        db.write([](kernel::Connection& c) { c.exec("CREATE TABLE IF NOT EXISTS probe (x)"); });
        done->set_value();
      }).detach();
      if (finished.wait_for(std::chrono::seconds(1)) != std::future_status::ready) ++locked;
    };
    f.request_payment(7);
    f.cancel(7);
    CHECK(f.provider->charge_calls == 1);
    CHECK(f.provider->refund_calls == 1);
    CHECK(locked == 0);
    CHECK(f.payments_of(7).at(0).status == payments::PaymentStatus::refunded);
  }

  TEST_CASE("[ChargeOrder] a slow provider's latency is spent inside the charge") {
    using std::chrono::milliseconds;
    mart::test::RecordingBus rb;
    auto& payments_bus = rb.host("payments");
    rb.host("orders");
    auto module = payments::make_module(
        payments_bus, std::make_shared<payments::SimulatedProvider>(milliseconds(50)));
    rb.inject("orders", PaymentRequested{7, 10, 100, "USD", "tok_visa", {}});
    auto start = std::chrono::steady_clock::now();
    rb.run_until_idle();
    CHECK(std::chrono::steady_clock::now() - start >= milliseconds(50));
    CHECK(rb.published<PaymentSucceeded>("payments").size() == 1);
  }
}
