#include "usecases/catalog.hpp"

#include "recording_bus.hpp"
#include "status_of.hpp"

#include <inventory/events.hpp>
#include <products/events.hpp>
#include <products/module.hpp>

#include <kernel/problem.hpp>
#include <kernel/router.hpp>

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <deque>
#include <set>

using mart::test::status_of;

namespace {

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& products_bus = rb.host("products");
  eventbus::ModuleBus& inventory_bus = rb.host("inventory");
  std::unique_ptr<kernel::Module> module = products::make_module(products_bus);
  products::Catalog catalog{products_bus};
  eventbus::Trace trace{"req-1", ""};

  products::Product create(std::string name, std::int64_t price = 100,
                           std::string description = "") {
    products::ProductChanges c;
    c.name = std::move(name);
    c.price_cents = price;
    c.description = std::move(description);
    return catalog.create(c, trace);
  }
};

}  // namespace

TEST_SUITE("products") {
  TEST_CASE("[Catalog] create stores the product and publishes ProductCreated with it") {
    Fixture f;
    auto p = f.create("Green tea", 450, "Sencha from Shizuoka");
    CHECK(p.id > 0);
    CHECK(p.currency == "USD");
    CHECK_FALSE(p.in_stock);
    CHECK(f.catalog.get(p.id).name == "Green tea");
    auto created = f.rb.published<products::events::ProductCreated>("products");
    REQUIRE(created.size() == 1);
    CHECK(created[0].product_id == p.id);
    CHECK(created[0].price_cents == 450);
    CHECK(f.rb.envelopes("products")[0].correlation_id == "req-1");
  }

  TEST_CASE(
      "[Catalog] create rejects missing and invalid fields with 422, duplicate sku with 409") {
    Fixture f;
    CHECK(status_of([&] { f.catalog.create({}, f.trace); }) == 422);
    CHECK(status_of([&] { f.create("", 1); }) == 422);
    CHECK(status_of([&] { f.create("x", -5); }) == 422);
    products::ProductChanges c;
    c.name = "a";
    c.price_cents = 1;
    c.sku = std::optional<std::string>("SKU-1");
    f.catalog.create(c, f.trace);
    CHECK(status_of([&] { f.catalog.create(c, f.trace); }) == 409);
    CHECK(f.rb.published<products::events::ProductCreated>("products").size() == 1);
  }

  TEST_CASE("[Catalog] update changes only given fields and publishes ProductUpdated") {
    Fixture f;
    auto p = f.create("Tea", 100, "leaves");
    products::ProductChanges c;
    c.price_cents = 120;
    auto updated = f.catalog.update(p.id, c, f.trace);
    CHECK(updated.price_cents == 120);
    CHECK(updated.name == "Tea");
    CHECK(updated.description == "leaves");
    CHECK(f.rb.published<products::events::ProductUpdated>("products").size() == 1);
    // A change that changes nothing publishes nothing.
    f.catalog.update(p.id, c, f.trace);
    CHECK(f.rb.published<products::events::ProductUpdated>("products").size() == 1);
    CHECK(status_of([&] { f.catalog.update(999, c, f.trace); }) == 404);
  }

  TEST_CASE("[Catalog] delete hides the product and publishes ProductDeleted") {
    Fixture f;
    auto p = f.create("Tea");
    f.catalog.remove(p.id, f.trace);
    CHECK(status_of([&] { f.catalog.get(p.id); }) == 404);
    CHECK(status_of([&] { f.catalog.remove(p.id, f.trace); }) == 404);
    CHECK(f.catalog.list("", 0, 10).items.empty());
    CHECK(f.rb.published<products::events::ProductDeleted>("products").at(0).product_id == p.id);
  }

  TEST_CASE("[Catalog] pages neither skip nor repeat while products are inserted") {
    Fixture f;
    for (int i = 0; i < 25; ++i) f.create("item " + std::to_string(i));
    std::set<std::int64_t> seen;
    std::int64_t after = 0;
    int pages = 0;
    for (;;) {
      auto page = f.catalog.list("", after, 10);
      for (const auto& p : page.items) CHECK(seen.insert(p.id).second);
      f.create("inserted while paging " + std::to_string(pages));
      ++pages;
      if (!page.next_after) break;
      after = *page.next_after;
    }
    // Every product that existed before paging began was seen exactly once; later ones may be
    // seen, but never twice.
    for (std::int64_t id = 1; id <= 25; ++id) CHECK(seen.count(id) == 1);
  }

  TEST_CASE("[Catalog] full-text search over name and description, paginated") {
    Fixture f;
    f.create("Green tea", 1, "Japanese sencha");
    f.create("Black tea", 1, "Assam, malty");
    f.create("Coffee beans", 1, "Dark roast, pairs with green cardamom");
    f.create("Mug", 1, "Holds tea or coffee");
    auto names = [&](const std::string& q) {
      std::vector<std::string> out;
      for (const auto& p : f.catalog.list(q, 0, 100).items) out.push_back(p.name);
      return out;
    };
    CHECK(names("green") == std::vector<std::string>{"Green tea", "Coffee beans"});
    CHECK(names("tea") == std::vector<std::string>{"Green tea", "Black tea", "Mug"});
    CHECK(names("sench") == std::vector<std::string>{"Green tea"});  // prefix match
    CHECK(names("green tea") == std::vector<std::string>{"Green tea"});
    CHECK(names("\"( *:").empty());
    CHECK(names("nothing-like-this").empty());
    auto first = f.catalog.list("tea", 0, 2);
    REQUIRE(first.next_after);
    auto second = f.catalog.list("tea", *first.next_after, 2);
    CHECK(second.items.size() == 1);
    CHECK_FALSE(second.next_after);
  }

  TEST_CASE("[Catalog] in_stock follows inventory's stock levels, delivered by the bus") {
    Fixture f;
    auto p = f.create("Tea");
    f.rb.inject("inventory", inventory::events::StockLevelChanged{p.id, 5, 0, 0});
    f.rb.run_until_idle();
    CHECK(f.catalog.get(p.id).in_stock);
    f.rb.inject("inventory", inventory::events::StockLevelChanged{p.id, 0, 2, 3});
    f.rb.run_until_idle();
    CHECK_FALSE(f.catalog.get(p.id).in_stock);
  }

  // Issue #13, item 8: a search runs on an I/O thread; its size is bounded (200 characters,
  // 16 words), beyond that 422 with errors.q.
  TEST_CASE("[Catalog] a search is bounded in characters and words") {
    Fixture f;
    f.create("Green tea", 1);
    std::string sixteen;
    for (int i = 0; i < 16; ++i) sixteen += "tea ";
    CHECK(f.catalog.list(sixteen, 0, 10).items.size() == 1);
    CHECK(f.catalog.list(std::string(200, 'a'), 0, 10).items.empty());
    // 200 characters of two bytes each are 200 characters.
    std::string accents;
    for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";
    CHECK(f.catalog.list(accents, 0, 10).items.empty());

    auto rejected = [&](const std::string& q) -> std::string {
      try {
        f.catalog.list(q, 0, 10);
      } catch (const kernel::ApiError& e) {
        CHECK(e.status() == 422);
        auto response = kernel::problem_for(std::make_exception_ptr(e), "/api/v1/products", "r");
        return std::string(boost::json::parse(response.body).at("errors").at("q").as_string());
      }
      return "";
    };
    CHECK(rejected(std::string(201, 'a')) == "must be at most 200 characters");
    CHECK(rejected(sixteen + "x") == "must have at most 16 words");
    std::string thousands;
    for (int i = 0; i < 5000; ++i) thousands += "w" + std::to_string(i) + " ";
    CHECK_FALSE(rejected(thousands).empty());
    CHECK(rejected(std::string(5000, ' ')) == "must be at most 200 characters");
  }

  // Issue #13, item 8 (shared/design.md: no HTTP I/O thread waits for a module's write lock): the
  // write routes answer later, from the products writer; invalid input is answered at once.
  TEST_CASE("[products routes] writes are queued and answer as before") {
    Fixture f;
    kernel::Router router;
    f.module->add_routes(router);
    std::deque<kernel::Request> requests;  // a request outlives its deferred answer
    auto call = [&](std::string method, std::string path, std::string body) {
      auto& r = requests.emplace_back();
      r.method = std::move(method);
      r.path = std::move(path);
      r.request_id = "rid";
      r.body = std::move(body);
      if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
      r.principal = kernel::Principal{1, kernel::Role::admin};
      return router.dispatch(r);
    };
    auto created = call("POST", "/api/v1/products", R"({"name":"Tea","price_cents":250})");
    CHECK(created.is_deferred());
    auto ready = kernel::settle(std::move(created));
    CHECK(ready.status == 201);
    CHECK(ready.headers.get("Location") == "/api/v1/products/1");
    CHECK(ready.headers.get("X-Request-Id") == "rid");
    CHECK(ready.route == "/api/v1/products");
    CHECK(boost::json::parse(ready.body).at("name") == "Tea");

    auto invalid = call("POST", "/api/v1/products", R"({"name":""})");
    CHECK_FALSE(invalid.is_deferred());
    CHECK(invalid.status == 422);

    auto patched = call("PATCH", "/api/v1/products/1", R"({"price_cents":300})");
    CHECK(patched.is_deferred());
    auto patched_ready = kernel::settle(std::move(patched));
    CHECK(patched_ready.status == 200);
    CHECK(boost::json::parse(patched_ready.body).at("price_cents") == 300);
    auto missing = kernel::settle(call("PATCH", "/api/v1/products/9", R"({"price_cents":300})"));
    CHECK(missing.status == 404);
    CHECK(missing.headers.get("Content-Type") == "application/problem+json");
    CHECK(missing.route == "/api/v1/products/{id}");

    auto deleted = call("DELETE", "/api/v1/products/1", "");
    CHECK(deleted.is_deferred());
    CHECK(kernel::settle(std::move(deleted)).status == 204);
    CHECK(kernel::settle(call("DELETE", "/api/v1/products/1", "")).status == 404);
  }
}
