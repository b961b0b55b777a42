#include "recording_bus.hpp"
#include "test_provider.hpp"

#include <orders/events.hpp>
#include <payments/events.hpp>
#include <payments/module.hpp>

#include <kernel/router.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <thread>

namespace {

using orders::events::PaymentRequested;

constexpr std::int64_t kOwner = 10;
constexpr std::int64_t kOther = 11;

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& payments_bus = rb.host("payments");
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  std::shared_ptr<payments::test::CountingProvider> provider =
      std::make_shared<payments::test::CountingProvider>();
  std::unique_ptr<kernel::Module> module = payments::make_module(payments_bus, provider);
  kernel::Router router;

  Fixture() { module->add_routes(router); }

  // Orders 7 (paid) and 8 (declined), both of kOwner; returns their payment ids.
  std::pair<std::int64_t, std::int64_t> seed() {
    rb.inject("orders", PaymentRequested{7, kOwner, 2500, "USD", "tok_visa", {}});
    rb.inject("orders", PaymentRequested{8, kOwner, 900, "USD", "tok_decline", {}});
    rb.run_until_idle();
    auto ok = rb.published<payments::events::PaymentSucceeded>("payments").at(0).payment_id;
    auto failed = rb.published<payments::events::PaymentFailed>("payments").at(0).payment_id;
    return {ok, failed};
  }

  kernel::Response call(std::string method, std::string path,
                        std::optional<kernel::Principal> principal,
                        std::vector<std::pair<std::string, std::string>> query = {}) {
    kernel::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.request_id = "rid-1";
    r.principal = principal;
    return kernel::settle(router.dispatch(r));
  }
  kernel::Response get(std::string path, std::optional<kernel::Principal> principal,
                       std::vector<std::pair<std::string, std::string>> query = {}) {
    return call("GET", std::move(path), principal, std::move(query));
  }
};

const kernel::Principal owner{kOwner, kernel::Role::customer};
const kernel::Principal other{kOther, kernel::Role::customer};
const kernel::Principal admin{1, kernel::Role::admin};

std::string path_of(std::int64_t id) {
  return "/api/v1/payments/" + std::to_string(id);
}

boost::json::value body(const kernel::Response& response) {
  return boost::json::parse(response.body);
}

}  // namespace

TEST_SUITE("payments") {
  TEST_CASE("[GET /payments/{id}] the owner and an admin see it; anyone else gets 404") {
    Fixture f;
    auto [paid, declined] = f.seed();
    auto mine = f.get(path_of(paid), owner);
    REQUIRE(mine.status == 200);
    auto json = body(mine).as_object();
    CHECK(json.at("id") == paid);
    CHECK(json.at("order_id") == 7);
    CHECK(json.at("user_id") == kOwner);
    CHECK(json.at("amount_cents") == 2500);
    CHECK(json.at("currency") == "USD");
    CHECK(json.at("status") == "succeeded");
    CHECK(json.at("created_at").is_string());
    CHECK(json.at("failure_reason").is_null());
    CHECK(json.find("provider_reference") == json.end());  // the provider's ids stay inside

    auto failed = body(f.get(path_of(declined), owner));
    CHECK(failed.at("status") == "failed");
    CHECK(failed.at("failure_reason") == "card_declined");

    CHECK(f.get(path_of(paid), admin).status == 200);
    auto theirs = f.get(path_of(paid), other);
    CHECK(theirs.status == 404);
    // Worded exactly like a payment that does not exist.
    CHECK(body(theirs).at("detail").as_string() ==
          "Payment " + std::to_string(paid) + " not found.");
    CHECK(f.get(path_of(999), admin).status == 404);
    CHECK(f.get("/api/v1/payments/abc", admin).status == 404);
    CHECK(f.get("/api/v1/payments/0", admin).status == 404);
    CHECK(f.get(path_of(paid), std::nullopt).status == 401);
  }

  TEST_CASE("[GET /payments?order_id] owner and admin get the order's payments, others none") {
    Fixture f;
    auto [paid, declined] = f.seed();
    (void)declined;
    auto mine = f.get("/api/v1/payments", owner, {{"order_id", "7"}});
    REQUIRE(mine.status == 200);
    auto items = body(mine).at("items").as_array();
    REQUIRE(items.size() == 1);
    CHECK(items[0].at("id") == paid);
    CHECK(body(mine).at("next_cursor").is_null());

    auto as_admin = body(f.get("/api/v1/payments", admin, {{"order_id", "7"}}));
    CHECK(as_admin.at("items").as_array().size() == 1);

    // Never reveal that someone else's order has payments.
    auto theirs = f.get("/api/v1/payments", other, {{"order_id", "7"}});
    CHECK(theirs.status == 200);
    CHECK(body(theirs).at("items").as_array().empty());
    CHECK(body(f.get("/api/v1/payments", owner, {{"order_id", "12345"}}))
              .at("items")
              .as_array()
              .empty());
    CHECK(f.get("/api/v1/payments", std::nullopt, {{"order_id", "7"}}).status == 401);
  }

  TEST_CASE("[GET /payments?order_id] a missing or non-positive order_id is a 422") {
    Fixture f;
    auto missing = f.get("/api/v1/payments", owner);
    CHECK(missing.status == 422);
    CHECK(body(missing).at("errors").at("order_id").is_string());
    for (const char* bad : {"0", "-3", "abc", "1.5", "", "7x", "99999999999999999999"}) {
      CAPTURE(bad);
      CHECK(f.get("/api/v1/payments", owner, {{"order_id", bad}}).status == 422);
    }
    CHECK(f.get("/api/v1/payments", owner, {{"order_id", "7"}, {"limit", "0"}}).status == 422);
  }

  TEST_CASE("[POST /payments/{id}/refund] refunds a succeeded payment and publishes it") {
    Fixture f;
    auto [paid, declined] = f.seed();
    auto refunded = f.call("POST", path_of(paid) + "/refund", admin);
    REQUIRE(refunded.status == 200);
    CHECK(body(refunded).at("status") == "refunded");
    CHECK(body(f.get(path_of(paid), owner)).at("status") == "refunded");
    auto events = f.rb.published<payments::events::PaymentRefunded>("payments");
    REQUIRE(events.size() == 1);
    CHECK(events[0].payment_id == paid);
    CHECK(events[0].order_id == 7);
    CHECK(f.rb.envelopes("payments").back().correlation_id == "rid-1");

    // 409 unless succeeded: already refunded, or failed.
    CHECK(f.call("POST", path_of(paid) + "/refund", admin).status == 409);
    CHECK(f.call("POST", path_of(declined) + "/refund", admin).status == 409);
    CHECK(f.provider->refund_calls == 1);
    CHECK(f.rb.published<payments::events::PaymentRefunded>("payments").size() == 1);

    CHECK(f.call("POST", path_of(999) + "/refund", admin).status == 404);
    CHECK(f.call("POST", path_of(paid) + "/refund", owner).status == 403);
    CHECK(f.call("POST", path_of(paid) + "/refund", std::nullopt).status == 401);
  }

  TEST_CASE("[POST /payments/{id}/refund] a refusing provider is a 409, an unreachable one 503") {
    Fixture f;
    auto [paid, declined] = f.seed();
    (void)declined;
    f.provider->refuse_refunds = true;
    CHECK(f.call("POST", path_of(paid) + "/refund", admin).status == 409);
    f.provider->refuse_refunds = false;
    f.provider->unreachable = true;
    CHECK(f.call("POST", path_of(paid) + "/refund", admin).status == 503);
    CHECK(body(f.get(path_of(paid), admin)).at("status") == "succeeded");
    CHECK(f.rb.published<payments::events::PaymentRefunded>("payments").empty());
    f.provider->unreachable = false;
    CHECK(f.call("POST", path_of(paid) + "/refund", admin).status == 200);
  }

  TEST_CASE(
      "[POST /payments/{id}/refund] calls the provider off the caller's thread, no lock held") {
    Fixture f;
    auto [paid, declined] = f.seed();
    (void)declined;
    int locked = 0;
    std::thread::id provider_thread;
    f.provider->on_call = [&] {
      provider_thread = std::this_thread::get_id();
      auto done = std::make_shared<std::promise<void>>();
      auto finished = done->get_future();
      std::thread([&db = f.payments_bus.db(), done] {
        db.write([](kernel::Connection& c) { c.exec("CREATE TABLE IF NOT EXISTS probe (x)"); });
        done->set_value();
      }).detach();
      if (finished.wait_for(std::chrono::seconds(1)) != std::future_status::ready) ++locked;
    };
    kernel::Request r;
    r.method = "POST";
    r.path = path_of(paid) + "/refund";
    r.request_id = "rid-1";
    r.principal = admin;
    auto response = f.router.dispatch(r);
    CHECK(response.is_deferred());  // the I/O thread is free at once
    CHECK(kernel::settle(std::move(response)).status == 200);
    CHECK(locked == 0);
    CHECK(provider_thread != std::this_thread::get_id());
  }

  TEST_CASE("[make_module] without a provider uses the simulated one") {
    mart::test::RecordingBus rb;
    auto& bus = rb.host("payments");
    rb.host("orders");
    auto module = payments::make_module(bus, nullptr);
    CHECK(module->name() == "payments");
    rb.inject("orders", PaymentRequested{1, kOwner, 100, "USD", "tok_visa", {}});
    rb.inject("orders", PaymentRequested{2, kOwner, 100, "USD", "tok_decline", {}});
    rb.run_until_idle();
    CHECK(rb.published<payments::events::PaymentSucceeded>("payments").size() == 1);
    CHECK(rb.published<payments::events::PaymentFailed>("payments").size() == 1);
  }
}
