// Keeps docs/extending.md true: the loyalty module, built step by step as the guide says, reacts
// to orders' OrderConfirmed, keeps its table, publishes its event and answers its route.
#include "loyalty_migrations.hpp"

#include "in_process.hpp"
#include "recording_bus.hpp"

#include <kernel/migrations.hpp>
#include <kernel/router.hpp>
#include <loyalty/events.hpp>
#include <loyalty/module.hpp>
#include <orders/events.hpp>

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

namespace {

struct LoyaltyFixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  eventbus::ModuleBus& loyalty_bus = rb.host("loyalty");
  std::unique_ptr<kernel::Module> module;
  kernel::Router router;

  LoyaltyFixture() {
    kernel::apply_migrations(loyalty_bus.db(), "loyalty", loyalty_example::for_scope("loyalty"));
    module = loyalty::make_module(loyalty_bus, {.points_per_unit = 2});
    module->add_routes(router);
  }

  kernel::Response points_of(std::int64_t user_id) {
    auto request = mart::test::make_request("GET", "/api/v1/loyalty/points");
    request.principal = kernel::Principal{user_id, kernel::Role::customer, 0};
    return router.dispatch(request);
  }
};

}  // namespace

TEST_CASE("loyalty awards points once per confirmed order and publishes PointsAwarded") {
  LoyaltyFixture f;
  orders::events::OrderConfirmed confirmed{
      .order_id = 7, .user_id = 42, .total_cents = 1999, .currency = "USD"};
  f.rb.inject("orders", confirmed);
  f.rb.inject("orders", confirmed);  // the same fact told twice (a replay) earns nothing more
  f.rb.run_until_idle();

  auto awarded = f.rb.published<loyalty::events::PointsAwarded>("loyalty");
  REQUIRE(awarded.size() == 1);
  CHECK(awarded[0].user_id == 42);
  CHECK(awarded[0].order_id == 7);
  CHECK(awarded[0].points == 38);  // 19 whole dollars, 2 points each

  auto response = f.points_of(42);
  CHECK(response.status == 200);
  auto body = boost::json::parse(response.body).as_object();
  CHECK(body.at("points").as_int64() == 38);
  CHECK(boost::json::parse(f.points_of(5).body).at("points").as_int64() == 0);
}

TEST_CASE("loyalty's route asks for a signed-in caller") {
  LoyaltyFixture f;
  auto request = mart::test::make_request("GET", "/api/v1/loyalty/points");
  CHECK(f.router.dispatch(request).status == 401);
}
