// Mirror mode against the real binary: every event of an order's flow is on its topic, keyed,
// with CloudEvents headers, as an independent client (kcat) reads it; a broker outage delays the
// mirror and loses nothing; and without Kafka nothing waits for a broker.

#include "broker_process.hpp"
#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <map>
#include <set>
#include <sstream>

using namespace mart::test;

namespace {

const std::map<std::string, std::string> kTopicOf = {
    {"products", "ProductEvents"},           {"orders", "OrderEvents"},
    {"payments", "PaymentEvents"},           {"inventory", "InventoryEvents"},
    {"notifications", "NotificationEvents"}, {"users", "UserEvents"}};

struct KafkaMessage {
  std::string topic;
  std::string key;
  std::string payload;
  std::map<std::string, std::string> headers;
};

// Everything on `topic` so far, read by kcat as JSON lines.
std::vector<KafkaMessage> read_with_kcat(const std::string& bootstrap, const std::string& topic) {
  auto text = run_kcat("-C -b " + bootstrap + " -t " + topic + " -o beginning -e -q -J");
  std::vector<KafkaMessage> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() != '{') continue;
    auto json = boost::json::parse(line).as_object();
    KafkaMessage m;
    m.topic = json.at("topic").as_string();
    if (json.at("key").is_string()) m.key = json.at("key").as_string();
    if (json.at("payload").is_string()) m.payload = json.at("payload").as_string();
    if (auto* headers = json.if_contains("headers"); headers && headers->is_array()) {
      const auto& list = headers->as_array();
      for (std::size_t i = 0; i + 1 < list.size(); i += 2) {
        m.headers[std::string(list[i].as_string())] = list[i + 1].as_string();
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Every message on the six topics by ce_id; `count` gets how many messages there were.
std::map<std::string, KafkaMessage> read_all_topics(const std::string& bootstrap,
                                                    std::size_t* count = nullptr) {
  std::map<std::string, KafkaMessage> by_id;
  std::size_t total = 0;
  for (const auto& [module, topic] : kTopicOf) {
    for (auto& m : read_with_kcat(bootstrap, topic)) {
      ++total;
      by_id[m.headers["ce_id"]] = std::move(m);
    }
  }
  if (count) *count = total;
  return by_id;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] kafka mirror: every event of an order's flow is on its topic with its headers") {
    BrokerProcess broker(MART_KAFKA_MOCK, 4);
    TempDir dir;
    ServerProcess server(dir.path(),
                         {"--kafka-enabled", "true", "--kafka-brokers", broker.bootstrap()},
                         admin_env());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto product = create_stocked_product(client, admin, "Mirrored mug", 1250, 5);
    auto customer = customer_headers(client, "mirror@example.com");
    // Distinctive card tokens: no record on Kafka may carry them in the clear (api.md, Payments).
    auto placed =
        client.post("/api/v1/orders", order_body(product, 2, "tok_visa_CANARY7731"), customer);
    REQUIRE(placed.status == 201);
    auto order_id = placed.json().at("id").as_int64();
    wait_for_status(client, customer, order_id, {"confirmed"});
    REQUIRE(client.post("/api/v1/orders/" + std::to_string(order_id) + "/ship", "", admin).status ==
            200);
    auto declined =
        client.post("/api/v1/orders", order_body(product, 1, "tok_decline_CANARY7731"), customer);
    REQUIRE(declined.status == 201);
    wait_for_status(client, customer, declined.json().at("id").as_int64(), {"cancelled"});

    auto timeline = client.get("/api/v1/orders/" + std::to_string(order_id) + "/events", customer)
                        .json()
                        .at("events")
                        .as_array();
    REQUIRE(timeline.size() >= 5);
    std::map<std::string, KafkaMessage> on_kafka;
    REQUIRE(eventually(
        [&] {
          on_kafka = read_all_topics(broker.bootstrap());
          for (const auto& event : timeline) {
            if (!on_kafka.count(std::string(event.at("id").as_string()))) return false;
          }
          return true;
        },
        std::chrono::seconds(30)));
    for (const auto& event : timeline) {
      std::string id(event.at("id").as_string());
      std::string source(event.at("source").as_string());
      CAPTURE(id);
      const auto& m = on_kafka.at(id);
      CHECK(m.topic == kTopicOf.at(source));
      CHECK(m.headers.at("ce_type") == event.at("type").as_string());
      CHECK(m.headers.at("ce_source") == "/mart/" + source);
      CHECK(m.headers.at("ce_specversion") == "1.0");
      CHECK(m.headers.at("content-type") == "application/json");
      CHECK(m.headers.at("ce_time") == event.at("time").as_string());
      CHECK(m.headers.at("ce_correlationid") == event.at("correlation_id").as_string());
      CHECK(m.headers.count("traceparent") == 1);
      auto mirrored = boost::json::parse(m.payload);
      if (event.at("type") == "orders.payment_requested.v1") {
        // Kafka carries the card token sealed, for a Payments process elsewhere; the timeline
        // shows neither form.
        auto& object = mirrored.as_object();
        REQUIRE(object.contains("payment_token_sealed"));
        CHECK(std::string_view(object.at("payment_token_sealed").as_string())
                  .starts_with("sealed.v1."));
        CHECK_FALSE(object.contains("payment_token"));
        object.erase("payment_token_sealed");
      }
      CHECK(mirrored == event.at("data"));
      if (source == "orders") CHECK(m.key == std::to_string(order_id));
    }
    // Every user, product and the stock changes are there too, each exactly once.
    auto users = read_with_kcat(broker.bootstrap(), "UserEvents");
    CHECK(users.size() >= 2);  // the admin and the customer registered
    std::size_t messages = 0;
    auto by_id = read_all_topics(broker.bootstrap(), &messages);
    CHECK(messages == by_id.size());
    for (const auto& entry : by_id) {
      const auto& m = entry.second;  // not a structured binding: CAPTURE captures it
      CAPTURE(m.payload);
      CHECK(m.payload.find("CANARY7731") == std::string::npos);
      CHECK(m.key.find("CANARY7731") == std::string::npos);
      for (const auto& [name, value] : m.headers)
        CHECK(value.find("CANARY7731") == std::string::npos);
    }
    CHECK(server.output().find("CANARY7731") == std::string::npos);
  }

  TEST_CASE("[e2e] kafka mirror: the broker down for a while, then up — nothing is lost") {
    BrokerProcess broker(MART_KAFKA_MOCK, 4);
    TempDir dir;
    ServerProcess server(dir.path(),
                         {"--kafka-enabled", "true", "--kafka-brokers", broker.bootstrap()},
                         admin_env());
    HttpClient client(server.port());
    auto admin = admin_headers(client);
    auto product = create_stocked_product(client, admin, "Outage kettle", 2000, 50);
    REQUIRE(eventually([&] { return client.get("/readyz").status == 200; }));

    broker.set_down(true);
    auto customer = customer_headers(client, "outage@example.com");
    std::vector<std::int64_t> orders;
    for (int i = 0; i < 10; ++i) {
      auto r = client.post("/api/v1/orders", order_body(product, 1), customer);
      REQUIRE(r.status == 201);
      orders.push_back(r.json().at("id").as_int64());
    }
    // The in-process flow never waits for Kafka.
    for (auto id : orders) wait_for_status(client, customer, id, {"confirmed"});
    // Readiness says the broker is gone.
    CHECK(
        eventually([&] { return client.get("/readyz").status == 503; }, std::chrono::seconds(15)));

    broker.set_down(false);
    CHECK(
        eventually([&] { return client.get("/readyz").status == 200; }, std::chrono::seconds(30)));
    std::vector<KafkaMessage> placed;
    CHECK(eventually(
        [&] {
          placed.clear();
          for (auto& m : read_with_kcat(broker.bootstrap(), "OrderEvents")) {
            if (m.headers["ce_type"] == "orders.order_confirmed.v1") placed.push_back(m);
          }
          return placed.size() >= orders.size();
        },
        std::chrono::seconds(30)));
    std::set<std::string> keys;
    for (const auto& m : placed) keys.insert(m.key);
    CHECK(placed.size() == orders.size());  // none twice
    for (auto id : orders) CHECK(keys.count(std::to_string(id)) == 1);
  }
}
