#include "http/routes.hpp"

#include "inventory_fixture.hpp"

#include <boost/json/parse.hpp>

#include <deque>

using namespace inventory_test;
namespace ev = inventory::events;

namespace {

struct Http {
  Fixture& f;
  kernel::Router router;
  std::deque<kernel::Request> requests;

  explicit Http(Fixture& fixture) : f(fixture) { f.module->add_routes(router); }

  // The final answer (a queued write answers later: settled here).
  kernel::Response call(std::string method, std::string path, std::string body = "",
                        std::optional<kernel::Role> role = kernel::Role::admin) {
    return kernel::settle(dispatch(std::move(method), std::move(path), std::move(body), role));
  }

  kernel::Response dispatch(std::string method, std::string path, std::string body = "",
                            std::optional<kernel::Role> role = kernel::Role::admin) {
    auto& r = requests.emplace_back();  // a request outlives its deferred answer
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    r.request_id = "rid";
    if (!body.empty()) {
      r.headers.set("Content-Type", "application/json");
      r.body = std::move(body);
    }
    if (role) r.principal = kernel::Principal{1, *role};
    return router.dispatch(r);
  }
};

}  // namespace

TEST_SUITE("inventory") {
  TEST_CASE("[StockLedger] an adjustment changes available, is recorded and publishes levels") {
    Fixture f;
    f.product(1);
    CHECK(f.levels(1) == lv(1, 0, 0, 0));
    CHECK(f.restock(1, 7) == lv(1, 7, 0, 0));
    CHECK(f.ledger.adjust(1, {-2, std::string("damaged")}, f.trace) == lv(1, 5, 0, 0));
    auto changes = f.rb.published<ev::StockLevelChanged>("inventory");
    REQUIRE(changes.size() == 2);
    CHECK(changes[1].product_id == 1);
    CHECK(changes[1].available == 5);
    CHECK(f.rb.envelopes("inventory").back().correlation_id == "req-1");
    auto page = f.ledger.adjustments(1, 0, 10);
    REQUIRE(page.items.size() == 2);
    CHECK(page.items[0].delta == 7);
    CHECK(page.items[0].reason == "restock");
    CHECK(page.items[1].delta == -2);
    CHECK(page.items[1].reason == "damaged");
    CHECK_FALSE(page.next_after);
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[StockLedger] 409 below zero, 404 unknown product, 422 bad fields; nothing changes") {
    Fixture f;
    f.product(1, 3);
    f.place(100, {{1, 2, 1}});  // available 1, reserved 2
    auto published = f.published_count();
    CHECK(status_of([&] { f.restock(1, -2); }) == 409);  // reserved units cannot be written off
    CHECK(status_of([&] { f.restock(2, 5); }) == 404);
    CHECK(status_of([&] { f.ledger.adjust(1, {0, std::nullopt}, f.trace); }) == 422);
    CHECK(status_of([&] { f.ledger.adjust(1, {std::nullopt, std::nullopt}, f.trace); }) == 422);
    CHECK(status_of([&] { f.ledger.adjust(1, {1, std::string("")}, f.trace); }) == 422);
    CHECK(status_of([&] { f.restock(1, inventory::kMaxDelta + 1); }) == 422);
    CHECK(status_of([&] { f.ledger.adjustments(2, 0, 10); }) == 404);
    CHECK(f.levels(1) == lv(1, 1, 2, 0));
    CHECK(f.published_count() == published);
    CHECK(f.ledger.adjustments(1, 0, 10).items.size() == 1);
    CHECK(f.restock(1, -1) == lv(1, 0, 2, 0));  // down to exactly zero is fine
  }

  TEST_CASE("[StockLedger] the stock cap is a 409, not an overflow") {
    Fixture f;
    f.product(1);
    for (std::int64_t total = 0; total < inventory::kMaxStock; total += inventory::kMaxDelta) {
      f.restock(1, inventory::kMaxDelta);
    }
    CHECK(f.levels(1).available == inventory::kMaxStock);
    CHECK(status_of([&] { f.restock(1, 1); }) == 409);
  }

  TEST_CASE("[StockLedger] adjustments page without skipping or repeating") {
    Fixture f;
    f.product(1);
    for (int i = 1; i <= 5; ++i) f.restock(1, i);
    auto first = f.ledger.adjustments(1, 0, 2);
    REQUIRE(first.next_after);
    auto second = f.ledger.adjustments(1, *first.next_after, 2);
    auto third = f.ledger.adjustments(1, *second.next_after, 2);
    CHECK(first.items.at(0).delta == 1);
    CHECK(second.items.at(0).delta == 3);
    CHECK(third.items.size() == 1);
    CHECK(third.items.at(0).delta == 5);
    CHECK_FALSE(third.next_after);
  }

  TEST_CASE("[Routes] GET levels for anyone; 404 for unknown or non-numeric ids") {
    Fixture f;
    f.product(1, 4);
    Http http(f);
    auto ok = http.call("GET", "/api/v1/inventory/1", "", std::nullopt);
    CHECK(ok.status == 200);
    auto body = boost::json::parse(ok.body);
    CHECK(body.at("product_id") == 1);
    CHECK(body.at("available") == 4);
    CHECK(body.at("reserved") == 0);
    CHECK(body.at("sold") == 0);
    CHECK(http.call("GET", "/api/v1/inventory/2", "", std::nullopt).status == 404);
    CHECK(http.call("GET", "/api/v1/inventory/abc", "", std::nullopt).status == 404);
    CHECK(http.call("GET", "/api/v1/inventory/-1", "", std::nullopt).status == 404);
    CHECK(http.call("GET", "/api/v1/inventory/99999999999999999999", "", std::nullopt).status ==
          404);
  }

  // Issue #13, item 8 (shared/design.md: no HTTP I/O thread waits for a module's write lock):
  // an adjustment is written by the inventory writer and answered then; a refused one at once.
  TEST_CASE("[Routes] POST adjustments is a queued write") {
    Fixture f;
    f.product(1);
    Http http(f);
    const std::string path = "/api/v1/inventory/1/adjustments";
    auto queued = http.dispatch("POST", path, R"({"delta": 5})");
    REQUIRE(queued.is_deferred());
    auto ready = kernel::settle(std::move(queued));
    CHECK(ready.status == 200);
    CHECK(ready.route == "/api/v1/inventory/{product_id}/adjustments");
    CHECK(ready.headers.get("X-Request-Id") == "rid");
    auto conflict = kernel::settle(http.dispatch("POST", path, R"({"delta": -9})"));
    CHECK(conflict.status == 409);
    CHECK(conflict.headers.get("Content-Type") == "application/problem+json");
    auto invalid = http.dispatch("POST", path, R"({"delta": 0})");
    CHECK_FALSE(invalid.is_deferred());
    CHECK(invalid.status == 422);
    CHECK(f.levels(1) == lv(1, 5, 0, 0));
  }

  TEST_CASE("[Routes] POST adjustments: admin only, validated, answers the new levels") {
    Fixture f;
    f.product(1);
    Http http(f);
    const std::string path = "/api/v1/inventory/1/adjustments";
    CHECK(http.call("POST", path, R"({"delta": 5})", std::nullopt).status == 401);
    CHECK(http.call("POST", path, R"({"delta": 5})", kernel::Role::customer).status == 403);

    auto ok = http.call("POST", path, R"({"delta": 5, "reason": "delivery", "extra": true})");
    CHECK(ok.status == 200);
    auto body = boost::json::parse(ok.body);
    CHECK(body.at("product_id") == 1);
    CHECK(body.at("available") == 5);
    CHECK(body.at("reserved") == 0);

    auto defaulted = http.call("POST", path, R"({"delta": 1, "reason": null})");
    CHECK(defaulted.status == 200);
    CHECK(http.call("POST", path, R"({"delta": -1, "reason": "recount"})").status == 200);
    CHECK(http.call("POST", path, R"({"delta": -6})").status == 409);
    CHECK(http.call("POST", path, R"({"delta": 0})").status == 422);
    CHECK(http.call("POST", path, R"({"delta": 1.5})").status == 422);
    CHECK(http.call("POST", path, R"({"delta": "5"})").status == 422);
    CHECK(http.call("POST", path, R"({"delta": 18446744073709551615})").status == 422);
    CHECK(http.call("POST", path, R"({"delta": 1, "reason": 7})").status == 422);
    CHECK(http.call("POST", path, R"({})").status == 422);
    CHECK(http.call("POST", path, R"([1])").status == 422);
    CHECK(http.call("POST", path, R"({"delta": )").status == 400);
    CHECK(http.call("POST", "/api/v1/inventory/2/adjustments", R"({"delta": 1})").status == 404);
    CHECK(http.call("POST", "/api/v1/inventory/x/adjustments", R"({"delta": 1})").status == 404);
    CHECK(f.levels(1) == lv(1, 5, 0, 0));

    auto list = http.call("GET", path);
    CHECK(list.status == 200);
    auto items = boost::json::parse(list.body).at("items").as_array();
    REQUIRE(items.size() == 3);
    CHECK(items[0].at("delta") == 5);
    CHECK(items[0].at("reason") == "delivery");
    CHECK(items[1].at("reason") == "restock");
    CHECK(items[2].at("delta") == -1);
    CHECK(http.call("GET", path, "", kernel::Role::customer).status == 403);
  }
}
