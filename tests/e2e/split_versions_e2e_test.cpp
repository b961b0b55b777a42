// A rolling upgrade in split mode against the real binary (docs/events.md, "Versions and rolling
// upgrades"): orders+payments publishes orders.order_placed.v1 (pinned with
// events.publish_versions, as a build before v2 does), inventory+notifications reads it over
// Kafka and upcasts it; then orders+payments is restarted unpinned and publishes v2 while v1
// events it published before are still on their way (inventory+notifications is down meanwhile),
// and the consumer handles both. Every order ends confirmed, and no event is a dead letter.

#include "split_deployment.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <sstream>

using namespace mart::test;

namespace {

const std::string kPinV1 = "orders.order_placed.v1";
const SplitDeployment::Env kPinnedV1 = {{"MART_EVENTS_PUBLISH_VERSIONS", kPinV1}};

// order id → ce_type of its placed event on OrderEvents, as an independent client (kcat) reads it.
std::map<std::string, std::string> placed_types_on_kafka(const std::string& bootstrap) {
  std::map<std::string, std::string> types;
  auto text = run_kcat("-C -b " + bootstrap + " -t OrderEvents -o beginning -e -q -J");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() != '{') continue;
    auto json = boost::json::parse(line).as_object();
    const auto& headers = json.at("headers").as_array();
    for (std::size_t i = 0; i + 1 < headers.size(); i += 2) {
      if (headers[i] != "ce_type") continue;
      std::string type(headers[i + 1].as_string());
      if (type.starts_with("orders.order_placed.")) {
        auto payload = boost::json::parse(json.at("payload").as_string()).as_object();
        types[std::to_string(payload.at("order_id").as_int64())] = type;
        // v1 has no shipping address: a pinned publisher leaves it out.
        CHECK((type == "orders.order_placed.v2") == payload.contains("shipping_address"));
      }
    }
  }
  return types;
}

std::int64_t place(HttpClient& client, const HeaderList& customer, std::int64_t product,
                   const std::string& address) {
  auto placed = client.post(
      "/api/v1/orders",
      R"({"items":[{"product_id":)" + std::to_string(product) +
          R"(,"quantity":1}],"payment_token":"tok_visa","shipping_address":")" + address + R"("})",
      customer);
  REQUIRE(placed.status == 201);
  CHECK(placed.json().at("shipping_address") == address.c_str());
  return placed.json().at("id").as_int64();
}

// The "was placed" notice of each order, by order id.
std::map<std::int64_t, std::string> placed_notices(HttpClient& client, const HeaderList& customer) {
  std::map<std::int64_t, std::string> notices;
  auto page = client.get("/api/v1/notifications?limit=100", customer).json();
  for (const auto& item : page.at("items").as_array()) {
    const auto& n = item.as_object();
    std::string message(n.at("message").as_string());
    if (message.find("was placed") != std::string::npos) {
      notices[n.at("order_id").as_int64()] = message;
    }
  }
  return notices;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE(
      "[e2e] split versions: a v1 publisher, then v2 with v1 still in flight, keep the flow") {
    SplitDeployment split(4, kPinnedV1);
    HttpClient client(split.port());
    auto admin = admin_headers(client);
    auto product = create_stocked_product(client, admin, "Versioned mug", 700, 10);
    auto customer = customer_headers(client, "versions@example.com");

    // 1. Orders publishes v1 (pinned, as an older build would); the consumer upcasts it.
    auto first = place(client, customer, product, "1 Old Road");
    wait_for_status(client, customer, first, {"confirmed"});

    // 2. The consumer is down while the publisher places one more order in v1, then is upgraded
    //    (restarted unpinned) and places one in v2: both wait on Kafka.
    CHECK(split.stop_inventory_notifications() == 0);
    auto in_flight_v1 = place(client, customer, product, "2 Middle Lane");
    CHECK(split.stop_orders_payments() == 0);
    split.restart_orders_payments();  // unpinned
    HttpClient upgraded(split.port());
    auto second_v2 = place(upgraded, customer, product, "3 New Street");

    // 3. The consumer comes back and handles both versions, in order.
    split.start_inventory_notifications();
    HttpClient all_upgraded(split.port());
    auto& client_now = all_upgraded;
    for (auto id : {in_flight_v1, second_v2})
      wait_for_status(client_now, customer, id, {"confirmed"});
    // Inventory sells the stock once it has the confirmations (after the orders say confirmed).
    CHECK(eventually([&] { return stock_of(client_now, product).at("sold") == 3; }));

    const auto types = placed_types_on_kafka(split.bootstrap());
    CHECK(types.at(std::to_string(first)) == "orders.order_placed.v1");
    CHECK(types.at(std::to_string(in_flight_v1)) == "orders.order_placed.v1");
    CHECK(types.at(std::to_string(second_v2)) == "orders.order_placed.v2");

    // The address travelled only in v2; the order keeps it whatever was published.
    REQUIRE(eventually([&] { return placed_notices(client_now, customer).size() == 3; }));
    const auto notices = placed_notices(client_now, customer);
    CHECK(notices.at(first).find("shipped to") == std::string::npos);
    CHECK(notices.at(in_flight_v1).find("shipped to") == std::string::npos);
    CHECK(notices.at(second_v2).find("It will be shipped to 3 New Street.") != std::string::npos);
    auto kept = client_now.get("/api/v1/orders/" + std::to_string(first), customer).json();
    CHECK(kept.at("shipping_address") == "1 Old Road");

    for (auto port : split.module_ports()) {
      HttpClient direct(port);
      auto dead = direct.get("/api/v1/admin/dead-letters", admin).json();
      CHECK(dead.at("items").as_array().empty());
    }
  }
}
