// #16 item 4: logs that follow an order. Against the real binary at the default level (info), one
// order's trace id is on the lines of at least five modules, each business decision's line
// carries the order's id; at debug, every subscriber's handling of each event is a line too.

#include "api_helpers.hpp"
#include "flow_helpers.hpp"
#include "server_process.hpp"

#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace mart::test;

namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

std::vector<boost::json::object> json_lines(const std::string& output) {
  std::vector<boost::json::object> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (!ec && value.is_object()) out.push_back(value.as_object());
  }
  return out;
}

// Places one order that takes the product's last item, in the trace kTrace, and waits until it
// is confirmed and its notifications are out; returns the order's id.
std::int64_t follow_one_order(ServerProcess& server) {
  HttpClient client(server.port());
  auto admin = admin_headers(client);
  auto customer = customer_headers(client, "logs@mart.test");
  auto product = create_stocked_product(client, admin, "Last tea", 700, 1);
  auto headers = customer;
  headers.emplace_back("traceparent", std::string("00-") + kTrace + "-00f067aa0ba902b7-01");
  auto placed = client.post("/api/v1/orders", order_body(product, 1), headers);
  REQUIRE(placed.status == 201);
  auto id = placed.json().at("id").as_int64();
  wait_for_status(client, customer, id, {"confirmed"});
  REQUIRE(eventually([&] {
    auto page = client.get("/api/v1/notifications", customer).json();
    return page.at("items").as_array().size() >= 2;  // placed and confirmed
  }));
  return id;
}

}  // namespace

TEST_CASE("at info, an order's trace id is on the decisions of five modules, with its id") {
  TempDir dir;
  ServerProcess server(dir.path(), {"--log-format", "json"}, admin_env());
  auto id = follow_one_order(server);
  REQUIRE(server.terminate() == 0);

  std::map<std::string, std::vector<std::string>> by_module;  // decision lines of the trace
  for (const auto& line : json_lines(server.output())) {
    if (!line.contains("trace_id") || line.at("trace_id") != kTrace) continue;
    auto module = std::string(line.at("module").as_string());
    if (module == "http") continue;  // the access line is not a module's decision
    CHECK(line.at("level") == "info");
    by_module[module].push_back(std::string(line.at("msg").as_string()));
    if (module != "products") {  // the catalogue's line is about the product the order emptied
      CHECK_MESSAGE(line.contains("order_id"), line);
      if (line.contains("order_id")) CHECK(line.at("order_id") == id);
    }
  }
  for (const auto* module : {"orders", "inventory", "payments", "notifications", "products"}) {
    CHECK_MESSAGE(by_module.count(module) == 1, module << " wrote no line of the order's trace");
  }
  auto has = [&](const std::string& module, const std::string& text) {
    for (const auto& msg : by_module[module]) {
      if (msg.find(text) != std::string::npos) return true;
    }
    return false;
  };
  auto order = std::to_string(id);
  CHECK(has("orders", "order " + order + " placed"));
  CHECK(has("orders", "order " + order + " confirmed"));
  CHECK(has("inventory", "stock reserved for order " + order));
  CHECK(has("payments", "charged for order " + order));
  CHECK(has("notifications", "about orders.order_confirmed.v1"));
  CHECK(has("products", "out of stock"));
  // At info, deliveries are not logged one by one.
  CHECK(server.output().find("\"subscriber\"") == std::string::npos);
}

TEST_CASE("at debug, every subscriber's handling of each event of the order is a line") {
  TempDir dir;
  ServerProcess server(dir.path(), {"--log-format", "json", "--log-level", "debug"}, admin_env());
  follow_one_order(server);
  REQUIRE(server.terminate() == 0);
  std::set<std::string> handled;  // subscriber / event type
  for (const auto& line : json_lines(server.output())) {
    if (line.at("module") != "eventbus" || !line.contains("subscriber")) continue;
    if (line.at("trace_id") != kTrace) continue;
    CHECK(line.at("level") == "debug");
    handled.insert(std::string(line.at("subscriber").as_string()) + " / " +
                   std::string(line.at("event_type").as_string()));
  }
  CHECK(handled.count("inventory.on_order_placed / orders.order_placed.v2") == 1);
  CHECK(handled.count("orders.on_stock_reserved / inventory.stock_reserved.v1") == 1);
  CHECK(handled.count("payments.on_order_flow / orders.payment_requested.v1") == 1);
  CHECK(handled.count("notifications.on_order_confirmed / orders.order_confirmed.v1") == 1);
  CHECK(handled.size() >= 8);
}
